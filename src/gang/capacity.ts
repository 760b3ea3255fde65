// The capacity index (no I/O): per node and per NUMA zone, what non-terminal
// pods bound there use, plus pods the extender bound that the cache does not
// show yet ("assumed", expiring after assumeTtl), and the gangs pods belong
// to. Fed by informer events at O(resources) each, so a filter call never
// scans pods. Reservations live in the Ledger; the index mirrors them
// (attach()) so that each node and NUMA zone carries one combined free-room
// record, kept up to date incrementally. Room (room.ts) adds a planning
// pass's overlay and credit on top.
//
// This class is a façade over one part per job, each owning its data
// (./capacity/):
//   nodes.ts         node facts, the free-room records, eligibility per constraint set
//   pods.ts          each pod's facts, by uid and by name (shared memberships and usages)
//   usage.ts         what bound and assumed pods use, per node and per recorded zone
//   assumed.ts       pods bound but not yet seen bound, and their expiry
//   topology.ts      NRT zone accounting: pods the exporter does not count yet (ADR 0004)
//   members.ts       gang membership: members per gang, drivers by uid and selector
//   reservations.ts  the ledger's held room, mirrored
// A pod event touches several parts; the order in which this class calls
// them is the one thing the parts do not decide themselves.
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import type { ResourceList } from '../k8s/resources.js';
import type { NodeResourceTopology } from '../numa/topology.js';
import { AssumedPods } from './capacity/assumed.js';
import { GangMembers } from './capacity/members.js';
import { NodeTable, type NodeFacts } from './capacity/nodes.js';
import { PodTable, type PodFacts } from './capacity/pods.js';
import { ReservationMirror, type HoldListener, type ReservationSource } from './capacity/reservations.js';
import { NrtAccounting, type TopologyOptions, type TopologySync } from './capacity/topology.js';
import { UsageTable } from './capacity/usage.js';
import type { PlacementConstraints } from './constraints.js';
import type { DriverLookup, GangId } from './identity.js';

export type { NodeFacts, ZoneRoom } from './capacity/nodes.js';
export type { PodFacts } from './capacity/pods.js';
export type { HoldListener, ReservationSource } from './capacity/reservations.js';
export type { TopologySync } from './capacity/topology.js';
export { zoneParts } from './capacity/sums.js';
export { podUsage } from './capacity/usage.js';

export type CapacityIndexOptions = TopologyOptions;

export class CapacityIndex implements DriverLookup, HoldListener {
  private readonly nodes: NodeTable;
  private readonly pods = new PodTable();
  private readonly usage: UsageTable;
  private readonly assumed = new AssumedPods();
  private readonly nrt: NrtAccounting;
  private readonly members: GangMembers;
  private readonly reservations: ReservationMirror;

  constructor(opts: CapacityIndexOptions = {}) {
    // The node table computes records from the other parts' tables, which charge it in turn:
    // it reads them through these functions, called only once every part exists.
    this.nodes = new NodeTable({
      usedRecord: (node) => this.usage.record(node),
      reservedOn: (node) => this.reservations.reservedOn(node),
      reservedIn: (node, zone) => this.reservations.reservedIn(node, zone),
      boundIn: (node, zone) => this.usage.boundIn(node, zone),
      assumedIn: (node, zone) => this.usage.assumedIn(node, zone),
      pendingOn: (node) => this.nrt.charges(node),
      nrt: (node) => this.nrt.nrt(node),
    });
    this.usage = new UsageTable(this.nodes);
    this.nrt = new NrtAccounting({ nodes: this.nodes, pods: this.pods, assumed: this.assumed }, opts);
    this.members = new GangMembers(this.pods);
    this.reservations = new ReservationMirror(this.nodes);
  }

  /** The last NRT accounting change (for the runtime's log and tests); the runtime clears it once logged. */
  get lastSync(): TopologySync | undefined {
    return this.nrt.lastSync;
  }

  set lastSync(s: TopologySync | undefined) {
    this.nrt.lastSync = s;
  }

  // ---- node events ----

  upsertNode(node: V1Node): void {
    this.nodes.upsert(node);
  }

  deleteNode(name: string): void {
    this.nodes.delete(name);
  }

  upsertTopology(nrt: NodeResourceTopology): void {
    this.nrt.upsert(nrt);
  }

  deleteTopology(name: string): void {
    this.nrt.delete(name);
  }

  /** Forget every NodeResourceTopology (the API stopped serving them): nodes fall back to their annotation. */
  clearTopologies(): void {
    this.nrt.clear();
  }

  /** Nodes whose topology comes from a NodeResourceTopology object now. */
  topologyNodes(): string[] {
    return this.nrt.nodes();
  }

  /** Pods counted against a node's NRT zones (uids), for tests and messages. */
  pendingOn(node: string): string[] {
    return this.nrt.pendingOn(node);
  }

  // ---- reservations (mirrored from the ledger) ----

  /** Mirror `ledger`'s reservations in the free-room records from now on (cheap when already attached). */
  attach(ledger: ReservationSource): void {
    this.reservations.attach(ledger);
  }

