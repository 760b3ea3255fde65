// Incremental capacity index (no I/O): per node and per NUMA zone, what
// non-terminal pods bound there use, plus pods the extender bound that the
// cache does not show yet ("assumed", expiring after assumeTtl). Fed by
// informer events at O(resources) each, so a filter call never scans pods.
// Reservations live in the Ledger; the index mirrors them (attach()) so that
// each node and NUMA zone carries one combined free-room record, kept up to
// date incrementally, and a filter call reads one object per candidate
// instead of recombining allocatable, usage and reservations every time.
// Room (room.ts) adds a planning pass's overlay and credit on top.
// Also indexes gang membership (members per gang, drivers by uid and by
// spark-app-selector) so that quorum counts and executor look-ups are O(1).
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { podRequests, parseResourceList, type ResourceList } from '../k8s/resources.js';
import { nodeTopology, type NodeResourceTopology, type TopologyResult } from '../numa/topology.js';
import { constraintsKey, nodeMismatch, type PlacementConstraints } from './constraints.js';
import { creationMs, isTerminal, membership, type DriverLookup, type GangId, type Membership } from './identity.js';
import { NUMA_ZONE, SPARK_APP_SELECTOR, SPARK_ROLE } from '../contract/keys.js';

export interface PodFacts {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  /** spec.nodeName once bound. */
  readonly node?: string;
  /** gangplank.io/numa-zone, recorded at bind. */
  readonly zone?: string;
  /** Requests as the scheduler computes them, plus `pods: 1`. */
  readonly usage: ResourceList;
  readonly terminal: boolean;
  readonly membership: Membership | null;
  readonly createdAt: number;
  readonly pod: V1Pod;
}

export interface NodeFacts {
  readonly name: string;
  readonly node: V1Node;
  readonly allocatable: ResourceList;
  readonly topology: TopologyResult;
  /** Live view of what bound and assumed pods use here (the same object usedOn returns). */
  readonly used: ResourceList;
  /** Live: allocatable − used − reservations of the attached ledger (missing key: 0 − …). */
  readonly free: ResourceList;
  /** Live per NUMA zone of a usable topology, in topology order: see zoneFree(). */
  readonly zones: readonly ZoneRoom[];
}

/**
 * A NUMA zone's free room, live: NRT `available` (else its capacity) − assumed
 * pods placed in the zone − reservations; or, for the annotation's topology,
 * capacity − bound and assumed pods Gangplank placed there − reservations.
 */
export interface ZoneRoom {
  readonly name: string;
  readonly free: ResourceList;
}

/** The reservation side of the free-room records: implemented by the Ledger. */
export interface ReservationSource {
  /** Who is told of every change of held room (at most one listener). */
  holdListener: HoldListener | undefined;
  /** Every node's and zone's held room, for a first sync. */
  forEachHeld(fn: (node: string, zone: string | undefined, r: ResourceList) => void): void;
}

export interface HoldListener {
  held(node: string, zone: string | undefined, r: ResourceList, sign: 1 | -1): void;
}

interface Assumed {
  readonly node: string;
  readonly zone?: string;
  readonly usage: ResourceList;
  readonly expiresAt: number;
}

const EMPTY: ResourceList = Object.freeze({}) as ResourceList;

function addInto(target: Map<string, ResourceList>, key: string, r: ResourceList, sign: 1 | -1): void {
  let cur = target.get(key);
  if (!cur) {
    cur = {};
    target.set(key, cur);
  }
  for (const k in r) cur[k] = (cur[k] ?? 0) + sign * (r[k] as number);
}

const zoneKey = (node: string, zone: string): string => `${node}\u0000${zone}`;

/** Subtract (sign 1) or give back (sign −1) `r` in a free-room record. */
function charge(free: ResourceList, r: ResourceList, sign: 1 | -1): void {
  for (const k in r) free[k] = (free[k] ?? 0) - sign * (r[k] as number);
}

function placementKey(n: V1Node): string {
  return JSON.stringify([n.metadata?.labels ?? null, n.spec?.taints ?? null, n.spec?.unschedulable ?? false]);
}

/** Requests of a pod as it occupies a node: the scheduler's PodRequests plus one of `pods`. */
export function podUsage(pod: V1Pod): ResourceList {
  const r = podRequests(pod);
  r.pods = 1;
  return r;
}

