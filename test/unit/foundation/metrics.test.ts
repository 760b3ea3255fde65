// Metrics hygiene (issue 7): standard names for the default process metrics,
// gangplank_build_info, one unit per reservations gauge, cache sync read at
// scrape time. promtool itself lints the live output in test/e2e/prometheus.test.ts.
import { describe, expect, it } from 'vitest';
import { createMetrics, reservationGauge, setReservationsHeld } from '../../../src/metrics/index.js';
import { VERSION } from '../../../src/version.js';

/** The value of one sample line, e.g. `name{a="b"} 3`, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('metrics registry', () => {
  it('exposes prom-client default metrics under their standard names, without the lint-failing _total gauges', async () => {
    const text = await createMetrics().registry.metrics();
    expect(text).toMatch(/^process_cpu_seconds_total \d/m);
    expect(text).toMatch(/^process_resident_memory_bytes \d/m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes \d/m);
    expect(text).toMatch(/^nodejs_active_handles\{/m);
    expect(text).not.toMatch(/gangplank_(process|nodejs)_/);
    // promtool: "non-counter metrics should not have _total suffix".
    const gaugesNamedTotal = [...text.matchAll(/^# TYPE (\S+_total) (\S+)$/gm)].filter((m) => m[2] !== 'counter').map((m) => m[1]);
    expect(gaugesNamedTotal).toEqual([]);
  });

  it('every metric Gangplank defines is prefixed gangplank_ and every counter ends in _total', async () => {
    const metrics = await createMetrics({ defaultMetrics: false }).registry.getMetricsAsJSON();
    expect(metrics.length).toBeGreaterThan(10);
    for (const m of metrics) {
      expect(m.name).toMatch(/^gangplank_[a-z_]+$/);
      if (String(m.type) === 'counter') expect(m.name).toMatch(/_total$/);
      else expect(m.name).not.toMatch(/_total$/);
    }
  });

  it('gangplank_build_info is 1 with the package version and the Node.js version', async () => {
    const text = await createMetrics({ defaultMetrics: false }).registry.metrics();
    expect(VERSION).toMatch(/^\d+\.\d+\.\d+/);
    expect(sample(text, `gangplank_build_info{version="${VERSION}",node_version="${process.version}"}`)).toBe(1);
  });

  it.each([
    { resource: 'cpu', raw: 2500, gauge: 'cpu', value: 2.5 },
    { resource: 'memory', raw: 1408 * 2 ** 20, gauge: 'memory', value: 1408 * 2 ** 20 },
    { resource: 'pods', raw: 3, gauge: 'pods', value: 3 },
    { resource: 'ephemeral-storage', raw: 2 ** 30, gauge: 'bytes', value: 2 ** 30 },
    { resource: 'hugepages-2Mi', raw: 2 ** 21, gauge: 'bytes', value: 2 ** 21 },
    { resource: 'nvidia.com/gpu', raw: 2, gauge: 'units', value: 2 },
  ])('reservation of $resource goes to the $gauge gauge', ({ resource, raw, gauge, value }) => {
    expect(reservationGauge(resource, raw)).toEqual({ gauge, value });
  });

  it('splits the ledger totals into one gauge per unit and forgets resources no longer held', async () => {
    const m = createMetrics({ defaultMetrics: false });
    setReservationsHeld(m, { cpu: 3000, memory: 4 * 2 ** 30, pods: 3, 'nvidia.com/gpu': 2, 'ephemeral-storage': 10 * 2 ** 30 });
    let text = await m.registry.metrics();
    expect(sample(text, 'gangplank_reservations_held_cpu_cores')).toBe(3);
    expect(sample(text, 'gangplank_reservations_held_memory_bytes')).toBe(4 * 2 ** 30);
    expect(sample(text, 'gangplank_reservations_held_pods')).toBe(3);
    expect(sample(text, 'gangplank_reservations_held_resource_units{resource="nvidia.com/gpu"}')).toBe(2);
    expect(sample(text, 'gangplank_reservations_held_other_bytes{resource="ephemeral-storage"}')).toBe(10 * 2 ** 30);
    setReservationsHeld(m, { cpu: 0 });
    text = await m.registry.metrics();
    expect(sample(text, 'gangplank_reservations_held_cpu_cores')).toBe(0);
    expect(sample(text, 'gangplank_reservations_held_memory_bytes')).toBe(0);
    expect(text).not.toContain('resource="nvidia.com/gpu"');
  });

  it('gangplank_cache_synced reads each tracked cache at scrape time', async () => {
    const m = createMetrics({ defaultMetrics: false });
    let synced = false;
    m.trackCache('pods', () => synced);
    m.trackCache('nodes', () => true);
    expect(sample(await m.registry.metrics(), 'gangplank_cache_synced{resource="pods"}')).toBe(0);
    synced = true;
    const text = await m.registry.metrics();
    expect(sample(text, 'gangplank_cache_synced{resource="pods"}')).toBe(1);
    expect(sample(text, 'gangplank_cache_synced{resource="nodes"}')).toBe(1);
  });
});
