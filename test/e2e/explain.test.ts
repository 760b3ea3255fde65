// Issue 11 on the real control plane: `kubectl gangplank` (run as a child
// process, admin kubeconfig) reports the numbers the extender acts on:
// status and explain for a pending driver-led gang and for a GPU pod whose
// node has its GPUs split over NUMA zones; what-if on a saved snapshot
// answers what the extender answers when the app is then submitted.
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { GangsReport } from '../../src/gang/report.js';
import type { Explanation } from '../../src/plugin/explain.js';
import type { WhatIf } from '../../src/plugin/whatif.js';
import { makePod } from '../support/pod.js';
import { useLocalCluster, type E2E } from './support/cluster.js';
import { driverPod, reservedNodes } from './support/spark.js';

const PLUGIN = resolve('dist/src/plugin/main.js');
const run = promisify(execFile);
const bound = (p: V1Pod): boolean => Boolean(p.spec?.nodeName);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function plugin<T>(e2e: E2E, ...args: string[]): Promise<T> {
  const { stdout } = await run(process.execPath, [PLUGIN, ...args, '-o', 'json', '--kubeconfig', e2e.cluster().plane.kubeconfig], { timeout: 60_000 });
  return JSON.parse(stdout) as T;
}

/** The extender's FailedScheduling message for a pod (waits for it). */
async function failedScheduling(e2e: E2E, ns: string, name: string): Promise<string> {
  for (let i = 0; i < 120; i++) {
    const ev = (await e2e.events(ns, name)).find((e) => e.reason === 'FailedScheduling');
    if (ev?.message) return ev.message;
    await sleep(250);
  }
  throw new Error(`no FailedScheduling event for ${ns}/${name}`);
}

/** What `kubectl get nodes,pods -A -o json` prints. */
async function snapshot(e2e: E2E): Promise<string> {
  const nodes = (await e2e.client().request<{ items: V1Node[] }>({ path: '/api/v1/nodes' })).items;
  const pods = (await e2e.client().request<{ items: V1Pod[] }>({ path: '/api/v1/pods' })).items;
  const items = [...nodes.map((n) => ({ apiVersion: 'v1', kind: 'Node', ...n })), ...pods.map((p) => ({ apiVersion: 'v1', kind: 'Pod', ...p }))];
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items });
}

const slotsOf = (g: GangsReport['gangs'][number]): number => g.reservations.reduce((n, r) => n + r.slots, 0);

