// The informer against a fake API server on port 0: a paginated initial list
// (limit/continue, a fresh list when a continue token has expired), and the
// transform applied to listed and watched objects before anyone sees them.
import { KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createKubeClient } from '../../../src/k8s/client.js';
import { createInformer, type Informer } from '../../../src/k8s/informer.js';
import { stripPod } from '../../../src/extender/strip.js';

const logger = pino({ level: 'silent' });

const pod = (i: number): V1Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: `p-${i}`, namespace: 'ns', uid: `uid-${i}`, resourceVersion: '100', managedFields: [{ manager: 'kubectl', operation: 'Update' }] },
  spec: { containers: [{ name: 'main', env: [{ name: 'SECRET_SAUCE', value: 'x'.repeat(100) }], resources: { requests: { cpu: '1' } } }] },
});

interface FakeApi {
  server: Server;
  url: string;
  lists: string[];
  watches: ServerResponse[];
  /** Answer a continue token with 410 Expired this many times. */
  expireContinue: number;
}

async function fakeApi(total: number): Promise<FakeApi> {
  const api: FakeApi = { server: undefined as unknown as Server, url: '', lists: [], watches: [], expireContinue: 0 };
  api.server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.searchParams.get('watch') === 'true') {
      res.writeHead(200, { 'content-type': 'application/json' });
      // A watch answers its headers at once and streams events after.
      res.flushHeaders();
      api.watches.push(res);
      return;
    }
    api.lists.push(url.search);
    const limit = Number(url.searchParams.get('limit') ?? total);
    const cont = url.searchParams.get('continue');
    if (cont && api.expireContinue > 0) {
      api.expireContinue--;
      res.writeHead(410, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Expired', code: 410, message: 'continue token expired' }));
      return;
    }
    const start = cont ? Number(cont) : 0;
    const end = Math.min(total, start + limit);
    const items = Array.from({ length: end - start }, (_, k) => pod(start + k));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '100', ...(end < total ? { continue: String(end) } : {}) }, items }));
  });
  await new Promise<void>((r) => api.server.listen(0, '127.0.0.1', r));
  api.url = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}`;
  return api;
}

let api: FakeApi | undefined;
let informer: Informer<V1Pod> | undefined;
afterEach(async () => {
  await informer?.stop();
  for (const w of api?.watches ?? []) w.destroy();
  api?.server.closeAllConnections();
  await new Promise((r) => api?.server.close(r));
  api = undefined;
  informer = undefined;
});

function start(a: FakeApi, pageSize?: number): { informer: Informer<V1Pod>; seen: V1Pod[] } {
  const kc = new KubeConfig();
  kc.loadFromOptions({ clusters: [{ name: 'c', server: a.url, skipTLSVerify: true }], users: [{ name: 'u' }], contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x' });
  const seen: V1Pod[] = [];
  informer = createInformer<V1Pod>({
    client: createKubeClient(kc),
    path: '/api/v1/pods',
    resource: 'pods',
    logger,
    transform: stripPod,
    handlers: { add: (p) => seen.push(p), update: (p) => seen.push(p) },
    ...(pageSize ? { pageSize } : {}),
  });
  return { informer, seen };
}

describe('informer', () => {
  it('lists in pages of `pageSize` with the continue token, and caches every item transformed', async () => {
    api = await fakeApi(1_234);
    const { informer: i, seen } = start(api, 500);
    await i.start();
    expect(api.lists).toEqual(['?limit=500', '?limit=500&continue=500', '?limit=500&continue=1000']);
    expect(i.list()).toHaveLength(1_234);
    expect(seen).toHaveLength(1_234);
    const p = i.get('p-1233', 'ns')!;
    expect(p.metadata?.managedFields).toBeUndefined();
    expect(p.spec?.containers[0]?.env).toBeUndefined();
    expect(p.spec?.containers[0]?.resources?.requests).toEqual({ cpu: '1' });
  });

  it('lists again from the start when a continue token has expired (410)', async () => {
    api = await fakeApi(1_100);
    api.expireContinue = 1;
    const { informer: i } = start(api, 500);
    await i.start();
    expect(api.lists).toEqual(['?limit=500', '?limit=500&continue=500', '?limit=500', '?limit=500&continue=500', '?limit=500&continue=1000']);
    expect(i.list()).toHaveLength(1_100);
  });

  it('transforms watched objects before the cache and the handlers see them', async () => {
    api = await fakeApi(3);
    const { informer: i, seen } = start(api);
    await i.start();
    for (let t = 0; t < 100 && api.watches.length === 0; t++) await new Promise((r) => setTimeout(r, 10));
    const changed = pod(1);
    changed.metadata!.resourceVersion = '101';
    changed.metadata!.labels = { 'spark-role': 'executor', app: 'dropped' };
    api.watches[0]!.write(`${JSON.stringify({ type: 'MODIFIED', object: changed })}\n`);
    for (let t = 0; t < 100 && i.get('p-1', 'ns')?.metadata?.resourceVersion !== '101'; t++) await new Promise((r) => setTimeout(r, 10));
    const cached = i.get('p-1', 'ns')!;
    // Spark's label is kept, the app's own is not (src/k8s/strip.ts).
    expect(cached.metadata?.labels).toEqual({ 'spark-role': 'executor' });
    expect(cached.metadata?.managedFields).toBeUndefined();
    expect(cached.spec?.containers[0]?.env).toBeUndefined();
    expect(seen.at(-1)).toBe(cached);
  });
});
