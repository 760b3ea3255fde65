// scheduler-plugins PodGroups (scheduling.x-k8s.io/v1alpha1) as the extender
// sees them: a cache fed by a watch that ../k8s/api-discovery.ts starts while the
// API is served, read through PodGroupLookup by the pure gang logic
// (src/gang/podgroup.ts). Parsed PodGroups are memoised per resourceVersion.
import type { ObjectCache } from '../k8s/cache.js';
import type { ApiTarget } from '../k8s/api-discovery.js';
import { podGroupInfo, type PodGroupInfo, type PodGroupLookup, type PodGroupObject } from '../gang/podgroup.js';

export class PodGroupSource implements PodGroupLookup, ApiTarget<PodGroupObject> {
  private cache: ObjectCache<PodGroupObject> | undefined;
  private readonly parsed = new Map<string, { rv: string | undefined; info: PodGroupInfo }>();

  /** `onChange`: a PodGroup appeared, changed or went (wake its members, refresh its status). */
  constructor(private readonly onChange: (type: 'add' | 'update' | 'delete', pg: PodGroupObject) => void = () => {}) {}

  /** True while the API serves PodGroups (the label then names a gang). */
  served(): boolean {
    return this.cache !== undefined;
  }

  attach(cache: ObjectCache<PodGroupObject>): void {
    this.cache = cache;
  }

  detach(): void {
    this.cache = undefined;
    this.parsed.clear();
  }

  event(type: 'add' | 'update' | 'delete', pg: PodGroupObject): void {
    this.parsed.delete(`${pg.metadata?.namespace}/${pg.metadata?.name}`);
    this.onChange(type, pg);
  }

  object(namespace: string, name: string): PodGroupObject | undefined {
    return this.cache?.get(name, namespace);
  }

  podGroup(namespace: string, name: string): PodGroupInfo | undefined {
    const pg = this.object(namespace, name);
    if (!pg) return undefined;
    const key = `${namespace}/${name}`;
    const rv = pg.metadata?.resourceVersion;
    const hit = this.parsed.get(key);
    if (hit && hit.rv === rv && rv !== undefined) return hit.info;
    const info = podGroupInfo(pg);
    if (this.parsed.size > 10_000) this.parsed.clear();
    this.parsed.set(key, { rv, info });
    return info;
  }
}
