// PodTable (src/gang/capacity/pods.ts): each pod's facts, by uid and by
// name, with equal memberships and usages shared between pods.
import { describe, expect, it } from 'vitest';
import { PodTable } from '../../../../src/gang/capacity/pods.js';
import type { DriverLookup } from '../../../../src/gang/identity.js';
import { gangId } from '../../../../src/gang/identity.js';
import { makePod } from '../../../support/pod.js';

const noDrivers: DriverLookup = { gangOfDriverUid: () => undefined, gangOfSelector: () => undefined };

describe('PodTable', () => {
  it('records what the index reads of a pod, found by uid and by namespace and name', () => {
    const t = new PodTable();
    const pod = makePod('p').ns('spark').uid('u1').requests({ cpu: '1' }).nodeName('n1').annotation('gangplank.io/numa-zone', 'node-1').phase('Running').obj();
    const f = t.add('u1', pod, noDrivers);
    expect(f).toMatchObject({ uid: 'u1', namespace: 'spark', name: 'p', node: 'n1', zone: 'node-1', usage: { cpu: 1000, pods: 1 }, terminal: false, membership: null });
    expect(f.pod).toBe(pod);
    expect(t.get('u1')).toBe(f);
    expect(t.byName('spark', 'p')).toBe(f);
    expect(t.byName('default', 'p')).toBeUndefined();
    expect(t.add('u2', makePod('q').uid('u2').phase('Succeeded').obj(), noDrivers)).toMatchObject({ namespace: 'default', node: undefined, zone: undefined, terminal: true });
  });

  it('shares equal usages and memberships between pods', () => {
    const t = new PodTable();
    const member = (uid: string, cpu: string) => makePod(uid).ns('spark').uid(uid).gang('train', 3).requests({ cpu }).obj();
    const a = t.add('a', member('a', '1'), noDrivers);
    const b = t.add('b', member('b', '1'), noDrivers);
    const c = t.add('c', member('c', '2'), noDrivers);
    expect(b.usage).toBe(a.usage);
    expect(b.membership).toBe(a.membership);
    expect(c.usage).not.toBe(a.usage);
    expect(c.membership).toBe(a.membership);
  });

  it('asks the driver lookup for an executor without gang labels', () => {
    const t = new PodTable();
    const lookup: DriverLookup = { gangOfDriverUid: (uid) => (uid === 'd1' ? gangId('spark', 'pi') : undefined), gangOfSelector: () => undefined };
    const exec = makePod('e1').ns('spark').uid('e1').role('executor').executorOf('drv', 'd1', 1).obj();
    expect(t.add('e1', exec, lookup).membership).toMatchObject({ gang: { key: 'spark/pi' }, role: 'executor' });
  });

  it('removing an old pod keeps its name for a newer pod of that name', () => {
    const t = new PodTable();
    t.add('old', makePod('p').uid('old').obj(), noDrivers);
    const fresh = t.add('new', makePod('p').uid('new').obj(), noDrivers);
    expect(t.remove('old')?.uid).toBe('old');
    expect(t.remove('old')).toBeUndefined();
    expect(t.byName('default', 'p')).toBe(fresh);
    t.remove('new');
    expect(t.byName('default', 'p')).toBeUndefined();
    expect(t.get('new')).toBeUndefined();
  });
});
