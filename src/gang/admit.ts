// The filter decision for one pod (pure over the index, the ledger and the
// clock value passed in). Returns a domain verdict; src/extender/verbs/filter.ts
// translates it to the wire (docs/architecture.md, "Domain verdicts, translated at
// the edge").
//
// - Driver-led driver: plan driver + N executors; answer exactly the planned
//   driver node, so /bind always matches the plan.
// - Executor of a planned gang: steered to one open slot of its gang (held
//   for it until bind or the assume TTL); an executor larger than its slot
//   must fit in slot + unreserved room there, else it is rejected. Executors
//   beyond N schedule against unreserved room.
// - Co-created member: wait for min-available members, then plan all and pin
//   each to its node.
// - Anyone else: the same capacity check, against unreserved room only.
// Fairness: a gang is planned only if it still fits after every older gang
// that is waiting and would fit now has taken its room (oldest first).
// PodGroups (./podgroup.ts): while the API serves them, a gang named by a
// scheduler-plugins PodGroup takes its quorum (minMember), its minimum
// requests (minResources) and its time-out (scheduleTimeoutSeconds) from the
// PodGroup; a pod whose PodGroup does not exist waits for it, as the
// coscheduling plugin's pods do. While the API is not served the PodGroup
// label means nothing.
// Native PodGroups (./native.ts; Kubernetes 1.37 scheduling.k8s.io/v1beta1,
// gate GenericWorkload): a pod whose gang is its native PodGroup is planned
// with its group (quorum gang.minCount) and pinned to its node, but filter
// calls in kube-scheduler's PodGroup cycle are speculative, so that plan is
// only remembered as a speculative placement; the first member's bind commits
// the group (commitNativeGroup).
import type { V1Pod } from '@kubernetes/client-node';
import { podConstraints, timeoutSecondsCodec } from '../contract/annotations.js';
import { GANG_TIMEOUT } from '../contract/keys.js';
import type { ExecutorShape } from '../contract/spark-pod.js';
import { add as addList, type ResourceList } from '../k8s/resources.js';
import { podNumaRequirement, type NumaRequirement } from '../numa/policy.js';
import { podUsage, type CapacityIndex } from './capacity.js';
import { executorConstraints } from './constraints.js';
import { resolveDriverExecutors, type DriverExecutors, type SparkConfState } from './driver-executors.js';
import { compareAge, creationMs, membership, type GangId, type Membership } from './identity.js';
import { shortOf, type PodGroupInfo, type PodGroupLookup } from './podgroup.js';
import type { Gang } from './ledger.js';
import type { NativeGroupInfo, NativeGroupLookup, SpeculativePlacements } from './native.js';
import type { Ledger } from './ledger.js';
import { plural, shapeText } from './messages.js';
import { planCoCreated, planDriverLed, type CoMember, type Counts, type Placement, type PlanOutcome } from './planner.js';
import { demand, Room } from './room.js';

export type { SparkConfState };

/** The extender section of the config; executorDefaults (optional) overrides Spark's defaults. */
/**
 * The settings gang planning reads (config/schema.ts extender satisfies it;
 * declared here so that src/gang does not depend on the configuration module).
 */
export interface GangConfig {
  readonly gangTimeoutSeconds: number;
  readonly maxGangTimeoutSeconds: number;
  readonly maxExecutors: number;
  readonly sparkConfigWaitSeconds: number;
  readonly numaResources: readonly string[];
  readonly executorDefaults?: ExecutorShape;
}

