// GET /debug/gangs on the ops port: the extender's gangs as the pure report
// (src/gang/report.ts) builds them from the ledger, the index and the gangs
// the filter turned away. Read-only.
import { gangsReport, type GangsReport } from '../gang/report.js';
import type { ExtenderState } from './state.js';

export function debugGangs(state: Pick<ExtenderState, 'ledger' | 'index' | 'clock' | 'unplacedGangs'>): GangsReport {
  return gangsReport({
    gangs: () => state.ledger.gangs(),
    members: (key) => state.index.gangMembers(key),
    unplaced: state.unplacedGangs(),
    now: state.clock(),
  });
}
