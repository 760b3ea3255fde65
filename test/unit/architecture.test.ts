// The layout shows the architecture (issue 8): the import graph of src/ has no
// cycles, the pure layers import nothing above them, and the modules that
// decide never load express or the Kubernetes client (types are fine: they
// vanish at compile time).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

interface Import {
  readonly target: string;
  readonly typeOnly: boolean;
}

/** Each file's imports: relative ones resolved to src paths, packages by name. */
function imports(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const out: Import[] = [];
  for (const m of text.matchAll(/^import\s+(type\s+)?[^;]*?from\s+'([^']+)';/gms)) {
    const spec = m[2] as string;
    // `import { type A, type B } from` is type-only too.
    const braces = /\{([^}]*)\}/.exec(m[0])?.[1];
    const allTypes = braces !== undefined && !/^import\s+\w/.test(m[0].replace(/^import\s+type/, '')) && braces.split(',').every((n) => n.trim() === '' || n.trim().startsWith('type '));
    const typeOnly = Boolean(m[1]) || allTypes;
    const target = spec.startsWith('.') ? relative(SRC, resolve(dirname(file), spec.replace(/\.js$/, '.ts'))) : spec;
    out.push({ target, typeOnly });
  }
  return out;
}

const graph = new Map(files(SRC).map((f) => [relative(SRC, f), imports(f)]));
const layer = (path: string): string => path.split('/')[0] as string;

describe('the architecture of src/', () => {
  it('has no import cycles (types included)', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (node: string, stack: string[]): void => {
      if (state.get(node) === 'done') return;
      if (state.get(node) === 'visiting') {
        cycles.push([...stack.slice(stack.indexOf(node)), node].join(' → '));
        return;
      }
      state.set(node, 'visiting');
      for (const i of graph.get(node) ?? []) if (graph.has(i.target)) visit(i.target, [...stack, node]);
      state.set(node, 'done');
    };
    for (const node of graph.keys()) visit(node, []);
    expect(cycles).toEqual([]);
  });

  // Who may import whom, by top-level folder: a layer imports only those below it.
  const allowed: Record<string, readonly string[]> = {
    k8s: ['k8s'],
    contract: ['contract', 'k8s'],
    numa: ['numa', 'contract', 'k8s'],
    gang: ['gang', 'numa', 'contract', 'k8s'],
  };

  it.each(Object.keys(allowed))('%s/ imports only the layers beneath it', (from) => {
    const bad = [...graph]
      .filter(([path]) => layer(path) === from)
      .flatMap(([path, list]) => list.filter((i) => graph.has(i.target) && !(allowed[from] as readonly string[]).includes(layer(i.target))).map((i) => `${path} → ${i.target}`));
    expect(bad).toEqual([]);
  });

  it.each(['contract', 'numa', 'gang'])('%s/ never loads express or the Kubernetes client', (from) => {
    const bad = [...graph]
      .filter(([path]) => layer(path) === from)
      .flatMap(([path, list]) => list.filter((i) => !i.typeOnly && /^(express|@kubernetes\/client-node)$/.test(i.target)).map((i) => `${path} → ${i.target}`));
    expect(bad).toEqual([]);
  });

  it('finds the imports it checks (the graph is not empty)', () => {
    expect(graph.size).toBeGreaterThan(50);
    expect([...graph.values()].flat().filter((i) => graph.has(i.target)).length).toBeGreaterThan(100);
  });
});