export interface GangContext {
  readonly index: CapacityIndex;
  readonly ledger: Ledger;
  readonly config: GangConfig;
  readonly now: number;
  readonly queue: WaitQueue;
  /** The driver's spark.properties, when a ConfigMap cache is wired. */
  readonly sparkConf?: (driver: V1Pod) => SparkConfState;
  /** Set when NodeResourceTopology data is stale (single-numa fits on NRT nodes fail closed). */
  readonly staleTopology?: string;
  /** scheduler-plugins PodGroups, present only while the API serves them (src/gang/podgroup.ts). */
  readonly podGroups?: PodGroupLookup;
  /** Native PodGroups (scheduling.k8s.io/v1beta1), present only while the API serves them (src/gang/native.ts). */
  readonly nativeGroups?: NativeGroupLookup;
  /** Where filter pinned native PodGroup members, until their group's first bind commits it. */
  readonly speculative?: SpeculativePlacements;
}

export type NumaRejection = 'no_zone_fits' | 'no_topology' | 'stale_topology';

export type Verdict =
  | { readonly kind: 'Ready'; readonly gang: GangId; readonly nodes: readonly string[]; readonly message: string; readonly planned?: boolean }
  | { readonly kind: 'Wait'; readonly gang: GangId; readonly counts: Counts; readonly message: string }
  | { readonly kind: 'DoesNotFit'; readonly gang: GangId; readonly counts: Counts; readonly message: string }
  | {
      readonly kind: 'NotInGang';
      /** Set for an executor beyond its gang's reservation (dynamic allocation). */
      readonly beyondReservationOf?: GangId;
      readonly nodes: readonly string[];
      readonly failed: Readonly<Record<string, string>>;
      readonly numaRejections: Readonly<Partial<Record<NumaRejection, number>>>;
    };

// ---- oldest-first queue of gangs that could not be planned ----

interface Waiting {
  readonly key: string;
  readonly createdAt: number;
  readonly anchorUid: string;
  seenAt: number;
  /** Re-plan this gang against `room`, taking its room when it fits. */
  replan(room: Room): boolean;
}

/** Gangs that were turned away, remembered so younger gangs do not overtake them. */
export class WaitQueue {
  private readonly waiting = new Map<string, Waiting>();
  note(w: Waiting): void {
    this.waiting.set(w.key, w);
  }
  drop(key: string): void {
    this.waiting.delete(key);
  }
  size(): number {
    return this.waiting.size;
  }
  /** Waiting gangs older than `than`, oldest first, forgetting those not seen for `windowMs` or whose anchor is gone. */
  olderThan(than: { createdAt: number; key: string }, now: number, windowMs: number, alive: (uid: string) => boolean): Waiting[] {
    const out: Waiting[] = [];
    for (const w of [...this.waiting.values()]) {
      if (now - w.seenAt > windowMs || !alive(w.anchorUid)) {
        this.waiting.delete(w.key);
        continue;
      }
      if (w.key !== than.key && compareAge(w, than) < 0) out.push(w);
    }
    return out.sort(compareAge).slice(0, 16);
  }
}

// ---- helpers ----

function numaOf(ctx: GangContext, pod: V1Pod): NumaRequirement {
  return podNumaRequirement(pod, ctx.config.numaResources);
}

/** A gang's time-out: the pod's gangplank.io/timeout-seconds when valid, else the configured default. */
/**
 * How long a gang's unfilled reservations are held: the driver's
 * gangplank.io/timeout-seconds, else the default, never more than
 * maxGangTimeoutSeconds (a pod author must not hold room for a year).
 */
export function gangTimeoutMs(config: Pick<GangConfig, 'gangTimeoutSeconds' | 'maxGangTimeoutSeconds'>, pod: V1Pod, podGroup?: PodGroupInfo): number {
  const raw = pod.metadata?.annotations?.[GANG_TIMEOUT];
  const n = raw !== undefined ? timeoutSecondsCodec.parse(raw) : undefined;
  // The pod's own annotation, else the PodGroup's scheduleTimeoutSeconds, else the default.
  const seconds = typeof n === 'number' ? n : (podGroup?.timeoutSeconds ?? config.gangTimeoutSeconds);
  return Math.min(seconds, config.maxGangTimeoutSeconds ?? seconds) * 1000;
}

