// One prom-client Registry per app instance (no module singletons), so two
// apps in one test process never share counters. Names follow Prometheus
// conventions (https://prometheus.io/docs/practices/naming/): base units
// (seconds, bytes), one unit per metric, `_total` on counters only, and help
// texts that list the label values the code really sets.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { VERSION } from '../version.js';

/** Buckets for calls that should take well under a millisecond to a few ms. */
const fastBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

/**
 * Values of `gangplank_gangs{state}`. `waiting` and `does_not_fit` are gangs
 * the filter turned away (last verdict Wait or DoesNotFit) and that are not
 * in the ledger; the other three are the ledger's states.
 */
export const GANG_STATES = ['waiting', 'does_not_fit', 'planned', 'reserved', 'filled'] as const;
export type GangStateLabel = (typeof GANG_STATES)[number];

/**
 * prom-client's default metrics that are gauges named `_total`, which
 * `promtool check metrics` rejects ("non-counter metrics should not have
 * _total suffix"). Each is the sum over the `type` label of its namesake
 * without `_total` (nodejs_active_handles{type} …), so dropping them loses
 * nothing: sum(nodejs_active_handles) is the same figure.
 */
const LINT_FAILING_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

export function createMetrics(options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.defaultMetrics !== false) {
    // No prefix: process_* and nodejs_* under their standard names, so the
    // usual Node.js dashboards and alerts find them.
    collectDefaultMetrics({ register: registry });
    for (const name of LINT_FAILING_DEFAULTS) registry.removeSingleMetric(name);
  }
  const registers = [registry];
  // Caches whose sync state is reported at scrape time (see trackCache).
  const caches = new Map<string, () => boolean>();

  const buildInfo = new Gauge({
    name: 'gangplank_build_info',
    help: 'Always 1; labels carry the Gangplank version and the Node.js version it runs on.',
    labelNames: ['version', 'node_version'] as const,
    registers,
  });
  buildInfo.set({ version: VERSION, node_version: process.version }, 1);

  const metrics = {
    registry,
    buildInfo,
    // Webhook
    admissions: new Counter({
      name: 'gangplank_admissions_total',
      help: 'AdmissionReviews answered, by Spark role (driver, executor, none) and outcome (patched, unchanged, skipped, denied, error; error = admitted unshaped after an internal error).',
      labelNames: ['role', 'outcome'] as const,
      registers,
    }),
    admissionDuration: new Histogram({
      name: 'gangplank_admission_duration_seconds',
      help: 'Time to decide one AdmissionReview, by Spark role (driver, executor, none).',
      labelNames: ['role'] as const,
      buckets: fastBuckets,
      registers,
    }),
    patchOps: new Counter({
      name: 'gangplank_patch_operations_total',
      help: 'JSON Patch operations returned to the API server, by Spark role (driver, executor).',
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
      help: 'Time to answer one well-formed extender call, by verb (filter, prioritize, bind).',
      labelNames: ['verb'] as const,
      buckets: fastBuckets,
      registers,
    }),
    extenderErrors: new Counter({
      name: 'gangplank_extender_errors_total',
      help: 'Extender calls answered with an error, by verb (filter, prioritize, bind) and kind (malformed: HTTP 400; internal: HTTP 200 with Error).',
      labelNames: ['verb', 'kind'] as const,
      registers,
    }),
    filterOutcomes: new Counter({
      name: 'gangplank_filter_outcomes_total',
      help: 'Filter verdicts, by reason (Ready, Wait, DoesNotFit, NotInGang; CacheNotSynced and CacheStale when the filter failed closed).',
      labelNames: ['reason'] as const,
      registers,
    }),
    gangs: new Gauge({
      name: 'gangplank_gangs',
      help: 'Gangs known to the extender, by state (waiting: turned away for now, e.g. members missing or older gangs first; does_not_fit: no placement for the whole gang; planned; reserved: anchor bound, slots held; filled: every member bound).',
      labelNames: ['state'] as const,
      registers,
    }),
    gangsPastTimeout: new Gauge({
      name: 'gangplank_gangs_waiting_past_timeout',
      help: 'Gangs in state waiting or does_not_fit whose oldest member is older than the gang time-out.',
      registers,
    }),
    gangTimeToBound: new Histogram({
      name: 'gangplank_gang_time_to_bound_seconds',
      help: 'Time from the creation of a gang\'s first member to the whole gang bound.',
      buckets: [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800],
      registers,
    }),
    // Room held by unfilled reservations: one metric per unit.
    reservationsHeldCpu: new Gauge({
      name: 'gangplank_reservations_held_cpu_cores',
      help: 'CPU held by unfilled reservations, in cores.',
      registers,
    }),
    reservationsHeldMemory: new Gauge({
      name: 'gangplank_reservations_held_memory_bytes',
      help: 'Memory held by unfilled reservations, in bytes.',
      registers,
    }),
    reservationsHeldPods: new Gauge({
      name: 'gangplank_reservations_held_pods',
      help: 'Pod slots held by unfilled reservations (executors not yet bound).',
      registers,
    }),
    reservationsHeldBytes: new Gauge({
      name: 'gangplank_reservations_held_other_bytes',
      help: 'Byte-valued resources other than memory held by unfilled reservations, by resource (ephemeral-storage, hugepages-<size>), in bytes.',
      labelNames: ['resource'] as const,
      registers,
    }),
    reservationsHeldUnits: new Gauge({
      name: 'gangplank_reservations_held_resource_units',
      help: 'Extended resources held by unfilled reservations, by resource (e.g. nvidia.com/gpu), in the resource\'s own units.',
      labelNames: ['resource'] as const,
      registers,
    }),
    reservationsReleased: new Counter({
      name: 'gangplank_reservations_released_total',
      help: 'Gang plans released, by reason (filled, timeout, driver_deleted, driver_failed, bind_failed, replanned).',
      labelNames: ['reason'] as const,
      registers,
    }),
    numaRejections: new Counter({
      name: 'gangplank_numa_rejections_total',
      help: 'Node rejections under a single-NUMA policy, by reason (no_zone_fits, no_topology, stale_topology).',
      labelNames: ['reason'] as const,
      registers,
    }),
    topologySyncs: new Counter({
      name: 'gangplank_numa_topology_syncs_total',
      help: 'NodeResourceTopology updates by what they told about the pods bound since the last one (match: fingerprint matched, pending pods resynced; mismatch: not yet; settled: included by the no-fingerprint rule; no_fingerprint; incomparable).',
      labelNames: ['outcome'] as const,
      registers,
    }),
    planWrites: new Counter({
      name: 'gangplank_gang_plan_writes_total',
      help: 'Gang plans written to the API server, by how: binding (on the first member\'s Binding, one write with the bind) or patch (on the anchor pod, before the Binding of a member that is not the anchor). One per planned gang.',
      labelNames: ['via'] as const,
      registers,
    }),
    gangsPartlyPlaced: new Counter({
      name: 'gangplank_gangs_partly_placed_total',
      help: 'Co-created gangs released with some but not all members bound. Must stay at zero.',
      registers,
    }),
    backgroundWriter: new Gauge({
      name: 'gangplank_extender_background_writer',
      help: '1 on the extender replica holding the extender Lease (it writes time-outs, Events and wake-ups no scheduler call asked for), else 0.',
      registers,
    }),
    cacheSynced: new Gauge({
      name: 'gangplank_cache_synced',
      help: '1 when the informer cache for a resource has synced, else 0, by resource (extender: nodes, pods, noderesourcetopologies; webhook: pods/spark-drivers, sparkapplications, configmaps/<namespace>/<name>).',
      labelNames: ['resource'] as const,
      registers,
      // Read at scrape time, so the value never lags behind the caches.
      collect() {
        for (const [resource, synced] of caches) this.set({ resource }, synced() ? 1 : 0);
      },
    }),
    /** Report a cache's sync state as gangplank_cache_synced{resource}. */
    trackCache(resource: string, synced: () => boolean): void {
      caches.set(resource, synced);
    },
    /** Stop reporting a cache (its API is no longer served): its series goes away. */
    untrackCache(resource: string): void {
      caches.delete(resource);
      metrics.cacheSynced.remove({ resource });
    },
  };
  // Series that alerts watch start at 0: increase() sees a series' first
  // increment only against an earlier sample, so a first error would
  // otherwise never fire (https://prometheus.io/docs/practices/instrumentation/#avoid-missing-metrics).
  for (const kind of ['malformed', 'too_large', 'internal']) metrics.admissionErrors.inc({ kind }, 0);
  for (const role of ['driver', 'executor']) for (const outcome of ['error', 'denied']) metrics.admissions.inc({ role, outcome }, 0);
  for (const verb of ['filter', 'prioritize', 'bind']) for (const kind of ['malformed', 'internal']) metrics.extenderErrors.inc({ verb, kind }, 0);
  for (const reason of ['Ready', 'Wait', 'DoesNotFit', 'NotInGang', 'CacheNotSynced', 'CacheStale']) metrics.filterOutcomes.inc({ reason }, 0);
  for (const reason of ['filled', 'timeout', 'driver_deleted', 'driver_failed', 'bind_failed', 'replanned']) metrics.reservationsReleased.inc({ reason }, 0);
  for (const via of ['binding', 'patch']) metrics.planWrites.inc({ via }, 0);
  return metrics;
}

