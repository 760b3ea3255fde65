// Issue 12's "done when" on the real control plane: NUMA zones from
// NodeResourceTopology objects, with the NRT CRD installed AFTER Gangplank
// has started (test/fixtures/crds/noderesourcetopology.yaml). The test plays
// the topology exporter: it creates and updates NRT objects, publishing the
// pod-set fingerprint of the pods the kubelet would be running (there is no
// kubelet: a pod "runs" when the test sets its status), late or never.
import type { V1Pod } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readManifests } from '../../dev/cluster/apply.js';
import { repoRoot } from '../../dev/cluster/local.js';
import { waitFor } from '../../dev/cluster/process.js';
import { ApiError } from '../../src/k8s/client.js';
import { podSetFingerprint } from '../../src/numa/fingerprint.js';
import { makePod } from '../support/pod.js';
import { metricValue, useLocalCluster, type E2E } from './support/cluster.js';

const GPU = 'nvidia.com/gpu';
const NRT_PATH = '/apis/topology.node.k8s.io/v1alpha2/noderesourcetopologies';
const CRD_PATH = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
const CRD_NAME = 'noderesourcetopologies.topology.node.k8s.io';

const bound = (p: V1Pod): boolean => Boolean(p.spec?.nodeName);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const zoneOf = (p: V1Pod): string | undefined => p.metadata?.annotations?.['gangplank.io/numa-zone'];

interface Exporter {
  /** The kubelet's topology-manager policy the exporter reports. */
  policy: 'none' | 'best-effort' | 'restricted' | 'single-numa-node';
  /** GPUs available per zone (each zone holds 4 GPUs, 16 cpu, 64Gi). */
  available: number[];
  /** The pods (namespace/name) the data accounts for: its fingerprint. */
  pods: { namespace: string; name: string }[];
  /** GPUs per zone when not 4. */
  capacity?: number[];
}

/** The NRT object an exporter (resource-topology-exporter, NFD topology-updater) would publish for `node`. */
function nrtObject(node: string, e: Exporter): Record<string, unknown> {
  return {
    apiVersion: 'topology.node.k8s.io/v1alpha2',
    kind: 'NodeResourceTopology',
    metadata: { name: node },
    topologyPolicies: [],
    attributes: [
      { name: 'topologyManagerPolicy', value: e.policy },
      { name: 'topologyManagerScope', value: 'pod' },
      { name: 'nodeTopologyPodsFingerprint', value: podSetFingerprint(e.pods) },
      { name: 'nodeTopologyPodsFingerprintMethod', value: 'all' },
    ],
    zones: e.available.map((gpus, i) => ({
      name: `node-${i}`,
      type: 'Node',
      costs: e.available.map((_, j) => ({ name: `node-${j}`, value: i === j ? 10 : 20 })),
      resources: [
        { name: 'cpu', capacity: '16', allocatable: '16', available: '16' },
        { name: 'memory', capacity: '64Gi', allocatable: '64Gi', available: '64Gi' },
        { name: GPU, capacity: String(e.capacity?.[i] ?? 4), allocatable: String(e.capacity?.[i] ?? 4), available: String(gpus) },
      ],
    })),
  };
}

/** A node with `zones` × (16 cpu, 64Gi, 4 GPUs) and no annotation topology. */
function nodeSpec(name: string, zones = 2, gpusPerZone = 4): { name: string; resources: Record<string, string> } {
  return { name, resources: { cpu: String(16 * zones), memory: `${64 * zones}Gi`, [GPU]: String(gpusPerZone * zones), pods: '110' } };
}

/** A Guaranteed pod (requests = limits, whole CPUs) asking for GPUs, without NUMA annotations. */
function gpuPod(ns: string, name: string, gpus: number, opts: { node?: string; annotate?: boolean } = {}): V1Pod {
  const b = makePod(name).ns(ns).scheduler('gangplank-scheduler').requests({ cpu: '2', memory: '4Gi' }).limits({ cpu: '2', memory: '4Gi' }).gpu(gpus);
  if (opts.node) b.nodeSelector({ 'kubernetes.io/hostname': opts.node });
  if (opts.annotate) b.annotations({ 'numa.scheduling.kubenexus.io/policy': 'single-numa', 'numa.scheduling.kubenexus.io/resources': GPU });
  return b.obj();
}

