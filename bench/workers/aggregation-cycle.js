// Runs one aggregation cycle in the built app (dist/) and reports time and peak memory as JSON.
// Plain JS on purpose: Nest needs decorator metadata, which the tsx-run benchmark runner does not emit.
require('reflect-metadata');
const { createApp } = require('../../dist/src/app.factory');
const { loadConfig } = require('../../dist/src/config/app-config');
const { AggregationService } = require('../../dist/src/modules/key-store/aggregation.service');

(async () => {
  const config = loadConfig({ ...process.env, JOBS_WORKER: 'false' });
  const app = await createApp(config);
  await app.init();
  const before = process.memoryUsage().rss;
  const t0 = performance.now();
  const reports = await app.get(AggregationService).runCycle(new Date());
  const ms = performance.now() - t0;
  await app.close();
  process.stdout.write(
    '\n' +
      JSON.stringify({
        ms,
        reports,
        rssBeforeMb: before / 2 ** 20,
        maxRssMb: process.resourceUsage().maxRSS / 1024,
      }),
  );
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
