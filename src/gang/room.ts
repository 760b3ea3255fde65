// Free room as the planner sees it: per node, allocatable − used (bound and
// assumed pods, from the CapacityIndex) − reservations (Ledger) − what this
// planning pass has placed so far (an overlay), + an optional credit (the
// slot an executor is about to consume). Per NUMA zone the same, starting
// from NRT `available` (which already counts running pods) or from the
// annotation's capacity minus pods Gangplank placed in the zone.
//
// The index keeps the first three terms combined in one live record per node
// and per zone (CapacityIndex.attach mirrors the ledger into it), so a check
// reads one object per candidate. Callers that test many candidates compile
// the pod's shape once (demand()) and use the *Demand methods: no per-node
// allocation on the success path.
import type { ResourceList } from '../k8s/resources.js';
import type { NumaRequirement } from '../numa/policy.js';
import type { CapacityIndex, NodeFacts, ZoneRoom } from './capacity.js';
import type { Ledger } from './ledger.js';

export interface Credit {
  readonly node: string;
  readonly zone?: string;
  readonly requests: ResourceList;
}

export type FitResult = { ok: true; zone?: string } | { ok: false; reason: string; numa?: 'no_zone_fits' | 'no_topology' | 'stale_topology' };

export interface RoomOptions {
  /** Set when NodeResourceTopology data is stale: NRT-based NUMA fits fail closed with this reason. */
  readonly staleTopology?: string;
  readonly credit?: Credit;
}

/** A pod shape compiled once for many checks. */
export interface Demand {
  readonly need: ResourceList;
  readonly numa: NumaRequirement;
  /** Requested resources (want > 0), in `need`'s key order. */
  readonly keys: readonly string[];
  readonly wants: readonly number[];
  /** The listed single-numa resources the pod requests, in the list's order; empty: no zone needed. */
  readonly zoneKeys: readonly string[];
  readonly zoneWants: readonly number[];
}

export function demand(need: ResourceList, numa: NumaRequirement): Demand {
  const keys: string[] = [];
  const wants: number[] = [];
  for (const r in need) {
    const want = need[r] as number;
    if (want > 0) {
      keys.push(r);
      wants.push(want);
    }
  }
  const zoneKeys: string[] = [];
  const zoneWants: number[] = [];
  for (const r of numa ?? []) {
    const want = need[r] ?? 0;
    if (want > 0) {
      zoneKeys.push(r);
      zoneWants.push(want);
    }
  }
  return { need, numa, keys, wants, zoneKeys, zoneWants };
}

/** shortfall() of a node the index does not know. */
const NOT_CACHED = '\u0000not cached';
const FITS: FitResult = Object.freeze({ ok: true });

const zk = (node: string, zone: string): string => `${node}\u0000${zone}`;

export class Room {
  private readonly overlay = new Map<string, ResourceList>();
  private readonly zoneOverlay = new Map<string, ResourceList>();

  constructor(
    private readonly index: CapacityIndex,
    private readonly ledger: Ledger,
    private readonly opts: RoomOptions = {},
  ) {
    index.attach(ledger);
  }

  nodeFree(node: string, r: string): number {
    const n = this.index.node(node);
    if (!n) return 0;
    let v = (n.free[r] ?? 0) - (this.overlay.size > 0 ? (this.overlay.get(node)?.[r] ?? 0) : 0);
    const c = this.opts.credit;
    if (c && c.node === node) v += c.requests[r] ?? 0;
    return v;
  }

  zoneFree(node: string, zone: string, r: string): number {
    const n = this.index.node(node);
    const z = n ? zoneOf(n, zone) : undefined;
    if (!z) return 0;
    return this.zoneFreeOf(node, z, r);
  }

  private zoneFreeOf(node: string, z: ZoneRoom, r: string): number {
    let v = (z.free[r] ?? 0) - (this.zoneOverlay.size > 0 ? (this.zoneOverlay.get(zk(node, z.name))?.[r] ?? 0) : 0);
    const c = this.opts.credit;
    if (c && c.node === node && c.zone === z.name) v += c.requests[r] ?? 0;
    return v;
  }

