// The ledger of plans and reservations (a pure state machine; time comes in
// as arguments). Extenders get no Reserve/Unreserve/Permit calls, so the
// ledger is the only memory of what a gang holds: plans with one slot per
// member on a concrete node (and zone), tentative assignments of executor
// slots to pods between filter and bind, consumption at bind, release on
// time-out, on the anchor pod's deletion or failure, and on bind failure.
//
//   planned ──(first bind)──► reserved ──(last slot consumed)──► filled
//      │                         │
//      └──(ttl / driver gone / bind failed / time-out)──► released (removed)
import type { V1Pod } from '@kubernetes/client-node';
import type { ValueSource } from '../contract/annotations.js';
import { GANG_RECORD_VERSION, type GangKind, type GangRecord } from '../contract/gang-record.js';
import { GANG_ANNOTATION, SLOT_ANNOTATION } from '../contract/keys.js';
import { formatUnits } from '../contract/resource-layers.js';
import { parseResourceList, type ResourceList } from '../k8s/resources.js';
import { gangId, type GangId } from './identity.js';
import type { HoldListener, ReservationSource } from './capacity.js';
import type { Placement } from './planner.js';

export type GangState = 'planned' | 'reserved' | 'filled';
export type ReleaseReason = 'filled' | 'timeout' | 'driver_deleted' | 'driver_failed' | 'bind_failed' | 'replanned';

/**
 * A planned placement held in the ledger. `requests` includes `pods: 1`;
 * `podUid` pins the slot to a pod (driver, co-created member), else any
 * executor of the gang may take it.
 */
export interface Slot extends Placement {
  /** Tentatively held for this pod between filter and bind, until `assignedUntil`. */
  assignedTo?: string;
  assignedUntil?: number;
  consumedBy?: string;
}

export interface Gang {
  readonly id: GangId;
  readonly kind: GangKind;
  /** The pod carrying the gang's record: the driver; in a co-created gang the member that binds first (adoptAnchor). */
  anchor: { readonly name: string; readonly uid: string };
  readonly createdAt: number;
  readonly plannedAt: number;
  readonly timeoutMs: number;
  /** A planned gang whose first member does not bind by then is dropped. */
  touchedAt: number;
  state: GangState;
  persisted: boolean;
  readonly slots: Slot[];
  /** A driver-led gang: where N and the executor shape came from (shown in the gang record). */
  readonly sources?: { readonly count: ValueSource; readonly resources: ValueSource };
}

export interface PlanInput {
  readonly id: GangId;
  readonly kind: GangKind;
  readonly anchor: { readonly name: string; readonly uid: string };
  readonly createdAt: number;
  readonly timeoutMs: number;
  readonly slots: readonly Omit<Slot, 'assignedTo' | 'assignedUntil' | 'consumedBy'>[];
  readonly sources?: { readonly count: ValueSource; readonly resources: ValueSource };
}

export interface Released {
  readonly gang: GangId;
  readonly reason: ReleaseReason;
  /** Unconsumed slots given back. */
  readonly slots: number;
  /** Some members bound, others never will be under this plan (must stay zero for co-created gangs). */
  readonly partlyPlaced: boolean;
  readonly resources: ResourceList;
}

export interface LedgerOptions {
  /** How long a plan no member has bound stays, and how long a tentative assignment holds (ms). */
  readonly assumeTtlMs: number;
}

const EMPTY: ResourceList = Object.freeze({}) as ResourceList;
const zoneKey = (node: string, zone: string): string => `${node}\u0000${zone}`;

function addInto(target: Map<string, ResourceList>, key: string, r: ResourceList, sign: 1 | -1): void {
  let cur = target.get(key);
  if (!cur) target.set(key, (cur = {}));
  for (const k in r) cur[k] = (cur[k] ?? 0) + sign * (r[k] as number);
}

export class Ledger implements ReservationSource {
  /** The capacity index mirroring held room in its free-room records (CapacityIndex.attach). */
  holdListener: HoldListener | undefined;
  private readonly gangsByKey = new Map<string, Gang>();
  private readonly reservedNode = new Map<string, ResourceList>();
  private readonly reservedZone = new Map<string, ResourceList>();
  private readonly total: ResourceList = {};
  private readonly byPod = new Map<string, { gang: string; slot: string }>();

  constructor(private readonly opts: LedgerOptions) {}

  // ---- reads ----

  get(key: string): Gang | undefined {
    return this.gangsByKey.get(key);
  }

  gangs(): IterableIterator<Gang> {
    return this.gangsByKey.values();
  }

