import { describe, expect, it } from 'vitest';
import { CapacityIndex } from '../../../src/gang/capacity.js';
import { membership } from '../../../src/gang/identity.js';
import { makePod } from '../../support/pod.js';

describe('gang identity', () => {
  const index = new CapacityIndex();
  index.upsertPod(makePod('drv').ns('spark').uid('uid-drv').sparkApp('app', 'spark-abc').role('driver').annotation('gangplank.io/executor-count', '2').obj());

  it.each([
    { name: 'driver with gang label is driver-led', pod: makePod('d').ns('s').role('driver').gang('g', 4).obj(), want: { key: 's/g', kind: 'driver-led', role: 'driver', minAvailable: 4 } },
    { name: 'driver with executor-count only, named by spark-app-selector', pod: makePod('d').ns('s').sparkApp('a', 'spark-1').role('driver').annotation('gangplank.io/executor-count', '3').obj(), want: { key: 's/spark-1', kind: 'driver-led', role: 'driver', minAvailable: 0 } },
    { name: 'executor with gang label', pod: makePod('e').ns('s').role('executor').gang('g', 4).obj(), want: { key: 's/g', kind: 'driver-led', role: 'executor', minAvailable: 4 } },
    { name: 'executor joins by spark-app-selector', pod: makePod('e').ns('spark').sparkApp('app', 'spark-abc').role('executor').obj(), want: { key: 'spark/spark-abc', kind: 'driver-led', role: 'executor', minAvailable: 0 } },
    { name: 'executor joins by ownerReference', pod: makePod('e').ns('spark').role('executor').executorOf('drv', 'uid-drv', 1).obj(), want: { key: 'spark/spark-abc', kind: 'driver-led', role: 'executor', minAvailable: 0 } },
    { name: 'other pods with the gang label are co-created', pod: makePod('w').ns('s').gang('train', 3).obj(), want: { key: 's/train', kind: 'co-created', role: 'member', minAvailable: 3 } },
    { name: 'same gang name in another namespace is another gang', pod: makePod('w').ns('t').gang('train', 3).obj(), want: { key: 't/train', kind: 'co-created', role: 'member', minAvailable: 3 } },
    { name: 'bad min-available counts as 0', pod: makePod('w').ns('s').labels({ 'pod-group.scheduling.kubenexus.io/name': 'x', 'pod-group.scheduling.kubenexus.io/min-available': 'four' }).obj(), want: { key: 's/x', kind: 'co-created', role: 'member', minAvailable: 0 } },
  ])('$name', ({ pod, want }) => {
    const m = membership(pod, index);
    expect(m && { key: m.gang.key, kind: m.kind, role: m.role, minAvailable: m.minAvailable }).toEqual(want);
  });

  it.each([
    { name: 'plain pod', pod: makePod('p').obj() },
    { name: 'Spark driver without gang label or count', pod: makePod('d').role('driver').obj() },
    { name: 'executor whose driver is unknown', pod: makePod('e').ns('spark').sparkApp('x', 'spark-zzz').role('executor').obj() },
  ])('$name is in no gang', ({ pod }) => {
    expect(membership(pod, index)).toBeNull();
  });
});
