// Runs the gateway's batching job once in the built app (dist/) and reports the new batch tags as JSON.
// Plain JS on purpose: Nest needs decorator metadata, which the tsx-run benchmark runner does not emit.
require('reflect-metadata');
const { createApp } = require('../../dist/src/app.factory');
const { loadConfig } = require('../../dist/src/config/app-config');
const {
  GatewayBatchingService,
} = require('../../dist/src/modules/federation/gateway/gateway-batching.service');

(async () => {
  const app = await createApp(loadConfig({ ...process.env, JOBS_WORKER: 'false' }));
  await app.init();
  const t0 = performance.now();
  const tags = await app.get(GatewayBatchingService).runBatching(new Date());
  const ms = performance.now() - t0;
  await app.close();
  process.stdout.write(JSON.stringify({ ms, tags }));
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
