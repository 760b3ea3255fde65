// Native PodGroups (scheduling.k8s.io/v1beta1, Kubernetes 1.37, gate
// GenericWorkload) as the extender sees them: a cache fed by a watch that
// ../k8s/api-discovery.ts starts while the API is served, read through
// NativeGroupLookup by the pure gang logic (src/gang/native.ts).
import type { ObjectCache } from '../k8s/cache.js';
import type { ApiTarget } from '../k8s/api-discovery.js';
import { nativeGroupInfo, type NativeGroupInfo, type NativeGroupLookup, type NativePodGroupObject } from '../gang/native.js';

export const NATIVE_GROUP_VERSION = 'scheduling.k8s.io/v1beta1';
export const NATIVE_RESOURCE = 'podgroups';
/** The gangplank_cache_synced{resource} label (scheduler-plugins' PodGroups are `podgroups`). */
export const NATIVE_CACHE_LABEL = 'podgroups.scheduling.k8s.io';

export class NativeGroupSource implements NativeGroupLookup, ApiTarget<NativePodGroupObject> {
  private cache: ObjectCache<NativePodGroupObject> | undefined;

  constructor(private readonly onChange: (type: 'add' | 'update' | 'delete', pg: NativePodGroupObject) => void = () => {}) {}

  served(): boolean {
    return this.cache !== undefined;
  }

  attach(cache: ObjectCache<NativePodGroupObject>): void {
    this.cache = cache;
  }

  detach(): void {
    this.cache = undefined;
  }

  event(type: 'add' | 'update' | 'delete', pg: NativePodGroupObject): void {
    this.onChange(type, pg);
  }

  nativeGroup(namespace: string, name: string): NativeGroupInfo | undefined {
    const pg = this.cache?.get(name, namespace);
    return pg ? nativeGroupInfo(pg) : undefined;
  }
}
