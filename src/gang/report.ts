// Every gang the extender knows, as /debug/gangs serves it and `kubectl
// gangplank status` prints it (issue 11). Pure: built from the ledger, the
// capacity index's gang membership and the gangs the filter turned away
// (ExtenderState.unplacedGangs), with the clock value passed in. It holds
// names, nodes and numbers only: no pod specs, no annotations, no secrets.
import type { GangKind } from '../contract/gang-record.js';
import { formatUnits } from '../contract/resource-layers.js';
import type { ResourceList } from '../k8s/resources.js';
import type { PodFacts } from './capacity.js';
import type { Gang } from './ledger.js';
import { perNodeText, plural } from './messages.js';

/** A gang the filter turned away that holds nothing (Wait or DoesNotFit). */
export interface UnplacedGang {
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
  readonly state: 'waiting' | 'does_not_fit';
  /** The pod last filtered. */
  readonly pod: string;
  /** Creation of the oldest member seen: the start of the wait. */
  readonly since: number;
  readonly timeoutMs: number;
  /** The verdict's message: why it waits. */
  readonly message: string;
}

export type GangViewState = 'planned' | 'reserved' | 'filled' | 'waiting' | 'does_not_fit';

export interface ReservationView {
  readonly node: string;
  readonly zone?: string;
  /** Unconsumed slots held here. */
  readonly slots: number;
  /** Their requests summed, as quantities (`pods` included). */
  readonly resources: Readonly<Record<string, string>>;
}

export interface GangView {
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
  readonly kind?: GangKind;
  readonly state: GangViewState;
  /** The anchor pod (the driver, or the oldest member), or the pod last filtered. */
  readonly pod: string;
  readonly members: {
    /** Members the plan holds room for (driver + N, or the quorum); 0 while not planned. */
    readonly expected: number;
    /** Planned members bound. */
    readonly bound: number;
    /** Member pods that exist and have not finished. */
    readonly exist: number;
  };
  readonly reservations: readonly ReservationView[];
  readonly ageSeconds: number;
  readonly timeoutSeconds: number;
  /** Seconds until unfilled reservations are released (reserved gangs); negative: overdue. */
  readonly expiresInSeconds?: number;
  /** Why it is not complete yet; absent for filled gangs. */
  readonly why?: string;
}

export interface GangsReport {
  readonly generatedAt: string;
  readonly gangs: readonly GangView[];
}

export interface ReportSource {
  readonly gangs: () => Iterable<Gang>;
  readonly members: (key: string) => readonly Pick<PodFacts, 'terminal'>[];
  readonly unplaced?: Iterable<UnplacedGang>;
  readonly now: number;
}

const seconds = (ms: number): number => Math.round(ms / 1000);

function addInto(target: ResourceList, r: ResourceList): void {
  for (const k in r) target[k] = (target[k] ?? 0) + (r[k] as number);
}

/** Unconsumed slots grouped by node and zone, nodes in name order. */
export function reservationsOf(g: Gang): ReservationView[] {
  const byKey = new Map<string, { node: string; zone?: string; slots: number; r: ResourceList }>();
  for (const s of g.slots) {
    if (s.consumedBy) continue;
    const key = `${s.node}\u0000${s.zone ?? ''}`;
    let e = byKey.get(key);
    if (!e) byKey.set(key, (e = { node: s.node, ...(s.zone ? { zone: s.zone } : {}), slots: 0, r: {} }));
    e.slots++;
    addInto(e.r, s.requests);
  }
  return [...byKey.values()]
    .sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : (a.zone ?? '') < (b.zone ?? '') ? -1 : 1))
    .map(({ r, ...rest }) => ({ ...rest, resources: formatUnits(r) }));
}

function whyOf(g: Gang, open: readonly ReservationView[]): string | undefined {
  if (g.state === 'filled') return undefined;
  const bound = g.slots.filter((s) => s.consumedBy).length;
  const perNode = new Map<string, number>();
  for (const r of open) perNode.set(r.node, (perNode.get(r.node) ?? 0) + r.slots);
  const held = open.reduce((n, r) => n + r.slots, 0);
  if (g.state === 'planned') return `planned: waiting for the first of ${plural(g.slots.length, 'member')} to bind (${perNodeText(perNode)})`;
  const who = g.kind === 'driver-led' ? 'executor' : 'member';
  return `${bound} of ${g.slots.length} bound; ${plural(held, 'slot')} held for ${held === 1 ? `a ${who}` : `${who}s`} not bound yet (${perNodeText(perNode)})`;
}

/** The report, oldest gang first. */
export function gangsReport(src: ReportSource): GangsReport {
  const out: GangView[] = [];
  const known = new Set<string>();
  for (const g of src.gangs()) {
    known.add(g.id.key);
    const reservations = reservationsOf(g);
    const why = whyOf(g, reservations);
    out.push({
      key: g.id.key,
      namespace: g.id.namespace,
      name: g.id.name,
      kind: g.kind,
      state: g.state,
      pod: g.anchor.name,
      members: { expected: g.slots.length, bound: g.slots.filter((s) => s.consumedBy).length, exist: src.members(g.id.key).filter((m) => !m.terminal).length },
      reservations,
      ageSeconds: seconds(src.now - g.createdAt),
      timeoutSeconds: seconds(g.timeoutMs),
      ...(g.state === 'reserved' ? { expiresInSeconds: seconds(g.plannedAt + g.timeoutMs - src.now) } : {}),
      ...(why ? { why } : {}),
    });
  }
  for (const u of src.unplaced ?? []) {
    if (known.has(u.key)) continue;
    out.push({
      key: u.key,
      namespace: u.namespace,
      name: u.name,
      state: u.state,
      pod: u.pod,
      members: { expected: 0, bound: 0, exist: src.members(u.key).filter((m) => !m.terminal).length },
      reservations: [],
      ageSeconds: seconds(src.now - u.since),
      timeoutSeconds: seconds(u.timeoutMs),
      why: u.message,
    });
  }
  out.sort((a, b) => b.ageSeconds - a.ageSeconds || (a.key < b.key ? -1 : 1));
  return { generatedAt: new Date(src.now).toISOString(), gangs: out };
}
