// Gang identity from a pod's labels (the gang API: docs/extender.md and
// docs/webhook.md, "Gang identity"). Two kinds:
// - driver-led: a Spark driver (`spark-role=driver`) with a gang label, or any
//   pod with gangplank.io/executor-count. Its executors join by the same gang
//   label, or, carrying none (spark-submit without the webhook), by Spark's
//   `spark-app-selector` label or an ownerReference to the driver pod.
// - co-created: other pods with the gang label; min-available of them must
//   exist before any is placed.
// Gang names are scoped by namespace.
//
// The gang label is pod-group.scheduling.kubenexus.io/name, or, on a pod
// without it, scheduler-plugins' `scheduling.x-k8s.io/pod-group` (the
// PodGroup's name: src/gang/podgroup.ts). A gang named by the PodGroup label
// records it in `podGroup`; admit() honours it only while the PodGroup API is
// served (docs/extender.md, "PodGroups").
//
// A pod in a native PodGroup (`spec.schedulingGroup.podGroupName`, Kubernetes
// 1.37 scheduling.k8s.io/v1beta1; ./native.ts) records it in `native`; a pod
// in no other gang is then a member of the co-created gang named after that
// PodGroup. admit() honours it only while that API is served.
import type { V1Pod } from '@kubernetes/client-node';
import { minAvailableCodec } from '../contract/annotations.js';
import type { GangKind, Role } from '../contract/gang-record.js';
import { EXECUTOR_COUNT, GANG_MIN_AVAILABLE, GANG_NAME, POD_GROUP_LABEL, SPARK_APP_SELECTOR, SPARK_ROLE } from '../contract/keys.js';
import { nativeGroupOf } from './native.js';


export interface GangId {
  readonly namespace: string;
  readonly name: string;
  /** `namespace/name`. */
  readonly key: string;
}

export interface Membership {
  readonly gang: GangId;
  readonly kind: GangKind;
  readonly role: Role;
  /** The min-available label, 0 when absent or not a positive integer. */
  readonly minAvailable: number;
  /** The scheduler-plugins PodGroup that names the gang (the pod's scheduling.x-k8s.io/pod-group label), if it does. */
  readonly podGroup?: string;
  /** The native PodGroup the pod is in (spec.schedulingGroup.podGroupName), if any. */
  readonly native?: string;
}

export interface MembershipOptions {
  /** Read scheduling.x-k8s.io/pod-group as a gang label (default true; false while the PodGroup API is not served). */
  readonly podGroupLabel?: boolean;
  /** Read spec.schedulingGroup (default true; false while the native PodGroup API is not served). */
  readonly nativeGroups?: boolean;
}

/**
 * The gang label a pod carries: the kubenexus name, else the PodGroup label.
 * `podGroup` is set when the name is the PodGroup's (both labels agree, or only the PodGroup label is there).
 */
export function gangLabel(labels: Record<string, string> | undefined, opts: MembershipOptions = {}): { name?: string; podGroup?: string } {
  const own = labels?.[GANG_NAME] || undefined;
  const pg = opts.podGroupLabel === false ? undefined : labels?.[POD_GROUP_LABEL] || undefined;
  const name = own ?? pg;
  return { name, ...(pg !== undefined && pg === name ? { podGroup: pg } : {}) };
}

/** How an executor without a gang label finds its driver's gang. */
export interface DriverLookup {
  gangOfDriverUid(uid: string): GangId | undefined;
  gangOfSelector(namespace: string, selector: string): GangId | undefined;
}

export function gangId(namespace: string, name: string): GangId {
  return { namespace, name, key: `${namespace}/${name}` };
}

export function parseMinAvailable(labels: Record<string, string> | undefined): number {
  const raw = labels?.[GANG_MIN_AVAILABLE];
  const n = raw === undefined ? 0 : minAvailableCodec.parse(raw);
  return n instanceof Error ? 0 : n;
}

export function isDriverLed(pod: V1Pod, opts: MembershipOptions = {}): boolean {
  const labels = pod.metadata?.labels ?? {};
  if (pod.metadata?.annotations?.[EXECUTOR_COUNT] !== undefined) return true;
  return labels[SPARK_ROLE] === 'driver' && gangLabel(labels, opts).name !== undefined;
}

/** The gang a pod belongs to, or null for a pod in no gang. */
export function membership(pod: V1Pod, lookup?: DriverLookup, opts: MembershipOptions = {}): Membership | null {
  const meta = pod.metadata ?? {};
  const ns = meta.namespace ?? 'default';
  const labels = meta.labels ?? {};
  const { name: label, podGroup } = gangLabel(labels, opts);
  const native = opts.nativeGroups === false ? undefined : nativeGroupOf(pod);
  const nat = native !== undefined ? { native } : {};
  const pg = podGroup !== undefined ? { podGroup } : {};
  const minAvailable = parseMinAvailable(labels);
  if (isDriverLed(pod, opts)) {
    const name = label || labels[SPARK_APP_SELECTOR] || meta.name || '';
    return { gang: gangId(ns, name), kind: 'driver-led', role: 'driver', minAvailable, ...(label ? pg : {}), ...nat };
  }
  if (labels[SPARK_ROLE] === 'executor') {
    if (label) return { gang: gangId(ns, label), kind: 'driver-led', role: 'executor', minAvailable, ...pg, ...nat };
    const owner = (meta.ownerReferences ?? []).find((o) => o.kind === 'Pod');
    const viaOwner = owner ? lookup?.gangOfDriverUid(owner.uid) : undefined;
    const selector = labels[SPARK_APP_SELECTOR];
    const viaSelector = selector ? lookup?.gangOfSelector(ns, selector) : undefined;
    const g = viaOwner ?? viaSelector;
    if (g) return { gang: g, kind: 'driver-led', role: 'executor', minAvailable, ...nat };
    if (native === undefined) return null;
  }
  if (label) return { gang: gangId(ns, label), kind: 'co-created', role: 'member', minAvailable, ...pg, ...nat };
  if (native !== undefined) return { gang: gangId(ns, native), kind: 'co-created', role: 'member', minAvailable, native };
  return null;
}

/** Oldest first: creationTimestamp, then namespace/name (docs/extender.md, "Oldest first"). */
export function compareAge(a: { createdAt: number; key: string }, b: { createdAt: number; key: string }): number {
  return a.createdAt - b.createdAt || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

export function creationMs(pod: V1Pod): number {
  const ts = pod.metadata?.creationTimestamp as unknown;
  if (ts instanceof Date) return ts.getTime();
  if (typeof ts === 'string') {
    const t = Date.parse(ts);
    if (Number.isFinite(t)) return t;
  }
  return 0;
}

export function isTerminal(pod: V1Pod): boolean {
  const phase = pod.status?.phase;
  // A pending pod being deleted will never run: it no longer counts for a quorum.
  return phase === 'Succeeded' || phase === 'Failed' || (pod.metadata?.deletionTimestamp !== undefined && !pod.spec?.nodeName);
}
