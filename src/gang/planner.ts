// Gang planning, node by node and zone by zone: aggregate free capacity is
// not placement (DESIGN.md). Each plan puts every member on a concrete node
// (and NUMA zone where the member asks for single-numa) against a Room, so a
// committed plan can always be bound as planned.
//
// Driver-led: the driver must land on one of the filter's candidate nodes
// and N executors (who do not exist yet) on nodes their constraints allow.
// For each candidate driver node d we count how many executors fit on every
// eligible node with the driver placed on d; we pick the d that keeps the
// most executors on the driver's node (gang kept close), then fill nodes
// that hold the most executors first (fewest nodes used).
// Co-created: the filtered member goes first onto a candidate node, the rest
// grouped by identical shape and constraints onto the fullest-fitting nodes.
import type { ResourceList } from '../k8s/resources.js';
import type { NumaRequirement } from '../numa/policy.js';
import type { CapacityIndex } from './capacity.js';
import type { PlacementConstraints } from './constraints.js';
import { constraintsKey } from './constraints.js';
import type { GangId, Role } from './identity.js';
import { perNodeText, plural, sameShape, shapeText } from './messages.js';
import type { FitResult, Room } from './room.js';

export interface MemberShape {
  /** Requests including `pods: 1`. */
  readonly requests: ResourceList;
  readonly numa: NumaRequirement;
}

export interface Placement {
  readonly id: string;
  readonly role: Role;
  readonly node: string;
  readonly zone?: string;
  readonly requests: ResourceList;
  readonly podUid?: string;
}

export interface Counts {
  /** Members the gang needs placed (driver + N, or min-available). */
  readonly need: number;
  /** Members that could be placed. */
  readonly fit: number;
  /** Where they fit (executors or members per node). */
  readonly perNode?: Readonly<Record<string, number>>;
}

export type PlanOutcome = { readonly ok: true; readonly placements: Placement[] } | { readonly ok: false; readonly counts: Counts; readonly message: string };

export interface DriverLedInput {
  readonly gang: GangId;
  readonly driverUid: string;
  readonly driver: MemberShape;
  /** Nodes the driver may take: the filter call's input. */
  readonly candidates: readonly string[];
  readonly executorCount: number;
  readonly executor: MemberShape & { readonly constraints: PlacementConstraints };
}

function summariseReasons(reasons: Map<string, number>): string {
  return [...reasons]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([r, n]) => `${r} on ${plural(n, 'node')}`)
    .join('; ');
}

function bump(m: Map<string, number>, k: string): void {
  m.set(k, (m.get(k) ?? 0) + 1);
}

export function planDriverLed(room: Room, index: CapacityIndex, input: DriverLedInput): PlanOutcome {
  const { gang, driver, executor } = input;
  const n = input.executorCount;
  const eligible = index.eligibleNodes(executor.constraints);
  const eligibleSet = new Set(eligible);
  const caps = new Map<string, number>();
  let sum = 0;
  for (const node of eligible) {
    const c = room.count(node, executor.requests, executor.numa, n);
    if (c > 0) caps.set(node, c);
    sum += c;
  }
  let best: { node: string; zone?: string; after: number; total: number } | undefined;
  let bestShort: { node: string; after: number; total: number } | undefined;
  const driverMisses = new Map<string, number>();
  for (const d of input.candidates) {
    const fit: FitResult = room.fits(d, driver.requests, driver.numa);
    if (!fit.ok) {
      bump(driverMisses, fit.reason);
      continue;
    }
    let after = 0;
    if (eligibleSet.has(d)) {
      room.take(d, fit.zone, driver.requests);
      after = room.count(d, executor.requests, executor.numa, n);
      room.take(d, fit.zone, driver.requests, -1);
    }
    const total = Math.min(n, sum - (caps.get(d) ?? 0) + after);
    const better = (b: { node: string; after: number; total: number } | undefined): boolean =>
      !b || total > b.total || (total === b.total && (after > b.after || (after === b.after && d < b.node)));
    if (total >= n) {
      if (!best || after > best.after || (after === best.after && d < best.node)) best = { node: d, zone: fit.zone, after, total };
    } else if (better(bestShort)) {
      bestShort = { node: d, after, total };
    }
  }
  const needText =
    n === 0
      ? `driver needs ${shapeText(driver.requests)}`
      : sameShape(driver.requests, executor.requests)
        ? `driver + ${plural(n, 'executor')} need ${n + 1} × ${shapeText(driver.requests)}`
        : `driver ${shapeText(driver.requests)} + ${plural(n, 'executor')} × ${shapeText(executor.requests)}`;
  if (!best) {
    if (!bestShort) {
      const why = input.candidates.length === 0 ? 'no candidate nodes' : summariseReasons(driverMisses);
      return {
        ok: false,
        counts: { need: n + 1, fit: 0 },
        message: `gang ${gang.key}: ${needText}; the driver fits on none of ${plural(input.candidates.length, 'candidate node')} (${why})`,
      };
    }
    // Show where executors fit with the driver on its best node.
    const perNode = new Map(caps);
    perNode.set(bestShort.node, bestShort.after);
    const where = perNodeText(perNode);
    return {
      ok: false,
      counts: { need: n + 1, fit: bestShort.total + 1, perNode: Object.fromEntries(perNode) },
      message: `gang ${gang.key}: ${needText}; only ${plural(bestShort.total, 'executor')} fit${where ? ` (${where})` : ''}`,
    };
  }
  const placements: Placement[] = [{ id: 'driver', role: 'driver', node: best.node, zone: best.zone, requests: driver.requests, podUid: input.driverUid }];
  room.take(best.node, best.zone, driver.requests);
  const order = [best.node, ...[...caps.keys()].filter((x) => x !== best.node).sort((a, b) => (caps.get(b) as number) - (caps.get(a) as number) || (a < b ? -1 : 1))];
  let placed = 0;
  for (const node of order) {
    if (placed >= n) break;
    let k = room.count(node, executor.requests, executor.numa, n - placed);
    while (k-- > 0) {
      const f = room.fits(node, executor.requests, executor.numa);
      if (!f.ok) break;
      room.take(node, f.zone, executor.requests);
      placements.push({ id: `e${placed}`, role: 'executor', node, zone: f.zone, requests: executor.requests });
      placed++;
    }
  }
  if (placed < n) {
    // Counting and placing agree by construction; this guards the invariant.
    return { ok: false, counts: { need: n + 1, fit: placed + 1 }, message: `gang ${gang.key}: ${needText}; only ${plural(placed, 'executor')} could be placed` };
  }
  return { ok: true, placements };
}

