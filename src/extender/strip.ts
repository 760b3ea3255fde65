// What the extender keeps of each cached pod and node (issue 13: 5,000 nodes
// and 50,000 pods in 256 MiB). A real pod is mostly written for the kubelet
// and for humans (managedFields, kubectl's last-applied configuration,
// containers' env, mounts, probes and security contexts, volumes, container
// statuses) and a node carries its image list and system info; in a
// realistic cluster those are nine tenths of the bytes. The cache keeps only
// the fields below, which are every field Gangplank's extender reads (a
// reader of another field must add it here: test/unit/k8s/strip.test.ts runs
// the readers and whole filter/prioritize/bind sequences on whole and on
// stripped objects and expects the same answers):
//
//   pod metadata: name, namespace, uid, resourceVersion, creationTimestamp,
//     deletionTimestamp, and the labels and annotations
//     under the prefixes Gangplank, Spark and the gang APIs it honours use
//     (an app's own labels, such as app or pod-template-hash, are not kept);
//   pod metadata.ownerReferences: those of kind Pod (an executor's driver);
//   pod spec: nodeName, schedulerName, priority, nodeSelector, affinity,
//     tolerations, overhead, resources (pod level), schedulingGates, the gang
//     references (workloadRef, schedulingGroup), and of each container and
//     init container its name, resources and restartPolicy; of a Spark
//     driver also its containers' image, command and args (the application
//     type, the image of placeholder pods) and its ConfigMap volumes (its
//     spark.properties);
//   pod status: phase, reason, nominatedNodeName, the PodScheduled condition
//     while it is not True (why a gang member waits);
//   node: name, uid, resourceVersion, all labels, the same annotations,
//     taints, unschedulable, capacity, allocatable.
//
// Objects many pods share (a resources stanza, the default tolerations) are
// kept once and frozen: readers never change cached objects.
import type { V1Container, V1Node, V1ObjectMeta, V1Pod, V1PodSpec, V1PodStatus } from '@kubernetes/client-node';
import { EXECUTOR_COUNT, SPARK_DRIVER_CONTAINER, SPARK_ROLE } from '../contract/keys.js';

/** Prefixes of the pod labels and annotations that are kept: Gangplank's, Spark's, the gang APIs' it honours. */
const KEPT_PREFIXES = ['gangplank.io/', 'numa.scheduling.kubenexus.io/', 'pod-group.scheduling.kubenexus.io/', 'scheduling.x-k8s.io/', 'sparkoperator.k8s.io/', 'spark-', 'kyuubi-'];

const kept = (key: string): boolean => KEPT_PREFIXES.some((p) => key.startsWith(p));

/** At most this many shared objects: beyond it (hostile variety), objects are kept as they are. */
const SHARED_MAX = 10_000;
const shared = new Map<string, unknown>();

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as object)) deepFreeze(v);
  }
  return o;
}

/** At most this many interned strings: beyond it (hostile variety), strings are kept as they are. */
const INTERNED_MAX = 50_000;
const interned = new Map<string, string>();

/**
 * One copy of a string many objects repeat (namespaces, node and scheduler
 * names, phases, container names, label values): JSON.parse makes a new
 * string for every occurrence, 40 bytes and more each.
 */
function intern<S extends string | undefined>(v: S): S {
  if (v === undefined) return v;
  const hit = interned.get(v);
  if (hit !== undefined) return hit as S;
  if (interned.size < INTERNED_MAX) interned.set(v, v);
  return v;
}

/** One frozen copy of each distinct value (by its JSON). */
function share<T>(value: T | undefined): T | undefined {
  if (value === undefined || value === null || typeof value !== 'object') return value;
  const key = JSON.stringify(value);
  const hit = shared.get(key);
  if (hit !== undefined) return hit as T;
  if (shared.size >= SHARED_MAX) return value;
  shared.set(key, deepFreeze(value));
  return value;
}

function keptOf(a: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!a) return undefined;
  let out: Record<string, string> | undefined;
  for (const k in a) {
    if (!kept(k)) continue;
    out ??= {};
    out[intern(k)] = intern(a[k] as string);
  }
  return out;
}

