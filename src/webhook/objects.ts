// Small helpers over plain JSON values, shared by the merge and constraint code.

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function clone<T>(v: T): T {
  return structuredClone(v);
}

/** JSON with object keys sorted at every level: equal values give equal strings. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(sortKeys(v));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (isObj(v)) {
    const out: Obj = {};
    for (const k of Object.keys(v).sort()) if (v[k] !== undefined) out[k] = sortKeys(v[k]);
    return out;
  }
  return v;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/** Add what `src` has and `target` lacks, recursively into objects; `target` wins elsewhere. */
export function deepDefault(target: Obj, src: Obj): void {
  for (const [k, v] of Object.entries(src)) {
    if (v === undefined) continue;
    const t = target[k];
    if (t === undefined || t === null) target[k] = clone(v);
    else if (isObj(t) && isObj(v)) deepDefault(t, v);
  }
}

/** Set what `src` has, recursively into objects; arrays and scalars are replaced. */
export function deepOverride(target: Obj, src: Obj): void {
  for (const [k, v] of Object.entries(src)) {
    if (v === undefined) continue;
    const t = target[k];
    if (isObj(t) && isObj(v)) deepOverride(t, v);
    else target[k] = clone(v);
  }
}

/** Union of two lists without duplicates (by canonical JSON), `base` order first. */
export function unionList<T>(base: readonly T[], extra: readonly T[]): T[] {
  const seen = new Set(base.map(canonicalJson));
  const out = [...base];
  for (const e of extra) {
    const key = canonicalJson(e);
    if (!seen.has(key)) {
      seen.add(key);
      out.push(clone(e));
    }
  }
  return out;
}
