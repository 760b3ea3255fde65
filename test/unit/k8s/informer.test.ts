// The informer against a fake API server on port 0: a paginated initial list
// (limit/continue, a fresh list when a continue token has expired), and the
// transform applied to listed and watched objects before anyone sees them.
import type { V1Pod } from '@kubernetes/client-node';
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
  /** The query of every watch request. */
  watchQueries: URLSearchParams[];
  /** Answer a continue token with 410 Expired this many times. */
  expireContinue: number;
  /** Fail this many lists with HTTP 500. */
  failLists: number;
  total: number;
}

async function fakeApi(total: number): Promise<FakeApi> {
  const api: FakeApi = { server: undefined as unknown as Server, url: '', lists: [], watches: [], watchQueries: [], expireContinue: 0, failLists: 0, total };
  api.server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.searchParams.get('watch') === 'true') {
      api.watchQueries.push(url.searchParams);
      res.writeHead(200, { 'content-type': 'application/json' });
      // A watch answers its headers at once and streams events after.
      res.flushHeaders();
      api.watches.push(res);
      return;
    }
    api.lists.push(url.search);
    if (api.failLists > 0) {
      api.failLists--;
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'InternalError', code: 500, message: 'etcd unavailable' }));
      return;
    }
    const total = api.total;
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
const until = async (what: () => boolean): Promise<void> => {
  for (let t = 0; t < 200 && !what(); t++) await new Promise((r) => setTimeout(r, 10));
  expect(what()).toBe(true);
};

afterEach(async () => {
  await informer?.stop();
  for (const w of api?.watches ?? []) w.destroy();
  api?.server.closeAllConnections();
  await new Promise((r) => api?.server.close(r));
  api = undefined;
  informer = undefined;
});

function start(a: FakeApi, pageSize?: number): { informer: Informer<V1Pod>; seen: V1Pod[]; deleted: V1Pod[] } {
  const seen: V1Pod[] = [];
  const deleted: V1Pod[] = [];
  informer = createInformer<V1Pod>({
    client: createKubeClient({ server: a.url }),
    path: '/api/v1/pods',
    resource: 'pods',
    logger,
    transform: stripPod,
    handlers: { add: (p) => seen.push(p), update: (p) => seen.push(p), delete: (p) => deleted.push(p) },
    restartDelayMs: 20,
    ...(pageSize ? { pageSize } : {}),
  });
  return { informer, seen, deleted };
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
    // Spark's label is kept, the app's own is not (src/extender/strip.ts).
    expect(cached.metadata?.labels).toEqual({ 'spark-role': 'executor' });
    expect(cached.metadata?.managedFields).toBeUndefined();
    expect(cached.spec?.containers[0]?.env).toBeUndefined();
    expect(seen.at(-1)).toBe(cached);
  });

  it('is not synced until a list has succeeded: a failing API server never yields an empty synced cache', async () => {
    api = await fakeApi(3);
    api.failLists = 2;
    const { informer: i } = start(api);
    let started = false;
    const s = i.start().then(() => (started = true));
    await new Promise((r) => setTimeout(r, 15));
    expect(i.synced()).toBe(false);
    expect(started).toBe(false);
    await s;
    expect(i.synced()).toBe(true);
    expect(i.list()).toHaveLength(3);
    expect(api.lists).toHaveLength(3);
  });

  it('a watch the server ends carries on from its last resourceVersion without listing again', async () => {
    api = await fakeApi(2);
    const { informer: i } = start(api);
    await i.start();
    await until(() => api!.watches.length === 1);
    expect(api.watchQueries[0]!.get('resourceVersion')).toBe('100');
    expect(api.watchQueries[0]!.get('allowWatchBookmarks')).toBe('true');
    api.watches[0]!.write(`${JSON.stringify({ type: 'BOOKMARK', object: { kind: 'Pod', metadata: { resourceVersion: '150' } } })}\n`);
    await new Promise((r) => setTimeout(r, 20));
    api.watches[0]!.end();
    await until(() => api!.watches.length === 2);
    expect(api.watchQueries[1]!.get('resourceVersion')).toBe('150');
    expect(api.lists).toHaveLength(1);
  });

  it('410 Gone on the watch: lists again and tells the handlers what changed meanwhile (deletes, updates)', async () => {
    api = await fakeApi(3);
    const { informer: i, deleted, seen } = start(api);
    await i.start();
    await until(() => api!.watches.length === 1);
    // Meanwhile p-2 was deleted and the list moves on; the watch's resourceVersion is compacted away.
    api.total = 2;
    api.watches[0]!.write(`${JSON.stringify({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version' } })}\n`);
    api.watches[0]!.end();
    await until(() => api!.lists.length === 2 && api!.watches.length === 2);
    expect(deleted.map((p) => p.metadata?.name)).toEqual(['p-2']);
    // The others are unchanged (same resourceVersion): no event for them.
    expect(seen).toHaveLength(3);
    expect(i.list().map((p) => p.metadata?.name).sort()).toEqual(['p-0', 'p-1']);
  });

  it('a watch event split across chunks is read whole', async () => {
    api = await fakeApi(1);
    const { informer: i } = start(api);
    await i.start();
    await until(() => api!.watches.length === 1);
    const p = pod(7);
    p.metadata!.resourceVersion = '101';
    const line = `${JSON.stringify({ type: 'ADDED', object: p })}\n`;
    api.watches[0]!.write(line.slice(0, 40));
    await new Promise((r) => setTimeout(r, 20));
    api.watches[0]!.write(line.slice(40));
    await until(() => i.get('p-7', 'ns') !== undefined);
  });

  it('an update that changes nothing the transform keeps (a status report) is cached but not handed to the handlers', async () => {
    api = await fakeApi(1);
    const { informer: i, seen } = start(api);
    await i.start();
    await until(() => api!.watches.length === 1);
    const statusOnly = pod(0);
    statusOnly.metadata!.resourceVersion = '101';
    statusOnly.status = { podIP: '10.0.0.9', containerStatuses: [{ name: 'main', ready: true, restartCount: 0, image: 'x', imageID: 'y' }] };
    const relabelled = pod(0);
    relabelled.metadata!.resourceVersion = '102';
    relabelled.status = statusOnly.status;
    relabelled.metadata!.labels = { 'spark-role': 'driver' };
    api.watches[0]!.write(`${JSON.stringify({ type: 'MODIFIED', object: statusOnly })}\n`);
    await until(() => i.get('p-0', 'ns')?.metadata?.resourceVersion === '101');
    expect(seen).toHaveLength(1);
    api.watches[0]!.write(`${JSON.stringify({ type: 'MODIFIED', object: relabelled })}\n`);
    await until(() => seen.length === 2);
    expect(seen[1]!.metadata?.labels).toEqual({ 'spark-role': 'driver' });
  });
});
