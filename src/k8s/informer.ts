// List+watch caches (an informer, as client-go's reflector does it), with
// sync/freshness tracking for /readyz and for failing closed on stale data.
//
// - The initial list is paginated (limit/continue; a fresh list when a
//   continue token has expired), so at most one page of whole objects is held
//   at a time, and an optional `transform` (src/k8s/strip.ts) is applied to
//   every listed and watched object before the cache or a handler sees it, so
//   the cache holds only what Gangplank reads (issue 13: 50,000 realistic pods
//   peaked at 863 MiB through client-node's unpaginated list).
// - The watch is a plain newline-delimited JSON stream (KubeClient.watch)
//   from the list's resourceVersion, with bookmarks; when the server ends it
//   (its timeoutSeconds) it starts again from the last resourceVersion at once;
//   after an error it starts again after `restartDelayMs`; when the
//   resourceVersion is too old (410 Gone) it lists again and hands the
//   differences to the handlers (deletes for objects gone, updates for objects
//   changed), as a reflector's relist does.
// - The cache is synced only once a list has succeeded: an API server that
//   cannot be listed never yields an empty "synced" cache.
import type { KubernetesObject, KubernetesListObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { SyncedCache } from './cache.js';
import { ApiError, type KubeClient, type WatchEvent, type Watching } from './client.js';

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
  /** Objects per page of a list (the API server's `limit`); default 500, as client-go's reflector. */
  pageSize?: number;
  /** Applied to every listed and watched object before it is cached or handed to a handler (e.g. stripPod). */
  transform?: (obj: T) => T;
}

interface Meta {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
}

/** Deep equality of two JSON values, metadata.resourceVersion aside. */
function sameApartFromVersion(a: unknown, b: unknown): boolean {
  const am = (a as Meta).metadata;
  const bm = (b as Meta).metadata;
  if (!am || !bm) return same(a, b);
  const { resourceVersion: _a, ...ar } = am;
  const { resourceVersion: _b, ...br } = bm;
  return same({ ...(a as object), metadata: ar }, { ...(b as object), metadata: br });
}

/** Keys with undefined values count as absent, and so does an object with no defined key (readers use `?.`). */
function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === undefined) return empty(b);
  if (b === undefined) return empty(a);
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && a.length !== (b as unknown[]).length) return false;
  const ar = a as Record<string, unknown>;
  const br = b as Record<string, unknown>;
  for (const k in ar) if (!same(ar[k], br[k])) return false;
  for (const k in br) if (!(k in ar) && !same(undefined, br[k])) return false;
  return true;
}

function empty(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => x === undefined);
}

/** The API server ends a watch after timeoutSeconds; client-go picks 5–10 minutes at random, so do we. */
const watchSeconds = (): number => 300 + Math.floor(Math.random() * 300);

