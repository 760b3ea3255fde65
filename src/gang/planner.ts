// Gang planning, node by node and zone by zone: aggregate free capacity is
// not placement (docs/architecture.md, "Why it is shaped this way"). Each
// plan puts every member on a concrete node (and NUMA zone where the member
// asks for single-numa) against a Room, so a committed plan can always be
// bound as planned.
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
import { shapeNumaRequirement, type NumaRequirement } from '../numa/policy.js';
import type { CapacityIndex } from './capacity.js';
import type { PlacementConstraints } from './constraints.js';
import { constraintsKey } from './constraints.js';
import type { Role } from '../contract/gang-record.js';
import type { GangId } from './identity.js';
import { perNodeText, plural, sameShape, shapeText } from './messages.js';
import { demand, type FitResult, type Room } from './room.js';

export interface MemberShape {
  /** Requests including `pods: 1`. */
  readonly requests: ResourceList;
  readonly numa: NumaRequirement | null;
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
  // Executors do not exist yet: their annotation policy is the driver's, and
  // what a node's kubelet would align is judged from their shape alone.
  const exec = demand(executor.requests, shapeNumaRequirement(executor.numa?.listed ?? null, executor.requests));
  const drv = demand(driver.requests, driver.numa);
  const eligible = index.eligibleNodes(executor.constraints);
  const eligibleSet = index.eligibleSet(executor.constraints);
  // Executors that fit per eligible node (capped at n), and the nodes bucketed
  // by that count: eligible is sorted by name, so walking the buckets from n
  // down gives "most executors first, then name" without sorting.
  const caps = new Int32Array(eligible.length);
  const buckets: string[][] = [];
  let sum = 0;
  for (let i = 0; i < eligible.length && n > 0; i++) {
    const node = eligible[i] as string;
    const c = room.countDemand(node, exec, n);
    if (c <= 0) continue;
    caps[i] = c;
    (buckets[c] ??= []).push(node);
    sum += c;
    // Enough seen to decide exactly as the full scan would: with sum ≥ 2n every
    // driver node leaves room for all n executors (it takes at most n of the
    // sum), and two nodes that hold all n each (the first two by name) are
    // where placement stops, whichever one the driver takes.
    if (c === n && sum >= 2 * n && (buckets[n] as string[]).length >= 2) break;
  }
  let best: { node: string; zone?: string; after: number; total: number } | undefined;
  let bestShort: { node: string; after: number; total: number } | undefined;
  const driverMisses = new Map<string, number>();
  for (const d of input.candidates) {
    // No node keeps more than n executors beside the driver: a later name cannot win.
    if (best && best.after >= n && d > best.node) continue;
    const fit: FitResult = room.fitsDemand(d, drv);
    if (!fit.ok) {
      bump(driverMisses, fit.reason);
      continue;
    }
    let before = 0;
    let after = 0;
    if (eligibleSet.has(d)) {
      before = room.countDemand(d, exec, n);
      // Once a complete plan exists only a node keeping more executors beside
      // the driver can win, and `after` is at most `before`.
      if (best && (before < best.after || (before === best.after && d > best.node))) continue;
      after = room.countDemand(d, exec, n, driver.requests, fit.zone);
    }
    const total = Math.min(n, sum - before + after);
    if (total >= n) {
      if (!best || after > best.after || (after === best.after && d < best.node)) best = { node: d, zone: fit.zone, after, total };
    } else if (!best && (!bestShort || total > bestShort.total || (total === bestShort.total && (after > bestShort.after || (after === bestShort.after && d < bestShort.node))))) {
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
    const perNode = new Map<string, number>();
    for (let i = 0; i < eligible.length; i++) if ((caps[i] as number) > 0) perNode.set(eligible[i] as string, caps[i] as number);
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
  let placed = 0;
  const fill = (node: string): void => {
    let k = room.countDemand(node, exec, n - placed);
    while (k-- > 0) {
      const f = room.fitsDemand(node, exec);
      if (!f.ok) break;
      room.take(node, f.zone, executor.requests);
      placements.push({ id: `e${placed}`, role: 'executor', node, zone: f.zone, requests: executor.requests });
      placed++;
    }
  };
  // The driver's node first (when executors may go there), then the others
  // holding the most executors.
  if (n > 0 && eligibleSet.has(best.node)) fill(best.node);
  for (let c = buckets.length - 1; c > 0 && placed < n; c--) {
    for (const node of buckets[c] ?? []) {
      if (placed >= n) break;
      if (node !== best.node) fill(node);
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