function timeoutMs(ctx: GangContext, pod: V1Pod, podGroup?: PodGroupInfo): number {
  return gangTimeoutMs(ctx.config, pod, podGroup);
}

/** Check each candidate against unreserved room (pods in no gang, executors beyond N). */
export function freeCheck(ctx: GangContext, pod: V1Pod, candidates: readonly string[], beyondReservationOf?: GangId): Verdict {
  const room = new Room(ctx.index, ctx.ledger, { staleTopology: ctx.staleTopology });
  const need = podUsage(pod);
  const numa = numaOf(ctx, pod);
  const d = demand(need, numa);
  const nodes: string[] = [];
  const failed: Record<string, string> = {};
  const numaRejections: Partial<Record<NumaRejection, number>> = {};
  for (const c of candidates) {
    const f = room.fitsDemand(c, d);
    if (f.ok) nodes.push(c);
    else {
      failed[c] = `${f.reason} (unreserved room: ${shapeText(freeOn(room, c, need))}, pod needs ${shapeText(need)})`;
      if (f.numa) numaRejections[f.numa] = (numaRejections[f.numa] ?? 0) + 1;
    }
  }
  return { kind: 'NotInGang', beyondReservationOf, nodes, failed, numaRejections };
}

function freeOn(room: Room, node: string, need: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of Object.keys(need)) out[r] = Math.max(0, room.nodeFree(node, r));
  return out;
}

/** Plan with the oldest-first rule: older waiting gangs that fit now take their room first. */
function planFairly(ctx: GangContext, self: { key: string; createdAt: number }, plan: (room: Room) => PlanOutcome): PlanOutcome | { ok: false; blockedBy: string } {
  const alone = plan(new Room(ctx.index, ctx.ledger, { staleTopology: ctx.staleTopology }));
  if (!alone.ok) return alone;
  const older = ctx.queue.olderThan(self, ctx.now, ctx.config.gangTimeoutSeconds * 1000, (uid) => ctx.index.pod(uid) !== undefined);
  if (older.length === 0) return alone;
  const room = new Room(ctx.index, ctx.ledger, { staleTopology: ctx.staleTopology });
  const ahead = older.filter((w) => w.replan(room));
  if (ahead.length === 0) return alone;
  const shared = plan(room);
  return shared.ok ? shared : { ok: false, blockedBy: ahead.map((w) => w.key).join(', ') };
}

// ---- the decision ----

/**
 * The pod's gang as admit sees it: the PodGroup label counts only while the
 * PodGroup API is served (without it the label names nothing that exists).
 */
export function effectiveMembership(ctx: Pick<GangContext, 'index' | 'podGroups' | 'nativeGroups'>, pod: V1Pod): Membership | null {
  const m = membership(pod, ctx.index);
  if (!m) return m;
  const unserved = (m.podGroup !== undefined && !ctx.podGroups) || (m.native !== undefined && !ctx.nativeGroups);
  return unserved ? membership(pod, ctx.index, { podGroupLabel: ctx.podGroups !== undefined, nativeGroups: ctx.nativeGroups !== undefined }) : m;
}

/** True when the pod's gang is its native PodGroup (not a Gangplank, kubenexus or scheduler-plugins gang it is also in). */
export function isNativeMember(m: Membership | null): m is Membership & { native: string } {
  return m !== null && m.native !== undefined && m.role === 'member' && m.gang.name === m.native && m.podGroup === undefined;
}

