// Issue 9 item 3: a persisted gang record is believed only where it agrees with
// the pod that carries it (docs/adr/0005-trusting-gang-records.md).
import { describe, expect, it } from 'vitest';
import type { GangRecord } from '../../../src/contract/gang-record.js';
import { gangTimeoutMs } from '../../../src/gang/admit.js';
import { trustRecord } from '../../../src/gang/trust.js';
import { makePod } from '../../support/pod.js';

const LIMITS = { maxTimeoutSeconds: 3600, maxSlots: 1001 };
const driver = () => makePod('pi-driver').ns('spark').uid('uid-drv').sparkApp('spark-pi', 'spark-1').role('driver').gang('spark-pi', 4).obj();
const record = (over: Partial<GangRecord> = {}): GangRecord => ({
  version: 1,
  namespace: 'spark',
  name: 'spark-pi',
  kind: 'driver-led',
  anchor: { name: 'pi-driver', uid: 'uid-drv' },
  createdAt: '2026-01-01T00:00:00Z',
  plannedAt: '2026-01-01T00:00:01Z',
  timeoutSeconds: 300,
  slots: [
    { id: 'driver', role: 'driver', node: 'n1', requests: { cpu: '1' }, pod: 'uid-drv' },
    { id: 'e1', role: 'executor', node: 'n1', requests: { cpu: '1' } },
  ],
  ...over,
});

describe('trusting a gang record', () => {
  it('believes the record the extender wrote on the driver itself', () => {
    expect(trustRecord(record(), driver(), LIMITS)).toEqual({ ok: true });
  });

  it.each([
    ['another namespace (a tenant reserving in kube-system)', { namespace: 'kube-system' }, /names namespace kube-system/],
    ['another anchor pod', { anchor: { name: 'other-driver', uid: 'uid-other' } }, /not the pod that carries it/],
    ['the right name with another uid (a recreated pod)', { anchor: { name: 'pi-driver', uid: 'uid-old' } }, /not the pod that carries it/],
    ['another gang', { name: 'someone-elses-gang' }, /the pod belongs to spark-pi/],
    ['the wrong kind', { kind: 'co-created' as const }, /the pod's gang is driver-led/],
    ['a time-out of 1e9 seconds', { timeoutSeconds: 1e9 }, /at most 3600s/],
    ['more slots than one driver may hold', { slots: Array.from({ length: 1002 }, (_, i) => ({ id: `e${i}`, role: 'executor' as const, node: 'n1', requests: { cpu: '1' } })) }, /at most 1001 are allowed/],
    ['a driver slot pinned to another pod', { slots: [{ id: 'driver', role: 'driver' as const, node: 'n1', requests: { cpu: '1' }, pod: 'uid-victim' }] }, /another pod/],
  ])('ignores a record naming %s', (_name, over, reason) => {
    const t = trustRecord(record(over), driver(), LIMITS);
    expect(t.ok).toBe(false);
    expect(t.ok ? '' : t.reason).toMatch(reason);
  });

  it('ignores a record on a pod in no gang', () => {
    const plain = makePod('web').ns('spark').uid('uid-web').obj();
    const t = trustRecord(record({ anchor: { name: 'web', uid: 'uid-web' } }), plain, LIMITS);
    expect(t.ok ? '' : t.reason).toMatch(/belongs to no gang/);
  });

  it('believes a co-created gang record on its anchor member', () => {
    const member = makePod('w-0').ns('jobs').uid('uid-w0').gang('train', 2).obj();
    const rec = record({ namespace: 'jobs', name: 'train', kind: 'co-created', anchor: { name: 'w-0', uid: 'uid-w0' }, slots: [{ id: 'm0', role: 'member', node: 'n1', requests: { cpu: '1' }, pod: 'uid-w0' }] });
    expect(trustRecord(rec, member, LIMITS)).toEqual({ ok: true });
  });
});

describe('time-outs a pod author writes are bounded', () => {
  const cfg = { gangTimeoutSeconds: 300, maxGangTimeoutSeconds: 3600 };
  it.each([
    ['no annotation: the default', undefined, 300],
    ['a sensible value', '600', 600],
    ['a day: cut to the maximum', '86400', 3600],
    ['1e9 written as digits: beyond a year, not a valid time-out, the default', '1000000000', 300],
    ['a year: cut to the maximum', String(365 * 24 * 3600), 3600],
    ['not a number: the default', '1e9', 300],
  ])('%s', (_name, value, seconds) => {
    const pod = makePod('d').ns('spark').annotations(value === undefined ? {} : { 'gangplank.io/timeout-seconds': value }).obj();
    expect(gangTimeoutMs(cfg, pod)).toBe(seconds * 1000);
  });
});
