// One object for equal values that are never changed once made (pods'
// memberships and usages): 50,000 pods hold a few thousand distinct ones, and
// sharing them is a measured part of the extender's heap (bench/RESULTS.md,
// "Extender memory").
export class SharedValues<V> {
  private readonly table = new Map<string, V>();

  /** `limit`: when full the table starts afresh, which costs only sharing, never correctness. */
  constructor(private readonly limit = 20_000) {}

  /** The object already kept for a value equal to `v` (by JSON), else `v`, kept from now on. */
  intern(v: V): V {
    if (v === null || v === undefined) return v;
    const key = JSON.stringify(v);
    const hit = this.table.get(key);
    if (hit !== undefined) return hit;
    if (this.table.size >= this.limit) this.table.clear();
    this.table.set(key, v);
    return v;
  }

  get size(): number {
    return this.table.size;
  }
}