export function admit(ctx: GangContext, pod: V1Pod, candidates: readonly string[]): Verdict {
  const m = effectiveMembership(ctx, pod);
  if (!m) return freeCheck(ctx, pod, candidates);
  let pg: PodGroupInfo | undefined;
  if (m.podGroup !== undefined && ctx.podGroups && m.role !== 'executor') {
    pg = ctx.podGroups.podGroup(m.gang.namespace, m.podGroup);
    if (!ctx.ledger.get(m.gang.key)) {
      // As the coscheduling plugin does: members of a PodGroup that does not exist (yet) wait for it.
      if (!pg) return { kind: 'Wait', gang: m.gang, counts: { need: 1, fit: 0 }, message: `gang ${m.gang.key}: PodGroup ${m.podGroup} not found; waiting for it` };
      if (pg.invalid) return { kind: 'DoesNotFit', gang: m.gang, counts: { need: pg.minMember, fit: 0 }, message: `gang ${m.gang.key}: ${pg.invalid}` };
    }
  }
  if (isNativeMember(m) && ctx.nativeGroups) {
    const info = ctx.nativeGroups.nativeGroup(m.gang.namespace, m.native);
    // kube-scheduler also holds a pod whose PodGroup does not exist yet.
    if (!info) return { kind: 'Wait', gang: m.gang, counts: { need: 1, fit: 0 }, message: `gang ${m.gang.key}: PodGroup ${m.native} (scheduling.k8s.io) not found; waiting for it` };
    // A basic policy groups pods without a gang: each is placed on its own.
    if (info.minCount === undefined) return freeCheck(ctx, pod, candidates);
    return admitNative(ctx, pod, m, candidates, info);
  }
  switch (m.role) {
    case 'driver':
      return admitDriver(ctx, pod, m, candidates, pg);
    case 'executor':
      return admitExecutor(ctx, pod, m, candidates);
    default:
      return admitMember(ctx, pod, m, candidates, pg);
  }
}

/** `N from spark-properties, executor shape from annotation`. */
export function sourcesText(e: DriverExecutors): string {
  return e.countSource === e.resourcesSource ? `N and executor shape from ${e.countSource}` : `N from ${e.countSource}, executor shape from ${e.resourcesSource}`;
}

/** `4 executors of {cpu 2, memory 1408Mi} (N and executor shape from spark-properties)`. */
export function executorsText(e: DriverExecutors): string {
  return `${plural(e.count, 'executor')} of ${shapeText(e.requests)} (${sourcesText(e)})`;
}

/** Every executor pod also takes one of the node's `pods`. */
function withPodSlot(r: ResourceList): ResourceList {
  return { ...r, pods: Math.max(1, r.pods ?? 0) };
}