  /** Room held on a node by unconsumed slots of all gangs. */
  reservedOn(node: string): ResourceList {
    if (this.reservedNode.size === 0) return EMPTY;
    return this.reservedNode.get(node) ?? EMPTY;
  }

  reservedInZone(node: string, zone: string): ResourceList {
    if (this.reservedZone.size === 0) return EMPTY;
    return this.reservedZone.get(zoneKey(node, zone)) ?? EMPTY;
  }

  forEachHeld(fn: (node: string, zone: string | undefined, r: ResourceList) => void): void {
    for (const [node, r] of this.reservedNode) fn(node, undefined, r);
    for (const [key, r] of this.reservedZone) {
      const [node, zone] = key.split('\u0000') as [string, string];
      fn(node, zone, r);
    }
  }

  /** Total room held by unconsumed slots, by resource (for the reservations gauge). */
  reservedTotal(): ResourceList {
    return this.total;
  }

  /** The slot a pod holds (pinned, tentatively assigned, or consumed), if any. */
  slotOf(uid: string): { gang: Gang; slot: Slot } | undefined {
    const ref = this.byPod.get(uid);
    const gang = ref ? this.gangsByKey.get(ref.gang) : undefined;
    const slot = gang?.slots.find((s) => s.id === ref?.slot);
    return gang && slot ? { gang, slot } : undefined;
  }

  /** Unconsumed executor slots not tentatively held by another live assignment. */
  openSlots(key: string, now: number, forUid?: string): Slot[] {
    const g = this.gangsByKey.get(key);
    if (!g) return [];
    return g.slots.filter((s) => s.role === 'executor' && !s.consumedBy && (!s.assignedTo || s.assignedTo === forUid || (s.assignedUntil ?? 0) <= now));
  }

  // ---- transitions ----

  /** Commit a plan; a previous plan of the same gang is released first. */
  plan(input: PlanInput, now: number): Gang {
    if (this.gangsByKey.has(input.id.key)) this.release(input.id.key, 'replanned');
    const gang: Gang = {
      id: input.id,
      kind: input.kind,
      anchor: input.anchor,
      createdAt: input.createdAt,
      plannedAt: now,
      timeoutMs: input.timeoutMs,
      touchedAt: now,
      state: 'planned',
      persisted: false,
      slots: input.slots.map((s) => ({ ...s })),
      ...(input.sources ? { sources: input.sources } : {}),
    };
    this.gangsByKey.set(gang.id.key, gang);
    for (const s of gang.slots) {
      this.hold(s, 1);
      if (s.podUid) this.byPod.set(s.podUid, { gang: gang.id.key, slot: s.id });
    }
    return gang;
  }

  touch(key: string, now: number): void {
    const g = this.gangsByKey.get(key);
    if (g) g.touchedAt = now;
  }

  /**
   * A co-created gang's record lives on the member whose Binding carries it:
   * the first to bind, whichever that is. Only before the record is written.
   */
  adoptAnchor(key: string, anchor: { readonly name: string; readonly uid: string }): void {
    const g = this.gangsByKey.get(key);
    if (g && !g.persisted && g.kind === 'co-created') g.anchor = { ...anchor };
  }

  markPersisted(key: string): void {
    const g = this.gangsByKey.get(key);
    if (g) g.persisted = true;
  }

  /** Hold an open executor slot for a pod between filter and bind. */
  assign(key: string, slotId: string, uid: string, now: number): boolean {
    const g = this.gangsByKey.get(key);
    const s = g?.slots.find((x) => x.id === slotId);
    if (!g || !s || s.consumedBy || s.role !== 'executor') return false;
    if (s.assignedTo && s.assignedTo !== uid && (s.assignedUntil ?? 0) > now) return false;
    // One tentative slot per pod.
    const prev = this.byPod.get(uid);
    if (prev && prev.gang === key && prev.slot !== slotId) {
      const ps = g.slots.find((x) => x.id === prev.slot);
      if (ps && !ps.consumedBy && ps.assignedTo === uid) {
        ps.assignedTo = undefined;
        ps.assignedUntil = undefined;
      }
    }
    s.assignedTo = uid;
    s.assignedUntil = now + this.opts.assumeTtlMs;
    this.byPod.set(uid, { gang: key, slot: slotId });
    return true;
  }

  /**
   * Re-home an unconsumed pinned slot to `node` (no zone): kube-scheduler bound
   * a native PodGroup member elsewhere than its speculative placement, and
   * its choice stands (src/gang/native.ts).
   */
  moveSlot(key: string, slotId: string, node: string): boolean {
    const g = this.gangsByKey.get(key);
    const s = g?.slots.find((x) => x.id === slotId);
    if (!g || !s || s.consumedBy) return false;
    this.hold(s, -1);
    const moved = s as { node: string; zone?: string };
    moved.node = node;
    moved.zone = undefined;
    this.hold(s, 1);
    return true;
  }

