// A gang's status as users read it with kubectl (issue 10, item 3; docs/extender.md,
// "Gang status"). Pure: computed from what the API shows (the gang's pods and
// their PodScheduled condition) and the ledger, which every replica follows
// (ADR 0006), so whichever replica writes it writes the same thing.
//
// Where it shows:
// - every gang: the annotation gangplank.io/gang-status (one line of JSON)
//   and the label gangplank.io/gang-phase on the gang's anchor pod (the
//   driver, or the oldest member), so `kubectl get pods -L gangplank.io/gang-phase`
//   lists gangs by phase and `kubectl describe pod` shows the counts and the reason;
// - a gang named by a scheduler-plugins PodGroup: also the PodGroup's status
//   (phase, running, succeeded, failed, scheduleStartTime), which
//   `kubectl get podgroups` prints.
import type { V1Pod } from '@kubernetes/client-node';
import { executorCountCodec } from '../contract/annotations.js';
import { EXECUTOR_COUNT } from '../contract/keys.js';
import type { GangKind } from '../contract/gang-record.js';
import type { Gang } from './ledger.js';
import { podGroupPhase, type MemberCounts, type PodGroupStatus } from './podgroup.js';

/**
 * Pending: not placed (members missing, waiting for room, or it does not fit;
 * `message` says which). Reserved: placed, some members bound, room held for
 * the rest. Placed: every member it needs is bound. Running: that many run.
 * Finished / Failed: the driver (or enough members) ended so.
 */
export type GangPhase = 'Pending' | 'Reserved' | 'Placed' | 'Running' | 'Finished' | 'Failed';

export interface GangStatus {
  readonly phase: GangPhase;
  readonly kind: GangKind;
  /** Members the gang needs together (driver + N, or its quorum); 0 while not known. */
  readonly need: number;
  /** Members that exist (not deleted). */
  readonly members: number;
  readonly scheduled: number;
  readonly running: number;
  readonly succeeded: number;
  readonly failed: number;
  /** Slots held for members not bound yet. */
  readonly reserved: number;
  /** The scheduler's reason while Pending (from the members' PodScheduled condition), or what is held. */
  readonly message?: string;
}

export interface GangStatusInput {
  readonly kind: GangKind;
  /** Every pod of the gang not yet deleted, terminal ones included. */
  readonly pods: readonly V1Pod[];
  /** The gang's plan, when the ledger holds one. */
  readonly plan?: Pick<Gang, 'state' | 'slots'>;
  /** The quorum when known otherwise (PodGroup minMember, the min-available label). */
  readonly minMembers?: number;
}

/** The longest reason kept (the annotation is read by people; the Event has the rest). */
const MAX_MESSAGE = 300;

export function countMembers(pods: readonly V1Pod[]): MemberCounts {
  let scheduled = 0;
  let running = 0;
  let succeeded = 0;
  let failed = 0;
  for (const p of pods) {
    if (p.spec?.nodeName) scheduled++;
    const phase = p.status?.phase;
    if (phase === 'Running') running++;
    else if (phase === 'Succeeded') succeeded++;
    else if (phase === 'Failed') failed++;
  }
  return { total: pods.length, scheduled, running, succeeded, failed };
}

function driverOf(pods: readonly V1Pod[]): V1Pod | undefined {
  return pods.find((p) => p.metadata?.labels?.['spark-role'] === 'driver') ?? pods.find((p) => p.metadata?.annotations?.[EXECUTOR_COUNT] !== undefined);
}

/** Why a pending member is not placed, as kube-scheduler last wrote it (it carries the extender's message). */
function schedulerReason(pods: readonly V1Pod[]): string | undefined {
  for (const p of pods) {
    if (p.spec?.nodeName) continue;
    const c = (p.status?.conditions ?? []).find((x) => x.type === 'PodScheduled' && x.status === 'False');
    if (c?.message) return c.message.length > MAX_MESSAGE ? `${c.message.slice(0, MAX_MESSAGE - 1)}…` : c.message;
  }
  return undefined;
}

