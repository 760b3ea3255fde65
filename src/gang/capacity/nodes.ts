// Node facts: what each node offers (allocatable, NUMA topology), its live
// free-room records, and which nodes a set of placement constraints allows.
//
// The free-room records (a node's `free`, each zone's `free`) are where the
// other parts' sums meet, so that a filter call reads one object per
// candidate instead of recombining allocatable, usage and reservations every
// time. Each part charges its own changes into them as they happen
// (chargeNode, chargeZone, ...); they are computed from scratch only on node
// and topology events, from the other parts' tables (RoomInputs).
import type { V1Node } from '@kubernetes/client-node';
import { parseResourceList, type ResourceList } from '../../k8s/resources.js';
import { nodeTopology, type NodeResourceTopology, type TopologyResult } from '../../numa/topology.js';
import { constraintsKey, nodeMismatch, type PlacementConstraints } from '../constraints.js';
import { charge } from './sums.js';

export interface NodeFacts {
  readonly name: string;
  readonly node: V1Node;
  readonly allocatable: ResourceList;
  readonly topology: TopologyResult;
  /** Live view of what bound and assumed pods use here (the same object usedOn returns). */
  readonly used: ResourceList;
  /** Live: allocatable − used − reservations of the attached ledger (missing key: 0 − …). */
  readonly free: ResourceList;
  /** Live per NUMA zone of a usable topology, in topology order: see ZoneRoom. */
  readonly zones: readonly ZoneRoom[];
}

/**
 * A NUMA zone's free room, live: NRT `available` (else its capacity) −
 * pending pods (./topology.ts) − reservations; or, for the annotation's
 * topology, capacity − bound and assumed pods Gangplank placed there −
 * reservations.
 */
export interface ZoneRoom {
  readonly name: string;
  /** NUMA id: the kubelet prefers the lowest (numa/topology.ts). */
  readonly id: number;
  readonly capacity: ResourceList;
  readonly free: ResourceList;
}

/** What a pending pod takes from an NRT node's zones: its recorded zones, or every zone (null). */
export interface ZoneCharge {
  readonly zones: readonly string[] | null;
  readonly r: ResourceList;
}

/** The other parts' tables a node's free-room records start from. */
export interface RoomInputs {
  /** The node's usage record, made if missing: mutated in place and never replaced, so facts can hold it. */
  usedRecord(node: string): ResourceList;
  reservedOn(node: string): ResourceList;
  reservedIn(node: string, zone: string): ResourceList;
  /** Bound and assumed pods Gangplank placed in a zone (counted for the annotation's topology only). */
  boundIn(node: string, zone: string): ResourceList;
  assumedIn(node: string, zone: string): ResourceList;
  /** Pods an NRT node's exporter does not count yet. */
  pendingOn(node: string): Iterable<ZoneCharge>;
  nrt(node: string): NodeResourceTopology | undefined;
}

/** A node's facts with its free-room records computed from scratch. */
export function nodeFacts(name: string, node: V1Node, allocatable: ResourceList, topology: TopologyResult, used: ResourceList, inputs: RoomInputs): NodeFacts {
  const free: ResourceList = { ...allocatable };
  charge(free, used, 1);
  charge(free, inputs.reservedOn(name), 1);
  const zones: ZoneRoom[] = [];
  if (topology.ok) {
    const nrt = topology.topology.source === 'nrt';
    for (const z of topology.topology.zones) {
      const zf: ResourceList = { ...z.capacity };
      if (nrt) {
        for (const r in z.available) zf[r] = z.available[r] as number;
      } else {
        // The annotation's zones know only what Gangplank placed there.
        charge(zf, inputs.boundIn(name, z.name), 1);
        charge(zf, inputs.assumedIn(name, z.name), 1);
      }
      charge(zf, inputs.reservedIn(name, z.name), 1);
      zones.push({ name: z.name, id: z.id, capacity: z.capacity, free: zf });
    }
    if (nrt) {
      for (const c of inputs.pendingOn(name)) {
        for (const z of zones) if (c.zones === null || c.zones.includes(z.name)) charge(z.free, c.r, 1);
      }
    }
  }
  return { name, node, allocatable, topology, used, free, zones };
}

