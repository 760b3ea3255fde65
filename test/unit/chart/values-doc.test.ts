// Every value of the chart is in its README's values table, and every row of
// the table names a value that exists: the table is what users read.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

const chart = join(import.meta.dirname, '../../../charts/gangplank');
const values = parse(readFileSync(join(chart, 'values.yaml'), 'utf8')) as Record<string, unknown>;
const schema = JSON.parse(readFileSync(join(chart, 'values.schema.json'), 'utf8')) as { properties: Record<string, unknown> };

/** The value paths of the README table's first column; `a.b`, `.c` means a.b and a.c. */
function documented(): Set<string> {
  const readme = readFileSync(join(chart, 'README.md'), 'utf8');
  const table = readme.slice(readme.indexOf('| value | default | meaning |'));
  const out = new Set<string>();
  for (const line of table.split('\n').slice(2)) {
    if (!line.startsWith('|')) break;
    const names = [...(line.split('|')[1] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1] as string);
    let base = '';
    for (const n of names) {
      if (n.startsWith('.')) out.add(`${base}${n}`);
      else {
        out.add(n);
        base = n.slice(0, n.lastIndexOf('.'));
      }
    }
  }
  return out;
}

/** Paths of values.yaml, stopping at a documented path (its children are its content). */
function paths(obj: Record<string, unknown>, docs: Set<string>, prefix = ''): string[] {
  return Object.entries(obj).flatMap(([k, v]) => {
    const p = prefix ? `${prefix}.${k}` : k;
    if (docs.has(p) || typeof v !== 'object' || v === null || Array.isArray(v) || Object.keys(v).length === 0) return [p];
    return paths(v as Record<string, unknown>, docs, p);
  });
}

function exists(path: string): boolean {
  let cur: unknown = values;
  for (const k of path.split('.')) {
    if (typeof cur !== 'object' || cur === null || !(k in cur)) return false;
    cur = (cur as Record<string, unknown>)[k];
  }
  return true;
}

describe('the chart README values table', () => {
  const docs = documented();
  it('documents every value of values.yaml', () => {
    const missing = paths(values, docs).filter((p) => !docs.has(p));
    expect(missing).toEqual([]);
  });
  it('documents only values that exist', () => {
    expect([...docs].filter((p) => !exists(p))).toEqual([]);
  });
  it('has a schema entry for every top-level value', () => {
    expect(Object.keys(values).filter((k) => !(k in schema.properties))).toEqual([]);
  });
});