export interface CoMember extends MemberShape {
  readonly uid: string;
  readonly name: string;
  readonly constraints: PlacementConstraints;
}

export interface CoCreatedInput {
  readonly gang: GangId;
  /** The pod being filtered: it must land on one of `candidates`. */
  readonly current: CoMember;
  readonly candidates: readonly string[];
  /** The other unbound members to place (not the current one). */
  readonly others: readonly CoMember[];
  /** Members already bound (they count as placed). */
  readonly boundCount: number;
  readonly minAvailable: number;
}

export function planCoCreated(room: Room, index: CapacityIndex, input: CoCreatedInput): PlanOutcome {
  const { gang, current } = input;
  const all = [current, ...input.others];
  const needCount = input.boundCount + all.length;
  const shapes = new Map<string, { shape: ResourceList; n: number }>();
  for (const m of all) {
    const k = JSON.stringify(Object.entries(m.requests).sort());
    const e = shapes.get(k);
    if (e) e.n++;
    else shapes.set(k, { shape: m.requests, n: 1 });
  }
  const needText = `${plural(needCount, 'member')} need ${[...shapes.values()].map((s) => `${s.n} × ${shapeText(s.shape)}`).join(' + ')}${input.boundCount > 0 ? ` (${input.boundCount} already bound)` : ''}`;
  const perNode = new Map<string, number>();
  const placements: Placement[] = [];
  // The filtered member first, on the candidate where the most of its kind fit.
  let first: { node: string; zone?: string; room: number } | undefined;
  const misses = new Map<string, number>();
  for (const c of input.candidates) {
    const f = room.fits(c, current.requests, current.numa);
    if (!f.ok) {
      bump(misses, f.reason);
      continue;
    }
    const r = room.count(c, current.requests, current.numa, all.length);
    if (!first || r > first.room || (r === first.room && c < first.node)) first = { node: c, zone: f.zone, room: r };
  }
  if (!first) {
    return {
      ok: false,
      counts: { need: needCount, fit: input.boundCount },
      message: `gang ${gang.key}: ${needText}; member ${current.name} fits on none of ${plural(input.candidates.length, 'candidate node')} (${summariseReasons(misses) || 'no candidate nodes'})`,
    };
  }
  room.take(first.node, first.zone, current.requests);
  placements.push({ id: `m-${current.uid}`, role: 'member', node: first.node, zone: first.zone, requests: current.requests, podUid: current.uid });
  perNode.set(first.node, 1);
  // The others grouped by shape and constraints, largest first.
  const groups = new Map<string, CoMember[]>();
  for (const m of input.others) {
    const k = JSON.stringify([Object.entries(m.requests).sort(), m.numa, constraintsKey(m.constraints)]);
    groups.set(k, [...(groups.get(k) ?? []), m]);
  }
  const size = (r: ResourceList): number => (r.cpu ?? 0) * 2 ** 20 + (r.memory ?? 0) / 1024;
  const ordered = [...groups.values()].sort((a, b) => size((b[0] as CoMember).requests) - size((a[0] as CoMember).requests));
  let unplaced = 0;
  for (const members of ordered) {
    const proto = members[0] as CoMember;
    const counts = index
      .eligibleNodes(proto.constraints)
      .map((node) => ({ node, c: room.count(node, proto.requests, proto.numa, members.length) }))
      .filter((x) => x.c > 0)
      .sort((a, b) => b.c - a.c || (a.node < b.node ? -1 : 1));
    let i = 0;
    for (const { node } of counts) {
      let k = room.count(node, proto.requests, proto.numa, members.length - i);
      while (k-- > 0 && i < members.length) {
        const f = room.fits(node, proto.requests, proto.numa);
        if (!f.ok) break;
        const m = members[i++] as CoMember;
        room.take(node, f.zone, m.requests);
        placements.push({ id: `m-${m.uid}`, role: 'member', node, zone: f.zone, requests: m.requests, podUid: m.uid });
        perNode.set(node, (perNode.get(node) ?? 0) + 1);
      }
      if (i >= members.length) break;
    }
    unplaced += members.length - i;
  }
  if (unplaced > 0) {
    const fit = needCount - unplaced;
    return {
      ok: false,
      counts: { need: needCount, fit, perNode: Object.fromEntries(perNode) },
      message: `gang ${gang.key}: ${needText}; only ${fit} fit (${[input.boundCount > 0 ? `bound: ${input.boundCount}` : '', perNodeText(perNode)].filter((s) => s).join(', ')})`,
    };
  }
  return { ok: true, placements };
}