export type Metrics = ReturnType<typeof createMetrics>;

/** Which reservations gauge holds a resource, and the value in that gauge's unit. */
export function reservationGauge(resource: string, value: number): { gauge: 'cpu' | 'memory' | 'pods' | 'bytes' | 'units'; value: number } {
  // The ledger counts cpu in millicores and byte quantities in bytes.
  if (resource === 'cpu') return { gauge: 'cpu', value: value / 1000 };
  if (resource === 'memory') return { gauge: 'memory', value };
  if (resource === 'pods') return { gauge: 'pods', value };
  if (resource === 'ephemeral-storage' || resource.startsWith('hugepages-')) return { gauge: 'bytes', value };
  return { gauge: 'units', value };
}

/** Set every reservations gauge from the ledger's totals (resources absent from `totals` read 0). */
export function setReservationsHeld(metrics: Metrics, totals: Readonly<Record<string, number>>): void {
  metrics.reservationsHeldCpu.set(0);
  metrics.reservationsHeldMemory.set(0);
  metrics.reservationsHeldPods.set(0);
  // Labelled gauges start empty each time, so a resource the ledger no longer lists does not linger.
  metrics.reservationsHeldBytes.reset();
  metrics.reservationsHeldUnits.reset();
  for (const [resource, raw] of Object.entries(totals)) {
    const { gauge, value } = reservationGauge(resource, raw);
    if (gauge === 'cpu') metrics.reservationsHeldCpu.set(value);
    else if (gauge === 'memory') metrics.reservationsHeldMemory.set(value);
    else if (gauge === 'pods') metrics.reservationsHeldPods.set(value);
    else if (gauge === 'bytes') metrics.reservationsHeldBytes.set({ resource }, value);
    else metrics.reservationsHeldUnits.set({ resource }, value);
  }
}
