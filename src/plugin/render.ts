// Output of `kubectl gangplank`: a table by default, -o wide, json or yaml. Pure.
import { stringify } from 'yaml';
import type { GangsReport } from '../gang/report.js';
import type { Output } from './args.js';
import type { Explanation } from './explain.js';
import type { WhatIf } from './whatif.js';

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('   ').trimEnd()).join('\n');
}

export function age(s: number): string {
  const a = Math.abs(s);
  const sign = s < 0 ? '-' : '';
  if (a < 120) return `${sign}${a}s`;
  if (a < 7200) return `${sign}${Math.floor(a / 60)}m`;
  return `${sign}${Math.floor(a / 3600)}h`;
}

const cut = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

function structured(value: unknown, output: Output): string | undefined {
  if (output === 'json') return JSON.stringify(value, null, 2);
  if (output === 'yaml') return stringify(value).trimEnd();
  return undefined;
}

export function renderStatus(r: GangsReport, output: Output): string {
  const s = structured(r, output);
  if (s !== undefined) return s;
  if (r.gangs.length === 0) return 'No gangs found.';
  const wide = output === 'wide';
  const head = ['NAMESPACE', 'GANG', 'KIND', 'STATE', 'BOUND', 'PODS', 'RESERVED', 'AGE', 'TIMEOUT', ...(wide ? ['RESERVATIONS'] : []), 'WHY'];
  const rows = r.gangs.map((g) => {
    const slots = g.reservations.reduce((n, x) => n + x.slots, 0);
    const nodes = new Set(g.reservations.map((x) => x.node)).size;
    const where = g.reservations.map((x) => `${x.node}${x.zone ? `/${x.zone}` : ''}:${x.slots}`).join(',');
    return [
      g.namespace,
      g.name,
      g.kind ?? '-',
      g.state,
      g.members.expected > 0 ? `${g.members.bound}/${g.members.expected}` : '-',
      String(g.members.exist),
      slots > 0 ? `${slots} on ${nodes} node${nodes === 1 ? '' : 's'}` : '-',
      age(g.ageSeconds),
      g.expiresInSeconds !== undefined ? `${age(g.timeoutSeconds)} (${age(g.expiresInSeconds)} left)` : age(g.timeoutSeconds),
      ...(wide ? [where || '-'] : []),
      wide ? (g.why ?? '') : cut(g.why ?? '', 90),
    ];
  });
  return table([head, ...rows]);
}

function planLines(plan: Explanation['plan']): string[] {
  if (!plan || plan.length === 0) return [];
  const lines = ['Plan:'];
  for (const m of plan) {
    lines.push(`  ${m.role.padEnd(8)} ${`${m.node}${m.zone ? `/${m.zone}` : ''}`.padEnd(24)} ${m.bound ? 'bound' : 'reserved'}${m.pod ? ` (${m.pod})` : ''}  ${Object.entries(m.resources).filter(([k]) => k !== 'pods').map(([k, v]) => `${k}=${v}`).join(',')}`);
  }
  return lines;
}

function explanationLines(e: Explanation, output: Output): string[] {
  const lines = [`Pod:      ${e.namespace}/${e.pod}${e.gang ? `  (gang ${e.gang.key}, ${e.gang.role})` : ''}`];
  lines.push(`Needs:    ${Object.entries(e.needs).filter(([k]) => k !== 'pods').map(([k, v]) => `${k} ${v}`).join(', ')}`);
  lines.push(`Verdict:  ${e.verdict}${e.bound ? ` (bound to ${e.bound})` : ''}`);
  lines.push(`Message:  ${e.message}`);
  if (e.groups.length > 0) {
    lines.push(`Nodes:    ${e.summary}`);
    const rows = e.groups.map((g) => [`  ${g.reason}${g.inTree ? ' (scheduler)' : ''}`, String(g.nodes.length), output === 'wide' ? g.nodes.join(', ') : cut(g.nodes.join(', '), 60)]);
    lines.push(table([['  REASON', 'NODES', 'NAMES'], ...rows]));
  }
  lines.push(...planLines(e.plan));
  return lines;
}

export function renderExplain(e: Explanation, output: Output): string {
  return structured(e, output) ?? explanationLines(e, output).join('\n');
}

export function renderWhatIf(w: WhatIf, output: Output): string {
  const s = structured(w, output);
  if (s !== undefined) return s;
  const lines = [w.fits ? 'Fits: every pod would be placed now.' : 'Does not fit now.'];
  for (const a of w.admission) lines.push(`Admission: ${a}`);
  for (const e of w.pods) lines.push('', ...explanationLines({ ...e, plan: undefined }, output));
  for (const [key, plan] of Object.entries(w.plans)) lines.push('', `Gang ${key}`, ...planLines(plan));
  return lines.join('\n');
}