export function gangStatus(input: GangStatusInput): GangStatus {
  const { kind, pods, plan } = input;
  const c = countMembers(pods);
  let need = plan?.slots.length ?? 0;
  if (need === 0 && kind === 'driver-led') {
    const raw = driverOf(pods)?.metadata?.annotations?.[EXECUTOR_COUNT];
    const n = raw === undefined ? undefined : executorCountCodec.parse(raw);
    need = typeof n === 'number' ? n + 1 : 0;
  }
  if (need === 0) need = input.minMembers ?? 0;
  const reserved = plan ? plan.slots.filter((s) => !s.consumedBy).length : 0;
  const base = { kind, need, members: c.total, scheduled: c.scheduled, running: c.running, succeeded: c.succeeded, failed: c.failed, reserved };
  // How it ended: the driver decides a driver-led gang; enough members a co-created one.
  if (kind === 'driver-led') {
    const phase = driverOf(pods)?.status?.phase;
    if (phase === 'Succeeded') return { ...base, phase: 'Finished' };
    if (phase === 'Failed') return { ...base, phase: 'Failed' };
  } else if (need > 0) {
    if (c.succeeded >= need) return { ...base, phase: 'Finished' };
    if (c.failed > 0 && c.failed + c.running + c.succeeded >= need) return { ...base, phase: 'Failed' };
  }
  const placed = plan ? plan.state === 'filled' || (plan.state === 'reserved' && reserved === 0) : need > 0 && c.scheduled >= need;
  if (placed && need > 0 && c.running + c.succeeded >= need) return { ...base, phase: 'Running' };
  if (placed) return { ...base, phase: 'Placed' };
  if (plan && plan.state !== 'planned') {
    return { ...base, phase: 'Reserved', message: `${c.scheduled} of ${need} bound; room held for ${reserved} more` };
  }
  const why = schedulerReason(pods);
  const exist = need > 0 && c.total < need ? `${c.total} of ${need} members exist` : undefined;
  const message = [exist, why].filter((s) => s !== undefined).join('; ');
  return { ...base, phase: 'Pending', ...(message ? { message } : {}) };
}

/** The annotation's text: stable key order, so an unchanged status writes nothing. */
export function formatGangStatus(s: GangStatus): string {
  return JSON.stringify({
    phase: s.phase,
    kind: s.kind,
    need: s.need,
    members: s.members,
    scheduled: s.scheduled,
    running: s.running,
    succeeded: s.succeeded,
    failed: s.failed,
    reserved: s.reserved,
    ...(s.message ? { message: s.message } : {}),
  });
}

/**
 * The PodGroup status Gangplank writes: v1alpha1's phase for the members'
 * counts against minMember, the counts, and scheduleStartTime (when the gang
 * was first planned; kept once set).
 */
export function podGroupStatus(pods: readonly V1Pod[], minMember: number, plannedAt: string | undefined, current: PodGroupStatus | undefined): PodGroupStatus {
  const c = countMembers(pods);
  const start = current?.scheduleStartTime ?? plannedAt;
  return {
    phase: podGroupPhase(c, minMember),
    running: c.running,
    succeeded: c.succeeded,
    failed: c.failed,
    ...(start ? { scheduleStartTime: start } : {}),
  };
}

/** True when `current` already says what `want` says (no write needed). */
export function sameStatus(want: PodGroupStatus, current: PodGroupStatus | undefined): boolean {
  const cur = current ?? {};
  return (
    want.phase === cur.phase &&
    (want.running ?? 0) === (cur.running ?? 0) &&
    (want.succeeded ?? 0) === (cur.succeeded ?? 0) &&
    (want.failed ?? 0) === (cur.failed ?? 0) &&
    (want.scheduleStartTime === undefined || want.scheduleStartTime === cur.scheduleStartTime)
  );
}
