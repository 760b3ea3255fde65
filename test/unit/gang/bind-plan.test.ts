// The pure half of /bind (src/gang/bind-plan.ts): annotations, zone, and what
// a failed Binding gives back.
import { describe, expect, it } from 'vitest';
import { CapacityIndex } from '../../../src/gang/capacity.js';
import { planFreeBind, planSlotBind } from '../../../src/gang/bind-plan.js';
import { Ledger, type Slot } from '../../../src/gang/ledger.js';
import { makePod } from '../../support/pod.js';

const index = new CapacityIndex();
const ledger = new Ledger({ assumeTtlMs: 30_000 });
const input = { index, ledger, numaResources: ['cpu', 'memory', 'nvidia.com/gpu'], node: 'n1' };
const slot = (role: Slot['role'], zone?: string): Slot => ({ id: `${role}-0`, role, node: 'n1', requests: { cpu: 1000 }, ...(zone ? { zone } : {}) }) as Slot;

describe('planSlotBind', () => {
  it.each([
    ['an executor gives back its tentative slot', 'executor', 'reserved', 'unassign-slot'],
    ['the driver gives the whole plan back', 'driver', 'planned', 'release-gang'],
    ['a co-created member of a gang none of whose members is bound gives the plan back', 'member', 'planned', 'release-gang'],
    ['a member of a partly bound gang keeps its slot for the retry', 'member', 'reserved', 'keep-slot'],
  ] as const)('%s', (_name, role, state, want) => {
    expect(planSlotBind(input, 'ns/g', slot(role), state).onFailure).toBe(want);
  });

  it('annotates the gang and slot, and the slot zone when the pod is unknown', () => {
    expect(planSlotBind(input, 'ns/g', slot('executor', 'node-1'), 'reserved')).toEqual({
      annotations: { 'gangplank.io/gang': 'ns/g', 'gangplank.io/slot': 'executor-0', 'gangplank.io/numa-zone': 'node-1' },
      zone: 'node-1',
      onFailure: 'unassign-slot',
    });
  });
});

describe('planFreeBind', () => {
  it('marks an executor beyond its reservation with slot none', () => {
    const pod = makePod('e9').ns('ns').gang('g', 2).cpu('1').obj();
    expect(planFreeBind({ ...input, pod, usage: { cpu: 1000 } })).toEqual({ annotations: { 'gangplank.io/gang': 'ns/g', 'gangplank.io/slot': 'none' }, onFailure: 'keep-slot' });
  });
  it('annotates nothing for a pod in no gang that needs no zone', () => {
    expect(planFreeBind({ ...input, pod: makePod('p').ns('ns').cpu('1').obj(), usage: { cpu: 1000 } })).toEqual({ annotations: {}, onFailure: 'keep-slot' });
  });
});
