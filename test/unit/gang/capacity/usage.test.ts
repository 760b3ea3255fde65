// UsageTable (src/gang/capacity/usage.ts): what bound and assumed pods use,
// per node and per recorded zone, charged to the free-room records.
import { describe, expect, it } from 'vitest';
import { podUsage, UsageTable, type UsageRoom } from '../../../../src/gang/capacity/usage.js';
import type { ResourceList } from '../../../../src/k8s/resources.js';
import { makePod } from '../../../support/pod.js';

function recordingRoom(): UsageRoom & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    chargeNode: (node: string, r: ResourceList, sign: 1 | -1) => void calls.push(`node ${node} ${sign} ${JSON.stringify(r)}`),
    chargeAnnotatedZone: (node: string, zone: string, r: ResourceList, sign: 1 | -1) => void calls.push(`zone ${node}/${zone} ${sign} ${JSON.stringify(r)}`),
  };
}

describe('UsageTable', () => {
  it('sums bound and assumed pods per node, keeps their zones apart, and charges every change', () => {
    const room = recordingRoom();
    const u = new UsageTable(room);
    u.add('n1', 'node-0', { cpu: 1000 }, 1, true);
    u.add('n1', 'node-0', { cpu: 500 }, 1, false);
    u.add('n1', undefined, { cpu: 250 }, 1, true);
    expect(u.usedOn('n1')).toEqual({ cpu: 1750 });
    expect(u.boundIn('n1', 'node-0')).toEqual({ cpu: 1000 });
    expect(u.assumedIn('n1', 'node-0')).toEqual({ cpu: 500 });
    expect(u.boundIn('n1', 'node-1')).toEqual({});
    expect(room.calls).toEqual([
      'node n1 1 {"cpu":1000}',
      'zone n1/node-0 1 {"cpu":1000}',
      'node n1 1 {"cpu":500}',
      'zone n1/node-0 1 {"cpu":500}',
      'node n1 1 {"cpu":250}',
    ]);

    u.add('n1', 'node-0', { cpu: 500 }, -1, false);
    expect(u.assumedIn('n1', 'node-0')).toEqual({ cpu: 0 });
    expect(u.usedOn('n1')).toEqual({ cpu: 1250 });
    expect(room.calls.at(-1)).toBe('zone n1/node-0 -1 {"cpu":500}');
  });

  it('hands out one live record per node, the one it adds into', () => {
    const u = new UsageTable(recordingRoom());
    const rec = u.record('n1');
    expect(u.record('n1')).toBe(rec);
    u.add('n1', undefined, { cpu: 100 }, 1, true);
    expect(rec).toEqual({ cpu: 100 });
    expect(u.usedOn('n1')).toBe(rec);
    // Usage that comes before its node is in the record the node picks up later.
    u.add('n2', undefined, { cpu: 300 }, 1, true);
    expect(u.record('n2')).toEqual({ cpu: 300 });
    expect(Object.isFrozen(u.usedOn('unknown'))).toBe(true);
  });

  it('podUsage is the scheduler requests plus one pod', () => {
    const pod = makePod('p').requests({ cpu: '500m' }).obj();
    expect(podUsage(pod)).toEqual({ cpu: 500, pods: 1 });
  });
});
