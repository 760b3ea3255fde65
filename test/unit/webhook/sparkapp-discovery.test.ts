// The webhook's SparkApplication cache follows the API: empty while
// spark-operator's CRD is not served, filled from a watch once it is (no
// restart), empty again when it goes. A fake informer stands in for the API
// server; ApiDiscovery and the cache are the real ones.
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ApiDiscovery } from '../../../src/k8s/api-discovery.js';
import type { Informer, InformerHandlers } from '../../../src/k8s/informer.js';
import { SwitchableCache } from '../../../src/webhook/caches.js';
import type { SparkApplication } from '../../../src/webhook/sparkapp.js';

type App = SparkApplication & { metadata: { name: string; namespace: string } };

class FakeInformer implements Informer<App> {
  readonly resource = 'sparkapplications';
  private started = false;
  stopped = false;
  constructor(private readonly objects: App[]) {}
  async start(): Promise<void> {
    this.started = true;
  }
  async stop(): Promise<void> {
    this.stopped = true;
  }
  get(name: string, namespace?: string): App | undefined {
    return this.objects.find((o) => o.metadata.name === name && (namespace === undefined || o.metadata.namespace === namespace));
  }
  list(): readonly App[] {
    return this.objects;
  }
  synced(): boolean {
    return this.started;
  }
  lastHeardAt(): number {
    return 0;
  }
}

function setup() {
  const app: App = { metadata: { name: 'pi', namespace: 'spark' }, spec: { executor: { instances: 3 } } } as App;
  let served = false;
  const informers: FakeInformer[] = [];
  const tracked = new Map<string, () => boolean>();
  const cache = new SwitchableCache<App>();
  const discovery = new ApiDiscovery<App>({
    groupVersion: 'sparkoperator.k8s.io/v1beta2',
    resource: 'sparkapplications',
    serves: async () => served,
    createInformer: (_handlers: InformerHandlers<App>) => {
      const i = new FakeInformer([app]);
      informers.push(i);
      return i;
    },
    target: cache,
    metrics: { trackCache: (r, f) => tracked.set(r, f), untrackCache: (r) => tracked.delete(r) },
    logger: pino({ level: 'silent' }),
    intervalMs: 10_000,
    now: () => 0,
  });
  return { cache, discovery, informers, tracked, serve: (on: boolean) => (served = on) };
}

describe('SparkApplications discovered at any time', () => {
  it('is empty and ready while the API is not served', async () => {
    const { cache, discovery, informers, tracked } = setup();
    await discovery.check(true);
    expect(cache.get('pi', 'spark')).toBeUndefined();
    expect(cache.list()).toEqual([]);
    expect(cache.unsynced()).toBeNull();
    expect(informers).toHaveLength(0);
    expect(tracked.has('sparkapplications')).toBe(false);
  });

  it('watches once the CRD is installed, and forgets when it is removed', async () => {
    const { cache, discovery, informers, tracked, serve } = setup();
    await discovery.check(true);
    serve(true);
    await discovery.check(true);
    expect(informers).toHaveLength(1);
    expect(cache.get('pi', 'spark')?.spec?.executor?.instances).toBe(3);
    expect(cache.get('pi', 'other')).toBeUndefined();
    expect(cache.unsynced()).toBeNull();
    expect(tracked.get('sparkapplications')?.()).toBe(true);
    // A second round while served starts nothing new.
    await discovery.check(true);
    expect(informers).toHaveLength(1);

    serve(false);
    await discovery.check(true);
    expect(informers[0]?.stopped).toBe(true);
    expect(cache.get('pi', 'spark')).toBeUndefined();
    expect(tracked.has('sparkapplications')).toBe(false);
  });
});
