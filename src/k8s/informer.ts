// List+watch caches over client-node's ListWatch, with plain-JSON lists,
// restart after errors (a ListWatch stops on error) and sync/freshness
// tracking for /readyz and for failing closed on stale data.
import { ListWatch, Watch, type KubernetesObject, type KubernetesListObject } from '@kubernetes/client-node';
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
}

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
  const qs = query.toString();
  const listFn = async (): Promise<KubernetesListObject<T>> => {
    const list = await opts.client.request<KubernetesListObject<T>>({ path: qs ? `${opts.path}?${qs}` : opts.path });
    heardAt = now();
    return list;
  };
  const lw = new ListWatch<T>(opts.path, new Watch(opts.client.kubeConfig), listFn, false, opts.labelSelector, opts.fieldSelector);
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