  /** Give back a tentative assignment (a failed executor bind). */
  unassign(uid: string): void {
    const ref = this.slotOf(uid);
    if (!ref || ref.slot.consumedBy) return;
    if (ref.slot.role === 'executor') {
      ref.slot.assignedTo = undefined;
      ref.slot.assignedUntil = undefined;
      this.byPod.delete(uid);
    }
  }

  /**
   * A pod bound into a slot: the slot's reservation ends (the pod itself now
   * counts in the capacity index). Returns the release record when this
   * filled the gang.
   */
  consume(key: string, slotId: string, uid: string): Released | undefined {
    const g = this.gangsByKey.get(key);
    const s = g?.slots.find((x) => x.id === slotId);
    if (!g || !s || s.consumedBy) return undefined;
    s.consumedBy = uid;
    s.assignedTo = undefined;
    s.assignedUntil = undefined;
    this.hold(s, -1);
    this.byPod.set(uid, { gang: key, slot: slotId });
    if (g.slots.every((x) => x.consumedBy)) {
      g.state = 'filled';
      return { gang: g.id, reason: 'filled', slots: 0, partlyPlaced: false, resources: {} };
    }
    g.state = 'reserved';
    return undefined;
  }

  /** Drop a gang's plan, giving back every unconsumed slot. */
  release(key: string, reason: ReleaseReason): Released | undefined {
    const g = this.gangsByKey.get(key);
    if (!g) return undefined;
    this.gangsByKey.delete(key);
    let slots = 0;
    let consumed = 0;
    const resources: ResourceList = {};
    for (const s of g.slots) {
      const ref = [s.podUid, s.assignedTo, s.consumedBy];
      for (const uid of ref) if (uid && this.byPod.get(uid)?.gang === key) this.byPod.delete(uid);
      if (s.consumedBy) {
        consumed++;
        continue;
      }
      slots++;
      this.hold(s, -1);
      for (const [k, v] of Object.entries(s.requests)) resources[k] = (resources[k] ?? 0) + v;
    }
    const partlyPlaced = g.kind === 'co-created' && consumed > 0 && slots > 0;
    return { gang: g.id, reason, slots, partlyPlaced, resources };
  }

  /**
   * Time passes: clear stale tentative assignments, drop planned gangs no
   * member bound within the assume TTL, release reservations past their
   * gang's time-out. Filled gangs stay (identity for late executors) until
   * their anchor goes.
   */
  expire(now: number): Released[] {
    const out: Released[] = [];
    for (const g of [...this.gangsByKey.values()]) {
      if (g.state === 'filled') continue;
      if (g.state === 'planned' && now - g.touchedAt >= this.opts.assumeTtlMs) {
        const r = this.release(g.id.key, 'timeout');
        if (r) out.push(r);
        continue;
      }
      if (g.state === 'reserved' && now - g.plannedAt >= g.timeoutMs) {
        const r = this.release(g.id.key, 'timeout');
        if (r) out.push(r);
        continue;
      }
      for (const s of g.slots) {
        if (s.assignedTo && !s.consumedBy && (s.assignedUntil ?? 0) <= now) {
          if (this.byPod.get(s.assignedTo)?.slot === s.id) this.byPod.delete(s.assignedTo);
          s.assignedTo = undefined;
          s.assignedUntil = undefined;
        }
      }
    }
    return out;
  }

  /**
   * A pod left (deleted) or failed. The anchor going ends the gang; a pinned
   * member of a planned-but-unbound co-created gang going voids the plan.
   */
  podGone(uid: string, failed: boolean): Released | undefined {
    for (const g of this.gangsByKey.values()) {
      if (g.anchor.uid === uid && (g.kind === 'driver-led' || g.state === 'filled')) return this.release(g.id.key, failed ? 'driver_failed' : 'driver_deleted');
    }
    const ref = this.slotOf(uid);
    if (!ref) return undefined;
    if (ref.slot.podUid === uid && !ref.slot.consumedBy) return this.release(ref.gang.id.key, failed ? 'driver_failed' : 'driver_deleted');
    if (ref.slot.assignedTo === uid) this.unassign(uid);
    return undefined;
  }

  /** Forget a filled gang entirely (its anchor is gone). */
  forget(key: string): void {
    this.release(key, 'filled');
  }

