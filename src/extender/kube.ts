// The extender's API side: the Binder (Bindings carrying the pod's
// annotations, the gang's plan among them on its anchor's; a patch of the plan
// onto the anchor when another member binds first), rate-limited Events, and an
// on-demand ConfigMap cache for Spark's spark.properties.
import type { V1ConfigMap, V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { GANG_RECORD } from '../contract/keys.js';
import type { GangRecord } from '../contract/gang-record.js';
import type { ObjectCache } from '../k8s/cache.js';
import { ApiError, type KubeClient } from '../k8s/client.js';
import type { Binder, GangEvent } from './state.js';

const podPath = (ns: string, name: string): string => `/api/v1/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(name)}`;

export function apiBinder(client: KubeClient): Binder {
  return {
    async persistPlan(record: GangRecord) {
      // A merge patch with the anchor's uid as a precondition: a record must
      // never land on a new pod that reused the anchor's name.
      await client.request({
        method: 'PATCH',
        path: podPath(record.namespace, record.anchor.name),
        patchType: 'merge',
        body: { metadata: { uid: record.anchor.uid, annotations: { [GANG_RECORD]: JSON.stringify(record) } } },
        discardBody: true,
      });
    },
    async bind(namespace, name, uid, node, annotations) {
      // One write: the API server copies a Binding's annotations onto the pod
      // in the same update that sets spec.nodeName (pods/binding,
      // setPodNodeAndMetadata in pkg/registry/core/pod/storage/storage.go), with
      // the uid as a precondition, so the pod is bound with its annotations or
      // not at all.
      await client.request({
        method: 'POST',
        path: `${podPath(namespace, name)}/binding`,
        body: {
          apiVersion: 'v1',
          kind: 'Binding',
          metadata: { name, namespace, uid, ...(Object.keys(annotations).length > 0 ? { annotations } : {}) },
          target: { apiVersion: 'v1', kind: 'Node', name: node },
        },
        discardBody: true,
      });
    },
  };
}

/**
 * Events on pods, at most one per (pod, reason) every `intervalMs`, so a gang
 * retried every second by the scheduler does not flood the API server.
 * involvedObject carries the pod's uid: `kubectl describe pod` selects Events
 * by involvedObject.uid (as well as name and namespace), so without it they
 * never show there.
 */
export function eventRecorder(client: KubeClient, logger: Logger, intervalMs: number, now: () => number = Date.now): (e: GangEvent) => void {
  const last = new Map<string, number>();
  return (e) => {
    // By uid: a new pod reusing a name is a new pod, not a repeat.
    const key = `${e.uid || `${e.namespace}/${e.name}`}/${e.reason}`;
    const t = now();
    const prev = last.get(key);
    if (prev !== undefined && t - prev < intervalMs) return;
    last.set(key, t);
    if (last.size > 10_000) last.clear();
    const ts = new Date(t).toISOString();
    client
      .request({
        method: 'POST',
        path: `/api/v1/namespaces/${encodeURIComponent(e.namespace)}/events`,
        body: {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { generateName: `${e.name}.`, namespace: e.namespace },
          involvedObject: involvedPod(e),
          reason: e.reason,
          message: e.message,
          type: e.type,
          source: { component: 'gangplank-extender' },
          firstTimestamp: ts,
          lastTimestamp: ts,
          count: 1,
          reportingComponent: 'gangplank-extender',
        },
      })
      .catch((err: unknown) => logger.warn({ err: String(err), reason: e.reason, pod: `${e.namespace}/${e.name}` }, 'cannot record event'));
  };
}

/**
 * Events about a Node (cluster-scoped objects' Events live in the default
 * namespace, where `kubectl describe node` finds them), at most one per
 * (node, reason) every `intervalMs`.
 */
export function nodeEventRecorder(
  client: KubeClient,
  logger: Logger,
  uidOf: (node: string) => string | undefined,
  intervalMs: number,
  now: () => number = Date.now,
): (node: string, reason: string, message: string) => void {
  const last = new Map<string, number>();
  return (node, reason, message) => {
    const key = `${node}/${reason}`;
    const t = now();
    const prev = last.get(key);
    if (prev !== undefined && t - prev < intervalMs) return;
    last.set(key, t);
    if (last.size > 10_000) last.clear();
    const ts = new Date(t).toISOString();
    const uid = uidOf(node);
    client
      .request({
        method: 'POST',
        path: '/api/v1/namespaces/default/events',
        body: {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { generateName: `${node}.`, namespace: 'default' },
          involvedObject: { apiVersion: 'v1', kind: 'Node', name: node, ...(uid ? { uid } : {}) },
          reason,
          message,
          type: 'Warning',
          source: { component: 'gangplank-extender' },
          firstTimestamp: ts,
          lastTimestamp: ts,
          count: 1,
          reportingComponent: 'gangplank-extender',
        },
      })
      .catch((err: unknown) => logger.warn({ err: String(err), reason, node }, 'cannot record event'));
  };
}

/** The Event's involvedObject: the pod by name, uid and (when known) resourceVersion. */
export function involvedPod(e: GangEvent): { apiVersion: 'v1'; kind: 'Pod'; name: string; namespace: string; uid?: string; resourceVersion?: string } {
  const ref: ReturnType<typeof involvedPod> = { apiVersion: 'v1', kind: 'Pod', name: e.name, namespace: e.namespace };
  if (e.uid) ref.uid = e.uid;
  if (e.resourceVersion) ref.resourceVersion = e.resourceVersion;
  return ref;
}

/**
 * ConfigMaps fetched on first use: Spark creates a driver's ConfigMap just
 * after the driver pod, so a miss starts a GET and reports "not yet"; the
 * scheduler's retry finds it. Watching every ConfigMap in the cluster for
 * this would cost far more memory than it saves.
 */
export class LazyConfigMapCache implements ObjectCache<V1ConfigMap> {
  private readonly found = new Map<string, { cm: V1ConfigMap; at: number }>();
  private readonly inFlight = new Set<string>();
  constructor(
    private readonly client: KubeClient,
    private readonly logger: Logger,
    private readonly ttlMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}
  get(name: string, namespace = 'default'): V1ConfigMap | undefined {
    const key = `${namespace}/${name}`;
    const hit = this.found.get(key);
    if (hit && this.now() - hit.at < this.ttlMs) return hit.cm;
    if (!this.inFlight.has(key)) {
      this.inFlight.add(key);
      this.client
        .request<V1ConfigMap>({ path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps/${encodeURIComponent(name)}` })
        .then((cm) => this.found.set(key, { cm, at: this.now() }))
        .catch((err: unknown) => {
          if (!(err instanceof ApiError && err.status === 404)) this.logger.warn({ err: String(err), configMap: key }, 'cannot read ConfigMap');
        })
        .finally(() => this.inFlight.delete(key));
    }
    return hit?.cm;
  }
  list(): readonly V1ConfigMap[] {
    return [...this.found.values()].map((v) => v.cm);
  }
}

export type { V1Pod };