  /** Node-level shortfall: the first resource that does not fit, or null. */
  shortfall(node: string, need: ResourceList): string | null {
    return this.shortfallOf(node, this.index.node(node), demand(need, null));
  }

  private shortfallOf(node: string, n: NodeFacts | undefined, d: Demand): string | null {
    if (!n) return NOT_CACHED;
    const free = n.free;
    const overlay = this.overlay.size > 0 ? this.overlay.get(node) : undefined;
    const c = this.opts.credit;
    const credit = c && c.node === node ? c.requests : undefined;
    const { keys, wants } = d;
    for (let i = 0; i < keys.length; i++) {
      const r = keys[i] as string;
      let f = free[r] ?? 0;
      if (overlay) f -= overlay[r] ?? 0;
      if (credit) f += credit[r] ?? 0;
      if (f < (wants[i] as number)) return r;
    }
    return null;
  }

  /**
   * Best-fit measure at node level in one pass: the mean over requested
   * resources (except pods) of used-after / allocatable, in [0, 1]; −1 when
   * the pod does not fit the node.
   */
  fitFraction(node: string, need: ResourceList): number {
    return this.fitFractionDemand(node, demand(need, null));
  }

  fitFractionDemand(node: string, d: Demand): number {
    const n = this.index.node(node);
    if (!n) return -1;
    const free = n.free;
    const alloc = n.allocatable;
    const overlay = this.overlay.size > 0 ? this.overlay.get(node) : undefined;
    const c = this.opts.credit;
    const credit = c && c.node === node ? c.requests : undefined;
    const { keys, wants } = d;
    let sum = 0;
    let k = 0;
    for (let i = 0; i < keys.length; i++) {
      const r = keys[i] as string;
      const want = wants[i] as number;
      let f = free[r] ?? 0;
      if (overlay) f -= overlay[r] ?? 0;
      if (credit) f += credit[r] ?? 0;
      if (f < want) return -1;
      const cap = alloc[r] ?? 0;
      if (r === 'pods' || cap <= 0) continue;
      sum += 1 - (f - want) / cap;
      k++;
    }
    return k === 0 ? 0 : sum / k;
  }

  /** Why a node's zones cannot be used, or null. */
  private zoneProblem(n: NodeFacts | undefined): FitResult | null {
    if (!n) return { ok: false, reason: 'node not in cache' };
    if (!n.topology.ok) return { ok: false, reason: n.topology.reason, numa: 'no_topology' };
    if (n.topology.topology.source === 'nrt' && this.opts.staleTopology) return { ok: false, reason: this.opts.staleTopology, numa: 'stale_topology' };
    return null;
  }

  /** Whether one pod of `need` fits on `node` (and in which zone under single-numa). */
  fits(node: string, need: ResourceList, numa: NumaRequirement): FitResult {
    return this.fitsDemand(node, demand(need, numa));
  }

  fitsDemand(node: string, d: Demand): FitResult {
    const n = this.index.node(node);
    const short = this.shortfallOf(node, n, d);
    if (short === NOT_CACHED) return { ok: false, reason: 'node not in the extender cache' };
    if (short !== null) return { ok: false, reason: `insufficient ${short}` };
    if (d.zoneKeys.length === 0) return FITS;
    const problem = this.zoneProblem(n);
    if (problem) return problem;
    const zone = this.bestZoneOf(node, n as NodeFacts, d);
    return zone ? { ok: true, zone } : { ok: false, reason: `no single NUMA zone holds ${d.zoneKeys.join(', ')}`, numa: 'no_zone_fits' };
  }

  /** The fitting zone with the least waste (ties: name order), as numa/fit.ts bestZone decides. */
  private bestZoneOf(node: string, n: NodeFacts, d: Demand): string | undefined {
    let best: string | undefined;
    let bestWaste = Infinity;
    for (const z of n.zones) {
      if (!this.zoneFitsOf(node, z, d)) continue;
      const w = this.zoneWasteOf(node, z, d);
      if (w < bestWaste || (w === bestWaste && best !== undefined && z.name < best)) {
        best = z.name;
        bestWaste = w;
      }
    }
    return best;
  }

