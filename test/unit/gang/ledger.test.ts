import { describe, expect, it } from 'vitest';
import { CapacityIndex } from '../../../src/gang/capacity.js';
import { gangId } from '../../../src/gang/identity.js';
import { Ledger, type PlanInput } from '../../../src/gang/ledger.js';
import { gangRecordCodec } from '../../../src/contract/gang-record.js';

const parseGangRecord = (text: string) => gangRecordCodec.parse(text);
import { makePod } from '../../support/pod.js';

const plan = (n: number): PlanInput => ({
  id: gangId('spark', 'pi'),
  kind: 'driver-led',
  anchor: { name: 'd', uid: 'uid-d' },
  createdAt: 1_000,
  timeoutMs: 60_000,
  slots: [
    { id: 'driver', role: 'driver', node: 'n1', requests: { cpu: 1000, pods: 1 }, podUid: 'uid-d' },
    ...Array.from({ length: n }, (_, i) => ({ id: `e${i}`, role: 'executor' as const, node: i % 2 ? 'n2' : 'n1', zone: 'node-0', requests: { cpu: 500, memory: 2 ** 30, pods: 1 } })),
  ],
});

describe('ledger', () => {
  it('holds reservations per node and zone and gives them back on consume and release', () => {
    const l = new Ledger({ assumeTtlMs: 30_000 });
    l.plan(plan(3), 0);
    expect(l.reservedOn('n1')).toEqual({ cpu: 2000, pods: 3, memory: 2 * 2 ** 30 });
    expect(l.reservedInZone('n2', 'node-0')).toEqual({ cpu: 500, memory: 2 ** 30, pods: 1 });
    l.consume('spark/pi', 'driver', 'uid-d');
    expect(l.get('spark/pi')!.state).toBe('reserved');
    expect(l.reservedOn('n1').cpu).toBe(1000);
    const r = l.release('spark/pi', 'timeout')!;
    expect([r.slots, r.resources.cpu, r.partlyPlaced]).toEqual([3, 1500, false]);
    expect(l.reservedOn('n1').cpu).toBe(0);
    expect(l.reservedTotal().cpu).toBe(0);
  });

  it('a tentative assignment excludes other pods until it expires', () => {
    const l = new Ledger({ assumeTtlMs: 30_000 });
    l.plan(plan(1), 0);
    expect(l.assign('spark/pi', 'e0', 'pod-a', 0)).toBe(true);
    expect(l.openSlots('spark/pi', 1_000, 'pod-b')).toEqual([]);
    expect(l.assign('spark/pi', 'e0', 'pod-b', 1_000)).toBe(false);
    expect(l.openSlots('spark/pi', 31_000, 'pod-b').map((s) => s.id)).toEqual(['e0']);
    expect(l.assign('spark/pi', 'e0', 'pod-b', 31_000)).toBe(true);
    l.unassign('pod-b');
    expect(l.openSlots('spark/pi', 31_000, 'pod-c').map((s) => s.id)).toEqual(['e0']);
  });

  it('filling the last slot reports filled; a planned gang no member bound expires after the assume TTL', () => {
    const l = new Ledger({ assumeTtlMs: 30_000 });
    l.plan(plan(1), 0);
    l.consume('spark/pi', 'driver', 'uid-d');
    expect(l.consume('spark/pi', 'e0', 'uid-e')?.reason).toBe('filled');
    const l2 = new Ledger({ assumeTtlMs: 30_000 });
    l2.plan(plan(1), 0);
    expect(l2.expire(29_999)).toEqual([]);
    expect(l2.expire(30_000).map((r) => r.reason)).toEqual(['timeout']);
  });

  it('driver deletion or failure releases the gang', () => {
    const l = new Ledger({ assumeTtlMs: 30_000 });
    l.plan(plan(2), 0);
    expect(l.podGone('uid-d', true)?.reason).toBe('driver_failed');
    expect(l.get('spark/pi')).toBeUndefined();
  });

  it('serialises to a versioned record that parses back and restores the same reservations', () => {
    const l = new Ledger({ assumeTtlMs: 30_000 });
    l.plan(plan(2), 5_000);
    const rec = l.serialise('spark/pi')!;
    expect(rec).toMatchObject({ version: 1, namespace: 'spark', name: 'pi', kind: 'driver-led', timeoutSeconds: 60, plannedAt: new Date(5_000).toISOString() });
    expect(rec.slots[1]).toEqual({ id: 'e0', role: 'executor', node: 'n1', zone: 'node-0', requests: { cpu: '500m', memory: '1Gi', pods: '1' } });
    const parsed = parseGangRecord(JSON.stringify(rec));
    expect(parsed).toEqual(rec);
    const driver = makePod('d').ns('spark').uid('uid-d').nodeName('n1').phase('Running').obj();
    const l2 = new Ledger({ assumeTtlMs: 30_000 });
    l2.restore([rec], [driver], 10_000);
    expect(l2.get('spark/pi')!.state).toBe('reserved');
    expect(l2.reservedOn('n1')).toEqual({ cpu: 500, memory: 2 ** 30, pods: 1 });
  });

  it('restore drops a record whose anchor is gone, and rejects bad records with a reason', () => {
    const l = new Ledger({ assumeTtlMs: 30_000 });
    l.plan(plan(1), 0);
    const rec = l.serialise('spark/pi')!;
    const l2 = new Ledger({ assumeTtlMs: 30_000 });
    expect(l2.restore([rec], [], 0)).toEqual([]);
    expect(parseGangRecord('{"version":2}')).toBeInstanceOf(Error);
    expect((parseGangRecord(JSON.stringify({ ...rec, slots: [{ id: 'x', role: 'executor', node: 'n', requests: { cpu: 'x' } }] })) as Error).message).toMatch(/slot x/);
  });
});