function admitDriver(ctx: GangContext, pod: V1Pod, m: Membership, candidates: readonly string[], pg?: PodGroupInfo): Verdict {
  const uid = pod.metadata?.uid ?? '';
  const existing = ctx.ledger.get(m.gang.key);
  if (existing) {
    const mine = existing.slots.find((s) => s.role === 'driver' && s.podUid === uid);
    if (mine && !mine.consumedBy && candidates.includes(mine.node)) {
      ctx.ledger.touch(m.gang.key, ctx.now);
      return { kind: 'Ready', gang: m.gang, nodes: [mine.node], message: `gang ${m.gang.key}: driver planned on ${mine.node}` };
    }
    // A new driver for the gang, or its planned node was filtered out: plan afresh.
    ctx.ledger.release(m.gang.key, 'replanned');
  }
  const bad = (message: string): Verdict => ({ kind: 'DoesNotFit', gang: m.gang, counts: { need: 1, fit: 0 }, message: `gang ${m.gang.key}: ${message}` });

  const decided = resolveDriverExecutors({
    driver: pod,
    sparkConf: ctx.sparkConf?.(pod) ?? { state: 'none' },
    age: ctx.now - creationMs(pod),
    waitSeconds: ctx.config.sparkConfigWaitSeconds,
    executorDefaults: ctx.config.executorDefaults,
  });
  if (decided.kind === 'invalid') return bad(decided.message);
  if (decided.kind === 'wait') return { kind: 'Wait', gang: m.gang, counts: { need: 1, fit: 0 }, message: `gang ${m.gang.key}: ${decided.message}` };
  const executors = decided.executors;
  const n = executors.count;
  if (n > ctx.config.maxExecutors) {
    return bad(`${n} executors (${executors.countSource}) is more than one driver may reserve (extender.maxExecutors ${ctx.config.maxExecutors})`);
  }
  const constraints = executorConstraints(pod);
  if (constraints instanceof Error) return bad(constraints.message);

  const driverShape = { requests: podUsage(pod), numa: numaOf(ctx, pod) };
  const executor = { requests: withPodSlot(executors.requests), numa: numaOf(ctx, pod), constraints };
  const input = { gang: m.gang, driverUid: uid, driver: driverShape, candidates, executorCount: n, executor };
  const createdAt = creationMs(pod);
  const self = { key: m.gang.key, createdAt };
  const outcome = planFairly(ctx, self, (room) => planDriverLed(room, ctx.index, input));
  if (!outcome.ok) {
    // Remember the gang so that younger ones leave it room once it fits; its
    // re-plan ignores the filter's candidate list (any node the driver could use).
    const all = ctx.index.eligibleNodes(podConstraints(pod));
    ctx.queue.note({
      key: m.gang.key,
      createdAt,
      anchorUid: uid,
      seenAt: ctx.now,
      replan: (room) => planDriverLed(room, ctx.index, { ...input, candidates: all }).ok,
    });
    if ('blockedBy' in outcome) {
      return { kind: 'Wait', gang: m.gang, counts: { need: n + 1, fit: 0 }, message: `gang ${m.gang.key}: older gangs are first in line (${outcome.blockedBy}); driver + ${plural(n, 'executor')} wait for room` };
    }
    return { kind: 'DoesNotFit', gang: m.gang, counts: outcome.counts, message: `${outcome.message} — ${sourcesText(executors)}` };
  }
  ctx.queue.drop(m.gang.key);
  const gang = ctx.ledger.plan(
    {
      id: m.gang,
      kind: 'driver-led',
      anchor: { name: pod.metadata?.name ?? '', uid },
      createdAt,
      timeoutMs: timeoutMs(ctx, pod, pg),
      slots: outcome.placements,
      sources: { count: executors.countSource, resources: executors.resourcesSource },
    },
    ctx.now,
  );
  const driverSlot = gang.slots[0] as Placement;
  return {
    kind: 'Ready',
    gang: m.gang,
    nodes: [driverSlot.node],
    planned: true,
    message: `gang ${m.gang.key}: driver on ${driverSlot.node}; ${executorsText(executors)} reserved on ${plural(new Set(gang.slots.filter((s) => s.role === 'executor').map((s) => s.node)).size, 'node')}`,
  };
}

function admitExecutor(ctx: GangContext, pod: V1Pod, m: Membership, candidates: readonly string[]): Verdict {
  const gang = ctx.ledger.get(m.gang.key);
  const uid = pod.metadata?.uid ?? '';
  if (!gang || gang.state === 'filled') return freeCheck(ctx, pod, candidates, gang ? m.gang : undefined);
  const need = podUsage(pod);
  const numa = numaOf(ctx, pod);
  const open = ctx.ledger.openSlots(m.gang.key, ctx.now, uid);
  if (open.length === 0) return freeCheck(ctx, pod, candidates, m.gang);
  // Its own tentative slot first, then open slots in plan order.
  const held = ctx.ledger.slotOf(uid);
  const ordered = held && held.gang.id.key === m.gang.key && !held.slot.consumedBy ? [held.slot, ...open.filter((s) => s !== held.slot)] : open;
  // Slots sit on few nodes: test each against the candidates once, without a Set of all of them.
  const inInput = new Map<string, boolean>();
  const offered = (node: string): boolean => {
    let v = inInput.get(node);
    if (v === undefined) inInput.set(node, (v = candidates.includes(node)));
    return v;
  };
  const misses: string[] = [];
  const seenNodes = new Set<string>();
  for (const slot of ordered) {
    if (!offered(slot.node)) {
      if (!seenNodes.has(slot.node)) misses.push(`${slot.node}: filtered out by the scheduler`);
      seenNodes.add(slot.node);
      continue;
    }
    const room = new Room(ctx.index, ctx.ledger, { staleTopology: ctx.staleTopology, credit: slot });
    const f = room.fits(slot.node, need, numa);
    if (f.ok) {
      ctx.ledger.assign(m.gang.key, slot.id, uid, ctx.now);
      return { kind: 'Ready', gang: m.gang, nodes: [slot.node], message: `gang ${m.gang.key}: executor steered to its reserved slot ${slot.id} on ${slot.node}` };
    }
    if (!seenNodes.has(slot.node)) {
      misses.push(`${slot.node}: needs ${shapeText(need)}, reservation ${shapeText(slot.requests)} + unreserved room ${shapeText(freeOn(new Room(ctx.index, ctx.ledger, {}), slot.node, need))} (${f.reason})`);
    }
    seenNodes.add(slot.node);
  }
  return {
    kind: 'DoesNotFit',
    gang: m.gang,
    counts: { need: 1, fit: 0 },
    message: `gang ${m.gang.key}: executor ${pod.metadata?.name ?? ''} fits none of its gang's ${plural(open.length, 'open slot')} (${misses.slice(0, 5).join('; ')})`,
  };
}