describe('kubectl gangplank on the real control plane', () => {
  const e2e = useLocalCluster({
    gangplankConfig: { schedulerName: 'gangplank-scheduler', extender: { gangTimeoutSeconds: 300, sparkConfigWaitSeconds: 1 } },
  });

  it('X01. status and explain: a reserved gang and a pending driver-led gang, from the API and from /debug/gangs', async () => {
    const ns = await e2e.namespace('x1');
    await e2e.nodes('2x cpu=4,memory=16Gi');
    await e2e.createPod(driverPod({ ns, app: 'a', executors: 3 }));
    await e2e.waitForPod(ns, 'a-driver', 'to be bound', bound);
    await e2e.createPod(driverPod({ ns, app: 'b', executors: 6 }));
    const event = await failedScheduling(e2e, ns, 'b-driver');
    expect(event).toMatch(/6 executors/);

    const fromApi = await plugin<GangsReport>(e2e, 'status', '-n', ns);
    const fromExtender = await plugin<GangsReport>(e2e, 'status', '-n', ns, '--extender-url', `http://127.0.0.1:${e2e.cluster().ports.extenderOps}`);
    for (const report of [fromApi, fromExtender]) {
      // Gang names are the webhook's (app name and selector hash); the anchors are the drivers.
      expect(report.gangs.map((g) => [g.pod, g.state])).toEqual([
        ['a-driver', 'reserved'],
        ['b-driver', 'does_not_fit'],
      ]);
      const [a, b] = report.gangs as [GangsReport['gangs'][number], GangsReport['gangs'][number]];
      expect(a.members).toMatchObject({ expected: 4, bound: 1, exist: 1 });
      expect(slotsOf(a)).toBe(3);
      expect(a.reservations.map((r) => r.node).sort()).toEqual([...new Set(reservedNodes(await e2e.getPod(ns, 'a-driver')))].sort());
      expect(a.timeoutSeconds).toBe(300);
      expect(b.why).toMatch(/driver \+ 6 executors need 7 × \{cpu 1, memory 1Gi\}; only 3 executors fit/);
      expect(event).toContain(b.why);
    }

    const e = await plugin<Explanation>(e2e, 'explain', `${ns}/b-driver`);
    expect(e.verdict).toBe('DoesNotFit');
    expect(event).toContain(e.message);
    // a's driver and its 3 reserved executors fill one node (the planner keeps a gang close):
    // that node is held for a; b's driver alone fits on the other, its gang does not.
    const a = fromApi.gangs[0] as GangsReport['gangs'][number];
    const held = [...new Set(a.reservations.map((r) => r.node))].sort();
    expect(held).toEqual([(await e2e.getPod(ns, 'a-driver')).spec?.nodeName]);
    expect(e.groups).toEqual([
      { reason: 'the pod fits, its gang does not', inTree: false, nodes: (await e2e.cluster().plane.client.request<{ items: V1Node[] }>({ path: '/api/v1/nodes' })).items.map((n) => n.metadata?.name ?? '').filter((n) => !held.includes(n)) },
      { reason: `held for gang ${a.key}`, inTree: false, nodes: held },
    ]);
    expect(e.summary).toBe(`the pod fits, its gang does not on 1 node, held for gang ${a.key} on 1 node`);
    // Read-only: nothing was bound or planned for b by the plugin.
    expect((await e2e.getPod(ns, 'b-driver')).metadata?.annotations?.['gangplank.io/gang-record']).toBeUndefined();
  });

  it('X02. status and explain: a GPU pod whose node holds 4 GPUs in two zones of 2', async () => {
    const ns = await e2e.namespace('x2');
    await e2e.nodes('gpu-0 cpu=16,memory=64Gi,nvidia.com/gpu=4 numa=2; 2x cpu=4,memory=16Gi');
    const pod = makePod('train')
      .ns(ns)
      .scheduler('gangplank-scheduler')
      .gang('train', 1)
      .requests({ cpu: '2', memory: '4Gi' })
      .gpu(4)
      .annotations({ 'numa.scheduling.kubenexus.io/policy': 'single-numa', 'numa.scheduling.kubenexus.io/resources': 'cpu,memory,nvidia.com/gpu' })
      .obj();
    await e2e.createPod(pod);
    const event = await failedScheduling(e2e, ns, 'train');

    const e = await plugin<Explanation>(e2e, 'explain', 'train', '-n', ns);
    expect(e.gang).toEqual({ key: `${ns}/train`, role: 'member' });
    expect(e.verdict).toBe('DoesNotFit');
    expect(event).toContain(e.message);
    const groups = Object.fromEntries(e.groups.map((g) => [g.reason, g.nodes.length]));
    expect(groups['no single NUMA zone fits']).toBe(1);
    expect(groups['insufficient nvidia.com/gpu']).toBe(2);
    expect(e.summary).toMatch(/insufficient nvidia.com\/gpu on 2 nodes, no single NUMA zone fits on 1 node/);

    const status = await plugin<GangsReport>(e2e, 'status', '-n', ns, 'train');
    expect(status.gangs).toHaveLength(1);
    expect(status.gangs[0]).toMatchObject({ name: 'train', state: 'does_not_fit', members: { exist: 1 } });
    expect(event).toContain(status.gangs[0]?.why);
  });

  it('X03. what-if on a saved snapshot answers as the extender does: the shortfall, then a placement', async () => {
    const ns = await e2e.namespace('x3');
    await e2e.nodes('3x cpu=3,memory=16Gi');
    await e2e.createPod(driverPod({ ns, app: 'first', executors: 2 }));
    await e2e.waitForPod(ns, 'first-driver', 'to be bound', bound);
    const dir = mkdtempSync(join(tmpdir(), 'whatif-'));
    const snap = join(dir, 'cluster.json');
    writeFileSync(snap, await snapshot(e2e));

    // Too big: 1 + 7 executors of 1 cpu where 9 cpu are left minus 3 held... 6 free.
    const big = driverPod({ ns, app: 'big', executors: 7 });
    writeFileSync(join(dir, 'big.yaml'), stringify(big));
    const w = await plugin<WhatIf>(e2e, 'what-if', '-f', join(dir, 'big.yaml'), '--snapshot', snap, '-n', ns);
    expect(w.fits).toBe(false);
    expect(w.pods[0]?.message).toMatch(/7 executors/);
    await e2e.createPod(big);
    expect(await failedScheduling(e2e, ns, 'big-driver')).toContain(w.pods[0]?.message);
    await e2e.client().request({ method: 'DELETE', path: `/api/v1/namespaces/${ns}/pods/big-driver`, body: { gracePeriodSeconds: 0 } });

    // Fits: the driver and its executors on the nodes the extender then picks.
    const fits = driverPod({ ns, app: 'fits', executors: 4 });
    writeFileSync(join(dir, 'fits.yaml'), stringify(fits));
    const p = await plugin<WhatIf>(e2e, 'what-if', '-f', join(dir, 'fits.yaml'), '--snapshot', snap);
    expect(p.fits).toBe(true);
    expect(Object.keys(p.plans)).toHaveLength(1);
    const plan = Object.values(p.plans)[0] ?? [];
    expect(plan.filter((s) => s.role === 'executor')).toHaveLength(4);
    await e2e.createPod(fits);
    const driver = await e2e.waitForPod(ns, 'fits-driver', 'to be bound', bound);
    expect(driver.spec?.nodeName).toBe(plan.find((s) => s.role === 'driver')?.node);
    expect(reservedNodes(driver)).toEqual(plan.filter((s) => s.role === 'executor').map((s) => s.node).sort());
  });
});