describe('capacity index', () => {
  const pod = (name: string, node?: string, phase: 'Running' | 'Succeeded' = 'Running') => {
    const b = makePod(name).uid(`uid-${name}`).cpu('1').memory('1Gi').phase(phase);
    if (node) b.nodeName(node);
    return b.obj();
  };

  it('counts non-terminal bound pods, including one pods slot each, incrementally', () => {
    const idx = new CapacityIndex();
    idx.upsertPod(pod('a', 'n1'));
    idx.upsertPod(pod('b', 'n1'));
    idx.upsertPod(pod('c'));
    expect(idx.usedOn('n1')).toEqual({ cpu: 2000, memory: 2 * 2 ** 30, pods: 2 });
    idx.upsertPod(pod('b', 'n1', 'Succeeded'));
    expect(idx.usedOn('n1').cpu).toBe(1000);
    idx.upsertPod(pod('c', 'n2'));
    expect(idx.usedOn('n2').cpu).toBe(1000);
    idx.deletePod(pod('a', 'n1'));
    expect(idx.usedOn('n1')).toEqual({ cpu: 0, memory: 0, pods: 0 });
  });

  it('an assumed pod counts until the cache shows it bound (once), or until it expires', () => {
    const idx = new CapacityIndex();
    idx.assume('uid-a', 'n1', undefined, { cpu: 1000, pods: 1 }, 100);
    expect(idx.usedOn('n1').cpu).toBe(1000);
    idx.upsertPod(pod('a', 'n1'));
    expect(idx.usedOn('n1').cpu).toBe(1000);
    expect(idx.isAssumed('uid-a')).toBe(false);
    idx.assume('uid-b', 'n1', undefined, { cpu: 1000, pods: 1 }, 100);
    expect(idx.expire(99)).toBe(0);
    expect(idx.expire(100)).toBe(1);
    expect(idx.usedOn('n1').cpu).toBe(1000);
  });

  it('counts gang members that are not terminal', () => {
    const idx = new CapacityIndex();
    idx.upsertPod(makePod('w1').uid('w1').gang('g', 2).obj());
    idx.upsertPod(makePod('w2').uid('w2').gang('g', 2).phase('Succeeded').obj());
    expect(idx.gangMemberCount('default/g')).toBe(1);
  });
});

describe('capacity index: executors listed before their driver', () => {
  it('join the driver gang once the driver arrives (informer list order)', () => {
    const idx = new CapacityIndex();
    idx.upsertPod(makePod('e1').ns('s').uid('e1').sparkApp('a', 'sel-a').role('executor').obj());
    idx.upsertPod(makePod('e2').ns('s').uid('e2').role('executor').executorOf('d', 'uid-d', 2).obj());
    expect(idx.gangMemberCount('s/sel-a')).toBe(0);
    idx.upsertPod(makePod('d').ns('s').uid('uid-d').sparkApp('a', 'sel-a').role('driver').annotation('gangplank.io/executor-count', '2').obj());
    expect(idx.gangMembers('s/sel-a').map((f) => f.name).sort()).toEqual(['d', 'e1', 'e2']);
  });
});