export class CapacityIndex implements DriverLookup, HoldListener {
  private readonly nodes = new Map<string, NodeFacts>();
  private readonly nrts = new Map<string, NodeResourceTopology>();
  private readonly pods = new Map<string, PodFacts>();
  private readonly uidByName = new Map<string, string>();
  private readonly used = new Map<string, ResourceList>();
  private readonly zoneBound = new Map<string, ResourceList>();
  private readonly zoneAssumed = new Map<string, ResourceList>();
  private readonly assumed = new Map<string, Assumed>();
  private readonly members = new Map<string, Set<string>>();
  private readonly driverByUid = new Map<string, GangId>();
  private readonly driverBySelector = new Map<string, GangId>();
  /** Executors seen before their driver (initial list order), keyed by selector and by owner uid. */
  private readonly orphans = new Map<string, Set<string>>();
  private readonly orphanKeys = new Map<string, string[]>();
  private readonly eligible = new Map<string, { readonly list: readonly string[]; readonly set: ReadonlySet<string> }>();
  private sortedNames: string[] | undefined;
  /** The attached ledger's held room, mirrored per node and per zone key. */
  private readonly reservedNode = new Map<string, ResourceList>();
  private readonly reservedZone = new Map<string, ResourceList>();
  private source: ReservationSource | undefined;

  // ---- node events ----

  upsertNode(node: V1Node): void {
    const name = node.metadata?.name;
    if (!name) return;
    let allocatable: ResourceList;
    try {
      allocatable = parseResourceList((node.status?.allocatable ?? node.status?.capacity ?? {}) as Record<string, string>);
    } catch {
      allocatable = {};
    }
    // A node that reports no pods capacity is treated as the kubelet default.
    allocatable.pods ??= 110;
    const old = this.nodes.get(name);
    // The used map's entry is mutated in place and never replaced, so facts can hold it.
    let used = this.used.get(name);
    if (!used) this.used.set(name, (used = {}));
    this.nodes.set(name, this.facts(name, node, allocatable, nodeTopology(node, this.nrts.get(name)), used));
    // Status heartbeats are frequent; only label, taint or cordon changes touch eligibility.
    if (!old || placementKey(old.node) !== placementKey(node)) this.eligible.clear();
    if (!old) this.sortedNames = undefined;
  }

  deleteNode(name: string): void {
    this.nodes.delete(name);
    this.eligible.clear();
    this.sortedNames = undefined;
  }

  upsertTopology(nrt: NodeResourceTopology): void {
    const name = nrt.metadata?.name;
    if (!name) return;
    this.nrts.set(name, nrt);
    this.refreshTopology(name);
  }

  deleteTopology(name: string): void {
    this.nrts.delete(name);
    this.refreshTopology(name);
  }

  private refreshTopology(name: string): void {
    const n = this.nodes.get(name);
    if (n) this.nodes.set(name, this.facts(name, n.node, n.allocatable, nodeTopology(n.node, this.nrts.get(name)), n.used));
  }

  /** Node facts with their free-room records computed from scratch (node and topology events only). */
  private facts(name: string, node: V1Node, allocatable: ResourceList, topology: TopologyResult, used: ResourceList): NodeFacts {
    const free: ResourceList = { ...allocatable };
    charge(free, used, 1);
    const reserved = this.reservedNode.get(name);
    if (reserved) charge(free, reserved, 1);
    const zones: ZoneRoom[] = [];
    if (topology.ok) {
      const nrt = topology.topology.source === 'nrt';
      for (const z of topology.topology.zones) {
        const zf: ResourceList = { ...z.capacity };
        if (nrt) for (const r in z.available) zf[r] = z.available[r] as number;
        const key = zoneKey(name, z.name);
        if (!nrt) charge(zf, this.zoneBound.get(key) ?? EMPTY, 1);
        charge(zf, this.zoneAssumed.get(key) ?? EMPTY, 1);
        charge(zf, this.reservedZone.get(key) ?? EMPTY, 1);
        zones.push({ name: z.name, free: zf });
      }
    }
    return { name, node, allocatable, topology, used, free, zones };
  }

  /** The free-room record of a zone of a known node with a usable topology. */
  private zoneRoom(node: string, zone: string): ZoneRoom | undefined {
    const n = this.nodes.get(node);
    if (!n) return undefined;
    for (const z of n.zones) if (z.name === zone) return z;
    return undefined;
  }

  /** Count bound or assumed usage on a node (and zone); `bound` zone usage is not charged against NRT zones. */
  private use(node: string, zone: string | undefined, r: ResourceList, sign: 1 | -1, bound: boolean): void {
    addInto(this.used, node, r, sign);
    const n = this.nodes.get(node);
    if (n) charge(n.free, r, sign);
    if (!zone) return;
    addInto(bound ? this.zoneBound : this.zoneAssumed, zoneKey(node, zone), r, sign);
    // NRT `available` already counts running pods; only the annotation's capacity needs them subtracted.
    const z = this.zoneRoom(node, zone);
    if (z && (!bound || (n?.topology.ok === true && n.topology.topology.source === 'annotation'))) charge(z.free, r, sign);
  }

