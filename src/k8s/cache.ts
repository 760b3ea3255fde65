// Narrow read interfaces over informer caches (after
// kubernetes-client/javascript's ObjectCache<T>): pure code depends on these,
// never on the client, so tests hand it plain arrays.

export interface ObjectCache<T> {
  /** The object `name` (in `namespace` for namespaced kinds), if cached. */
  get(name: string, namespace?: string): T | undefined;
  /** All cached objects, or those of one namespace. */
  list(namespace?: string): readonly T[];
}

/** A cache that can say whether it has synced and how fresh it is. */
export interface SyncedCache<T> extends ObjectCache<T> {
  readonly resource: string;
  /** True once the initial list has been received. */
  synced(): boolean;
  /** Milliseconds since epoch when the cache was last known current: now while its watch is connected, else its last event. */
  lastHeardAt(): number;
}

interface Meta {
  metadata?: { name?: string; namespace?: string };
}

/** An ObjectCache over a fixed array, for tests, benchmarks and standalone mode. */
export class StaticCache<T extends Meta> implements SyncedCache<T> {
  private readonly byKey = new Map<string, T>();
  constructor(
    readonly resource: string,
    items: readonly T[] = [],
    private readonly heardAt: () => number = () => Date.now(),
  ) {
    for (const item of items) this.upsert(item);
  }
  private static key(name: string, namespace?: string): string {
    return namespace ? `${namespace}/${name}` : name;
  }
  upsert(item: T): void {
    this.byKey.set(StaticCache.key(item.metadata?.name ?? '', item.metadata?.namespace), item);
  }
  remove(name: string, namespace?: string): void {
    this.byKey.delete(StaticCache.key(name, namespace));
  }
  get(name: string, namespace?: string): T | undefined {
    return this.byKey.get(StaticCache.key(name, namespace));
  }
  list(namespace?: string): readonly T[] {
    const all = [...this.byKey.values()];
    return namespace === undefined ? all : all.filter((i) => i.metadata?.namespace === namespace);
  }
  synced(): boolean {
    return true;
  }
  lastHeardAt(): number {
    return this.heardAt();
  }
}
