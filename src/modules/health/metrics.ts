import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** One Prometheus registry per app instance (tests create several apps in one process). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const httpDuration = new Histogram({
    name: 'veilig_http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [registry],
  });
  const jobRuns = new Counter({
    name: 'veilig_job_runs_total',
    help: 'Background job runs by job and outcome',
    labelNames: ['job', 'outcome'] as const,
    registers: [registry],
  });
  // Alerts look at the age of the last success: a schedule that silently stopped shows no failures.
  const jobLastSuccess = new Gauge({
    name: 'veilig_job_last_success_timestamp_seconds',
    help: 'When this instance last completed a run of the job (Unix seconds)',
    labelNames: ['job'] as const,
    registers: [registry],
  });
  // Counted when exported, not when uploaded: a counter that moved with each upload would tell a real
  // upload from a decoy (and its time) to whoever can read /metrics; a log line per upload, when an
  // infected person's phone reached us.
  const keysExported = new Counter({
    name: 'veilig_diagnosis_keys_exported_total',
    help: 'Real diagnosis keys published in export files, by region',
    labelNames: ['region'] as const,
    registers: [registry],
  });
  return { registry, httpDuration, jobRuns, jobLastSuccess, keysExported };
}

export type Metrics = ReturnType<typeof createMetrics>;
export const METRICS = Symbol('METRICS');
