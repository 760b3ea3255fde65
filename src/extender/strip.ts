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
    out[k] = a[k] as string;
  }
  return out;
}

function meta(m: V1ObjectMeta, kind: 'pod' | 'node'): V1ObjectMeta {
  const out: V1ObjectMeta = {};
  if (m.name !== undefined) out.name = m.name;
  if (kind === 'pod' && m.namespace !== undefined) out.namespace = m.namespace;
  if (m.uid !== undefined) out.uid = m.uid;
  if (m.resourceVersion !== undefined) out.resourceVersion = m.resourceVersion;
  if (m.creationTimestamp !== undefined) out.creationTimestamp = m.creationTimestamp;
  if (m.deletionTimestamp !== undefined) out.deletionTimestamp = m.deletionTimestamp;
  // A node's labels are all kept: node selectors and affinity match any of them.
  const labels = kind === 'node' ? m.labels : keptOf(m.labels);
  if (labels) out.labels = labels;
  const a = keptOf(m.annotations);
  if (a) out.annotations = a;
  const pods = kind === 'pod' ? m.ownerReferences?.filter((o) => o.kind === 'Pod') : undefined;
  if (pods && pods.length > 0) out.ownerReferences = pods.map((o) => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.name, uid: o.uid, ...(o.controller !== undefined ? { controller: o.controller } : {}) }));
  return out;
}

/** A Spark driver as Gangplank recognises one: Spark's role label, Spark's driver container, or the executor count it reserves for. */
function sparkDriver(pod: V1Pod): boolean {
  return pod.metadata?.labels?.[SPARK_ROLE] === 'driver' || pod.metadata?.annotations?.[EXECUTOR_COUNT] !== undefined || (pod.spec?.containers ?? []).some((c) => c.name === SPARK_DRIVER_CONTAINER);
}

function container(c: V1Container, driver: boolean): V1Container {
  const out: V1Container = { name: c.name };
  if (driver && c.image !== undefined) out.image = c.image;
  if (driver && c.command !== undefined) out.command = c.command;
  if (driver && c.args !== undefined) out.args = c.args;
  if (c.resources !== undefined) out.resources = share(c.resources);
  if (c.restartPolicy !== undefined) out.restartPolicy = c.restartPolicy;
  return out;
}

type Spec = V1PodSpec & { workloadRef?: unknown; schedulingGroup?: unknown; resources?: unknown };

function spec(s: Spec, driver: boolean): V1PodSpec {
  const out: Spec = { containers: (s.containers ?? []).map((c) => container(c, driver)) };
  if (s.initContainers) out.initContainers = s.initContainers.map((c) => container(c, driver));
  if (s.nodeName !== undefined) out.nodeName = s.nodeName;
  if (s.schedulerName !== undefined) out.schedulerName = s.schedulerName;
  if (s.priority !== undefined) out.priority = s.priority;
  if (s.nodeSelector !== undefined) out.nodeSelector = share(s.nodeSelector);
  if (s.affinity !== undefined) out.affinity = share(s.affinity);
  if (s.tolerations !== undefined) out.tolerations = share(s.tolerations);
  if (s.overhead !== undefined) out.overhead = share(s.overhead);
  if (s.resources !== undefined) out.resources = share(s.resources);
  if (s.schedulingGates !== undefined) out.schedulingGates = s.schedulingGates;
  if (s.workloadRef !== undefined) out.workloadRef = s.workloadRef;
  if (s.schedulingGroup !== undefined) out.schedulingGroup = s.schedulingGroup;
  if (driver && s.volumes) {
    const cms = s.volumes.filter((v) => v.configMap).map((v) => ({ name: v.name, configMap: { name: v.configMap?.name } }));
    if (cms.length > 0) out.volumes = cms;
  }
  return out;
}

function status(s: V1PodStatus): V1PodStatus {
  const out: V1PodStatus = {};
  if (s.phase !== undefined) out.phase = s.phase;
  if (s.reason !== undefined) out.reason = s.reason;
  if (s.nominatedNodeName !== undefined) out.nominatedNodeName = s.nominatedNodeName;
  const scheduled = s.conditions?.find((c) => c.type === 'PodScheduled' && c.status !== 'True');
  if (scheduled) out.conditions = [{ type: scheduled.type, status: scheduled.status, ...(scheduled.reason !== undefined ? { reason: scheduled.reason } : {}), ...(scheduled.message !== undefined ? { message: scheduled.message } : {}) }];
  return out;
}

/** A pod with only the fields Gangplank reads (see above). */
export function stripPod(pod: V1Pod): V1Pod {
  const out: V1Pod = {};
  if (pod.metadata) out.metadata = meta(pod.metadata, 'pod');
  if (pod.spec) out.spec = spec(pod.spec, sparkDriver(pod));
  if (pod.status) out.status = status(pod.status);
  return out;
}

/** A node with only the fields Gangplank reads (see above). */
export function stripNode(node: V1Node): V1Node {
  const out: V1Node = {};
  if (node.metadata) out.metadata = meta(node.metadata, 'node');
  if (node.spec) out.spec = { ...(node.spec.taints !== undefined ? { taints: share(node.spec.taints) } : {}), ...(node.spec.unschedulable !== undefined ? { unschedulable: node.spec.unschedulable } : {}) };
  if (node.status) out.status = { ...(node.status.capacity !== undefined ? { capacity: share(node.status.capacity) } : {}), ...(node.status.allocatable !== undefined ? { allocatable: share(node.status.allocatable) } : {}) };
  return out;
}
