// The webhook's read-only views of the API, when it has one: the ConfigMaps
// that profiles name as templates, SparkApplications (when spark-operator's
// CRD is installed) and Spark driver pods. Each is an informer; the pure code
// sees them only as ObjectCache.
import type { V1ConfigMap, V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { ObjectCache } from '../k8s/cache.js';
import { ApiError, type KubeClient } from '../k8s/client.js';
import { createInformer, type Informer } from '../k8s/informer.js';
import type { Metrics } from '../metrics/index.js';
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

async function crdServed(client: KubeClient): Promise<boolean> {
  try {
    const res = await client.request<{ resources?: { name: string }[] }>({ path: `/apis/${SPARK_APPLICATION_GROUP}/${SPARK_APPLICATION_VERSION}`, timeoutMs: 10_000 });
    return (res.resources ?? []).some((r) => r.name === 'sparkapplications');
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return false;
    throw err;
  }
}

export async function startWebhookCaches(client: KubeClient, config: Config, logger: Logger, metrics?: Pick<Metrics, 'trackCache'>): Promise<WebhookCaches> {
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

  let sparkApplications: ObjectCache<SparkApplication> | undefined;
  try {
    if (await crdServed(client)) {
      sparkApplications = track(
        createInformer<SparkApplication & { metadata: { name: string } }>({
          client,
          path: `/apis/${SPARK_APPLICATION_GROUP}/${SPARK_APPLICATION_VERSION}/sparkapplications`,
          resource: 'sparkapplications',
          logger,
        }),
      );
    } else {
      logger.info('SparkApplication CRD not installed: executor counts come from pods and profiles only');
    }
  } catch (err) {
    logger.warn({ err: String(err) }, 'cannot tell whether the SparkApplication CRD is installed; not watching it');
  }

  const drivers = track(createInformer<V1Pod>({ client, path: '/api/v1/pods', resource: 'pods/spark-drivers', labelSelector: `${SPARK_ROLE}=driver`, logger }));

  return {
    configMaps: cmInformers.size > 0 ? new ConfigMapCaches(cmInformers) : undefined,
    sparkApplications,
    drivers,
    readiness,
    async stop() {
      stopped = true;
      await Promise.all(all.map((i) => i.stop().catch(() => undefined)));
    },
  };
}
