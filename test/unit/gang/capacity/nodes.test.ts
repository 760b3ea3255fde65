// NodeTable (src/gang/capacity/nodes.ts): node facts, their free-room
// records as computed from the other parts' tables and as charged by them,
// and eligibility per constraint set.
import { describe, expect, it } from 'vitest';
import { NodeTable, type ZoneCharge } from '../../../../src/gang/capacity/nodes.js';
import type { ResourceList } from '../../../../src/k8s/resources.js';
import type { NodeResourceTopology } from '../../../../src/numa/topology.js';
import { makeNode } from '../../../support/node.js';
import { GPU, nrt, roomInputs } from './support.js';

const annotated = (name: string) =>
  makeNode(name)
    .cpu('8')
    .gpu(8)
    .numaZones([
      { name: 'node-0', resources: { cpu: '4', [GPU]: '4' } },
      { name: 'node-1', resources: { cpu: '4', [GPU]: '4' } },
    ]);

const zoneFree = (t: NodeTable, node: string, r: string): number[] => (t.get(node)?.zones ?? []).map((z) => z.free[r] ?? 0);
const none = { nodeSelector: {}, tolerations: [] };
const poolX = { nodeSelector: { pool: 'x' }, tolerations: [] };

describe('NodeTable', () => {
  it('computes free = allocatable − used − reserved when a node arrives; no pods capacity reads as 110', () => {
    const used: ResourceList = { cpu: 1000, pods: 2 };
    const t = new NodeTable(roomInputs({ usedRecord: () => used, reservedOn: (n): ResourceList => (n === 'n1' ? { cpu: 500 } : {}) }));
    const node = makeNode('n1').cpu('4').obj();
    delete node.status!.allocatable!.pods;
    delete node.status!.capacity!.pods;
    t.upsert(node);
    const f = t.get('n1');
    expect(f?.allocatable).toEqual({ cpu: 4000, memory: expect.any(Number), pods: 110 });
    expect(f?.free.cpu).toBe(2500);
    expect(f?.free.pods).toBe(108);
    // The node holds the usage record itself: what usage adds later shows without a recomputation.
    expect(f?.used).toBe(used);
  });

  it('annotation zones subtract bound, assumed and reserved use; NRT zones start from available and subtract pending charges', () => {
    const nrts = new Map<string, NodeResourceTopology>([['n2', nrt('n2', [3, 4])]]);
    const pending = new Map<string, ZoneCharge[]>([['n2', [{ zones: null, r: { [GPU]: 1 } }, { zones: ['node-0'], r: { [GPU]: 1 } }]]]);
    const t = new NodeTable(
      roomInputs({
        boundIn: (_n, z): ResourceList => (z === 'node-0' ? { [GPU]: 2 } : {}),
        assumedIn: (_n, z): ResourceList => (z === 'node-1' ? { [GPU]: 1 } : {}),
        reservedIn: (_n, z): ResourceList => (z === 'node-1' ? { [GPU]: 1 } : {}),
        pendingOn: (n) => pending.get(n) ?? [],
        nrt: (n) => nrts.get(n),
      }),
    );
    t.upsert(annotated('n1').obj());
    t.upsert(makeNode('n2').gpu(8).obj());
    expect(zoneFree(t, 'n1', GPU)).toEqual([2, 2]);
    // NRT: available 3 and 4, every zone −1, node-0 −1 more, node-1 −1 reserved; bound and assumed use is not the NRT's concern.
    expect(zoneFree(t, 'n2', GPU)).toEqual([1, 2]);
  });

  it('charges reach only the records they are for', () => {
    const nrts = new Map<string, NodeResourceTopology>([['n2', nrt('n2', [4, 4])]]);
    const t = new NodeTable(roomInputs({ nrt: (n) => nrts.get(n) }));
    t.upsert(annotated('n1').obj());
    t.upsert(makeNode('n2').gpu(8).obj());
    const g = { [GPU]: 1 };
    t.chargeAnnotatedZone('n1', 'node-1', g, 1);
    t.chargeAnnotatedZone('n2', 'node-1', g, 1); // NRT zones count pods through pending charges instead
    t.chargeNrtZones('n1', { zones: null, r: g }, 1); // not an NRT node
    t.chargeNrtZones('n2', { zones: ['node-0'], r: g }, 1);
    t.chargeZone('n2', 'node-1', g, 1);
    t.chargeNode('n1', { cpu: 1000 }, 1);
    t.chargeNode('gone', { cpu: 1000 }, 1);
    t.chargeZone('n1', 'node-9', g, 1);
    expect(zoneFree(t, 'n1', GPU)).toEqual([4, 3]);
    expect(zoneFree(t, 'n2', GPU)).toEqual([3, 3]);
    expect(t.get('n1')?.free.cpu).toBe(7000);
    t.chargeNode('n1', { cpu: 1000 }, -1);
    expect(t.get('n1')?.free.cpu).toBe(8000);
    expect(t.get('gone')).toBeUndefined();
  });

  it('refresh re-reads the NRT: the node switches between its annotation and its NRT', () => {
    const nrts = new Map<string, NodeResourceTopology>();
    const t = new NodeTable(roomInputs({ nrt: (n) => nrts.get(n) }));
    t.upsert(annotated('n1').obj());
    expect(t.get('n1')?.topology).toMatchObject({ ok: true, topology: { source: 'annotation' } });
    nrts.set('n1', nrt('n1', [1, 2]));
    t.refresh('n1');
    expect(t.get('n1')?.topology).toMatchObject({ ok: true, topology: { source: 'nrt' } });
    expect(zoneFree(t, 'n1', GPU)).toEqual([1, 2]);
    nrts.delete('n1');
    t.refresh('n1');
    expect(zoneFree(t, 'n1', GPU)).toEqual([4, 4]);
  });

  it('caches eligibility per constraint set: a status heartbeat keeps it, a label change or a new node recomputes it', () => {
    const t = new NodeTable(roomInputs());
    t.upsert(makeNode('n2').label('pool', 'x').obj());
    t.upsert(makeNode('n1').obj());
    const first = t.eligibleNodes(poolX);
    expect(first).toEqual(['n2']);
    expect([...t.eligibleSet(poolX)]).toEqual(['n2']);
    expect(t.eligibleNodes(none)).toEqual(['n1', 'n2']);

    t.upsert(makeNode('n1').cpu('6').obj()); // status only
    expect(t.eligibleNodes(poolX)).toBe(first);

    t.upsert(makeNode('n1').label('pool', 'x').obj());
    expect(t.eligibleNodes(poolX)).toEqual(['n1', 'n2']);

    t.upsert(makeNode('n0').label('pool', 'x').obj());
    expect(t.eligibleNodes(poolX)).toEqual(['n0', 'n1', 'n2']);
    expect(t.names()).toEqual(['n0', 'n1', 'n2']);

    t.delete('n1');
    expect(t.eligibleNodes(poolX)).toEqual(['n0', 'n2']);
    expect(t.names()).toEqual(['n0', 'n2']);
    expect(t.count()).toBe(2);
  });
});
