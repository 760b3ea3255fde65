// Free room as the planner sees it: per node, allocatable − used (bound and
// assumed pods, from the CapacityIndex) − reservations (Ledger) − what this
// planning pass has placed so far (an overlay), + an optional credit (the
// slot an executor is about to consume). Per NUMA zone the same, starting
// from NRT `available` minus the pods the exporter does not count yet
// (capacity/topology.ts, ADR 0004), or from the annotation's capacity minus pods
// Gangplank placed in the zone. Which zone a pod needs, on which node, and
// who picks it: ../numa/fit.ts.
//
// The index keeps the first three terms combined in one live record per node
// and per zone (CapacityIndex.attach mirrors the ledger into it), so a check
// reads one object per candidate. Callers that test many candidates compile
// the pod's shape once (demand()) and use the *Demand methods: no per-node
// allocation on the success path.
import { formatQuantity } from '../k8s/quantity.js';
import type { ResourceList } from '../k8s/resources.js';
import { chooseZones, listedNeed, mostFree, zoneNeed, zoneWaste, type ZoneFree, type ZoneNeed } from '../numa/fit.js';
import type { NumaRequirement } from '../numa/policy.js';
import { zoneParts, type CapacityIndex, type NodeFacts, type ReservationSource, type ZoneRoom } from './capacity.js';

export interface Credit {
  readonly node: string;
  /** One zone, or several joined by commas. */
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
  readonly numa: NumaRequirement | null;
  /** Requested resources (want > 0), in `need`'s key order. */
  readonly keys: readonly string[];
  readonly wants: readonly number[];
  /** The listed single-numa resources the pod requests, in the list's order; empty: the annotation asks no zone. */
  readonly zoneKeys: readonly string[];
  readonly zoneWants: readonly number[];
  /** The annotation's zone need (null: none), and the need per kind of node (topology profile), filled on use. */
  readonly listed: ZoneNeed | null;
  readonly needs: Map<string, ZoneNeed | null>;
}

export function demand(need: ResourceList, numa: NumaRequirement | null): Demand {
  const keys: string[] = [];
  const wants: number[] = [];
  for (const r in need) {
    const want = need[r] as number;
    if (want > 0) {
      keys.push(r);
      wants.push(want);
    }
  }
  const listed = listedNeed(numa, need);
  return { need, numa, keys, wants, zoneKeys: listed?.keys ?? [], zoneWants: listed?.wants ?? [], listed, needs: new Map() };
}

/** shortfall() of a node the index does not know. */
const NOT_CACHED = '\u0000not cached';
const FITS: FitResult = Object.freeze({ ok: true });

const zk = (node: string, zone: string): string => `${node}\u0000${zone}`;

export class Room {
  private readonly overlay = new Map<string, ResourceList>();
  private readonly zoneOverlay = new Map<string, ResourceList>();
  /** The credit's zones when it spans several (restricted policy). */
  private readonly creditZones: readonly string[];