function placementKey(n: V1Node): string {
  return JSON.stringify([n.metadata?.labels ?? null, n.spec?.taints ?? null, n.spec?.unschedulable ?? false]);
}

interface Eligible {
  readonly list: readonly string[];
  readonly set: ReadonlySet<string>;
}

export class NodeTable {
  private readonly nodes = new Map<string, NodeFacts>();
  private readonly eligible = new Map<string, Eligible>();
  private sortedNames: string[] | undefined;

  constructor(private readonly inputs: RoomInputs) {}

  upsert(node: V1Node): void {
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
    this.nodes.set(name, this.facts(name, node, allocatable, this.inputs.usedRecord(name)));
    // Status heartbeats are frequent; only label, taint or cordon changes touch eligibility.
    if (!old || placementKey(old.node) !== placementKey(node)) this.eligible.clear();
    if (!old) this.sortedNames = undefined;
  }

  delete(name: string): void {
    this.nodes.delete(name);
    this.eligible.clear();
    this.sortedNames = undefined;
  }

  /** Recompute a node's topology and records (its NodeResourceTopology came, changed or went). */
  refresh(name: string): void {
    const n = this.nodes.get(name);
    if (n) this.nodes.set(name, this.facts(name, n.node, n.allocatable, n.used));
  }

  private facts(name: string, node: V1Node, allocatable: ResourceList, used: ResourceList): NodeFacts {
    return nodeFacts(name, node, allocatable, nodeTopology(node, this.inputs.nrt(name)), used, this.inputs);
  }

  get(name: string): NodeFacts | undefined {
    return this.nodes.get(name);
  }

  count(): number {
    return this.nodes.size;
  }

  /** All node names, sorted (stable plans). */
  names(): readonly string[] {
    this.sortedNames ??= [...this.nodes.keys()].sort();
    return this.sortedNames;
  }

  /** The free-room record of a zone of a known node with a usable topology. */
  zoneRoom(node: string, zone: string): ZoneRoom | undefined {
    const n = this.nodes.get(node);
    if (!n) return undefined;
    for (const z of n.zones) if (z.name === zone) return z;
    return undefined;
  }

  // ---- charges from the other parts (sign 1 takes room, −1 gives it back) ----

  chargeNode(node: string, r: ResourceList, sign: 1 | -1): void {
    const n = this.nodes.get(node);
    if (n) charge(n.free, r, sign);
  }

  chargeZone(node: string, zone: string, r: ResourceList, sign: 1 | -1): void {
    const z = this.zoneRoom(node, zone);
    if (z) charge(z.free, r, sign);
  }

  /** Usage in a zone: only the annotation's zones count it; NRT zones count pods through their pending charges. */
  chargeAnnotatedZone(node: string, zone: string, r: ResourceList, sign: 1 | -1): void {
    const n = this.nodes.get(node);
    if (n?.topology.ok === true && n.topology.topology.source === 'annotation') this.chargeZone(node, zone, r, sign);
  }

  /** A pending pod's charge on the zones of a node whose topology comes from its NRT. */
  chargeNrtZones(node: string, c: ZoneCharge, sign: 1 | -1): void {
    const n = this.nodes.get(node);
    if (!n || !n.topology.ok || n.topology.topology.source !== 'nrt') return;
    for (const z of n.zones) if (c.zones === null || c.zones.includes(z.name)) charge(z.free, c.r, sign);
  }

  // ---- eligibility ----

  /** Nodes a pod with these constraints may use; cached per constraint set until nodes change. */
  eligibleNodes(c: PlacementConstraints): readonly string[] {
    return this.eligibility(c).list;
  }

  /** The same nodes as a set (cached with the list). */
  eligibleSet(c: PlacementConstraints): ReadonlySet<string> {
    return this.eligibility(c).set;
  }

  private eligibility(c: PlacementConstraints): Eligible {
    const key = constraintsKey(c);
    let e = this.eligible.get(key);
    if (!e) {
      const list = this.names().filter((n) => nodeMismatch((this.nodes.get(n) as NodeFacts).node, c) === null);
      e = { list, set: new Set(list) };
      if (this.eligible.size > 256) this.eligible.clear();
      this.eligible.set(key, e);
    }
    return e;
  }
}
