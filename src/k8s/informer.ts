// List+watch caches over client-node's ListWatch, with plain-JSON lists,
// restart after errors (a ListWatch stops on error) and sync/freshness
// tracking for /readyz and for failing closed on stale data.
//
// Memory (issue 13): the initial list is paginated (limit/continue), so at
// most one page of whole objects is held at a time, and an optional
// `transform` (src/k8s/strip.ts) is applied to every listed and watched
// object before the cache or a handler sees it, so the cache holds only what
// Gangplank reads. Without both, 50,000 realistic pods peaked at 863 MiB
// during the initial list.
import { ListWatch, Watch, type KubernetesObject, type KubernetesListObject } from '@kubernetes/client-node';
import { ApiError } from './client.js';
import type { Logger } from 'pino';
import type { SyncedCache } from './cache.js';
import type { KubeClient } from './client.js';

export interface InformerHandlers<T> {
  add?(obj: T): void;
  update?(obj: T): void;
  delete?(obj: T): void;
}

export interface Informer<T> extends SyncedCache<T> {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface InformerOptions<T> {
  client: KubeClient;
  /** API path of the collection, e.g. /api/v1/pods. */
  path: string;
  resource: string;
  logger: Logger;
  handlers?: InformerHandlers<T>;
  labelSelector?: string;
  fieldSelector?: string;
  /** Back-off before restarting after an error. */
  restartDelayMs?: number;
  now?: () => number;
  /** Objects per page of the initial list (the API server's `limit`); default 500, as client-go's reflector. */
  pageSize?: number;
  /** Applied to every listed and watched object before it is cached or handed to a handler (e.g. stripPod). */
  transform?: (obj: T) => T;
}

const WATCH_EVENTS: ReadonlySet<string> = new Set(['ADDED', 'MODIFIED', 'DELETED']);

export function createInformer<T extends KubernetesObject>(opts: InformerOptions<T>): Informer<T> {
  const now = opts.now ?? Date.now;
  const log = opts.logger.child({ informer: opts.resource });
  let isSynced = false;
  let heardAt = 0;
  let stopped = false;
  // A quiet cluster sends no events for minutes (kubelets heartbeat through
  // Leases, not Node updates), so silence is not staleness: while the watch is
  // connected the cache is current; only after a watch error does the time
  // since the last event count.
  let watching = false;
  const query = new URLSearchParams();
  if (opts.labelSelector) query.set('labelSelector', opts.labelSelector);
  if (opts.fieldSelector) query.set('fieldSelector', opts.fieldSelector);
  const transform = opts.transform;
  const pageSize = opts.pageSize ?? 500;
  const listOnce = async (): Promise<KubernetesListObject<T>> => {
    const items: T[] = [];
    let resourceVersion: string | undefined;
    let cont: string | undefined;
    do {
      const q = new URLSearchParams(query);
      q.set('limit', String(pageSize));
      if (cont) q.set('continue', cont);
      const page = await opts.client.request<KubernetesListObject<T>>({ path: `${opts.path}?${q.toString()}` });
      heardAt = now();
      for (const item of page.items ?? []) items.push(transform ? transform(item) : item);
      // Every page of one list is the same snapshot: the watch starts from its resourceVersion.
      resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
      cont = (page.metadata as { continue?: string } | undefined)?.continue || undefined;
    } while (cont);
    return { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion }, items };
  };
  const listFn = async (): Promise<KubernetesListObject<T>> => {
    try {
      return await listOnce();
    } catch (err) {
      // A continue token expires when the list outlives etcd's compaction window: list again from the start.
      if (err instanceof ApiError && err.status === 410) return listOnce();
      throw err;
    }
  };
  const watcher = new Watch(opts.client.kubeConfig);
  // The watch's objects are transformed before ListWatch caches them; the raw object is not passed on.
  const watch = transform
    ? ({
        config: watcher.config,
        watch: (path: string, params: Record<string, string | number | boolean | undefined>, cb: (phase: string, obj: unknown, raw?: unknown) => void, done: (err: unknown) => void) =>
          watcher.watch(path, params, (phase, obj: T) => cb(phase, WATCH_EVENTS.has(phase) && obj ? transform(obj) : obj), done),
      } as unknown as Watch)
    : watcher;
  const lw = new ListWatch<T>(opts.path, watch, listFn, false, opts.labelSelector, opts.fieldSelector);
  const touch = (): void => {
    heardAt = now();
  };
  // A handler that throws on one object (a quantity no scheduler accepts, a
  // malformed annotation: anything a pod author can write) must not stop the
  // watch or the process: that object is skipped, with its name in the log.
  const deliver = (event: 'add' | 'update' | 'delete', o: T): void => {
    touch();
    try {
      opts.handlers?.[event]?.(o);
    } catch (err) {
      const meta = (o as { metadata?: { namespace?: string; name?: string } }).metadata;
      log.error({ err: String(err), event, object: `${meta?.namespace ? `${meta.namespace}/` : ''}${meta?.name ?? '?'}` }, 'informer handler failed; object skipped');
    }
  };
  lw.on('add', (o) => deliver('add', o));
  lw.on('update', (o) => deliver('update', o));
  lw.on('delete', (o) => deliver('delete', o));
  lw.on('connect', () => {
    isSynced = true;
    watching = true;
    touch();
  });
  lw.on('error', (err) => {
    watching = false;
    if (stopped) return;
    log.warn({ err: String(err) }, 'watch failed; restarting');
    setTimeout(() => {
      if (!stopped) lw.start().catch((e: unknown) => log.warn({ err: String(e) }, 'restart failed'));
    }, opts.restartDelayMs ?? 2_000).unref();
  });
  return {
    resource: opts.resource,
    get: (name, namespace) => lw.get(name, namespace),
    list: (namespace) => lw.list(namespace),
    synced: () => isSynced,
    lastHeardAt: () => (watching ? now() : heardAt),
    async start() {
      await lw.start();
      isSynced = true;
      watching = true;
      touch();
    },
    async stop() {
      stopped = true;
      await lw.stop();
    },
  };
}