  // ---- reservations (mirrored from the ledger) ----

  /**
   * Mirror `ledger`'s reservations in the free-room records from now on. Cheap
   * when already attached; otherwise forgets the previous source's and replays
   * the new one's held room.
   */
  attach(ledger: ReservationSource): void {
    if (this.source === ledger && ledger.holdListener === this) return;
    for (const [node, r] of this.reservedNode) {
      const n = this.nodes.get(node);
      if (n) charge(n.free, r, -1);
    }
    for (const [key, r] of this.reservedZone) {
      const [node, zone] = key.split('\u0000') as [string, string];
      const z = this.zoneRoom(node, zone);
      if (z) charge(z.free, r, -1);
    }
    this.reservedNode.clear();
    this.reservedZone.clear();
    this.source = ledger;
    ledger.holdListener = this;
    ledger.forEachHeld((node, zone, r) => this.held(node, zone, r, 1));
  }

  held(node: string, zone: string | undefined, r: ResourceList, sign: 1 | -1): void {
    if (zone === undefined) {
      addInto(this.reservedNode, node, r, sign);
      const n = this.nodes.get(node);
      if (n) charge(n.free, r, sign);
    } else {
      this.heldZone(node, zone, r, sign);
    }
  }

  private heldZone(node: string, zone: string, r: ResourceList, sign: 1 | -1): void {
    addInto(this.reservedZone, zoneKey(node, zone), r, sign);
    const z = this.zoneRoom(node, zone);
    if (z) charge(z.free, r, sign);
  }

  // ---- pod events ----

  upsertPod(pod: V1Pod): void {
    const uid = pod.metadata?.uid;
    if (!uid) return;
    this.removePod(uid);
    const m = membership(pod, this);
    const facts: PodFacts = {
      uid,
      namespace: pod.metadata?.namespace ?? 'default',
      name: pod.metadata?.name ?? '',
      node: pod.spec?.nodeName || undefined,
      zone: pod.metadata?.annotations?.[NUMA_ZONE] || undefined,
      usage: podUsage(pod),
      terminal: isTerminal(pod),
      membership: m,
      createdAt: creationMs(pod),
      pod,
    };
    this.pods.set(uid, facts);
    this.uidByName.set(`${facts.namespace}/${facts.name}`, uid);
    if (facts.node && !facts.terminal) {
      // The cache now shows what we assumed: count it once, as bound.
      this.forget(uid);
      this.use(facts.node, facts.zone, facts.usage, 1, true);
    }
    if (m && !facts.terminal) {
      let set = this.members.get(m.gang.key);
      if (!set) this.members.set(m.gang.key, (set = new Set()));
      set.add(uid);
    }
    if (m?.role === 'driver') {
      this.driverByUid.set(uid, m.gang);
      const sel = pod.metadata?.labels?.[SPARK_APP_SELECTOR];
      if (sel) this.driverBySelector.set(`${facts.namespace}/${sel}`, m.gang);
      // Executors that arrived first now find their gang.
      for (const key of [`uid:${uid}`, sel ? `sel:${facts.namespace}/${sel}` : '']) {
        const waiting = this.orphans.get(key);
        if (!waiting) continue;
        this.orphans.delete(key);
        for (const e of waiting) {
          const f = this.pods.get(e);
          if (f && !f.membership) this.upsertPod(f.pod);
        }
      }
    } else if (!m && pod.metadata?.labels?.[SPARK_ROLE] === 'executor') {
      const sel = pod.metadata?.labels?.[SPARK_APP_SELECTOR];
      const owner = (pod.metadata?.ownerReferences ?? []).find((o) => o.kind === 'Pod')?.uid;
      const keys = [sel ? `sel:${facts.namespace}/${sel}` : '', owner ? `uid:${owner}` : ''].filter((k) => k !== '');
      for (const key of keys) {
        let set = this.orphans.get(key);
        if (!set) this.orphans.set(key, (set = new Set()));
        set.add(uid);
      }
      if (keys.length > 0) this.orphanKeys.set(uid, keys);
    }
  }