export function createInformer<T extends KubernetesObject>(opts: InformerOptions<T>): Informer<T> {
  const now = opts.now ?? Date.now;
  const log = opts.logger.child({ informer: opts.resource });
  const transform = opts.transform;
  const pageSize = opts.pageSize ?? 500;
  const restartDelay = opts.restartDelayMs ?? 2_000;
  const selectors = new URLSearchParams();
  if (opts.labelSelector) selectors.set('labelSelector', opts.labelSelector);
  if (opts.fieldSelector) selectors.set('fieldSelector', opts.fieldSelector);

  /** By namespace ('' for cluster-scoped objects), then name: no composite key string per object. */
  const byNamespace = new Map<string, Map<string, T>>();
  let size = 0;
  let resourceVersion = '';
  let isSynced = false;
  let heardAt = 0;
  let stopped = false;
  // A quiet cluster sends no events for minutes (kubelets heartbeat through
  // Leases, not Node updates), so silence is not staleness: while the watch is
  // connected the cache is current; only after a watch error does the time
  // since the last event count.
  let watching = false;
  let current: Watching | undefined;
  let timer: NodeJS.Timeout | undefined;

  // A handler that throws on one object (a quantity no scheduler accepts, a
  // malformed annotation: anything a pod author can write) must not stop the
  // watch or the process: that object is skipped, with its name in the log.
  const deliver = (event: 'add' | 'update' | 'delete', o: T): void => {
    try {
      opts.handlers?.[event]?.(o);
    } catch (err) {
      const meta = (o as Meta).metadata;
      log.error({ err: String(err), event, object: `${meta?.namespace ? `${meta.namespace}/` : ''}${meta?.name ?? '?'}` }, 'informer handler failed; object skipped');
    }
  };

  const put = (o: T): void => {
    const ns = (o as Meta).metadata?.namespace ?? '';
    const name = (o as Meta).metadata?.name ?? '';
    let m = byNamespace.get(ns);
    if (!m) byNamespace.set(ns, (m = new Map()));
    const before = m.get(name);
    // The same resourceVersion is the same object (a relist): nothing to tell.
    if (before && (before as Meta).metadata?.resourceVersion === (o as Meta).metadata?.resourceVersion) return;
    m.set(name, o);
    if (!before) size++;
    // An update that changed nothing the transform keeps (a kubelet's status
    // report: container statuses, IPs, readiness) is cached, not handed on:
    // for the handlers it is the same object.
    if (before && transform && sameApartFromVersion(before, o)) return;
    deliver(before ? 'update' : 'add', o);
  };

  const remove = (o: T): void => {
    const ns = (o as Meta).metadata?.namespace ?? '';
    const m = byNamespace.get(ns);
    if (!m?.delete((o as Meta).metadata?.name ?? '')) return;
    size--;
    if (m.size === 0) byNamespace.delete(ns);
    deliver('delete', o);
  };

  const all = (): T[] => {
    const out: T[] = new Array(size);
    let i = 0;
    for (const m of byNamespace.values()) for (const o of m.values()) out[i++] = o;
    return out;
  };

  /** List page by page, handing each (transformed) item to `each`; returns the list's resourceVersion. */
  const listPages = async (each: (o: T) => void): Promise<string> => {
    let rv = '';
    let cont: string | undefined;
    do {
      const q = new URLSearchParams(selectors);
      q.set('limit', String(pageSize));
      if (cont) q.set('continue', cont);
      const page = await opts.client.request<KubernetesListObject<T>>({ path: `${opts.path}?${q.toString()}` });
      heardAt = now();
      for (const item of page.items ?? []) each(transform ? transform(item) : item);
      // Every page of one list is the same snapshot: the watch starts from its resourceVersion.
      rv = page.metadata?.resourceVersion ?? rv;
      cont = (page.metadata as { continue?: string } | undefined)?.continue || undefined;
    } while (cont);
    return rv;
  };

  /**
   * List, and hand the differences from the cache to the handlers. The first
   * list of an empty cache puts each page into it as it arrives (nothing can
   * have gone); a relist collects what it saw, then tells the handlers what
   * went, then what is new or changed.
   */
  const relist = async (): Promise<void> => {
    const listOnce = async (): Promise<{ rv: string; items?: T[] }> => {
      if (size === 0) return { rv: await listPages(put) };
      const items: T[] = [];
      return { rv: await listPages((o) => items.push(o)), items };
    };
    let listed: { rv: string; items?: T[] };
    try {
      listed = await listOnce();
    } catch (err) {
      // A continue token expires when the list outlives etcd's compaction window: list again from the start.
      if (!(err instanceof ApiError && err.status === 410)) throw err;
      listed = await listOnce();
    }
    if (listed.items) {
      const seen = new Map<string, Set<string>>();
      for (const o of listed.items) {
        const ns = (o as Meta).metadata?.namespace ?? '';
        let names = seen.get(ns);
        if (!names) seen.set(ns, (names = new Set()));
        names.add((o as Meta).metadata?.name ?? '');
      }
      for (const o of all()) if (!seen.get((o as Meta).metadata?.namespace ?? '')?.has((o as Meta).metadata?.name ?? '')) remove(o);
      for (const o of listed.items) put(o);
    }
    resourceVersion = listed.rv;
    isSynced = true;
  };

  const watch = (): void => {
    if (stopped) return;
    const q = new URLSearchParams(selectors);
    q.set('watch', 'true');
    q.set('allowWatchBookmarks', 'true');
    q.set('timeoutSeconds', String(watchSeconds()));
    if (resourceVersion) q.set('resourceVersion', resourceVersion);
    let gone = false;
    current = opts.client.watch<T & { code?: number }>(`${opts.path}?${q.toString()}`, {
      connected() {
        watching = true;
        heardAt = now();
      },
      event(e: WatchEvent<T & { code?: number }>) {
        heardAt = now();
        const o = e.object;
        switch (e.type) {
          case 'ADDED':
          case 'MODIFIED':
            put(transform ? transform(o) : o);
            break;
          case 'DELETED':
            remove(transform ? transform(o) : o);
            break;
          case 'ERROR':
            // 410 Gone: the resourceVersion is older than the server keeps; list again.
            if (o?.code === 410) gone = true;
            return;
          default:
            break;
        }
        const rv = (o as Meta | undefined)?.metadata?.resourceVersion;
        if (rv) resourceVersion = rv;
      },
      done(err?: Error) {
        watching = false;
        current = undefined;
        if (stopped) return;
        if (gone || (err instanceof ApiError && err.status === 410)) {
          log.info({ resourceVersion }, 'watch resourceVersion too old; listing again');
          resourceVersion = '';
          void restart(0, true);
        } else if (err) {
          log.warn({ err: String(err) }, 'watch failed; restarting');
          void restart(restartDelay, false);
        } else {
          // The server's timeoutSeconds: carry on from where it stopped.
          void restart(0, false);
        }
      },
    });
  };

  const restart = async (delayMs: number, list: boolean): Promise<void> => {
    if (delayMs > 0) {
      await new Promise<void>((r) => {
        timer = setTimeout(r, delayMs);
        timer.unref();
      });
    }
    if (stopped) return;
    try {
      if (list || !resourceVersion) await relist();
      watch();
    } catch (err) {
      log.warn({ err: String(err) }, 'list failed; retrying');
      void restart(restartDelay, true);
    }
  };

  return {
    resource: opts.resource,
    get: (name, namespace) => byNamespace.get(namespace ?? '')?.get(name),
    list: (namespace) => (!namespace ? all() : [...(byNamespace.get(namespace)?.values() ?? [])]),
    synced: () => isSynced,
    lastHeardAt: () => (watching ? now() : heardAt),
    /** Resolves once the first list has succeeded (it is retried until then, or stop()). */
    async start() {
      stopped = false;
      for (;;) {
        try {
          await relist();
          break;
        } catch (err) {
          if (stopped) return;
          log.warn({ err: String(err) }, 'list failed; retrying');
          await new Promise((r) => setTimeout(r, restartDelay));
          if (stopped) return;
        }
      }
      watch();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      current?.abort();
      watching = false;
    },
  };
}
