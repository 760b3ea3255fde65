// scheduler-plugins' PodGroup (`podgroups.scheduling.x-k8s.io`, v1alpha1;
// sigs.k8s.io/scheduler-plugins apis/scheduling/v1alpha1/types.go, KEP 42
// "PodGroup coscheduling"), read as plain data. Pods join a PodGroup with the
// label `scheduling.x-k8s.io/pod-group: <name>` in the PodGroup's namespace.
//
// What Gangplank takes from the spec (docs/extender.md, "PodGroups"):
// - minMember: the members that must exist and be placed together (the
//   quorum of a co-created gang, as the min-available label is);
// - minResources: the members placed together must request at least this
//   much, resource by resource (checked on the members, placed node by node:
//   never as aggregate free capacity);
// - scheduleTimeoutSeconds: how long room is held for members not yet bound
//   (the gang's time-out, as gangplank.io/timeout-seconds is).
// A PodGroup a SparkApplication controls (spark-operator's kube-scheduler
// batch scheduler creates `<app>-pg` with minMember 1 and minResources =
// driver + executors) makes its driver a driver-led gang.
//
// Everything here is hostile input (a PodGroup author is any namespace user):
// numbers are bounded, quantities go through the one quantity scanner.
import { toSchedulerUnits } from '../k8s/quantity.js';
import type { ResourceList } from '../k8s/resources.js';

/** The PodGroup object as the API serves it (the fields Gangplank reads and writes). */
export interface PodGroupObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    creationTimestamp?: Date;
    ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }[];
    annotations?: Record<string, string>;
  };
  spec?: { minMember?: number; minResources?: Record<string, string | number>; scheduleTimeoutSeconds?: number };
  status?: PodGroupStatus;
}

/** v1alpha1.PodGroupStatus as the current CRD schema has it (phase and counts; no conditions). */
export interface PodGroupStatus {
  phase?: PodGroupPhase;
  occupiedBy?: string;
  running?: number;
  succeeded?: number;
  failed?: number;
  scheduleStartTime?: string;
}

/** v1alpha1.PodGroupPhase values (types.go). */
export type PodGroupPhase = 'Pending' | 'Scheduling' | 'Running' | 'Unknown' | 'Finished' | 'Failed';

/** What the gang logic needs of a PodGroup. */
export interface PodGroupInfo {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  /** spec.minMember, at least 1 (0 or absent: 1, as scheduler-plugins treats it). */
  readonly minMember: number;
  /** spec.minResources in scheduler units; empty when absent. */
  readonly minResources: ResourceList;
  /** spec.scheduleTimeoutSeconds when set and positive. */
  readonly timeoutSeconds?: number;
  /** The SparkApplication that controls it (spark-operator's batch scheduler), if any. */
  readonly sparkApplication?: string;
  /** Why the spec could not be read, when it could not: the gang does not fit, with this reason. */
  readonly invalid?: string;
}

/** Look-up of PodGroups by namespace and name, while the API serves them. */
export interface PodGroupLookup {
  podGroup(namespace: string, name: string): PodGroupInfo | undefined;
}

/** No member count above this is believed (a gang larger than any cluster). */
export const MAX_MIN_MEMBER = 10_001;

export function podGroupInfo(pg: PodGroupObject): PodGroupInfo {
  const meta = pg.metadata ?? {};
  const base = { namespace: meta.namespace ?? 'default', name: meta.name ?? '', uid: meta.uid ?? '' };
  const spec = pg.spec ?? {};
  const owner = (meta.ownerReferences ?? []).find((o) => o.kind === 'SparkApplication' && o.controller === true && typeof o.name === 'string');
  const common = { ...base, ...(owner?.name ? { sparkApplication: owner.name } : {}) };
  const invalid = (why: string): PodGroupInfo => ({ ...common, minMember: 1, minResources: {}, invalid: `PodGroup ${base.namespace}/${base.name}: ${why}` });
  const min = spec.minMember;
  if (min !== undefined && (typeof min !== 'number' || !Number.isInteger(min) || min < 0)) return invalid(`spec.minMember ${JSON.stringify(min)} is not a whole number`);
  if ((min ?? 0) > MAX_MIN_MEMBER) return invalid(`spec.minMember ${min} is more than ${MAX_MIN_MEMBER}`);
  const t = spec.scheduleTimeoutSeconds;
  if (t !== undefined && (typeof t !== 'number' || !Number.isInteger(t) || t < 0)) return invalid(`spec.scheduleTimeoutSeconds ${JSON.stringify(t)} is not a whole number`);
  const minResources: ResourceList = {};
  const raw = spec.minResources ?? {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return invalid('spec.minResources is not a resource list');
  const entries = Object.entries(raw);
  if (entries.length > 64) return invalid(`spec.minResources lists ${entries.length} resources`);
  for (const [k, v] of entries) {
    try {
      minResources[k] = toSchedulerUnits(k, v);
    } catch (err) {
      return invalid(`spec.minResources.${k}: ${(err as Error).message}`);
    }
  }
  return { ...common, minMember: Math.max(1, min ?? 0), minResources, ...(t !== undefined && t > 0 ? { timeoutSeconds: t } : {}) };
}

/** Resources in `need` that `have` does not reach, as `{resource: [have, need]}`; empty when it reaches all. */
export function shortOf(need: ResourceList, have: ResourceList): Record<string, [number, number]> {
  const out: Record<string, [number, number]> = {};
  for (const [k, v] of Object.entries(need)) if (v > 0 && (have[k] ?? 0) < v) out[k] = [have[k] ?? 0, v];
  return out;
}

/** Pod counts of a PodGroup's members (pods with its label, not deleted). */
export interface MemberCounts {
  /** Members that exist. */
  readonly total: number;
  /** Members bound to a node (spec.nodeName set), whatever their phase. */
  readonly scheduled: number;
  readonly running: number;
  readonly succeeded: number;
  readonly failed: number;
}

/**
 * The PodGroup phase for these counts, with v1alpha1's meanings (types.go):
 * Pending until minMember are scheduled; Scheduling once they are but fewer
 * than minMember run; Running when minMember run (or have finished);
 * Failed when a member failed and minMember are done or running; Finished
 * when minMember succeeded.
 */
export function podGroupPhase(c: MemberCounts, minMember: number): PodGroupPhase {
  const min = Math.max(1, minMember);
  if (c.succeeded >= min) return 'Finished';
  if (c.failed > 0 && c.failed + c.running + c.succeeded >= min) return 'Failed';
  if (c.running + c.succeeded >= min) return 'Running';
  if (c.scheduled >= min) return 'Scheduling';
  return 'Pending';
}
