// The extender's own Lease (issue 9 item 4): the pure decision, then an
// elector against a fake API that two replicas share.
import { describe, expect, it } from 'vitest';
import { ApiError, type KubeClient, type RequestSpec } from '../../../src/k8s/client.js';
import { createLeaseElector, decideLease, type LeaseObject } from '../../../src/extender/lease.js';
import { silentLogger } from '../../../src/log.js';

const T = Date.parse('2026-01-01T00:00:00Z');
const lease = (holder: string | undefined, renewedAgoS: number): LeaseObject => ({
  metadata: { name: 'gangplank-extender', namespace: 'gangplank-system', resourceVersion: '7' },
  spec: { holderIdentity: holder, leaseDurationSeconds: 15, renewTime: new Date(T - renewedAgoS * 1000).toISOString() },
});

describe('decideLease', () => {
  it.each([
    ['no Lease yet', undefined, 'create'],
    ['mine', lease('me', 3), 'renew'],
    ['mine, even when late', lease('me', 60), 'renew'],
    ['held by another, fresh', lease('other', 5), 'follow'],
    ['held by another, expired', lease('other', 16), 'acquire'],
    ['released (no holder)', lease(undefined, 1), 'acquire'],
    ['released (empty holder)', lease('', 1), 'acquire'],
  ] as const)('%s → %s', (_name, l, want) => {
    expect(decideLease(l, 'me', T, 15)).toBe(want);
  });
});

/** An API server holding one Lease, with resourceVersion checks as the real one makes. */
function fakeApi(): { client: KubeClient; stored: () => LeaseObject | undefined; down: (v: boolean) => void } {
  let stored: LeaseObject | undefined;
  let rv = 0;
  let isDown = false;
  const client = {
    // Only request() is used here.
    server: 'https://fake',
    watch: () => ({ abort() {} }),
    async request<T>(spec: RequestSpec): Promise<T> {
      if (isDown) throw new Error('connect ECONNREFUSED');
      const body = spec.body as LeaseObject | undefined;
      if ((spec.method ?? 'GET') === 'GET') {
        if (!stored) throw new ApiError(404, 'NotFound', 'not found');
        return structuredClone(stored) as T;
      }
      if (spec.method === 'POST') {
        if (stored) throw new ApiError(409, 'AlreadyExists', 'exists');
      } else if (body?.metadata.resourceVersion !== stored?.metadata.resourceVersion) {
        throw new ApiError(409, 'Conflict', 'the object has been modified');
      }
      stored = { ...(body as LeaseObject), metadata: { ...(body as LeaseObject).metadata, resourceVersion: String(++rv) } };
      return structuredClone(stored) as T;
    },
  };
  return { client, stored: () => stored, down: (v) => (isDown = v) };
}

describe('two extender replicas sharing the Lease', () => {
  it('exactly one leads; when it stops renewing, the other takes over after the Lease expires; a graceful stop hands over at once', async () => {
    const api = fakeApi();
    let now = T;
    const elector = (identity: string) =>
      createLeaseElector({ client: api.client, lease: 'gangplank-system/gangplank-extender', identity, logger: silentLogger(), durationSeconds: 15, now: () => now });
    const a = elector('replica-a');
    const b = elector('replica-b');
    await a.round();
    await b.round();
    expect([a.isLeader(), b.isLeader()]).toEqual([true, false]);
    expect(api.stored()?.spec?.holderIdentity).toBe('replica-a');

    // a renews; b keeps following.
    now += 5_000;
    await a.round();
    await b.round();
    expect([a.isLeader(), b.isLeader()]).toEqual([true, false]);

    // a dies (no more rounds); b waits out the Lease, then takes it.
    now += 10_000;
    await b.round();
    expect(b.isLeader()).toBe(false);
    now += 6_000;
    await b.round();
    expect(b.isLeader()).toBe(true);
    expect(api.stored()?.spec?.leaseTransitions).toBe(1);

    // a comes back: it follows (b renews first).
    await b.round();
    await a.round();
    expect([a.isLeader(), b.isLeader()]).toEqual([false, true]);

    // b steps down on SIGTERM: a takes over on its next round, without waiting.
    await b.stop();
    expect(b.isLeader()).toBe(false);
    now += 1_000;
    await a.round();
    expect(a.isLeader()).toBe(true);
  });

  it('a leader that cannot reach the API server stops leading before its Lease could be taken', async () => {
    const api = fakeApi();
    let now = T;
    const a = createLeaseElector({ client: api.client, lease: 'gangplank-system/gangplank-extender', identity: 'a', logger: silentLogger(), durationSeconds: 15, now: () => now });
    await a.round();
    expect(a.isLeader()).toBe(true);
    api.down(true);
    now += 5_000;
    await a.round();
    expect(a.isLeader()).toBe(true);
    now += 6_000;
    await a.round();
    expect(a.isLeader()).toBe(false);
  });
});