  private hold(s: Slot, sign: 1 | -1): void {
    addInto(this.reservedNode, s.node, s.requests, sign);
    if (s.zone) addInto(this.reservedZone, zoneKey(s.node, s.zone), s.requests, sign);
    const l = this.holdListener;
    if (l) {
      l.held(s.node, undefined, s.requests, sign);
      if (s.zone) l.held(s.node, s.zone, s.requests, sign);
    }
    for (const k in s.requests) this.total[k] = (this.total[k] ?? 0) + sign * (s.requests[k] as number);
  }

  // ---- persistence ----

  serialise(key: string): GangRecord | undefined {
    const g = this.gangsByKey.get(key);
    if (!g) return undefined;
    return {
      version: GANG_RECORD_VERSION,
      namespace: g.id.namespace,
      name: g.id.name,
      kind: g.kind,
      anchor: { ...g.anchor },
      createdAt: new Date(g.createdAt).toISOString(),
      plannedAt: new Date(g.plannedAt).toISOString(),
      timeoutSeconds: Math.max(1, Math.round(g.timeoutMs / 1000)),
      slots: g.slots.map((s) => ({
        id: s.id,
        role: s.role,
        node: s.node,
        ...(s.zone ? { zone: s.zone } : {}),
        requests: formatUnits(s.requests),
        ...(s.podUid ? { pod: s.podUid } : {}),
      })),
      ...(g.sources ? { sources: { ...g.sources } } : {}),
    };
  }

  /**
   * Rebuild gangs from persisted records and the current pods (after a
   * restart). A record whose anchor pod is gone or finished is dropped. A slot
   * is consumed by a bound, non-terminal pod that names it (gangplank.io/slot),
   * or is pinned to it; bound executors of the gang that name no slot consume
   * an open executor slot on their node, so no slot is ever booked twice.
   */
  restore(records: readonly GangRecord[], pods: readonly V1Pod[], now: number): Gang[] {
    const restored: Gang[] = [];
    const podsByUid = new Map<string, V1Pod>();
    const byGang = new Map<string, V1Pod[]>();
    for (const p of pods) {
      const uid = p.metadata?.uid;
      if (uid) podsByUid.set(uid, p);
      const gk = p.metadata?.annotations?.[GANG_ANNOTATION];
      if (gk) byGang.set(gk, [...(byGang.get(gk) ?? []), p]);
    }
    const live = (p: V1Pod | undefined): p is V1Pod => !!p && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed' && !p.metadata?.deletionTimestamp;
    for (const rec of records) {
      const anchor = podsByUid.get(rec.anchor.uid);
      if (!live(anchor)) continue;
      const id = gangId(rec.namespace, rec.name);
      const gang = this.plan(
        {
          id,
          kind: rec.kind,
          anchor: rec.anchor,
          createdAt: Date.parse(rec.createdAt),
          timeoutMs: rec.timeoutSeconds * 1000,
          slots: rec.slots.map((s) => ({ id: s.id, role: s.role, node: s.node, zone: s.zone, requests: parseResourceList(s.requests), podUid: s.pod })),
          sources: rec.sources,
        },
        Date.parse(rec.plannedAt),
      );
      gang.persisted = true;
      gang.touchedAt = now;
      const bound = (p: V1Pod | undefined): p is V1Pod => live(p) && !!p.spec?.nodeName;
      const taken = new Set<string>();
      // Pinned slots and slots named by their pods first, then unnamed executors by node.
      for (const s of gang.slots) {
        if (s.podUid && bound(podsByUid.get(s.podUid))) {
          this.consume(id.key, s.id, s.podUid);
          taken.add(s.podUid);
        }
      }
      const members = (byGang.get(id.key) ?? []).filter((p) => bound(p) && !taken.has(p.metadata?.uid ?? ''));
      for (const p of members) {
        const named = p.metadata?.annotations?.[SLOT_ANNOTATION];
        const s = named ? gang.slots.find((x) => x.id === named && !x.consumedBy && x.node === p.spec?.nodeName) : undefined;
        if (s) {
          this.consume(id.key, s.id, p.metadata?.uid ?? '');
          taken.add(p.metadata?.uid ?? '');
        }
      }
      for (const p of members) {
        const uid = p.metadata?.uid ?? '';
        // A pod that names a slot (or "none": bound beyond the reservation) is not guessed.
        if (taken.has(uid) || p.metadata?.annotations?.[SLOT_ANNOTATION]) continue;
        const s = gang.slots.find((x) => x.role === 'executor' && !x.consumedBy && x.node === p.spec?.nodeName);
        if (s) {
          this.consume(id.key, s.id, uid);
          taken.add(uid);
        }
      }
      restored.push(gang);
    }
    return restored;
  }
}