  private zoneFitsOf(node: string, z: ZoneRoom, d: Demand): boolean {
    const { zoneKeys, zoneWants } = d;
    for (let i = 0; i < zoneKeys.length; i++) if (this.zoneFreeOf(node, z, zoneKeys[i] as string) < (zoneWants[i] as number)) return false;
    return true;
  }

  /** numa/fit.ts zoneWaste over this room: mean of free-after / free-before over the zone resources. */
  private zoneWasteOf(node: string, z: ZoneRoom, d: Demand): number {
    const { zoneKeys, zoneWants } = d;
    let sum = 0;
    for (let i = 0; i < zoneKeys.length; i++) {
      const f = this.zoneFreeOf(node, z, zoneKeys[i] as string);
      const want = zoneWants[i] as number;
      sum += f > 0 ? (f - want) / f : 1;
    }
    return zoneKeys.length === 0 ? 0 : sum / zoneKeys.length;
  }

  /** Waste left in `zone` of `node` after a pod of `d` (0 perfect, 1 emptiest); 0 for an unknown zone. */
  zoneWasteDemand(node: string, zone: string, d: Demand): number {
    const n = this.index.node(node);
    const z = n ? zoneOf(n, zone) : undefined;
    if (!z) {
      // As zoneWaste with free 0 everywhere.
      return d.zoneKeys.length === 0 ? 0 : 1;
    }
    return this.zoneWasteOf(node, z, d);
  }

  /** How many pods of `need` fit on `node`, at most `cap` (each whole in one zone under single-numa). */
  count(node: string, need: ResourceList, numa: NumaRequirement, cap: number): number {
    return this.countDemand(node, demand(need, numa), cap);
  }

  /**
   * countDemand as if `minus` were placed first on the node (and in `minusZone`):
   * the same as take(), count(), take(−1), without touching the overlay.
   */
  countDemand(node: string, d: Demand, cap: number, minus?: ResourceList, minusZone?: string): number {
    const n = this.index.node(node);
    let k = cap;
    const { keys, wants } = d;
    for (let i = 0; i < keys.length; i++) {
      const r = keys[i] as string;
      let f = n ? this.nodeFreeOf(node, n, r) : 0;
      if (minus) f -= minus[r] ?? 0;
      k = Math.min(k, Math.floor(Math.max(0, f) / (wants[i] as number)));
    }
    if (k <= 0 || d.zoneKeys.length === 0) return Math.max(0, k);
    if (this.zoneProblem(n)) return 0;
    const { zoneKeys, zoneWants } = d;
    let inZones = 0;
    for (const z of (n as NodeFacts).zones) {
      let zc = Infinity;
      for (let i = 0; i < zoneKeys.length; i++) {
        const r = zoneKeys[i] as string;
        let f = this.zoneFreeOf(node, z, r);
        if (minus && minusZone === z.name) f -= minus[r] ?? 0;
        zc = Math.min(zc, Math.floor(Math.max(0, f) / (zoneWants[i] as number)));
      }
      inZones += zc;
    }
    return Math.min(k, inZones);
  }

  private nodeFreeOf(node: string, n: NodeFacts, r: string): number {
    let v = (n.free[r] ?? 0) - (this.overlay.size > 0 ? (this.overlay.get(node)?.[r] ?? 0) : 0);
    const c = this.opts.credit;
    if (c && c.node === node) v += c.requests[r] ?? 0;
    return v;
  }

  /** Place `need` on `node` (and zone) for the rest of this planning pass. */
  take(node: string, zone: string | undefined, need: ResourceList, sign: 1 | -1 = 1): void {
    add(this.overlay, node, need, sign);
    if (zone) add(this.zoneOverlay, zk(node, zone), need, sign);
  }
}

function zoneOf(n: NodeFacts, zone: string): ZoneRoom | undefined {
  for (const z of n.zones) if (z.name === zone) return z;
  return undefined;
}

function add(m: Map<string, ResourceList>, key: string, r: ResourceList, sign: 1 | -1): void {
  let cur = m.get(key);
  if (!cur) m.set(key, (cur = {}));
  for (const k in r) cur[k] = (cur[k] ?? 0) + sign * (r[k] as number);
}
