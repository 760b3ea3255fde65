import type { RequestListener } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { listen, type Listening } from '../../../src/http/serve.js';
import { silentLogger } from '../../../src/log.js';
import { createMetrics } from '../../../src/metrics/index.js';
import { buildOpsApp } from '../../../src/ops/app.js';

describe('ops server', () => {
  let server: Listening | undefined;
  afterEach(async () => {
    await server?.close(100);
  });

  it('is live at once, ready only when every check passes, and serves its own registry', async () => {
    const metrics = createMetrics();
    let synced = false;
    const app = buildOpsApp({ registry: metrics.registry, readiness: [{ name: 'caches', check: () => (synced ? null : 'pods not synced') }] });
    server = await listen(app as unknown as RequestListener, { name: 'ops', host: '127.0.0.1', port: 0, logger: silentLogger() });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const notReady = await fetch(`${server.url}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.text()).toContain('caches: pods not synced');
    synced = true;
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    metrics.admissions.inc({ role: 'driver', outcome: 'patched' });
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toContain('gangplank_admissions_total{role="driver",outcome="patched"} 1');
    // prom-client's default metrics under their standard names (no gangplank_ prefix).
    expect(text).toMatch(/^process_cpu_seconds_total /m);
  });

  it('keeps two apps\' metrics apart (no global registry)', async () => {
    const a = createMetrics({ defaultMetrics: false });
    const b = createMetrics({ defaultMetrics: false });
    a.admissions.inc({ role: 'driver', outcome: 'patched' });
    expect(await a.registry.getSingleMetricAsString('gangplank_admissions_total')).toContain('outcome="patched"} 1');
    expect(await b.registry.getSingleMetricAsString('gangplank_admissions_total')).not.toContain('outcome="patched"');
  });

  it('drains an in-flight request on close before the server stops', async () => {
    let release: () => void = () => {};
    const slow: RequestListener = (_req, res) => {
      release = () => res.end('done');
    };
    server = await listen(slow, { name: 'slow', host: '127.0.0.1', port: 0, logger: silentLogger() });
    const pending = fetch(`${server.url}/`).then((r) => r.text());
    await new Promise((r) => setTimeout(r, 50));
    const closing = server.close(5_000);
    release();
    expect(await pending).toBe('done');
    await closing;
    server = undefined;
  });
});