function coMember(ctx: GangContext, pod: V1Pod): CoMember {
  return {
    uid: pod.metadata?.uid ?? '',
    name: pod.metadata?.name ?? '',
    requests: podUsage(pod),
    numa: numaOf(ctx, pod),
    constraints: podConstraints(pod),
  };
}

function admitMember(ctx: GangContext, pod: V1Pod, m: Membership, candidates: readonly string[], pg?: PodGroupInfo): Verdict {
  const uid = pod.metadata?.uid ?? '';
  const existing = ctx.ledger.get(m.gang.key);
  if (existing) {
    const mine = existing.slots.find((s) => s.podUid === uid);
    if (mine && !mine.consumedBy) {
      if (candidates.includes(mine.node)) {
        ctx.ledger.touch(m.gang.key, ctx.now);
        return { kind: 'Ready', gang: m.gang, nodes: [mine.node], message: `gang ${m.gang.key}: member pinned to ${mine.node}` };
      }
      // Its pinned node was filtered out; if nothing is bound yet, plan afresh.
      if (existing.state !== 'planned') {
        return { kind: 'DoesNotFit', gang: m.gang, counts: { need: 1, fit: 0 }, message: `gang ${m.gang.key}: member's planned node ${mine.node} was filtered out by the scheduler` };
      }
      ctx.ledger.release(m.gang.key, 'replanned');
    } else if (!mine) {
      // Beyond the planned members: unreserved room only.
      return freeCheck(ctx, pod, candidates, m.gang);
    }
  }
  const members = ctx.index.gangMembers(m.gang.key).filter((f) => f.uid !== uid);
  const exist = members.length + 1;
  const min = Math.max(1, pg ? pg.minMember : m.minAvailable);
  const of = pg ? ` (PodGroup ${pg.name} minMember)` : '';
  if (exist < min) {
    return { kind: 'Wait', gang: m.gang, counts: { need: min, fit: exist }, message: `gang ${m.gang.key}: ${exist} of ${min} members exist${of}; waiting for ${min - exist} more` };
  }
  if (pg && Object.keys(pg.minResources).length > 0) {
    // minResources is a quorum by requests: the members placed together must ask for at least this much.
    let asked: ResourceList = podUsage(pod);
    for (const f of members) asked = addList(asked, f.usage);
    const short = shortOf(pg.minResources, asked);
    if (Object.keys(short).length > 0) {
      const have: ResourceList = {};
      const need: ResourceList = {};
      for (const [k, [h, n]] of Object.entries(short)) {
        have[k] = h;
        need[k] = n;
      }
      return {
        kind: 'Wait',
        gang: m.gang,
        counts: { need: min, fit: exist },
        message: `gang ${m.gang.key}: its ${plural(exist, 'member')} request ${shapeText(have)} of the ${shapeText(need)} PodGroup ${pg.name} names in minResources; waiting for more members`,
      };
    }
  }
  const bound = members.filter((f) => f.node);
  const others = members.filter((f) => !f.node).map((f) => coMember(ctx, f.pod));
  const current = coMember(ctx, pod);
  const input = { gang: m.gang, current, candidates, others, boundCount: bound.length, minAvailable: min };
  // The oldest member dates the gang (oldest-first order); the anchor that carries the record is the first to bind (verbs/bind.ts).
  const everyone = [{ uid, name: pod.metadata?.name ?? '', createdAt: creationMs(pod) }, ...members.map((f) => ({ uid: f.uid, name: f.name, createdAt: f.createdAt }))];
  everyone.sort((a, b) => a.createdAt - b.createdAt || (a.name < b.name ? -1 : 1));
  const anchor = everyone[0] as { uid: string; name: string; createdAt: number };
  const self = { key: m.gang.key, createdAt: anchor.createdAt };
  const outcome = planFairly(ctx, self, (room) => planCoCreated(room, ctx.index, input));
  if (!outcome.ok) {
    ctx.queue.note({
      key: m.gang.key,
      createdAt: anchor.createdAt,
      anchorUid: uid,
      seenAt: ctx.now,
      replan: (room) => planCoCreated(room, ctx.index, { ...input, candidates: ctx.index.eligibleNodes(current.constraints) }).ok,
    });
    if ('blockedBy' in outcome) {
      return { kind: 'Wait', gang: m.gang, counts: { need: exist, fit: 0 }, message: `gang ${m.gang.key}: older gangs are first in line (${outcome.blockedBy})` };
    }
    return { kind: 'DoesNotFit', gang: m.gang, counts: outcome.counts, message: outcome.message };
  }
  ctx.queue.drop(m.gang.key);
  ctx.ledger.plan(
    { id: m.gang, kind: 'co-created', anchor: { uid: anchor.uid, name: anchor.name }, createdAt: anchor.createdAt, timeoutMs: timeoutMs(ctx, pod, pg), slots: outcome.placements },
    ctx.now,
  );
  const node = (outcome.placements[0] as Placement).node;
  return { kind: 'Ready', gang: m.gang, nodes: [node], planned: true, message: `gang ${m.gang.key}: ${plural(outcome.placements.length, 'member')} planned; this one on ${node}` };
}

