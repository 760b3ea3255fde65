// The chart's alert rules and Grafana dashboard may only query metrics that
// Gangplank really exports: a renamed metric must break this test, not an
// alert that silently never fires. (promtool checks the rules' syntax in
// test/e2e/prometheus.test.ts.)
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createMetrics } from '../../../src/metrics/index.js';

const RULES = new URL('../../../charts/gangplank/files/prometheus-rules.yaml', import.meta.url);
const DASHBOARD = new URL('../../../charts/gangplank/files/dashboard.json', import.meta.url);

/** Every series name the registry serves (histograms add _bucket, _sum and _count). */
async function exportedNames(): Promise<Set<string>> {
  const names = new Set<string>();
  for (const m of await createMetrics().registry.getMetricsAsJSON()) {
    if (String(m.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m.name + s);
    else names.add(m.name);
  }
  return names;
}

// PromQL words that look like identifiers but are not metric names.
const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan']);

/**
 * The metric names an expression selects: identifiers left after removing
 * strings, label matchers, range/subquery brackets, grouping clauses,
 * function calls, Grafana variables, numbers and durations.
 */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ')
    // Numbers and durations (0.99, 5m, 1e3) start with a digit; names cannot.
    .replace(/\b\d[\w.]*/g, ' ');
  const out: string[] = [];
  for (const m of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*(\s*\()?/g)) {
    const word = m[0].replace(/\s*\($/, '');
    if (m[1] !== undefined || KEYWORDS.has(word)) continue; // a function call or a keyword
    out.push(word);
  }
  return out;
}

interface Panel {
  title?: string;
  targets?: { expr?: string }[];
  panels?: Panel[];
}

function dashboardExprs(): { where: string; expr: string }[] {
  const dash = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Panel[]; templating?: { list: { name: string; query?: unknown; definition?: string }[] } };
  const out: { where: string; expr: string }[] = [];
  const walk = (panels: Panel[]): void => {
    for (const p of panels) {
      for (const t of p.targets ?? []) if (t.expr) out.push({ where: `panel "${p.title}"`, expr: t.expr });
      walk(p.panels ?? []);
    }
  };
  walk(dash.panels);
  for (const v of dash.templating?.list ?? []) {
    const q = typeof v.query === 'object' && v.query !== null ? (v.query as { query?: string }).query : undefined;
    // label_values(metric, label): the metric must exist too.
    const m = /^label_values\(\s*([a-zA-Z_:][\w:]*)/.exec(q ?? v.definition ?? '');
    if (m) out.push({ where: `variable $${v.name}`, expr: m[1] as string });
  }
  return out;
}

function ruleExprs(): { where: string; expr: string; rule: Record<string, unknown> }[] {
  const doc = parse(readFileSync(RULES, 'utf8')) as { groups: { name: string; rules: Record<string, unknown>[] }[] };
  return doc.groups.flatMap((g) => g.rules.map((r) => ({ where: `${g.name}/${String(r.alert ?? r.record)}`, expr: String(r.expr), rule: r })));
}

describe('metricNames (the extractor the checks rely on)', () => {
  it.each([
    { expr: 'max without (instance, pod) (increase(gangplank_a_total[15m])) > 0', names: ['gangplank_a_total'] },
    { expr: 'histogram_quantile(0.99, sum by (verb, le) (rate(gangplank_b_bucket{job=~"$job", x="a{b}"}[$__rate_interval])))', names: ['gangplank_b_bucket'] },
    { expr: 'gangplank_c == 0 and on (job) gangplank_d offset 5m', names: ['gangplank_c', 'gangplank_d'] },
    { expr: 'sum(rate(x[5m])) / ignoring(kind) group_left sum(y)', names: ['x', 'y'] },
  ])('$expr', ({ expr, names }) => {
    expect(metricNames(expr)).toEqual(names);
  });
});

describe('alerts and dashboard query only exported metrics', () => {
  it('the rules file: every alert selects exported metrics and has severity, summary and description', async () => {
    const known = await exportedNames();
    const rules = ruleExprs();
    expect(rules.length).toBeGreaterThanOrEqual(5);
    for (const { where, expr, rule } of rules) {
      const names = metricNames(expr);
      expect(names.length, `${where}: no metric found in ${expr}`).toBeGreaterThan(0);
      for (const n of names) expect(known.has(n), `${where}: ${n} is not exported by Gangplank`).toBe(true);
      expect((rule.labels as Record<string, string> | undefined)?.severity, where).toMatch(/^(critical|warning|info)$/);
      const ann = rule.annotations as Record<string, string> | undefined;
      expect(ann?.summary, where).toBeTruthy();
      expect(ann?.description, where).toBeTruthy();
    }
  });

  it('the rules cover what issue 7 asks to alert on', () => {
    const all = ruleExprs()
      .map((r) => r.expr)
      .join('\n');
    for (const n of ['gangplank_gangs_partly_placed_total', 'gangplank_gangs_waiting_past_timeout', 'gangplank_extender_request_duration_seconds_bucket', 'gangplank_admission_errors_total', 'gangplank_cache_synced']) {
      expect(all).toContain(n);
    }
    expect(all).toMatch(/gangplank_admissions_total\{outcome="error"\}/);
  });

  it('the dashboard: valid JSON, a ${datasource} variable, and every query on exported metrics', async () => {
    const known = await exportedNames();
    const dash = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { templating: { list: { name: string; type: string }[] }; panels: (Panel & { datasource?: { uid?: string } })[] };
    expect(dash.templating.list.find((v) => v.name === 'datasource')?.type).toBe('datasource');
    for (const p of dash.panels.filter((x) => x.targets)) expect(p.datasource?.uid, `panel "${p.title}"`).toBe('${datasource}');
    const exprs = dashboardExprs();
    expect(exprs.length).toBeGreaterThanOrEqual(10);
    const used = new Set<string>();
    for (const { where, expr } of exprs) {
      const names = metricNames(expr);
      expect(names.length, `${where}: no metric found in ${expr}`).toBeGreaterThan(0);
      for (const n of names) {
        expect(known.has(n), `${where}: ${n} is not exported by Gangplank`).toBe(true);
        used.add(n);
      }
    }
    // What the issue asks the dashboard to show.
    for (const n of ['gangplank_gangs', 'gangplank_filter_outcomes_total', 'gangplank_reservations_held_cpu_cores', 'gangplank_gang_time_to_bound_seconds_bucket', 'gangplank_extender_request_duration_seconds_bucket', 'gangplank_admission_duration_seconds_bucket']) {
      expect(used.has(n), n).toBe(true);
    }
  });
});