  constructor(
    private readonly index: CapacityIndex,
    private readonly ledger: ReservationSource,
    private readonly opts: RoomOptions = {},
  ) {
    index.attach(ledger);
    const cz = opts.credit?.zone;
    this.creditZones = cz && cz.includes(',') ? zoneParts(cz) : [];
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
    if (c && c.node === node && c.zone !== undefined && (c.zone === z.name || this.creditZones.includes(z.name))) v += c.requests[r] ?? 0;
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

  /** What `d` needs of `n`'s zones (null: nothing), worked out once per kind of node. */
  private zoneNeedOf(n: NodeFacts | undefined, d: Demand): ZoneNeed | null {
    const t = n?.topology.ok ? n.topology.topology : undefined;
    // Only an NRT object tells the kubelet's policy; elsewhere the annotation alone decides.
    if (!t || t.source !== 'nrt' || !d.numa || d.numa.aligned.containers === 0) return d.listed;
    let z = d.needs.get(t.profile);
    if (z === undefined) {
      z = zoneNeed(d.numa, d.listed, t);
      d.needs.set(t.profile, z);
    }
    return z;
  }

  /** Why a node's zones cannot be used, or null. */
  private zoneProblem(n: NodeFacts | undefined): FitResult | null {
    if (!n) return { ok: false, reason: 'node not in cache' };
    if (!n.topology.ok) return { ok: false, reason: n.topology.reason, numa: 'no_topology' };
    if (n.topology.topology.source === 'nrt' && this.opts.staleTopology) return { ok: false, reason: this.opts.staleTopology, numa: 'stale_topology' };
    return null;
  }

  /** Whether one pod of `need` fits on `node` (and in which zone under single-numa). */
  fits(node: string, need: ResourceList, numa: NumaRequirement | null): FitResult {
    return this.fitsDemand(node, demand(need, numa));
  }

  fitsDemand(node: string, d: Demand): FitResult {
    const n = this.index.node(node);
    const short = this.shortfallOf(node, n, d);
    if (short === NOT_CACHED) return { ok: false, reason: 'node not in the extender cache' };
    if (short !== null) return { ok: false, reason: `insufficient ${short}` };
    if (d.zoneKeys.length === 0 && (!d.numa || d.numa.aligned.containers === 0)) return FITS;
    const need = this.zoneNeedOf(n, d);
    if (!need) return FITS;
    if (need.never) return { ok: false, reason: `${node}: ${need.never}`, numa: 'no_zone_fits' };
    const problem = this.zoneProblem(n);
    if (problem) return problem;
    const zone = this.chooseOn(node, n as NodeFacts, need);
    if (zone) return { ok: true, zone };
    // best-effort: the kubelet admits it unaligned; the zones it ends up in are charged as unknown.
    if (need.optional) return FITS;
    return { ok: false, reason: this.noZoneText(node, n as NodeFacts, need), numa: 'no_zone_fits' };
  }

  /** Whether `d` fits in exactly `zone` (one zone, or several joined by commas) of `node`. */
  fitsZone(node: string, zone: string, d: Demand): boolean {
    const n = this.index.node(node);
    const need = this.zoneNeedOf(n, d);
    if (!n || !need || need.never) return false;
    const parts = zoneParts(zone);
    const idx = parts.map((p) => n.zones.findIndex((z) => z.name === p));
    if (idx.some((i) => i < 0) || idx.length !== need.span) return false;
    const free = this.freeFn(node, n);
    for (let k = 0; k < need.keys.length; k++) {
      let sum = 0;
      for (const i of idx) sum += free(i, need.keys[k] as string);
      if (sum < (need.wants[k] as number)) return false;
    }
    return true;
  }

  /**
   * The zone the node's kubelet will give `d`, where it picks one: the lowest
   * that fits as the node is, without our reservations, which the kubelet
   * does not know (ADR 0004). Undefined where Gangplank's plan is the zone,
   * or nothing fits.
   */
  kubeletZone(node: string, d: Demand): string | undefined {
    const n = this.index.node(node);
    const need = this.zoneNeedOf(n, d);
    if (!n || !need || !need.kubeletPicks || need.never || this.zoneProblem(n)) return undefined;
    const set = chooseZones(need, n.zones.length, (i, r) => {
      const z = n.zones[i] as ZoneRoom;
      return this.zoneFreeOf(node, z, r) + (this.index.reservedInZone(node, z.name)[r] ?? 0);
    });
    return set?.map((i) => (n.zones[i] as ZoneRoom).name).join(',');
  }

  /** The zone(s) `need` takes on node `n`, joined by commas, or undefined. */
  private chooseOn(node: string, n: NodeFacts, need: ZoneNeed): string | undefined {
    if (!need.kubeletPicks && need.span === 1) return this.bestZoneOf(node, n, need);
    const set = chooseZones(need, n.zones.length, this.freeFn(node, n));
    return set?.map((i) => (n.zones[i] as ZoneRoom).name).join(',');
  }

  private freeFn(node: string, n: NodeFacts): ZoneFree {
    return (i, r) => this.zoneFreeOf(node, n.zones[i] as ZoneRoom, r);
  }

  /** "no single NUMA zone holds {nvidia.com/gpu 4} (…; most free in one zone: {nvidia.com/gpu 2})", zeros shown. */
  private noZoneText(node: string, n: NodeFacts, need: ZoneNeed): string {
    const most = mostFree(need, n.zones.length, this.freeFn(node, n));
    const text = (v: (r: string, i: number) => number): string => `{${need.keys.map((r, i) => `${r} ${formatQuantity(r, Math.max(0, v(r, i)))}`).join(', ')}}`;
    const what = need.span > 1 ? `no ${need.span} NUMA zones together hold` : 'no single NUMA zone holds';
    return `${what} ${text((_, i) => need.wants[i] as number)} (${need.by}; most free in one zone: ${text((r) => most[r] ?? 0)})`;
  }

  /** The fitting zone with the least waste (ties: NUMA id order), as numa/fit.ts chooseZones decides. */
  private bestZoneOf(node: string, n: NodeFacts, need: ZoneNeed): string | undefined {
    let best: string | undefined;
    let bestWaste = Infinity;
    for (const z of n.zones) {
      if (!this.zoneFitsOf(node, z, need)) continue;
      const w = this.zoneWasteOf(node, z, need);
      if (w < bestWaste) {
        best = z.name;
        bestWaste = w;
      }
    }
    return best;
  }

  private zoneFitsOf(node: string, z: ZoneRoom, need: ZoneNeed): boolean {
    const { keys, wants } = need;
    for (let i = 0; i < keys.length; i++) if (this.zoneFreeOf(node, z, keys[i] as string) < (wants[i] as number)) return false;
    return true;
  }

  /** numa/fit.ts zoneWaste over this room: mean of free-after / free-before over the zone resources. */
  private zoneWasteOf(node: string, z: ZoneRoom, need: ZoneNeed): number {
    const { keys, wants } = need;
    let sum = 0;
    for (let i = 0; i < keys.length; i++) {
      const f = this.zoneFreeOf(node, z, keys[i] as string);
      const want = wants[i] as number;
      sum += f > 0 ? (f - want) / f : 1;
    }
    return keys.length === 0 ? 0 : sum / keys.length;
  }

  /**
   * Waste left in `zone` of `node` after a pod of `d` (0 perfect, 1
   * emptiest; the mean over the zones of a multi-zone placement); 0 when
   * the pod needs no zone there, 1 for an unknown zone.
   */
  zoneWasteDemand(node: string, zone: string, d: Demand): number {
    const n = this.index.node(node);
    const need = this.zoneNeedOf(n, d);
    if (!need || need.keys.length === 0) return 0;
    const parts = zoneParts(zone);
    let sum = 0;
    for (const p of parts) {
      const i = n ? n.zones.findIndex((z) => z.name === p) : -1;
      sum += i < 0 ? 1 : zoneWaste(need, i, this.freeFn(node, n as NodeFacts));
    }
    return sum / parts.length;
  }

  /** How many pods of `need` fit on `node`, at most `cap` (each whole in one zone under single-numa). */
  count(node: string, need: ResourceList, numa: NumaRequirement | null, cap: number): number {
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
    if (k <= 0) return Math.max(0, k);
    if (d.zoneKeys.length === 0 && (!d.numa || d.numa.aligned.containers === 0)) return k;
    const need = this.zoneNeedOf(n, d);
    if (!need) return k;
    if (need.never) return 0;
    if (this.zoneProblem(n)) return 0;
    const zones = (n as NodeFacts).zones;
    const minusParts = minus && minusZone ? zoneParts(minusZone) : [];
    const freeOf = (z: ZoneRoom, r: string): number => this.zoneFreeOf(node, z, r) - (minusParts.includes(z.name) ? ((minus as ResourceList)[r] ?? 0) : 0);
    if (need.span > 1) return Math.min(k, this.countSpanning(need, zones, freeOf, k));
    let inZones = 0;
    for (const z of zones) {
      let zc = Infinity;
      for (let i = 0; i < need.keys.length; i++) {
        zc = Math.min(zc, Math.floor(Math.max(0, freeOf(z, need.keys[i] as string)) / (need.wants[i] as number)));
      }
      inZones += zc;
    }
    // best-effort: pods beyond the aligned ones are admitted unaligned.
    return need.optional ? k : Math.min(k, inZones);
  }

  /** Pods spanning several zones each (restricted policy), placed one by one as take() charges them. */
  private countSpanning(need: ZoneNeed, zones: readonly ZoneRoom[], freeOf: (z: ZoneRoom, r: string) => number, cap: number): number {
    const free = zones.map((z) => need.keys.map((r) => freeOf(z, r)));
    let placed = 0;
    while (placed < cap) {
      const set = chooseZones(need, zones.length, (i, r) => (free[i] as number[])[need.keys.indexOf(r)] as number);
      if (!set) break;
      for (const i of set) need.wants.forEach((w, k) => ((free[i] as number[])[k] = ((free[i] as number[])[k] as number) - w));
      placed++;
    }
    return placed;
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
    // A placement spanning zones is charged its whole request in each (ADR 0004: never less than it takes).
    if (zone) for (const part of zoneParts(zone)) add(this.zoneOverlay, zk(node, part), need, sign);
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
