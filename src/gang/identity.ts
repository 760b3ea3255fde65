// Gang identity from a pod's labels (DESIGN.md, gang API). Two kinds:
// - driver-led: a Spark driver (`spark-role=driver`) with a gang label, or any
//   pod with gangplank.io/executor-count. Its executors join by the same gang
//   label, or, carrying none (spark-submit without the webhook), by Spark's
//   `spark-app-selector` label or an ownerReference to the driver pod.
// - co-created: other pods with the gang label; min-available of them must
//   exist before any is placed.
// Gang names are scoped by namespace.
import type { V1Pod } from '@kubernetes/client-node';
import { minAvailableCodec } from '../contract/annotations.js';
import type { GangKind, Role } from '../contract/gang-record.js';
import { EXECUTOR_COUNT, GANG_MIN_AVAILABLE, GANG_NAME, SPARK_APP_SELECTOR, SPARK_ROLE } from '../contract/keys.js';


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

export function isDriverLed(pod: V1Pod): boolean {
  const labels = pod.metadata?.labels ?? {};
  if (pod.metadata?.annotations?.[EXECUTOR_COUNT] !== undefined) return true;
  return labels[SPARK_ROLE] === 'driver' && labels[GANG_NAME] !== undefined && labels[GANG_NAME] !== '';
}

/** The gang a pod belongs to, or null for a pod in no gang. */
export function membership(pod: V1Pod, lookup?: DriverLookup): Membership | null {
  const meta = pod.metadata ?? {};
  const ns = meta.namespace ?? 'default';
  const labels = meta.labels ?? {};
  const label = labels[GANG_NAME];
  const minAvailable = parseMinAvailable(labels);
  if (isDriverLed(pod)) {
    const name = label || labels[SPARK_APP_SELECTOR] || meta.name || '';
    return { gang: gangId(ns, name), kind: 'driver-led', role: 'driver', minAvailable };
  }
  if (labels[SPARK_ROLE] === 'executor') {
    if (label) return { gang: gangId(ns, label), kind: 'driver-led', role: 'executor', minAvailable };
    const owner = (meta.ownerReferences ?? []).find((o) => o.kind === 'Pod');
    const viaOwner = owner ? lookup?.gangOfDriverUid(owner.uid) : undefined;
    const selector = labels[SPARK_APP_SELECTOR];
    const viaSelector = selector ? lookup?.gangOfSelector(ns, selector) : undefined;
    const g = viaOwner ?? viaSelector;
    return g ? { gang: g, kind: 'driver-led', role: 'executor', minAvailable } : null;
  }
  if (label) return { gang: gangId(ns, label), kind: 'co-created', role: 'member', minAvailable };
  return null;
}

/** Oldest first: creationTimestamp, then namespace/name (DESIGN.md, fairness). */
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
