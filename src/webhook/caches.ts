// The webhook's read-only views of the API, when it has one: the ConfigMaps
// that profiles name as templates, SparkApplications (while spark-operator's
// CRD is served: looked for every webhook.apiDiscoverySeconds) and Spark
// driver pods. Each is an informer; the pure code
// sees them only as ObjectCache.
import type { V1ConfigMap, V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { ObjectCache } from '../k8s/cache.js';
import type { KubeClient } from '../k8s/client.js';
import { ApiDiscovery, servesApi, type ApiTarget, type CacheTracker } from '../k8s/api-discovery.js';
import { createInformer, type Informer } from '../k8s/informer.js';
import type { ReadinessCheck } from '../ops/app.js';
import { SPARK_APPLICATION_GROUP, SPARK_APPLICATION_VERSION, SPARK_ROLE } from '../contract/keys.js';
import type { SparkApplication } from './sparkapp.js';

export interface WebhookCaches {
  readonly configMaps?: ObjectCache<V1ConfigMap>;
  readonly sparkApplications?: ObjectCache<SparkApplication>;
  readonly drivers?: ObjectCache<V1Pod>;
  readonly readiness: ReadinessCheck[];
  stop(): Promise<void>;
}

interface ConfigMapRef {
  readonly namespace?: string;
  readonly name: string;
}

/** The distinct ConfigMaps the profiles name (namespace undefined: any namespace, the pod's). */
export function referencedConfigMaps(config: Config): ConfigMapRef[] {
  const seen = new Map<string, ConfigMapRef>();
  for (const p of config.profiles) {
    for (const role of [p.driver, p.executor]) {
      const ref = role?.templateConfigMap;
      if (ref) seen.set(`${ref.namespace ?? '*'}/${ref.name}`, { namespace: ref.namespace, name: ref.name });
    }
  }
  return [...seen.values()];
}

/** One cache over the per-ConfigMap informers: each watches a single name. */
class ConfigMapCaches implements ObjectCache<V1ConfigMap> {
  constructor(private readonly informers: Map<string, Informer<V1ConfigMap>>) {}
  get(name: string, namespace?: string): V1ConfigMap | undefined {
    return (this.informers.get(`${namespace ?? '*'}/${name}`) ?? this.informers.get(`*/${name}`))?.get(name, namespace);
  }
  list(namespace?: string): readonly V1ConfigMap[] {
    return [...this.informers.values()].flatMap((i) => i.list(namespace));
  }
}

/**
 * A cache over whichever informer discovery has attached: empty while the API
 * is not served, which reads the same as "no such object".
 */
export class SwitchableCache<T> implements ObjectCache<T>, ApiTarget<T> {
  private informer: Informer<T> | undefined;
  attach(cache: Informer<T>): void {
    this.informer = cache;
  }
  detach(): void {
    this.informer = undefined;
  }
  event(): void {
    // Reads go to the informer's own store.
  }
  get(name: string, namespace?: string): T | undefined {
    return this.informer?.get(name, namespace);
  }
  list(namespace?: string): readonly T[] {
    return this.informer?.list(namespace) ?? [];
  }
  /** A readiness answer: null when not watching (nothing to wait for) or synced. */
  unsynced(): string | null {
    return this.informer && !this.informer.synced() ? 'not synced yet' : null;
  }
}

/** Start an informer, retrying in the background when the first list fails (RBAC, API down). */
function startWithRetry<T>(informer: Informer<T>, log: Logger, stopped: () => boolean, delayMs = 5_000): void {
  informer.start().catch((err: unknown) => {
    if (stopped()) return;
    log.warn({ err: String(err), resource: informer.resource }, 'informer start failed; retrying');
    setTimeout(() => {
      if (!stopped()) startWithRetry(informer, log, stopped, Math.min(delayMs * 2, 60_000));
    }, delayMs).unref();
  });
}

export async function startWebhookCaches(client: KubeClient, config: Config, logger: Logger, metrics?: CacheTracker): Promise<WebhookCaches> {
  let stopped = false;
  const isStopped = (): boolean => stopped;
  const all: Informer<never>[] = [];
  const readiness: ReadinessCheck[] = [];
  const track = <T>(informer: Informer<T>): Informer<T> => {
    all.push(informer as unknown as Informer<never>);
    readiness.push({ name: `webhook cache ${informer.resource}`, check: () => (informer.synced() ? null : 'not synced yet') });
    // A cache that never syncs (RBAC, a missing CRD version) leaves pods shaped without it: visible in gangplank_cache_synced.
    metrics?.trackCache(informer.resource, () => informer.synced());
    startWithRetry(informer, logger, isStopped);
    return informer;
  };

  const cmInformers = new Map<string, Informer<V1ConfigMap>>();
  for (const ref of referencedConfigMaps(config)) {
    const path = ref.namespace ? `/api/v1/namespaces/${ref.namespace}/configmaps` : '/api/v1/configmaps';
    cmInformers.set(
      `${ref.namespace ?? '*'}/${ref.name}`,
      track(createInformer<V1ConfigMap>({ client, path, resource: `configmaps/${ref.namespace ?? '*'}/${ref.name}`, fieldSelector: `metadata.name=${ref.name}`, logger })),
    );
  }

  // spark-operator is often installed after Gangplank: its API is looked for
  // every interval, and watched from when it is served (no restart).
  const sparkApplications = new SwitchableCache<SparkApplication>();
  const discovery = new ApiDiscovery<SparkApplication & { metadata: { name: string } }>({
    groupVersion: `${SPARK_APPLICATION_GROUP}/${SPARK_APPLICATION_VERSION}`,
    resource: 'sparkapplications',
    serves: () => servesApi(client, `${SPARK_APPLICATION_GROUP}/${SPARK_APPLICATION_VERSION}`, { resource: 'sparkapplications', timeoutMs: 10_000 }),
    createInformer: (handlers) =>
      createInformer<SparkApplication & { metadata: { name: string } }>({
        client,
        path: `/apis/${SPARK_APPLICATION_GROUP}/${SPARK_APPLICATION_VERSION}/sparkapplications`,
        resource: 'sparkapplications',
        logger,
        handlers,
      }),
    target: sparkApplications,
    metrics: metrics ?? { trackCache: () => undefined, untrackCache: () => undefined },
    logger,
    intervalMs: config.webhook.apiDiscoverySeconds * 1000,
  });
  await discovery.check(true);
  if (!discovery.active()) logger.info('SparkApplication API not served: executor counts come from pods and profiles; looking again every interval');
  discovery.start();
  readiness.push({ name: 'webhook cache sparkapplications', check: () => sparkApplications.unsynced() });

  const drivers = track(createInformer<V1Pod>({ client, path: '/api/v1/pods', resource: 'pods/spark-drivers', labelSelector: `${SPARK_ROLE}=driver`, logger }));

  return {
    configMaps: cmInformers.size > 0 ? new ConfigMapCaches(cmInformers) : undefined,
    sparkApplications,
    drivers,
    readiness,
    async stop() {
      stopped = true;
      await discovery.stop();
      await Promise.all(all.map((i) => i.stop().catch(() => undefined)));
    },
  };
}
