// Per-file local cluster for e2e tests: start in beforeAll, stop in
// afterAll, a fresh namespace per test, bound pods force-deleted after it.
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { startLocalCluster, type LocalCluster, type LocalClusterOptions } from '../../../dev/cluster/local.js';
import { createNodes, deleteNodes, parseNodeSpecs, type NodeSpec } from '../../../dev/cluster/nodes.js';
import { recordPidsIn, waitFor } from '../../../dev/cluster/process.js';
import type { KubeClient } from '../../../src/k8s/client.js';

export interface E2E {
  cluster(): LocalCluster;
  client(): KubeClient;
  /** A fresh namespace for this test (deleted pods after it). */
  namespace(prefix?: string): Promise<string>;
  /** Create nodes from a compact description ("3x cpu=4,memory=8Gi"); deleted after the test. */
  nodes(description: string | NodeSpec[], prefix?: string): Promise<V1Node[]>;
  createPod(pod: V1Pod): Promise<V1Pod>;
  getPod(namespace: string, name: string): Promise<V1Pod>;
  waitForPod(namespace: string, name: string, what: string, ok: (p: V1Pod) => boolean, timeoutMs?: number): Promise<V1Pod>;
  /** Events about one object, oldest first. */
  events(namespace: string, name: string): Promise<{ reason?: string; message?: string; type?: string }[]>;
}

/** The e2e binaries the global setup built (test/e2e/global-setup.ts). */
export function e2eTools(): { kcp: string; helm: string } {
  const { GANGPLANK_KCP: kcp, GANGPLANK_HELM: helm } = process.env;
  if (!kcp || !helm) throw new Error('GANGPLANK_KCP or GANGPLANK_HELM is not set: the e2e global setup builds them');
  return { kcp, helm };
}

export function useLocalCluster(options: Pick<LocalClusterOptions, 'gangplankConfig' | 'tlsMode' | 'values' | 'apiserverArgs' | 'schedulerArgs'> = {}): E2E {
  let cluster: LocalCluster | undefined;
  let nsCount = 0;
  const namespaces: string[] = [];
  const nodeNames: string[] = [];

  beforeAll(async () => {
    recordPidsIn(process.env.GANGPLANK_PID_FILE);
    const dir = mkdtempSync(join(tmpdir(), 'gangplank-cluster-'));
    cluster = await startLocalCluster({ ...e2eTools(), dir, ...options });
  });

  afterEach(async () => {
    if (!cluster) return;
    const client = cluster.plane.client;
    // Force-delete pods (no kubelet would ever confirm a graceful delete).
    for (const ns of namespaces.splice(0)) {
      const list = await client.request<{ items: V1Pod[] }>({ path: `/api/v1/namespaces/${ns}/pods` });
      for (const p of list.items) {
        await client
          .request({ method: 'DELETE', path: `/api/v1/namespaces/${ns}/pods/${p.metadata?.name}`, body: { gracePeriodSeconds: 0 } })
          .catch(() => undefined);
      }
    }
    await deleteNodes(client, nodeNames.splice(0));
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  const self: E2E = {
    cluster() {
      if (!cluster) throw new Error('cluster not started');
      return cluster;
    },
    client: () => self.cluster().plane.client,
    async namespace(prefix = 'e2e') {
      const name = `${prefix}-${process.pid}-${++nsCount}`;
      await self.client().request({ method: 'POST', path: '/api/v1/namespaces', body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } } });
      namespaces.push(name);
      return name;
    },
    async nodes(description, prefix = `n${nsCount}`) {
      const specs = typeof description === 'string' ? parseNodeSpecs(description, prefix) : description;
      const created = await createNodes(self.client(), specs);
      nodeNames.push(...specs.map((s) => s.name));
      return created;
    },
    createPod: (pod) =>
      self.client().request<V1Pod>({ method: 'POST', path: `/api/v1/namespaces/${pod.metadata?.namespace ?? 'default'}/pods`, body: pod }),
    getPod: (namespace, name) => self.client().request<V1Pod>({ path: `/api/v1/namespaces/${namespace}/pods/${name}` }),
    async waitForPod(namespace, name, what, ok, timeoutMs = 30_000) {
      let last: V1Pod | undefined;
      await waitFor(
        `pod ${namespace}/${name} ${what}`,
        async () => {
          last = await self.getPod(namespace, name);
          return ok(last);
        },
        timeoutMs,
        () => JSON.stringify({ spec: { nodeName: last?.spec?.nodeName, schedulerName: last?.spec?.schedulerName }, status: last?.status }, null, 1),
        150,
      );
      return last as V1Pod;
    },
    async events(namespace, name) {
      const list = await self.client().request<{ items: { reason?: string; message?: string; type?: string; lastTimestamp?: string }[] }>({
        path: `/api/v1/namespaces/${namespace}/events?fieldSelector=${encodeURIComponent(`involvedObject.name=${name}`)}`,
      });
      return list.items;
    },
  };
  return self;
}

/** Sum of one metric's samples (all label sets matching `labels`) in Prometheus text. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const set = m[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => set.includes(`${k}="${v}"`))) sum += Number(m[3]);
  }
  return sum;
}
