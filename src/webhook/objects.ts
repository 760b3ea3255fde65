// Small helpers over plain JSON values, shared by the merge and constraint code.

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * A deep copy of a JSON value (what pods, templates and reviews are). A plain
 * recursive copy: structuredClone handles cycles, Maps and typed arrays we
 * never have, and costs several times as much per pod (a quarter of a
 * review's time, bench/RESULTS.md). Dates (a client may decode timestamps)
 * are copied as Dates; undefined properties are dropped, as JSON would.
 */
export function clone<T>(v: T): T {
  return copy(v) as T;
}

function copy(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = copy(v[i]);
    return out;
  }
  if (v instanceof Date) return new Date(v.getTime());
  const out: Obj = {};
  for (const k in v) {
    if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
    const x = (v as Obj)[k];
    if (x === undefined) continue;
    // JSON.parse makes "__proto__" an own property; assigning it would set the prototype instead.
    if (k === '__proto__') Object.defineProperty(out, k, { value: copy(x), enumerable: true, writable: true, configurable: true });
    else out[k] = copy(x);
  }
  return out;
}

/** JSON with object keys sorted at every level: equal values give equal strings. */
export function canonicalJson(v: unknown): string {
  // Written out directly rather than stringifying a key-sorted copy: it runs for
  // every toleration and constraint set of every driver (bench/RESULTS.md).
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) {
    let out = '[';
    for (let i = 0; i < v.length; i++) out += (i > 0 ? ',' : '') + canonicalJson(v[i]);
    return `${out}]`;
  }
  if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return JSON.stringify(v);
  let out = '{';
  let first = true;
  for (const k of Object.keys(v).sort()) {
    const x = (v as Obj)[k];
    if (x === undefined || typeof x === 'function') continue;
    out += `${first ? '' : ','}${JSON.stringify(k)}:${canonicalJson(x)}`;
    first = false;
  }
  return `${out}}`;
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