// ---- native PodGroups: filter plans speculatively, bind commits ----

function admitNative(ctx: GangContext, pod: V1Pod, m: Membership, candidates: readonly string[], info: NativeGroupInfo): Verdict {
  const uid = pod.metadata?.uid ?? '';
  const key = m.gang.key;
  const committed = ctx.ledger.get(key);
  if (committed) {
    // The group was committed by a member's bind: the others go to their slots.
    const mine = committed.slots.find((s) => s.podUid === uid);
    if (mine && !mine.consumedBy && candidates.includes(mine.node)) {
      return { kind: 'Ready', gang: m.gang, nodes: [mine.node], message: `gang ${key}: PodGroup member pinned to ${mine.node}` };
    }
    return freeCheck(ctx, pod, candidates, m.gang);
  }
  const min = Math.max(1, info.minCount ?? 1);
  const members = ctx.index.gangMembers(key).filter((f) => f.uid !== uid);
  const exist = members.length + 1;
  if (exist < min) {
    return { kind: 'Wait', gang: m.gang, counts: { need: min, fit: exist }, message: `gang ${key}: ${exist} of ${min} members exist (PodGroup ${info.name} minCount); waiting for ${min - exist} more` };
  }
  // Members pinned earlier in this PodGroup cycle keep their nodes (kube-scheduler assumed them there).
  const unbound = new Set(members.filter((f) => !f.node).map((f) => f.uid));
  const earlier = (ctx.speculative?.of(key, ctx.now, uid) ?? []).filter((p) => unbound.has(p.uid));
  const earlierUids = new Set(earlier.map((p) => p.uid));
  const bound = members.filter((f) => f.node);
  const others = members.filter((f) => !f.node && !earlierUids.has(f.uid)).map((f) => coMember(ctx, f.pod));
  const current = coMember(ctx, pod);
  const input = { gang: m.gang, current, candidates, others, boundCount: bound.length + earlier.length, minAvailable: min };
  const oldest = Math.min(creationMs(pod), ...members.map((f) => f.createdAt));
  const outcome = planFairly(ctx, { key, createdAt: oldest }, (room) => {
    for (const p of earlier) room.take(p.node, p.zone, p.requests);
    return planCoCreated(room, ctx.index, input);
  });
  if (!outcome.ok) {
    if ('blockedBy' in outcome) return { kind: 'Wait', gang: m.gang, counts: { need: exist, fit: 0 }, message: `gang ${key}: older gangs are first in line (${outcome.blockedBy})` };
    return { kind: 'DoesNotFit', gang: m.gang, counts: outcome.counts, message: outcome.message };
  }
  const mine = outcome.placements[0] as Placement;
  // Remembered, not held: a cycle that is rolled back leaves nothing behind.
  ctx.speculative?.record(key, { uid, name: pod.metadata?.name ?? '', node: mine.node, zone: mine.zone, requests: mine.requests, at: ctx.now });
  return { kind: 'Ready', gang: m.gang, nodes: [mine.node], message: `gang ${key}: PodGroup ${info.name} fits (${plural(outcome.placements.length + earlier.length + bound.length, 'member')}); this one on ${mine.node}, held from its bind` };
}