  deletePod(pod: V1Pod | { metadata?: { uid?: string } }): void {
    const uid = pod.metadata?.uid;
    if (!uid) return;
    this.removePod(uid);
    this.forget(uid);
    this.driverByUid.delete(uid);
    for (const key of this.orphanKeys.get(uid) ?? []) {
      const set = this.orphans.get(key);
      if (set?.delete(uid) && set.size === 0) this.orphans.delete(key);
    }
    this.orphanKeys.delete(uid);
  }

  private removePod(uid: string): void {
    const old = this.pods.get(uid);
    if (!old) return;
    this.pods.delete(uid);
    const nameKey = `${old.namespace}/${old.name}`;
    if (this.uidByName.get(nameKey) === uid) this.uidByName.delete(nameKey);
    if (old.node && !old.terminal) this.use(old.node, old.zone, old.usage, -1, true);
    if (old.membership) {
      const set = this.members.get(old.membership.gang.key);
      set?.delete(uid);
      if (set && set.size === 0) this.members.delete(old.membership.gang.key);
    }
  }

  // ---- assumed pods ----

  /** Count a pod the extender just bound until the cache shows it bound (or `expiresAt`). */
  assume(uid: string, node: string, zone: string | undefined, usage: ResourceList, expiresAt: number): void {
    const known = this.pods.get(uid);
    if (known?.node) return;
    this.forget(uid);
    this.assumed.set(uid, { node, zone, usage, expiresAt });
    this.use(node, zone, usage, 1, false);
  }

  forget(uid: string): void {
    const a = this.assumed.get(uid);
    if (!a) return;
    this.assumed.delete(uid);
    this.use(a.node, a.zone, a.usage, -1, false);
  }

  isAssumed(uid: string): boolean {
    return this.assumed.has(uid);
  }

  /** Drop assumptions past their time. All share one TTL, so insertion order is expiry order. */
  expire(now: number): number {
    let n = 0;
    for (const [uid, a] of this.assumed) {
      if (a.expiresAt > now) break;
      this.forget(uid);
      n++;
    }
    return n;
  }

  // ---- reads ----

  node(name: string): NodeFacts | undefined {
    return this.nodes.get(name);
  }

  nodeCount(): number {
    return this.nodes.size;
  }

  /** All node names, sorted (stable plans). */
  nodeNames(): readonly string[] {
    this.sortedNames ??= [...this.nodes.keys()].sort();
    return this.sortedNames;
  }

  usedOn(node: string): ResourceList {
    return this.used.get(node) ?? EMPTY;
  }

  /** What pods Gangplank placed in a zone use: bound (annotated) and assumed. */
  zoneBoundUse(node: string, zone: string): ResourceList {
    return this.zoneBound.get(zoneKey(node, zone)) ?? EMPTY;
  }

  zoneAssumedUse(node: string, zone: string): ResourceList {
    return this.zoneAssumed.get(zoneKey(node, zone)) ?? EMPTY;
  }

  pod(uid: string): PodFacts | undefined {
    return this.pods.get(uid);
  }

  podByName(namespace: string, name: string): PodFacts | undefined {
    const uid = this.uidByName.get(`${namespace}/${name}`);
    return uid ? this.pods.get(uid) : undefined;
  }

  /** Non-terminal pods of a gang. */
  gangMembers(key: string): PodFacts[] {
    const out: PodFacts[] = [];
    for (const uid of this.members.get(key) ?? []) {
      const f = this.pods.get(uid);
      if (f) out.push(f);
    }
    return out;
  }

  gangMemberCount(key: string): number {
    return this.members.get(key)?.size ?? 0;
  }

  gangOfDriverUid(uid: string): GangId | undefined {
    return this.driverByUid.get(uid);
  }

  gangOfSelector(namespace: string, selector: string): GangId | undefined {
    return this.driverBySelector.get(`${namespace}/${selector}`);
  }

  /** Nodes a pod with these constraints may use; cached per constraint set until nodes change. */
  eligibleNodes(c: PlacementConstraints): readonly string[] {
    return this.eligibility(c).list;
  }

  /** The same nodes as a set (cached with the list). */
  eligibleSet(c: PlacementConstraints): ReadonlySet<string> {
    return this.eligibility(c).set;
  }

  private eligibility(c: PlacementConstraints): { readonly list: readonly string[]; readonly set: ReadonlySet<string> } {
    const key = constraintsKey(c);
    let e = this.eligible.get(key);
    if (!e) {
      const list = this.nodeNames().filter((n) => nodeMismatch((this.nodes.get(n) as NodeFacts).node, c) === null);
      e = { list, set: new Set(list) };
      if (this.eligible.size > 256) this.eligible.clear();
      this.eligible.set(key, e);
    }
    return e;
  }
}
