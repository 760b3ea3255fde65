// Incremental capacity index (no I/O): per node and per NUMA zone, what
// non-terminal pods bound there use, plus pods the extender bound that the
// cache does not show yet ("assumed", expiring after assumeTtl). Fed by
// informer events at O(resources) each, so a filter call never scans pods.
// Reservations live in the Ledger; the index mirrors them (attach()) so that
// each node and NUMA zone carries one combined free-room record, kept up to
// date incrementally, and a filter call reads one object per candidate
// instead of recombining allocatable, usage and reservations every time.
// Room (room.ts) adds a planning pass's overlay and credit on top.
//
// NUMA zones (ADR 0004). With the annotation's topology a zone's usage is
// what Gangplank placed there. With a NodeResourceTopology it is the
// exporter's `available`, which lags: a pod counts from its bind, the
// exporter sees it only once the kubelet has admitted it, and reports it at
// its next update. So every pod bound (or assumed) on such a node is
// "pending" and charged against the zones until the exporter's data is known
// to include it: when the NRT's pod-set fingerprint equals the fingerprint
// of the pods we see running there (scheduler-plugins' overreserve cache
// resyncs on the same test), or, from an exporter that publishes no
// fingerprint, when an update arrives `settleMs` after we saw the pod
// running. A pending pod charges its exclusive resources to the zones it
// may be in (chargeOf): up to its recorded zone where the kubelet aligns
// it, else every zone (scheduler-plugins' overreserve does the latter).
// Also indexes gang membership (members per gang, drivers by uid and by
// spark-app-selector) so that quorum counts and executor look-ups are O(1).
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { podRequests, parseResourceList, type ResourceList } from '../k8s/resources.js';
import { fingerprintOf, isComparableFingerprint, podHash } from '../numa/fingerprint.js';
import { isNativeResource, podAlignment } from '../numa/kubelet.js';
import { nodeTopology, type NodeResourceTopology, type NodeTopology, type TopologyResult } from '../numa/topology.js';
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
 * A NUMA zone's free room, live: NRT `available` (else its capacity) −
 * pending pods (see the file comment) − reservations; or, for the
 * annotation's topology, capacity − bound and assumed pods Gangplank placed
 * there − reservations.
 */
export interface ZoneRoom {
  readonly name: string;
  /** NUMA id: the kubelet prefers the lowest (numa/topology.ts). */
  readonly id: number;
  readonly capacity: ResourceList;
  readonly free: ResourceList;
}

/** What a pending pod takes from an NRT node's zones: its recorded zones, or every zone (null). */
interface Charge {
  readonly zones: readonly string[] | null;
  readonly r: ResourceList;
}

/** How the NRT accounting of a node last changed, for logs and tests. */
export interface TopologySync {
  readonly node: string;
  /** match: the fingerprint matched, pods taken as included; settled: the no-fingerprint rule included some; none: still pending. */
  readonly outcome: 'match' | 'mismatch' | 'settled' | 'no_fingerprint' | 'incomparable';
  /** Pods counted against the zones after the change. */
  readonly pending: number;
  /** Pods the change found included. */
  readonly included: number;
}

export interface CapacityIndexOptions {
  /** For the no-fingerprint rule: when a pod was first seen running, and when an NRT update arrived. */
  readonly clock?: () => number;
  /**
   * An exporter without a fingerprint is taken to include a pod in an update
   * that arrives this long after we saw the pod running (its data was read
   * after the kubelet admitted the pod; ADR 0004).
   */
  readonly settleMs?: number;
}

