// High availability (issue 9 item 4): the chart's scheduler Deployment runs
// two pods, each kube-scheduler with its extender. Only the leading
// kube-scheduler calls its extender, yet the standby extender follows every
// gang from the API (records on anchor pods, members as they bind). The
// active pod is killed mid-gang: the standby takes the scheduler Lease and
// completes the gang on its reservations, with no double booking.
import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { makePod } from '../support/pod.js';
import { metricValue, useLocalCluster } from './support/cluster.js';
import { noNodeOverCommitted } from './support/placement.js';
import { driverPod, executorPod, reservedNodes } from './support/spark.js';

const bound = (p: V1Pod): boolean => Boolean(p.spec?.nodeName);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function opsMetric(port: number, name: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  return metricValue(await res.text(), name);
}

describe('failover between two scheduler pods', () => {
  const e2e = useLocalCluster({
    gangplankConfig: { schedulerName: 'gangplank-scheduler', extender: { gangTimeoutSeconds: 300, sparkConfigWaitSeconds: 1 } },
  });

  it('the standby completes a gang the killed leader reserved, on the same nodes, and lets no other pod take the room', async () => {
    const cluster = e2e.cluster();
    await cluster.addSchedulerReplica();
    const [active, standby] = cluster.schedulerReplicas();
    if (!active || !standby) throw new Error('two scheduler pods expected');
    // Exactly one extender writes in the background.
    await sleep(1_000);
    const writers = [await opsMetric(active.extenderOps, 'gangplank_extender_background_writer'), await opsMetric(standby.extenderOps, 'gangplank_extender_background_writer')];
    expect(writers.sort()).toEqual([0, 1]);

    const ns = await e2e.namespace('ha');
    const other = await e2e.namespace('ha-other');
    const nodes = (await e2e.nodes('2x cpu=2,memory=8Gi')).map((n) => n.metadata?.name ?? '');
    const spec = { ns, app: 'phoenix', executors: 3 };
    await e2e.createPod(driverPod(spec));
    const driver = await e2e.waitForPod(ns, 'phoenix-driver', 'to be bound', bound);
    const reserved = reservedNodes(await e2e.getPod(ns, 'phoenix-driver'));
    expect(reserved).toHaveLength(3);

    // The standby, never called, holds the same reservations (followed from the watch).
    const deadline = Date.now() + 10_000;
    let held = 0;
    while (Date.now() < deadline && held !== 3) {
      held = await opsMetric(standby.extenderOps, 'gangplank_reservations_held_pods');
      if (held !== 3) await sleep(200);
    }
    expect(held, 'executor slots the standby extender holds').toBe(3);

    // The active scheduler pod dies with its extender.
    const killedAt = Date.now();
    await cluster.killSchedulerReplica(active.index);

    // A pod of another namespace arrives first; then the driver's executors.
    await e2e.createPod(makePod('latecomer').ns(other).scheduler('gangplank-scheduler').cpu('1').obj());
    for (let i = 1; i <= 3; i++) await e2e.createPod(executorPod(spec, driver, i));
    const placed: string[] = [];
    let firstBoundAt = 0;
    for (let i = 1; i <= 3; i++) {
      const p = await e2e.waitForPod(ns, `phoenix-exec-${i}`, 'to be bound by the standby', bound, 90_000);
      firstBoundAt ||= Date.now();
      placed.push(p.spec?.nodeName ?? '');
    }
    console.info(`[failover] first executor bound ${((firstBoundAt - killedAt) / 1000).toFixed(1)} s after the active scheduler pod was killed`);
    expect(placed.sort()).toEqual(reserved);
    await sleep(1_000);
    expect((await e2e.getPod(other, 'latecomer')).spec?.nodeName, 'the latecomer must not take the gang\'s room').toBeFalsy();
    // The standby is now the writer too.
    expect(await opsMetric(standby.extenderOps, 'gangplank_extender_background_writer')).toBe(1);

    await noNodeOverCommitted(e2e, nodes);
  });
});
