// Free room as the planner sees it: per node, allocatable − used (bound and
// assumed pods, from the CapacityIndex) − reservations (Ledger) − what this
// planning pass has placed so far (an overlay), + an optional credit (the
// slot an executor is about to consume). Per NUMA zone the same, starting
// from NRT `available` (which already counts running pods) or from the
// annotation's capacity minus pods Gangplank placed in the zone.
import type { ResourceList } from '../k8s/resources.js';
import { bestZone, zoneCount, type ZoneFree } from '../numa/fit.js';
import type { NumaRequirement } from '../numa/policy.js';
import type { CapacityIndex } from './capacity.js';
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

/** shortfall() of a node the index does not know. */
const NOT_CACHED = '\u0000not cached';

const zk = (node: string, zone: string): string => `${node}\u0000${zone}`;

export class Room {
  private readonly overlay = new Map<string, ResourceList>();
  private readonly zoneOverlay = new Map<string, ResourceList>();

  constructor(
    private readonly index: CapacityIndex,
    private readonly ledger: Ledger,
    private readonly opts: RoomOptions = {},
  ) {}

  nodeFree(node: string, r: string): number {
    const n = this.index.node(node);
    if (!n) return 0;
    let v = (n.allocatable[r] ?? 0) - (n.used[r] ?? 0) - (this.ledger.reservedOn(node)[r] ?? 0) - (this.overlay.size > 0 ? (this.overlay.get(node)?.[r] ?? 0) : 0);
    const c = this.opts.credit;
    if (c && c.node === node) v += c.requests[r] ?? 0;
    return v;
  }

  zoneFree(node: string, zone: string, r: string): number {
    const n = this.index.node(node);
    if (!n || !n.topology.ok) return 0;
    const z = n.topology.topology.zones.find((x) => x.name === zone);
    if (!z) return 0;
    let v: number;
    if (n.topology.topology.source === 'nrt') {
      v = (z.available?.[r] ?? z.capacity[r] ?? 0) - (this.index.zoneAssumedUse(node, zone)[r] ?? 0);
    } else {
      v = (z.capacity[r] ?? 0) - (this.index.zoneBoundUse(node, zone)[r] ?? 0) - (this.index.zoneAssumedUse(node, zone)[r] ?? 0);
    }
    v -= (this.ledger.reservedInZone(node, zone)[r] ?? 0) + (this.zoneOverlay.get(zk(node, zone))?.[r] ?? 0);
    const c = this.opts.credit;
    if (c && c.node === node && c.zone === zone) v += c.requests[r] ?? 0;
    return v;
  }

  /** Node-level shortfall: the first resource that does not fit, or null. Reads each map once per node. */
  shortfall(node: string, need: ResourceList): string | null {
    const n = this.index.node(node);
    if (!n) return NOT_CACHED;
    const used = n.used;
    const reserved = this.ledger.reservedOn(node);
    const overlay = this.overlay.size > 0 ? this.overlay.get(node) : undefined;
    const c = this.opts.credit;
    const credit = c && c.node === node ? c.requests : undefined;
    for (const r in need) {
      const want = need[r] as number;
      if (want <= 0) continue;
      const free = (n.allocatable[r] ?? 0) - (used[r] ?? 0) - (reserved[r] ?? 0) - (overlay?.[r] ?? 0) + (credit?.[r] ?? 0);
      if (free < want) return r;
    }
    return null;
  }

  /**
   * Best-fit measure at node level in one pass: the mean over requested
   * resources (except pods) of used-after / allocatable, in [0, 1]; −1 when
   * the pod does not fit the node.
   */
  fitFraction(node: string, need: ResourceList): number {
    const n = this.index.node(node);
    if (!n) return -1;
    const reserved = this.ledger.reservedOn(node);
    const overlay = this.overlay.size > 0 ? this.overlay.get(node) : undefined;
    const c = this.opts.credit;
    const credit = c && c.node === node ? c.requests : undefined;
    let sum = 0;
    let k = 0;
    for (const r in need) {
      const want = need[r] as number;
      if (want <= 0) continue;
      const cap = n.allocatable[r] ?? 0;
      const free = cap - (n.used[r] ?? 0) - (reserved[r] ?? 0) - (overlay?.[r] ?? 0) + (credit?.[r] ?? 0);
      if (free < want) return -1;
      if (r === 'pods' || cap <= 0) continue;
      sum += 1 - (free - want) / cap;
      k++;
    }
    return k === 0 ? 0 : sum / k;
  }

  private zonesOf(node: string): { zones: string[]; free: ZoneFree } | FitResult {
    const n = this.index.node(node);
    if (!n) return { ok: false, reason: 'node not in cache' };
    if (!n.topology.ok) return { ok: false, reason: n.topology.reason, numa: 'no_topology' };
    if (n.topology.topology.source === 'nrt' && this.opts.staleTopology) return { ok: false, reason: this.opts.staleTopology, numa: 'stale_topology' };
    return { zones: n.topology.topology.zones.map((z) => z.name), free: (zone, r) => this.zoneFree(node, zone, r) };
  }

  /** Whether one pod of `need` fits on `node` (and in which zone under single-numa). */
  fits(node: string, need: ResourceList, numa: NumaRequirement): FitResult {
    const short = this.shortfall(node, need);
    if (short === NOT_CACHED) return { ok: false, reason: 'node not in the extender cache' };
    if (short !== null) return { ok: false, reason: `insufficient ${short}` };
    if (!numa || !numa.some((r) => (need[r] ?? 0) > 0)) return { ok: true };
    const z = this.zonesOf(node);
    if ('ok' in z) return z;
    const zone = bestZone(need, numa, z.zones, z.free);
    return zone ? { ok: true, zone } : { ok: false, reason: `no single NUMA zone holds ${numa.filter((r) => (need[r] ?? 0) > 0).join(', ')}`, numa: 'no_zone_fits' };
  }

  /** How many pods of `need` fit on `node`, at most `cap` (each whole in one zone under single-numa). */
  count(node: string, need: ResourceList, numa: NumaRequirement, cap: number): number {
    let n = cap;
    for (const r in need) {
      const want = need[r] as number;
      if (want > 0) n = Math.min(n, Math.floor(Math.max(0, this.nodeFree(node, r)) / want));
    }
    if (n <= 0 || !numa || !numa.some((r) => (need[r] ?? 0) > 0)) return Math.max(0, n);
    const z = this.zonesOf(node);
    if ('ok' in z) return 0;
    let inZones = 0;
    for (const zone of z.zones) inZones += zoneCount(need, numa, zone, z.free);
    return Math.min(n, inZones);
  }

  /** Place `need` on `node` (and zone) for the rest of this planning pass. */
  take(node: string, zone: string | undefined, need: ResourceList, sign: 1 | -1 = 1): void {
    add(this.overlay, node, need, sign);
    if (zone) add(this.zoneOverlay, zk(node, zone), need, sign);
  }
}

function add(m: Map<string, ResourceList>, key: string, r: ResourceList, sign: 1 | -1): void {
  let cur = m.get(key);
  if (!cur) m.set(key, (cur = {}));
  for (const k in r) cur[k] = (cur[k] ?? 0) + sign * (r[k] as number);
}
