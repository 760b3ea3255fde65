// `kubectl gangplank status` without the extender: the gangs report
// (src/gang/report.ts) over a planning state built from the API, with the
// gangs that hold nothing yet decided by admit exactly as the extender would
// decide them at its next filter call (oldest first), so "why it waits"
// comes from the same planner.
import type { V1Pod } from '@kubernetes/client-node';
import type { ExtenderState } from '../extender/state.js';
import { admit, effectiveMembership, gangTimeoutMs } from '../gang/admit.js';
import { creationMs, isTerminal } from '../gang/identity.js';
import { gangsReport, type GangsReport, type GangView, type UnplacedGang } from '../gang/report.js';
import { schedulerCandidates } from './explain.js';

export interface StatusFilter {
  readonly namespace?: string;
  /** A gang name, its key (namespace/name), or the name of one of its pods. */
  readonly app?: string;
}


/** Decide every pending gang of the given schedulers' pods that holds nothing (oldest first) and build the report. */
export function statusOf(state: ExtenderState, schedulers: ReadonlySet<string>, filter: StatusFilter = {}): GangsReport {
  const anchors = new Map<string, V1Pod>();
  for (const p of state.pods.list()) {
    if (p.spec?.nodeName || isTerminal(p) || !schedulers.has(p.spec?.schedulerName ?? '')) continue;
    const m = effectiveMembership(state.context(), p);
    if (!m || m.role === 'executor' || state.ledger.get(m.gang.key)) continue;
    const prev = anchors.get(m.gang.key);
    // The driver, else the oldest member: the pod whose verdict speaks for the gang.
    if (!prev || m.role === 'driver' || (prev.metadata?.labels?.['spark-role'] !== 'driver' && creationMs(p) < creationMs(prev))) anchors.set(m.gang.key, p);
  }
  const unplaced: UnplacedGang[] = [];
  const order = [...anchors].sort((a, b) => creationMs(a[1]) - creationMs(b[1]));
  for (const [key, pod] of order) {
    const v = admit(state.context(), pod, schedulerCandidates(state, pod));
    if (v.kind === 'Ready' || v.kind === 'NotInGang') continue; // now planned in this copy: listed from the ledger
    unplaced.push({
      key,
      namespace: v.gang.namespace,
      name: v.gang.name,
      state: v.kind === 'Wait' ? 'waiting' : 'does_not_fit',
      pod: pod.metadata?.name ?? '',
      since: creationMs(pod),
      timeoutMs: gangTimeoutMs(state.config, pod),
      message: v.message,
    });
  }
  const report = gangsReport({ gangs: () => state.ledger.gangs(), members: (k) => state.index.gangMembers(k), unplaced, now: state.clock() });
  return filterReport(report, filter);
}

export function filterReport(report: GangsReport, filter: StatusFilter): GangsReport {
  const keep = (g: GangView): boolean =>
    (filter.namespace === undefined || g.namespace === filter.namespace) &&
    (filter.app === undefined || g.name === filter.app || g.key === filter.app || g.pod === filter.app || g.name === `spark-${filter.app}`);
  return { ...report, gangs: report.gangs.filter(keep) };
}