  held(node: string, zone: string | undefined, r: ResourceList, sign: 1 | -1): void {
    this.reservations.held(node, zone, r, sign);
  }

  // ---- pod events ----

  upsertPod(pod: V1Pod): void {
    const uid = pod.metadata?.uid;
    if (!uid) return;
    const before = this.pods.get(uid)?.node;
    this.removePod(uid);
    const facts = this.pods.add(uid, pod, this.members);
    if (facts.node && !facts.terminal) {
      // The cache now shows what we assumed: count it once, as bound.
      this.forget(uid);
      this.usage.add(facts.node, facts.zone, facts.usage, 1, true);
    }
    this.nrt.podChanged(facts, before);
    // Executors that arrived before this driver now find their gang.
    for (const e of this.members.add(facts)) {
      const f = this.pods.get(e);
      if (f && !f.membership) this.upsertPod(f.pod);
    }
  }

  deletePod(pod: V1Pod | { metadata?: { uid?: string } }): void {
    const uid = pod.metadata?.uid;
    if (!uid) return;
    const node = this.pods.get(uid)?.node;
    this.removePod(uid);
    this.forget(uid);
    this.nrt.podDeleted(uid, node);
    this.members.deleted(uid);
  }

  /** Uncount a pod's old facts. */
  private removePod(uid: string): void {
    const old = this.pods.remove(uid);
    if (!old) return;
    if (old.node && !old.terminal) this.usage.add(old.node, old.zone, old.usage, -1, true);
    if (old.membership) this.members.remove(uid, old.membership);
  }

  // ---- assumed pods ----

  /**
   * Count a pod the extender just bound until the cache shows it bound (or
   * `expiresAt`). `pod`: its spec, for what it takes from NRT zones when it
   * has no recorded zone.
   */
  assume(uid: string, node: string, zone: string | undefined, usage: ResourceList, expiresAt: number, pod?: V1Pod): void {
    if (this.pods.get(uid)?.node) return;
    this.forget(uid);
    this.assumed.add(uid, { node, zone, usage, expiresAt, pod });
    this.usage.add(node, zone, usage, 1, false);
    this.nrt.assumed(uid, node, zone, pod);
  }

  forget(uid: string): void {
    const a = this.assumed.take(uid);
    if (!a) return;
    this.usage.add(a.node, a.zone, a.usage, -1, false);
    this.nrt.forgotten(uid, a.node);
  }

  isAssumed(uid: string): boolean {
    return this.assumed.has(uid);
  }

  /** Drop assumptions past their time; how many. */
  expire(now: number): number {
    const gone = this.assumed.expiredBy(now);
    for (const uid of gone) this.forget(uid);
    return gone.length;
  }

  // ---- reads ----

  node(name: string): NodeFacts | undefined {
    return this.nodes.get(name);
  }

  nodeCount(): number {
    return this.nodes.count();
  }

  /** All node names, sorted (stable plans). */
  nodeNames(): readonly string[] {
    return this.nodes.names();
  }

  /** Nodes a pod with these constraints may use; cached per constraint set until nodes change. */
  eligibleNodes(c: PlacementConstraints): readonly string[] {
    return this.nodes.eligibleNodes(c);
  }

  /** The same nodes as a set (cached with the list). */
  eligibleSet(c: PlacementConstraints): ReadonlySet<string> {
    return this.nodes.eligibleSet(c);
  }

  usedOn(node: string): ResourceList {
    return this.usage.usedOn(node);
  }

  /** What pods Gangplank placed in a zone use: bound (annotated) and assumed. */
  zoneBoundUse(node: string, zone: string): ResourceList {
    return this.usage.boundIn(node, zone);
  }

  zoneAssumedUse(node: string, zone: string): ResourceList {
    return this.usage.assumedIn(node, zone);
  }

  /** Reservations held in one zone (a reservation spanning zones counts in each). */
  reservedInZone(node: string, zone: string): ResourceList {
    return this.reservations.reservedIn(node, zone);
  }

  pod(uid: string): PodFacts | undefined {
    return this.pods.get(uid);
  }

  podByName(namespace: string, name: string): PodFacts | undefined {
    return this.pods.byName(namespace, name);
  }

  /** Non-terminal pods of a gang. */
  gangMembers(key: string): PodFacts[] {
    return this.members.gangMembers(key);
  }

  /** Every pod of a gang not deleted yet, terminal ones included. */
  gangPods(key: string): PodFacts[] {
    return this.members.gangPods(key);
  }

  /** Keys of every gang some pod names. */
  gangKeys(): IterableIterator<string> {
    return this.members.gangKeys();
  }

  gangMemberCount(key: string): number {
    return this.members.gangMemberCount(key);
  }

  gangOfDriverUid(uid: string): GangId | undefined {
    return this.members.gangOfDriverUid(uid);
  }

  gangOfSelector(namespace: string, selector: string): GangId | undefined {
    return this.members.gangOfSelector(namespace, selector);
  }
}
