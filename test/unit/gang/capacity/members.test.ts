// GangMembers (src/gang/capacity/members.ts): who belongs to which gang, and
// executors that arrive before their driver.
import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { GangMembers } from '../../../../src/gang/capacity/members.js';
import { PodTable } from '../../../../src/gang/capacity/pods.js';
import { makePod } from '../../../support/pod.js';

/** The two parts wired as the index wires them: the members part is the pod table's driver lookup. */
function parts(): { pods: PodTable; members: GangMembers; add(pod: V1Pod): readonly string[]; drop(uid: string): void } {
  const pods = new PodTable();
  const members = new GangMembers(pods);
  const drop = (uid: string): void => {
    const old = pods.remove(uid);
    if (old?.membership) members.remove(uid, old.membership);
  };
  return {
    pods,
    members,
    add: (pod) => {
      const uid = pod.metadata?.uid as string;
      drop(uid);
      return members.add(pods.add(uid, pod, members));
    },
    drop,
  };
}

const driver = (uid = 'd1') => makePod('drv').ns('spark').uid(uid).sparkApp('pi', 'sel-1').role('driver').gang('pi', 3).obj();
const byOwner = (uid: string, owner = 'd1') => makePod(uid).ns('spark').uid(uid).role('executor').executorOf('drv', owner, 1).obj();
const bySelector = (uid: string) => makePod(uid).ns('spark').uid(uid).sparkApp('pi', 'sel-1').role('executor').obj();
const uids = (fs: { uid: string }[]) => fs.map((f) => f.uid).sort();

describe('GangMembers', () => {
  it('hands back executors that came before their driver, by owner and by selector, once', () => {
    const p = parts();
    expect(p.add(byOwner('e1'))).toEqual([]);
    expect(p.add(bySelector('e2'))).toEqual([]);
    expect(p.pods.get('e1')?.membership).toBeNull();
    expect(p.add(driver())).toEqual(['e1', 'e2']);
    // Looked at again (as the index does), they now find the gang.
    for (const e of ['e1', 'e2']) expect(p.add(p.pods.get(e)?.pod as V1Pod)).toEqual([]);
    expect(uids(p.members.gangMembers('spark/pi'))).toEqual(['d1', 'e1', 'e2']);
    expect(p.members.gangMemberCount('spark/pi')).toBe(3);
    expect(p.add(driver())).toEqual([]);
  });

  it('forgets a deleted executor that was waiting for its driver', () => {
    const p = parts();
    p.add(byOwner('e1'));
    p.add(bySelector('e2'));
    p.drop('e1');
    p.members.deleted('e1');
    expect(p.add(driver())).toEqual(['e2']);
  });

  it('finds drivers by uid and by selector in their namespace; a deleted driver is not found by uid', () => {
    const p = parts();
    p.add(driver());
    expect(p.members.gangOfDriverUid('d1')?.key).toBe('spark/pi');
    expect(p.members.gangOfSelector('spark', 'sel-1')?.key).toBe('spark/pi');
    expect(p.members.gangOfSelector('other', 'sel-1')).toBeUndefined();
    p.drop('d1');
    p.members.deleted('d1');
    expect(p.members.gangOfDriverUid('d1')).toBeUndefined();
  });

  it('counts terminal pods among a gang\'s pods but not its members, and drops a gang with its last pod', () => {
    const p = parts();
    const member = (uid: string, phase: 'Running' | 'Failed') => makePod(uid).ns('spark').uid(uid).gang('train', 2).phase(phase).obj();
    p.add(member('w1', 'Running'));
    p.add(member('w2', 'Failed'));
    expect(uids(p.members.gangMembers('spark/train'))).toEqual(['w1']);
    expect(uids(p.members.gangPods('spark/train'))).toEqual(['w1', 'w2']);
    // A pod whose facts are replaced moves between the sets.
    p.add(member('w1', 'Failed'));
    expect(p.members.gangMemberCount('spark/train')).toBe(0);
    expect([...p.members.gangKeys()]).toEqual(['spark/train']);
    p.drop('w1');
    p.drop('w2');
    expect([...p.members.gangKeys()]).toEqual([]);
    expect(p.members.gangPods('spark/train')).toEqual([]);
  });
});
