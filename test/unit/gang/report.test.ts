import { describe, expect, it } from 'vitest';
import { admit } from '../../../src/gang/admit.js';
import type { Gang } from '../../../src/gang/ledger.js';
import { gangsReport } from '../../../src/gang/report.js';
import { debugGangs } from '../../../src/extender/debug.js';
import { makeState, T0 } from '../../support/extender.js';
import { makeNode } from '../../support/node.js';
import { makePod } from '../../support/pod.js';

const driver = (app: string, executors: number, created: string) =>
  makePod(`${app}-driver`)
    .ns('spark')
    .uid(`uid-${app}`)
    .created(created)
    .sparkApp(app, `spark-${app}`)
    .role('driver')
    .requests({ cpu: '1', memory: '1Gi' })
    .annotations({ 'gangplank.io/executor-count': String(executors), 'gangplank.io/executor-resources': JSON.stringify({ cpu: '1', memory: '1Gi' }) })
    .obj();

describe('gangs report (/debug/gangs)', () => {
  function scene() {
    const t = makeState({ nodes: [makeNode('n1').cpu('4').memory('16Gi').obj(), makeNode('n2').cpu('4').memory('16Gi').obj()], config: { sparkConfigWaitSeconds: 0 } });
    const small = driver('pi', 3, '2025-12-31T23:58:00Z');
    const big = driver('big', 20, '2025-12-31T23:59:00Z');
    t.addPod(small);
    t.addPod(big);
    const nodes = ['n1', 'n2'];
    const v1 = admit(t.state.context(), small, nodes);
    t.state.noteVerdict(small, v1);
    const v2 = admit(t.state.context(), big, nodes);
    t.state.noteVerdict(big, v2);
    return { t, v1, v2 };
  }

  it('lists a planned gang with its reservations per node and a gang that does not fit with its reason, oldest first', () => {
    const { t, v1, v2 } = scene();
    expect(v1.kind).toBe('Ready');
    expect(v2.kind).toBe('DoesNotFit');
    const r = debugGangs(t.state);
    expect(r.generatedAt).toBe(new Date(T0).toISOString());
    expect(r.gangs.map((g) => [g.key, g.state])).toEqual([
      ['spark/spark-pi', 'planned'],
      ['spark/spark-big', 'does_not_fit'],
    ]);
    const pi = r.gangs[0]!;
    expect(pi.members).toEqual({ expected: 4, bound: 0, exist: 1 });
    expect(pi.ageSeconds).toBe(120);
    expect(pi.reservations.reduce((n, x) => n + x.slots, 0)).toBe(4);
    // 4 cpu of requests over the nodes, driver's and executors' together.
    const cpu = pi.reservations.map((x) => Number(x.resources.cpu ?? '0')).reduce((a, b) => a + b, 0);
    expect(cpu).toBe(4);
    expect(pi.why).toMatch(/waiting for the first of 4 members to bind/);
    const big = r.gangs[1]!;
    expect(big.members.expected).toBe(0);
    expect(big.reservations).toEqual([]);
    expect(big.ageSeconds).toBe(60);
    expect(big.why).toBe((v2 as { message: string }).message);
    expect(big.why).toMatch(/20 executors/);
  });

  it('a bound driver turns the gang reserved, with the time left and the open slots only', () => {
    const { t } = scene();
    const gang = t.state.ledger.get('spark/spark-pi')!;
    const driverSlot = gang.slots.find((s) => s.role === 'driver')!;
    t.state.ledger.consume('spark/spark-pi', driverSlot.id, 'uid-pi');
    t.clock.now += 10_000;
    const pi = debugGangs(t.state).gangs.find((g) => g.key === 'spark/spark-pi')!;
    expect(pi.state).toBe('reserved');
    expect(pi.members).toMatchObject({ expected: 4, bound: 1 });
    expect(pi.reservations.reduce((n, x) => n + x.slots, 0)).toBe(3);
    expect(pi.expiresInSeconds).toBe(pi.timeoutSeconds - 10);
    expect(pi.why).toMatch(/^1 of 4 bound; 3 slots held for executors not bound yet/);
  });

  it('groups slots by node and zone and leaves filled gangs without a reason', () => {
    const gang: Gang = {
      id: { namespace: 'ns', name: 'g', key: 'ns/g' },
      kind: 'co-created',
      anchor: { name: 'a', uid: 'ua' },
      createdAt: 0,
      plannedAt: 0,
      timeoutMs: 60_000,
      touchedAt: 0,
      state: 'reserved',
      persisted: true,
      slots: [
        { id: 'm0', role: 'member', node: 'b', zone: 'node-1', requests: { 'nvidia.com/gpu': 2, pods: 1 }, consumedBy: 'x' },
        { id: 'm1', role: 'member', node: 'b', zone: 'node-1', requests: { 'nvidia.com/gpu': 2, pods: 1 } },
        { id: 'm2', role: 'member', node: 'b', zone: 'node-1', requests: { 'nvidia.com/gpu': 1, pods: 1 } },
        { id: 'm3', role: 'member', node: 'a', requests: { cpu: 500, pods: 1 } },
      ],
    };
    const r = gangsReport({ gangs: () => [gang], members: () => [{ terminal: false }, { terminal: true }], now: 5_000 });
    expect(r.gangs[0]!.reservations).toEqual([
      { node: 'a', slots: 1, resources: { cpu: '500m', pods: '1' } },
      { node: 'b', zone: 'node-1', slots: 2, resources: { 'nvidia.com/gpu': '3', pods: '2' } },
    ]);
    expect(r.gangs[0]!.members).toEqual({ expected: 4, bound: 1, exist: 1 });
    const filled = gangsReport({ gangs: () => [{ ...gang, state: 'filled' as const }], members: () => [], now: 5_000 });
    expect(filled.gangs[0]!.why).toBeUndefined();
    expect(filled.gangs[0]!.expiresInSeconds).toBeUndefined();
  });
});
