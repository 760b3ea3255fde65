// Spark-shaped pods for e2e tests, as spark-submit creates them: the driver
// first; executors later, created by the running driver and owned by it.
import type { V1Pod } from '@kubernetes/client-node';
import { makePod } from '../../support/pod.js';

export interface SparkAppSpec {
  readonly ns: string;
  readonly app: string;
  readonly executors: number;
  readonly driverCpu?: string;
  readonly executorCpu?: string;
  readonly memory?: string;
  readonly scheduler?: string;
  readonly annotations?: Record<string, string>;
}

export function selectorOf(spec: SparkAppSpec): string {
  return `spark-${spec.app}-0001`;
}

export function driverPod(spec: SparkAppSpec): V1Pod {
  return makePod(`${spec.app}-driver`)
    .ns(spec.ns)
    .sparkApp(spec.app, selectorOf(spec))
    .role('driver')
    .scheduler(spec.scheduler ?? 'gangplank-scheduler')
    .requests({ cpu: spec.driverCpu ?? '1', memory: spec.memory ?? '1Gi' })
    .annotations({
      'gangplank.io/executor-count': String(spec.executors),
      'gangplank.io/executor-resources': JSON.stringify({ cpu: spec.executorCpu ?? '1', memory: spec.memory ?? '1Gi' }),
      ...(spec.annotations ?? {}),
    })
    .obj();
}

export function executorPod(spec: SparkAppSpec, driver: V1Pod, id: number): V1Pod {
  return makePod(`${spec.app}-exec-${id}`)
    .ns(spec.ns)
    .sparkApp(spec.app, selectorOf(spec))
    .role('executor')
    .executorOf(driver.metadata?.name ?? '', driver.metadata?.uid ?? '', id)
    .scheduler(spec.scheduler ?? 'gangplank-scheduler')
    .requests({ cpu: spec.executorCpu ?? '1', memory: spec.memory ?? '1Gi' })
    .obj();
}

/** The executor slots' nodes in a driver's persisted gang record, sorted. */
export function reservedNodes(driver: V1Pod): string[] {
  const raw = driver.metadata?.annotations?.['gangplank.io/gang-record'];
  if (!raw) throw new Error(`driver ${driver.metadata?.name} has no gangplank.io/gang-record annotation`);
  const record = JSON.parse(raw) as { slots?: { node: string; role?: string }[] };
  return (record.slots ?? []).filter((s) => s.role !== 'driver').map((s) => s.node).sort();
}
