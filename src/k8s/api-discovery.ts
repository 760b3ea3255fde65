// An optional API (a CRD, or a built-in group behind a feature gate) watched
// whenever the API server serves it: asked every interval, its informer
// started when it appears and stopped when it goes, without a restart. The
// same shape as extender/topology-discovery.ts (NodeResourceTopology, which
// also posts node Events when it goes), for APIs that need nothing more: the
// extender's scheduler-plugins PodGroup (scheduling.x-k8s.io/v1alpha1) and
// native PodGroup (scheduling.k8s.io/v1beta1, gate GenericWorkload), and the
// webhook's SparkApplication (sparkoperator.k8s.io/v1beta2, installed with
// spark-operator, often after Gangplank). Discovery itself needs no RBAC
// grant (docs/rbac.md).
import type { Logger } from 'pino';
import { ApiError, type KubeClient } from './client.js';
import type { Informer, InformerHandlers } from './informer.js';

/**
 * Whether the API server serves `groupVersion` (and, given `resource`, lists
 * that resource in it): a discovery GET. A 404 is "no"; anything else that
 * fails throws, for "cannot tell".
 */
export async function servesApi(client: KubeClient, groupVersion: string, opts: { resource?: string; timeoutMs?: number } = {}): Promise<boolean> {
  try {
    const res = await client.request<{ resources?: { name: string }[] }>({ path: `/apis/${groupVersion}`, ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}) });
    return opts.resource === undefined || (res.resources ?? []).some((r) => r.name === opts.resource);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return false;
    throw err;
  }
}

/** Where a cache's sync state is published (gangplank_cache_synced{resource}). */
export interface CacheTracker {
  trackCache(resource: string, synced: () => boolean): void;
  untrackCache(resource: string): void;
}

/** What discovery drives. */
export interface ApiTarget<T> {
  /** The API is served: read from `cache` (fed through `event`). */
  attach(cache: Informer<T>): void;
  /** The API is no longer served: forget what it said. May return fields for the log line that says so. */
  detach(): Record<string, unknown> | void;
  event(type: 'add' | 'update' | 'delete', obj: T): void;
}

export interface ApiDiscoveryDeps<T> {
  /** e.g. scheduling.x-k8s.io/v1alpha1 */
  readonly groupVersion: string;
  /** e.g. podgroups: the gangplank_cache_synced{resource} label and log key. */
  readonly resource: string;
  /** What log lines call the API (default "<groupVersion> <resource>"). */
  readonly name?: string;
  /** Appended to the "no longer served" log line: what takes its place. */
  readonly goneMessage?: string;
  /** Whether the API server serves groupVersion (discovery GET); throws when it cannot tell. */
  serves(): Promise<boolean>;
  createInformer(handlers: InformerHandlers<T>): Informer<T>;
  readonly target: ApiTarget<T>;
  readonly metrics: CacheTracker;
  readonly logger: Logger;
  readonly intervalMs: number;
  readonly now?: () => number;
}

export class ApiDiscovery<T> {
  private informer: Informer<T> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  private readonly now: () => number;
  private readonly name: string;

  constructor(private readonly deps: ApiDiscoveryDeps<T>) {
    this.now = deps.now ?? Date.now;
    this.name = deps.name ?? `${deps.groupVersion} ${deps.resource}`;
  }

  /** The informer while the API is served. */
  active(): Informer<T> | undefined {
    return this.informer;
  }

  /** One discovery round; `waitForSync` awaits the first list when the informer starts. */
  check(waitForSync = false): Promise<void> {
    this.checking ??= this.round(waitForSync).finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  private async round(waitForSync: boolean): Promise<void> {
    const { logger: log, groupVersion, resource } = this.deps;
    let served: boolean;
    try {
      served = await this.deps.serves();
    } catch (err) {
      // Cannot tell (API server unreachable): keep what we have.
      log.debug({ err: String(err), groupVersion }, `${this.name} discovery failed; trying again`);
      return;
    }
    const current = this.informer;
    if (served && current && this.now() - current.lastHeardAt() > 3 * this.deps.intervalMs) {
      // Served, but our watch died (the CRD was replaced between two rounds): start afresh.
      log.warn({ resource }, `${this.name} watch is not running; restarting it`);
      await this.stopInformer();
    }
    if (served && !this.informer) await this.startInformer(waitForSync);
    else if (!served && this.informer) {
      await this.stopInformer();
      const fields = this.deps.target.detach();
      const gone = this.deps.goneMessage;
      log.warn({ groupVersion, resource, ...fields }, `${this.name} no longer served${gone ? `: ${gone}` : ''}`);
    }
  }

  private async startInformer(waitForSync: boolean): Promise<void> {
    const { target, logger: log, groupVersion, resource } = this.deps;
    const informer = this.deps.createInformer({
      add: (o) => target.event('add', o),
      update: (o) => target.event('update', o),
      delete: (o) => target.event('delete', o),
    });
    this.informer = informer;
    target.attach(informer);
    this.deps.metrics.trackCache(resource, () => informer.synced());
    log.info({ groupVersion, resource }, `${this.name} served: watching it`);
    const started = informer.start().catch((err: unknown) => log.warn({ err: String(err), resource }, `${this.name} watch failed to start; discovery will retry`));
    if (waitForSync) await started;
  }

  private async stopInformer(): Promise<void> {
    const old = this.informer;
    this.informer = undefined;
    this.deps.metrics.untrackCache(this.deps.resource);
    await old?.stop().catch(() => undefined);
  }

  /** Check every interval from now on. */
  start(): void {
    this.timer ??= setInterval(() => void this.check(), this.deps.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.checking;
    const old = this.informer;
    this.informer = undefined;
    await old?.stop().catch(() => undefined);
  }
}
