// One prom-client Registry per app instance (no module singletons), so two
// apps in one test process never share counters. Names follow Prometheus
// conventions: base units (seconds), `_total` on counters.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Buckets for calls that should take well under a millisecond to a few ms. */
const fastBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

export function createMetrics(options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'gangplank_' });
  const registers = [registry];
  return {
    registry,
    // Webhook
    admissions: new Counter({
      name: 'gangplank_admissions_total',
      help: 'AdmissionReviews answered, by Spark role and outcome (patched, unchanged, skipped, denied, error).',
      labelNames: ['role', 'outcome'] as const,
      registers,
    }),
    admissionDuration: new Histogram({
      name: 'gangplank_admission_duration_seconds',
      help: 'Time to decide one AdmissionReview, by Spark role.',
      labelNames: ['role'] as const,
      buckets: fastBuckets,
      registers,
    }),
    patchOps: new Counter({
      name: 'gangplank_patch_operations_total',
      help: 'JSON Patch operations returned to the API server, by Spark role.',
      labelNames: ['role'] as const,
      registers,
    }),
    admissionErrors: new Counter({
      name: 'gangplank_admission_errors_total',
      help: 'Webhook requests that failed, by kind (malformed, too_large, internal).',
      labelNames: ['kind'] as const,
      registers,
    }),
    // Extender
    extenderDuration: new Histogram({
      name: 'gangplank_extender_request_duration_seconds',
      help: 'Time to answer one extender call, by verb.',
      labelNames: ['verb'] as const,
      buckets: fastBuckets,
      registers,
    }),
    filterOutcomes: new Counter({
      name: 'gangplank_filter_outcomes_total',
      help: 'Filter verdicts by reason (Ready, Wait, DoesNotFit, NotInGang, Error, ...).',
      labelNames: ['reason'] as const,
      registers,
    }),
    gangs: new Gauge({
      name: 'gangplank_gangs',
      help: 'Gangs known to the extender, by state (waiting, reserved, bound).',
      labelNames: ['state'] as const,
      registers,
    }),
    gangTimeToBound: new Histogram({
      name: 'gangplank_gang_time_to_bound_seconds',
      help: 'Time from the first member of a gang seen to the whole gang bound.',
      buckets: [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800],
      registers,
    }),
    reservationsHeld: new Gauge({
      name: 'gangplank_reservations_held',
      help: 'Room held by unfilled reservations, by resource (cpu in cores, memory in bytes, others in units).',
      labelNames: ['resource'] as const,
      registers,
    }),
    reservationsReleased: new Counter({
      name: 'gangplank_reservations_released_total',
      help: 'Reservations released, by reason (filled, timeout, driver_deleted, driver_failed, bind_failed).',
      labelNames: ['reason'] as const,
      registers,
    }),
    numaRejections: new Counter({
      name: 'gangplank_numa_rejections_total',
      help: 'Node rejections under a single-NUMA policy, by reason (no_zone_fits, no_topology, stale_topology).',
      labelNames: ['reason'] as const,
      registers,
    }),
    gangsPartlyPlaced: new Counter({
      name: 'gangplank_gangs_partly_placed_total',
      help: 'Gangs observed with some but not all members bound past their time-out. Must stay at zero.',
      registers,
    }),
    cacheSynced: new Gauge({
      name: 'gangplank_cache_synced',
      help: '1 when the informer cache for a resource has synced, else 0.',
      labelNames: ['resource'] as const,
      registers,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