describe('NUMA zones from NodeResourceTopology on the real kube-scheduler (CRD installed after Gangplank started)', () => {
  const e2e: E2E = useLocalCluster({
    gangplankConfig: {
      schedulerName: 'gangplank-scheduler',
      extender: { topologyDiscoverySeconds: 1, eventIntervalSeconds: 0 },
    },
  });
  const nrts: string[] = [];
  let seriesBeforeCrd = -1;

  const client = () => e2e.client();
  const metrics = async (): Promise<string> => (await e2e.cluster().ops('/metrics')).body;

  async function publish(node: string, e: Exporter): Promise<void> {
    const body = nrtObject(node, e);
    try {
      await client().request({ method: 'POST', path: NRT_PATH, body });
      nrts.push(node);
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 409) throw err;
      await client().request({ method: 'PATCH', path: `${NRT_PATH}/${node}`, patchType: 'merge', body });
    }
  }

  /** What the kubelet does once it has admitted a pod: the pod runs. */
  async function run(p: V1Pod): Promise<void> {
    await client().request({ method: 'PATCH', path: `/api/v1/namespaces/${p.metadata?.namespace}/pods/${p.metadata?.name}/status`, patchType: 'merge', body: { status: { phase: 'Running' } } });
  }

  /** The scheduler's FailedScheduling message for a pod (its latest). */
  async function failedScheduling(ns: string, name: string): Promise<string> {
    let message = '';
    await waitFor(`FailedScheduling for ${ns}/${name}`, async () => {
      const ev = (await e2e.events(ns, name)).filter((e) => e.reason === 'FailedScheduling');
      message = ev.at(-1)?.message ?? '';
      return message !== '';
    }, 30_000);
    return message;
  }

  async function staysPending(ns: string, name: string, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      expect((await e2e.getPod(ns, name)).spec?.nodeName, `${name} must stay pending`).toBeFalsy();
      await sleep(250);
    }
  }

  beforeAll(async () => {
    // Gangplank is up and the API does not serve NRT: no series for it yet.
    const text = await metrics();
    seriesBeforeCrd = text.split('\n').filter((l) => l.startsWith('gangplank_cache_synced{') && l.includes('noderesourcetopologies')).length;
    const crd = readManifests(join(repoRoot(), 'test', 'fixtures', 'crds', 'noderesourcetopology.yaml'))[0];
    await client().request({ method: 'POST', path: CRD_PATH, body: crd });
    await waitFor('the NRT CRD served', async () => {
      const list = await client().request<{ resources?: { name: string }[] }>({ path: '/apis/topology.node.k8s.io/v1alpha2' }).catch(() => ({ resources: [] }));
      return (list.resources ?? []).some((r) => r.name === 'noderesourcetopologies');
    }, 30_000);
  }, 60_000);

  afterEach(async () => {
    for (const n of nrts.splice(0)) await client().request({ method: 'DELETE', path: `${NRT_PATH}/${n}` }).catch(() => undefined);
  });

  afterAll(async () => {
    await client().request({ method: 'DELETE', path: `${CRD_PATH}/${CRD_NAME}` }).catch(() => undefined);
  });

  it('1. discovers the NRT API installed after start-up: watched without a restart, in gangplank_cache_synced and /readyz', async () => {
    expect(seriesBeforeCrd).toBe(0);
    await waitFor('gangplank_cache_synced{resource="noderesourcetopologies"} 1', async () => metricValue(await metrics(), 'gangplank_cache_synced', { resource: 'noderesourcetopologies' }) === 1, 30_000);
    expect((await e2e.cluster().ops('/readyz')).status).toBe(200);
    const log = readFileSync(e2e.cluster().process('extender')!.logFile, 'utf8');
    expect(log).toMatch(/NodeResourceTopology not served \(yet\)/);
    expect(log).toMatch(/NodeResourceTopology served: watching it/);
  });

  it('2. fits pods zone by zone: two 3-GPU pods take one zone each; a 2-GPU pod waits though the node has 2 GPUs free', async () => {
    const ns = await e2e.namespace('nz2');
    await e2e.nodes([nodeSpec('zz-a')]);
    await publish('zz-a', { policy: 'single-numa-node', available: [4, 4], pods: [] });
    await e2e.createPod(gpuPod(ns, 'p1', 3));
    const p1 = await e2e.waitForPod(ns, 'p1', 'to be bound', bound);
    await e2e.createPod(gpuPod(ns, 'p2', 3));
    const p2 = await e2e.waitForPod(ns, 'p2', 'to be bound', bound);
    expect([zoneOf(p1), zoneOf(p2)].sort()).toEqual(['node-0', 'node-1']);
    await e2e.createPod(gpuPod(ns, 'p3', 2));
    expect(await failedScheduling(ns, 'p3')).toMatch(/no single NUMA zone holds \{cpu 2, memory 4Gi, nvidia.com\/gpu 2\} \(topology manager single-numa-node \(pod scope\); most free in one zone: \{cpu 14, memory 60Gi, nvidia.com\/gpu 1\}\)/);
    await staysPending(ns, 'p3', 1_000);
  });

  it('3. never puts a 6-GPU pod on two 4-GPU zones; it lands where one zone holds 6', async () => {
    const ns = await e2e.namespace('nz3');
    await e2e.nodes([nodeSpec('zz-four'), nodeSpec('zz-eight', 1, 8)]);
    await publish('zz-four', { policy: 'single-numa-node', available: [4, 4], pods: [] });
    await publish('zz-eight', { policy: 'single-numa-node', available: [0], capacity: [8], pods: [] });
    await e2e.createPod(gpuPod(ns, 'six', 6, { annotate: true }));
    await e2e.createPod(gpuPod(ns, 'six-plain', 6));
    expect(await failedScheduling(ns, 'six-plain')).toMatch(/needs 2 NUMA zones/);
    await staysPending(ns, 'six', 1_000);
    // The 8-GPU zone frees up (its exporter says so): both wait for it, one gets it.
    await publish('zz-eight', { policy: 'single-numa-node', available: [8], capacity: [8], pods: [] });
    await waitFor('one 6-GPU pod bound', async () => [await e2e.getPod(ns, 'six'), await e2e.getPod(ns, 'six-plain')].some(bound), 60_000);
    const pods = [await e2e.getPod(ns, 'six'), await e2e.getPod(ns, 'six-plain')];
    expect(pods.filter(bound).map((p) => [p.spec?.nodeName, zoneOf(p)])).toEqual([['zz-eight', 'node-0']]);
    await sleep(1_000);
    expect((await Promise.all(['six', 'six-plain'].map((n) => e2e.getPod(ns, n)))).filter(bound)).toHaveLength(1);
  });

  it('4. never over-fills a zone while the exporter lags, then resyncs from its update', async () => {
    const ns = await e2e.namespace('nz4');
    await e2e.nodes([nodeSpec('zz-lag')]);
    // The exporter published once, before any pod, and then lags.
    await publish('zz-lag', { policy: 'single-numa-node', available: [4, 4], pods: [] });
    const placed: V1Pod[] = [];
    for (const name of ['a', 'b']) {
      await e2e.createPod(gpuPod(ns, name, 4, { annotate: true }));
      placed.push(await e2e.waitForPod(ns, name, 'to be bound', bound));
      // Long enough for the informer to show the pod bound: it must still count.
      await sleep(1_500);
    }
    expect(placed.map(zoneOf).sort()).toEqual(['node-0', 'node-1']);
    // (The node's 8 GPUs are taken too, so the scheduler's own filter turns c away first.)
    await e2e.createPod(gpuPod(ns, 'c', 4, { annotate: true }));
    await staysPending(ns, 'c', 1_000);
    // The kubelet runs them; the exporter catches up with the fingerprint of both.
    for (const p of placed) await run(p);
    await publish('zz-lag', { policy: 'single-numa-node', available: [0, 0], pods: placed.map((p) => ({ namespace: ns, name: p.metadata!.name! })) });
    await waitFor('an NRT resync counted', async () => metricValue(await metrics(), 'gangplank_numa_topology_syncs_total', { outcome: 'match' }) > 0, 30_000);
    await staysPending(ns, 'c', 1_500);
  });

  it('5. respects an exporter update that empties a zone, and one that frees it', async () => {
    const ns = await e2e.namespace('nz5');
    await e2e.nodes([nodeSpec('zz-upd')]);
    await publish('zz-upd', { policy: 'single-numa-node', available: [4, 4], pods: [] });
    // Something the scheduler does not see (a static pod, a device taken outside Kubernetes) empties node-0.
    await publish('zz-upd', { policy: 'single-numa-node', available: [0, 4], pods: [] });
    await sleep(500);
    await e2e.createPod(gpuPod(ns, 'x', 4));
    const x = await e2e.waitForPod(ns, 'x', 'to be bound', bound);
    expect(zoneOf(x)).toBe('node-1');
    await e2e.createPod(gpuPod(ns, 'y', 4));
    expect(await failedScheduling(ns, 'y')).toMatch(/topology manager single-numa-node/);
    // node-0 comes back: the exporter's update (with x running) frees it, and the parked pod is woken.
    await run(x);
    await publish('zz-upd', { policy: 'single-numa-node', available: [4, 0], pods: [{ namespace: ns, name: 'x' }] });
    const y = await e2e.waitForPod(ns, 'y', 'to be bound once the exporter frees node-0', bound, 60_000);
    expect(zoneOf(y)).toBe('node-0');
  });

  it('6. gives a Guaranteed GPU pod zone fit on a node whose NRT says single-numa-node, without the pod asking', async () => {
    const ns = await e2e.namespace('nz6');
    await e2e.nodes([nodeSpec('zz-snn'), nodeSpec('zz-none')]);
    // Both nodes have 2 + 2 GPUs free; only zz-none's kubelet would take 4 GPUs from two zones.
    await publish('zz-snn', { policy: 'single-numa-node', available: [2, 2], pods: [] });
    await publish('zz-none', { policy: 'none', available: [2, 2], pods: [] });
    await e2e.createPod(gpuPod(ns, 'wide', 4, { node: 'zz-snn' }));
    expect(await failedScheduling(ns, 'wide')).toMatch(/topology manager single-numa-node \(pod scope\)/);
    await e2e.createPod(gpuPod(ns, 'anywhere', 4));
    expect((await e2e.waitForPod(ns, 'anywhere', 'to be bound', bound)).spec?.nodeName).toBe('zz-none');
    await e2e.createPod(gpuPod(ns, 'narrow', 2, { node: 'zz-snn' }));
    expect(zoneOf(await e2e.waitForPod(ns, 'narrow', 'to be bound', bound))).toBe('node-0');
    await staysPending(ns, 'wide', 500);
  });

  it('7. falls back to the node annotation when the CRD goes away, with a log line and an Event on the node', async () => {
    await e2e.nodes([nodeSpec('zz-gone')]);
    await publish('zz-gone', { policy: 'single-numa-node', available: [4, 4], pods: [] });
    await waitFor('the NRT seen', async () => (await e2e.cluster().ops('/readyz')).status === 200, 10_000);
    await sleep(1_500);
    await client().request({ method: 'DELETE', path: `${CRD_PATH}/${CRD_NAME}` });
    await waitFor('no gangplank_cache_synced series for noderesourcetopologies', async () => !(await metrics()).includes('resource="noderesourcetopologies"'), 30_000);
    let events: { reason?: string; message?: string }[] = [];
    await waitFor('a NodeResourceTopologyGone Event on zz-gone', async () => {
      events = await e2e.events('default', 'zz-gone');
      return events.some((e) => e.reason === 'NodeResourceTopologyGone');
    }, 30_000);
    expect(events.find((e) => e.reason === 'NodeResourceTopologyGone')?.message).toMatch(/gangplank.io\/numa-topology annotation, which it does not have/);
    expect(readFileSync(e2e.cluster().process('extender')!.logFile, 'utf8')).toMatch(/NodeResourceTopology no longer served/);
    expect((await e2e.cluster().ops('/readyz')).status).toBe(200);
  });
});
