import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

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
  // Counted, not logged one by one: a log line per upload would record when an infected person's phone
  // reached us.
  const keysStored = new Counter({
    name: 'veilig_diagnosis_keys_stored_total',
    help: 'Diagnosis keys stored from app uploads, by verification flow',
    labelNames: ['flow'] as const,
    registers: [registry],
  });
  return { registry, httpDuration, jobRuns, keysStored };
}

export type Metrics = ReturnType<typeof createMetrics>;
export const METRICS = Symbol('METRICS');
