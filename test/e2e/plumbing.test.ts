// Plumbing: the real kube-scheduler binds pods to fake nodes, the chart's
// scheduler reaches the extender (filter → prioritize → bind) and the API
// server reaches the webhook over TLS, all installed from the Helm chart.
import { describe, expect, it } from 'vitest';
import { makePod } from '../support/pod.js';
import { metricValue, useLocalCluster } from './support/cluster.js';

describe('local control plane with Gangplank wired in', () => {
  const e2e = useLocalCluster();

  it('binds a plain pod to a fake node with the stock default scheduler', async () => {
    const ns = await e2e.namespace('plain');
    const [node] = await e2e.nodes('1x cpu=4,memory=8Gi');
    await e2e.createPod(makePod('plain').ns(ns).cpu('1').obj());
    const pod = await e2e.waitForPod(ns, 'plain', 'to be bound', (p) => Boolean(p.spec?.nodeName));
    expect(pod.spec?.nodeName).toBe(node?.metadata?.name);
  });

  it('routes a gangplank-scheduler pod through the extender, which binds it', async () => {
    const ns = await e2e.namespace('ext');
    await e2e.nodes('1x cpu=4,memory=8Gi');
    const before = await e2e.cluster().ops('/metrics');
    await e2e.createPod(makePod('via-extender').ns(ns).scheduler('gangplank-scheduler').cpu('1').obj());
    const pod = await e2e.waitForPod(ns, 'via-extender', 'to be bound', (p) => Boolean(p.spec?.nodeName));
    expect(pod.spec?.nodeName).toBeTruthy();
    const after = (await e2e.cluster().ops('/metrics')).body;
    for (const verb of ['filter', 'bind']) {
      const name = 'gangplank_extender_request_duration_seconds_count';
      expect(metricValue(after, name, { verb }), verb).toBeGreaterThan(metricValue(before.body, name, { verb }));
    }
  });

  it('calls the webhook over TLS when a Spark pod is created', async () => {
    const ns = await e2e.namespace('wh');
    const before = metricValue((await e2e.cluster().ops('/metrics', 'webhook')).body, 'gangplank_admission_duration_seconds_count');
    await e2e.createPod(makePod('spark-driver').ns(ns).sparkApp('plumb', 'spark-0001').role('driver').cpu('1').obj());
    const after = metricValue((await e2e.cluster().ops('/metrics', 'webhook')).body, 'gangplank_admission_duration_seconds_count');
    expect(after).toBeGreaterThan(before);
  });

  it.each(['webhook', 'extender'] as const)('serves health, readiness and metrics on the %s ops port', async (role) => {
    expect((await e2e.cluster().ops('/healthz', role)).status).toBe(200);
    expect((await e2e.cluster().ops('/readyz', role)).status).toBe(200);
    const metrics = await e2e.cluster().ops('/metrics', role);
    expect(metrics.body).toMatch(/^process_cpu_seconds_total \d/m);
  });
});