/** Zones named in a recorded zone (gangplank.io/numa-zone): one, or several joined by commas (restricted policy). */
export function zoneParts(zone: string): readonly string[] {
  return zone.includes(',') ? zone.split(',').filter((z) => z !== '') : [zone];
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
  readonly pod?: V1Pod;
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
  /** Namespace → name → uid (nested: no "namespace/name" string per pod). */
  private readonly uidByName = new Map<string, Map<string, string>>();
  /** Equal memberships and usages shared between pods (bounded): 50,000 pods hold a few thousand distinct ones. */
  private readonly sharedMemberships = new Map<string, Membership>();
  private readonly sharedUsages = new Map<string, ResourceList>();
  private readonly used = new Map<string, ResourceList>();
  private readonly zoneBound = new Map<string, ResourceList>();
  private readonly zoneAssumed = new Map<string, ResourceList>();
  private readonly assumed = new Map<string, Assumed>();
  private readonly members = new Map<string, Set<string>>();
  /** Every pod of a gang not deleted yet, terminal ones included (gang status counts them). */
  private readonly allMembers = new Map<string, Set<string>>();
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
  /** Pods whose spec.nodeName is the node (any phase), for fingerprints. */
  private readonly podsOn = new Map<string, Set<string>>();
  /** NRT nodes only: pods charged against the zones until the exporter includes them. */
  private readonly pending = new Map<string, Map<string, Charge>>();
  /** NRT nodes only: pods known to be in the exporter's data (uid → node). */
  private readonly included = new Map<string, string>();
  private readonly runningSince = new Map<string, number>();
  private readonly hashes = new Map<string, bigint>();
  private readonly clock: () => number;
  private readonly settleMs: number;
  /** The last NRT accounting change (for the runtime's log and tests). */
  lastSync: TopologySync | undefined;

  constructor(opts: CapacityIndexOptions = {}) {
    this.clock = opts.clock ?? Date.now;
    this.settleMs = opts.settleMs ?? 10_000;
  }

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
    const first = !this.nrts.has(name);
    this.nrts.set(name, nrt);
    this.refreshTopology(name);
    if (first) this.chargeAll(name);
    this.lastSync = this.resync(name, true);
  }

  deleteTopology(name: string): void {
    if (!this.nrts.delete(name)) return;
    this.dropCharges(name);
    this.refreshTopology(name);
  }

  /** Forget every NodeResourceTopology (the API stopped serving them): nodes fall back to their annotation. */
  clearTopologies(): void {
    for (const name of [...this.nrts.keys()]) this.deleteTopology(name);
  }

  /** Nodes whose topology comes from a NodeResourceTopology object now. */
  topologyNodes(): string[] {
    return [...this.nrts.keys()];
  }

  private refreshTopology(name: string): void {
    const n = this.nodes.get(name);
    if (n) this.nodes.set(name, this.facts(name, n.node, n.allocatable, nodeTopology(n.node, this.nrts.get(name)), n.used));
  }

  // ---- NRT zone accounting (see the file comment) ----

  /** The topology an NRT object gives a node, if it is usable. */
  private nrtTopology(node: string): NodeTopology | undefined {
    const n = this.nodes.get(node);
    const t = n?.topology;
    if (n && this.nrts.has(node)) return t?.ok && t.topology.source === 'nrt' ? t.topology : undefined;
    const nrt = this.nrts.get(node);
    if (!nrt) return undefined;
    const r = nodeTopology(n?.node ?? {}, nrt);
    return r.ok ? r.topology : undefined;
  }

  /**
   * What a bound (or assumed) pod takes from an NRT node's zones until the
   * exporter includes it: its exclusive resources (the only ones `available`
   * counts; ../numa/kubelet.ts alignedResources). Where the node's kubelet
   * aligns it, the kubelet put it in the lowest zone that fits; we recorded
   * the zone we predicted, and since our view never has more free than the
   * node has, the kubelet's zone is that one or a lower one: so the pod is
   * charged to every zone up to the recorded one. Elsewhere (policy none, or
   * no recorded zone) it may be in any zone, and is charged to all of them.
   */
  private chargeOf(node: string, f: { zone?: string; pod?: V1Pod }): Charge {
    const r = f.pod ? podAlignment(f.pod).pod : {};
    const t = this.nrtTopology(node);
    if (f.zone && t?.kubelet && t.kubelet.policy !== 'none') {
      const parts = zoneParts(f.zone);
      let top = -1;
      for (const z of t.zones) if (parts.includes(z.name)) top = Math.max(top, z.id);
      if (top >= 0) return { zones: t.zones.filter((z) => z.id <= top).map((z) => z.name), r };
    }
    return { zones: null, r };
  }

  /** Apply (sign 1) or take back (−1) a charge on a node's NRT zone records. */
  private applyCharge(node: string, c: Charge, sign: 1 | -1): void {
    const n = this.nodes.get(node);
    if (!n || !n.topology.ok || n.topology.topology.source !== 'nrt') return;
    for (const z of n.zones) if (c.zones === null || c.zones.includes(z.name)) charge(z.free, c.r, sign);
  }

  private setPending(node: string, uid: string, c: Charge | undefined): void {
    let m = this.pending.get(node);
    const old = m?.get(uid);
    if (old) {
      this.applyCharge(node, old, -1);
      m?.delete(uid);
    }
    if (!c || Object.keys(c.r).length === 0) {
      if (m && m.size === 0) this.pending.delete(node);
      return;
    }
    if (!m) this.pending.set(node, (m = new Map()));
    m.set(uid, c);
    this.applyCharge(node, c, 1);
  }

  /** A node's NRT appeared: every pod there is pending until the exporter is known to include it. */
  private chargeAll(node: string): void {
    for (const uid of this.podsOn.get(node) ?? []) {
      const f = this.pods.get(uid);
      if (f && f.node === node && !f.terminal && !this.included.has(uid)) this.setPending(node, uid, this.chargeOf(node, f));
    }
    for (const [uid, a] of this.assumed) if (a.node === node && !this.included.has(uid)) this.setPending(node, uid, this.chargeOf(node, a));
  }

  private dropCharges(node: string): void {
    this.pending.delete(node);
    for (const [uid, n] of this.included) if (n === node) this.included.delete(uid);
  }

  /** Pods counted against a node's NRT zones (uids), for tests and messages. */
  pendingOn(node: string): string[] {
    return [...(this.pending.get(node)?.keys() ?? [])];
  }

  private hashOf(f: PodFacts): bigint {
    let h = this.hashes.get(f.uid);
    if (h === undefined) this.hashes.set(f.uid, (h = podHash(f.namespace, f.name)));
    return h;
  }

  /**
   * The pods the exporter's fingerprint should cover, as scheduler-plugins
   * builds its view: pods bound to the node and running (podprovider
   * IsPodRelevantShared); method with-exclusive-resources keeps those holding
   * exclusive resources (resourcerequests.AreExclusiveForPod).
   */
  private view(node: string, t: NodeTopology): PodFacts[] {
    const out: PodFacts[] = [];
    const method = t.fingerprint?.method ?? 'all';
    for (const uid of this.podsOn.get(node) ?? []) {
      const f = this.pods.get(uid);
      if (!f || f.node !== node || f.pod.status?.phase !== 'Running') continue;
      if (method === 'with-exclusive-resources') {
        const ex = podAlignment(f.pod).pod;
        if (!Object.keys(ex).some((r) => isNativeResource(r) || t.reported?.has(r))) continue;
      }
      out.push(f);
    }
    return out;
  }

  /**
   * Take pods as included in the node's NRT data where that is known, and
   * stop charging them. `update`: an NRT update just arrived (the
   * no-fingerprint rule only looks at arrivals).
   */
  private resync(node: string, update: boolean): TopologySync {
    const pending = this.pending.get(node);
    const t = this.nrtTopology(node);
    const fp = t?.fingerprint;
    const done = (outcome: TopologySync['outcome'], included: number): TopologySync => ({ node, outcome, included, pending: this.pending.get(node)?.size ?? 0 });
    if (!t) return done('no_fingerprint', 0);
    if (!fp) {
      if (!update || !pending) return done('no_fingerprint', 0);
      const cutoff = this.clock() - this.settleMs;
      let n = 0;
      for (const uid of [...pending.keys()]) {
        const since = this.runningSince.get(uid);
        if (since === undefined || since > cutoff) continue;
        this.include(node, uid);
        n++;
      }
      return done(n > 0 ? 'settled' : 'no_fingerprint', n);
    }
    if (!isComparableFingerprint(fp.value)) return done('incomparable', 0);
    const view = this.view(node, t);
    if (fingerprintOf(view.map((f) => this.hashOf(f))) !== fp.value) return done('mismatch', 0);
    let n = 0;
    for (const f of view) {
      if (this.pending.get(node)?.has(f.uid)) n++;
      this.include(node, f.uid);
    }
    return done('match', n);
  }

  private include(node: string, uid: string): void {
    this.included.set(uid, node);
    this.setPending(node, uid, undefined);
  }

  /** After a pod change on an NRT node: resync when something there is still pending. */
  private recheck(node: string | undefined): void {
    if (!node || !this.nrts.has(node) || !this.pending.has(node)) return;
    const s = this.resync(node, false);
    if (s.outcome === 'match' && s.included > 0) this.lastSync = s;
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
        const key = zoneKey(name, z.name);
        if (nrt) {
          for (const r in z.available) zf[r] = z.available[r] as number;
        } else {
          charge(zf, this.zoneBound.get(key) ?? EMPTY, 1);
          charge(zf, this.zoneAssumed.get(key) ?? EMPTY, 1);
        }
        charge(zf, this.reservedZone.get(key) ?? EMPTY, 1);
        zones.push({ name: z.name, id: z.id, capacity: z.capacity, free: zf });
      }
      if (nrt) {
        for (const c of this.pending.get(name)?.values() ?? []) {
          for (const z of zones) if (c.zones === null || c.zones.includes(z.name)) charge(z.free, c.r, 1);
        }
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

  /**
   * Count bound or assumed usage on a node (and, for the annotation's
   * topology, its zone). NRT zones are charged through the pending set
   * instead (setPending), which stops once the exporter includes the pod.
   */
  private use(node: string, zone: string | undefined, r: ResourceList, sign: 1 | -1, bound: boolean): void {
    addInto(this.used, node, r, sign);
    const n = this.nodes.get(node);
    if (n) charge(n.free, r, sign);
    if (!zone) return;
    addInto(bound ? this.zoneBound : this.zoneAssumed, zoneKey(node, zone), r, sign);
    if (n?.topology.ok === true && n.topology.topology.source === 'annotation') {
      const z = this.zoneRoom(node, zone);
      if (z) charge(z.free, r, sign);
    }
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
    // A reservation spanning zones (restricted policy) holds its request in each of them.
    for (const part of zoneParts(zone)) {
      addInto(this.reservedZone, zoneKey(node, part), r, sign);
      const z = this.zoneRoom(node, part);
      if (z) charge(z.free, r, sign);
    }
  }

  // ---- pod events ----

  upsertPod(pod: V1Pod): void {
    const uid = pod.metadata?.uid;
    if (!uid) return;
    const before = this.pods.get(uid)?.node;
    this.removePod(uid);
    const m = this.shared(this.sharedMemberships, membership(pod, this));
    const facts: PodFacts = {
      uid,
      namespace: pod.metadata?.namespace ?? 'default',
      name: pod.metadata?.name ?? '',
      node: pod.spec?.nodeName || undefined,
      zone: pod.metadata?.annotations?.[NUMA_ZONE] || undefined,
      usage: this.shared(this.sharedUsages, podUsage(pod)) as ResourceList,
      terminal: isTerminal(pod),
      membership: m,
      createdAt: creationMs(pod),
      pod,
    };
    this.pods.set(uid, facts);
    let names = this.uidByName.get(facts.namespace);
    if (!names) this.uidByName.set(facts.namespace, (names = new Map()));
    names.set(facts.name, uid);
    if (facts.node && !facts.terminal) {
      // The cache now shows what we assumed: count it once, as bound.
      this.forget(uid);
      this.use(facts.node, facts.zone, facts.usage, 1, true);
    }
    this.trackOnNode(facts, before);
    if (m && !facts.terminal) {
      let set = this.members.get(m.gang.key);
      if (!set) this.members.set(m.gang.key, (set = new Set()));
      set.add(uid);
    }
    if (m) {
      let all = this.allMembers.get(m.gang.key);
      if (!all) this.allMembers.set(m.gang.key, (all = new Set()));
      all.add(uid);
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
    const node = this.pods.get(uid)?.node;
    this.removePod(uid);
    this.forget(uid);
    if (node) {
      const on = this.podsOn.get(node);
      if (on?.delete(uid) && on.size === 0) this.podsOn.delete(node);
      this.setPending(node, uid, undefined);
    }
    this.included.delete(uid);
    this.runningSince.delete(uid);
    this.hashes.delete(uid);
    this.recheck(node);
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
    const names = this.uidByName.get(old.namespace);
    if (names?.get(old.name) === uid) {
      names.delete(old.name);
      if (names.size === 0) this.uidByName.delete(old.namespace);
    }
    if (old.node && !old.terminal) this.use(old.node, old.zone, old.usage, -1, true);
    if (old.membership) {
      const set = this.members.get(old.membership.gang.key);
      set?.delete(uid);
      if (set && set.size === 0) this.members.delete(old.membership.gang.key);
      const all = this.allMembers.get(old.membership.gang.key);
      all?.delete(uid);
      if (all && all.size === 0) this.allMembers.delete(old.membership.gang.key);
    }
  }

  /** Keep the per-node pod sets, running times and NRT charges in step with a pod's new facts. */
  private trackOnNode(f: PodFacts, before: string | undefined): void {
    if (before && before !== f.node) {
      const on = this.podsOn.get(before);
      if (on?.delete(f.uid) && on.size === 0) this.podsOn.delete(before);
      this.setPending(before, f.uid, undefined);
      this.included.delete(f.uid);
    }
    if (!f.node) return;
    let on = this.podsOn.get(f.node);
    if (!on) this.podsOn.set(f.node, (on = new Set()));
    on.add(f.uid);
    if (f.pod.status?.phase === 'Running' && !this.runningSince.has(f.uid)) this.runningSince.set(f.uid, this.clock());
    if (this.nrts.has(f.node)) {
      if (f.terminal) this.setPending(f.node, f.uid, undefined);
      else if (!this.included.has(f.uid)) this.setPending(f.node, f.uid, this.chargeOf(f.node, f));
      this.recheck(f.node);
    }
  }

  // ---- assumed pods ----

  /**
   * Count a pod the extender just bound until the cache shows it bound (or
   * `expiresAt`). `pod`: its spec, for what it takes from NRT zones when it
   * has no recorded zone.
   */
  assume(uid: string, node: string, zone: string | undefined, usage: ResourceList, expiresAt: number, pod?: V1Pod): void {
    const known = this.pods.get(uid);
    if (known?.node) return;
    this.forget(uid);
    this.assumed.set(uid, { node, zone, usage, expiresAt, pod });
    this.use(node, zone, usage, 1, false);
    if (this.nrts.has(node) && !this.included.has(uid)) this.setPending(node, uid, this.chargeOf(node, { zone, pod }));
  }

  forget(uid: string): void {
    const a = this.assumed.get(uid);
    if (!a) return;
    this.assumed.delete(uid);
    this.use(a.node, a.zone, a.usage, -1, false);
    // Still charged if the cache shows it bound there (upsertPod replaces the charge).
    const f = this.pods.get(uid);
    if (!(f?.node === a.node && !f.terminal)) this.setPending(a.node, uid, undefined);
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

  /** Reservations held in one zone (a reservation spanning zones counts in each). */
  reservedInZone(node: string, zone: string): ResourceList {
    return this.reservedZone.get(zoneKey(node, zone)) ?? EMPTY;
  }

  zoneAssumedUse(node: string, zone: string): ResourceList {
    return this.zoneAssumed.get(zoneKey(node, zone)) ?? EMPTY;
  }

  pod(uid: string): PodFacts | undefined {
    return this.pods.get(uid);
  }

  podByName(namespace: string, name: string): PodFacts | undefined {
    const uid = this.uidByName.get(namespace)?.get(name);
    return uid ? this.pods.get(uid) : undefined;
  }

  /**
   * One object for equal values (memberships, usages: never changed once made).
   * Bounded: when full it starts afresh, which costs only sharing.
   */
  private shared<V>(table: Map<string, V>, v: V): V {
    if (v === null || v === undefined) return v;
    const key = JSON.stringify(v);
    const hit = table.get(key);
    if (hit !== undefined) return hit;
    if (table.size >= 20_000) table.clear();
    table.set(key, v);
    return v;
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

  /** Every pod of a gang not deleted yet, terminal ones included. */
  gangPods(key: string): PodFacts[] {
    const out: PodFacts[] = [];
    for (const uid of this.allMembers.get(key) ?? []) {
      const f = this.pods.get(uid);
      if (f) out.push(f);
    }
    return out;
  }

  /** Keys of every gang some pod names. */
  gangKeys(): IterableIterator<string> {
    return this.allMembers.keys();
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