// Objects are built as literals with every field present (undefined when
// absent: JSON and every reader treat that as absent), so each kind of object
// has one fixed shape with in-object fields; objects grown field by field
// need an extra property array each (10 MiB at 50,000 pods).

function meta(m: V1ObjectMeta, kind: 'pod' | 'node'): V1ObjectMeta {
  const pods = kind === 'pod' ? m.ownerReferences?.filter((o) => o.kind === 'Pod') : undefined;
  return {
    name: m.name,
    namespace: kind === 'pod' ? intern(m.namespace) : undefined,
    uid: m.uid,
    resourceVersion: m.resourceVersion,
    creationTimestamp: m.creationTimestamp,
    deletionTimestamp: m.deletionTimestamp,
    // A node's labels are all kept: node selectors and affinity match any of them.
    labels: kind === 'node' ? m.labels : keptOf(m.labels),
    annotations: keptOf(m.annotations),
    ownerReferences: pods && pods.length > 0 ? pods.map((o) => ({ apiVersion: intern(o.apiVersion), kind: intern(o.kind), name: o.name, uid: o.uid, controller: o.controller })) : undefined,
  };
}

/** A Spark driver as Gangplank recognises one: Spark's role label, Spark's driver container, or the executor count it reserves for. */
function sparkDriver(pod: V1Pod): boolean {
  return pod.metadata?.labels?.[SPARK_ROLE] === 'driver' || pod.metadata?.annotations?.[EXECUTOR_COUNT] !== undefined || (pod.spec?.containers ?? []).some((c) => c.name === SPARK_DRIVER_CONTAINER);
}

function container(c: V1Container, driver: boolean): V1Container {
  // Two shapes: a driver's containers with what its readers need, everyone else's with resources only.
  if (!driver) return { name: intern(c.name), resources: share(c.resources), restartPolicy: intern(c.restartPolicy) };
  return { name: intern(c.name), image: c.image, command: c.command, args: c.args, resources: share(c.resources), restartPolicy: intern(c.restartPolicy) };
}

type Spec = V1PodSpec & { workloadRef?: unknown; schedulingGroup?: unknown; resources?: unknown };

function spec(s: Spec, driver: boolean): V1PodSpec {
  const volumes = driver ? s.volumes?.filter((v) => v.configMap).map((v) => ({ name: v.name, configMap: { name: v.configMap?.name } })) : undefined;
  const out: Spec = {
    containers: (s.containers ?? []).map((c) => container(c, driver)),
    initContainers: s.initContainers?.map((c) => container(c, driver)),
    nodeName: intern(s.nodeName),
    schedulerName: intern(s.schedulerName),
    priority: s.priority,
    nodeSelector: share(s.nodeSelector),
    affinity: share(s.affinity),
    tolerations: share(s.tolerations),
    overhead: share(s.overhead),
    resources: share(s.resources),
    schedulingGates: s.schedulingGates,
    workloadRef: s.workloadRef,
    schedulingGroup: s.schedulingGroup,
    volumes: volumes && volumes.length > 0 ? volumes : undefined,
  };
  return out;
}

function status(s: V1PodStatus): V1PodStatus {
  const scheduled = s.conditions?.find((c) => c.type === 'PodScheduled' && c.status !== 'True');
  return {
    phase: intern(s.phase),
    reason: s.reason,
    nominatedNodeName: s.nominatedNodeName,
    conditions: scheduled ? [{ type: scheduled.type, status: scheduled.status, reason: scheduled.reason, message: scheduled.message }] : undefined,
  };
}

/** A pod with only the fields Gangplank reads (see above). */
export function stripPod(pod: V1Pod): V1Pod {
  return { metadata: pod.metadata && meta(pod.metadata, 'pod'), spec: pod.spec && spec(pod.spec, sparkDriver(pod)), status: pod.status && status(pod.status) };
}

/** A node with only the fields Gangplank reads (see above). */
export function stripNode(node: V1Node): V1Node {
  return {
    metadata: node.metadata && meta(node.metadata, 'node'),
    spec: node.spec && { taints: share(node.spec.taints), unschedulable: node.spec.unschedulable },
    status: node.status && { capacity: share(node.status.capacity), allocatable: share(node.status.allocatable) },
  };
}