/**
 * A native PodGroup member is being bound to `node`: kube-scheduler's PodGroup
 * cycle succeeded, so the group is committed now. Its members' latest
 * speculative placements become a plan in the ledger (this pod on `node`),
 * whose slots hold the room of the members still binding. Returns the new
 * plan, or undefined when there is nothing to commit (not a native member,
 * the API not served, or the group already committed).
 */
export function commitNativeGroup(ctx: GangContext, pod: V1Pod, node: string): Gang | undefined {
  const m = effectiveMembership(ctx, pod);
  if (!isNativeMember(m) || !ctx.nativeGroups || !ctx.speculative) return undefined;
  const key = m.gang.key;
  if (ctx.ledger.get(key)) return undefined;
  const info = ctx.nativeGroups.nativeGroup(m.gang.namespace, m.native);
  if (info?.minCount === undefined) return undefined;
  const uid = pod.metadata?.uid ?? '';
  const own = podUsage(pod);
  const placed = ctx.speculative.of(key, ctx.now).filter((p) => {
    if (p.uid === uid) return false;
    const f = ctx.index.pod(p.uid);
    return f !== undefined && !f.node && !f.terminal;
  });
  const mine = ctx.speculative.of(key, ctx.now).find((p) => p.uid === uid);
  const slots = [
    { id: `m-${uid}`, role: 'member' as const, node, zone: mine?.node === node ? mine.zone : undefined, requests: mine?.requests ?? own, podUid: uid },
    ...placed.map((p) => ({ id: `m-${p.uid}`, role: 'member' as const, node: p.node, zone: p.zone, requests: p.requests, podUid: p.uid })),
  ];
  const members = ctx.index.gangMembers(key);
  const createdAt = Math.min(creationMs(pod), ...members.map((f) => f.createdAt));
  ctx.speculative.forget(key);
  return ctx.ledger.plan({ id: m.gang, kind: 'co-created', anchor: { name: pod.metadata?.name ?? '', uid }, createdAt, timeoutMs: timeoutMs(ctx, pod), slots }, ctx.now);
}
