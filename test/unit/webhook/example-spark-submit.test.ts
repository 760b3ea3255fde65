// examples/spark-pi-spark-submit.yaml is what `npm run kind` submits, written
// out as spark-submit would create it. It cannot run here (no Docker), so its
// contract is checked piece by piece: Gangplank recognises and shapes the
// driver, and finds the executors' count and shape in its ConfigMap.
import type { V1ConfigMap, V1Pod, V1Service } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { parseJavaProperties } from '../../../src/contract/spark-conf.js';
import { resolveDriverExecutors } from '../../../src/gang/driver-executors.js';
import { parseResourceList } from '../../../src/k8s/resources.js';
import { mutate } from '../../../src/webhook/mutate.js';
import { config, context } from '../../support/webhook.js';

const root = resolve(import.meta.dirname, '../../..');
const docs = parseAllDocuments(readFileSync(resolve(root, 'examples/spark-pi-spark-submit.yaml'), 'utf8')).map((d) => d.toJS() as { kind: string; metadata: { name: string; namespace?: string } });
const one = <T>(kind: string): T => {
  const found = docs.filter((d) => d.kind === kind);
  if (found.length !== 1) throw new Error(`want one ${kind} in the example, found ${found.length}`);
  return found[0] as T;
};
const driver = one<V1Pod>('Pod');
const configMap = one<V1ConfigMap>('ConfigMap');
const service = one<V1Service>('Service');
const props = parseJavaProperties(configMap.data?.['spark.properties'] ?? '');

describe('the kind demo app, examples/spark-pi-spark-submit.yaml', () => {
  it('is the driver pod scripts/kind-up.sh waits for, with nothing Gangplank-specific in it', () => {
    expect(driver.metadata?.name).toBe('spark-pi-driver');
    expect(readFileSync(resolve(root, 'scripts/kind-up.sh'), 'utf8')).toContain('pod/spark-pi-driver');
    expect(driver.spec?.schedulerName).toBeUndefined();
    expect(Object.keys(driver.metadata?.labels ?? {}).sort()).toEqual(['spark-app-name', 'spark-app-selector', 'spark-role', 'spark-version']);
    expect(driver.spec?.containers[0]?.image).toMatch(/^apache\/spark:3\.5\.\d+$/);
  });

  it('is shaped by the webhook like any spark-submit driver: Gangplank scheduler and gang name', () => {
    const { pod, spark } = mutate(driver, context(config(), { namespace: 'spark-demo' }));
    expect(spark?.role).toBe('driver');
    expect(pod.spec?.schedulerName).toBe('gangplank-scheduler');
    expect(pod.metadata?.labels?.['pod-group.scheduling.kubenexus.io/name']).toBeTruthy();
  });

  it('mounts the spark.properties ConfigMap the extender reads, asking for 2 executors of the driver shape', () => {
    const mounted = driver.spec?.volumes?.map((v) => v.configMap?.name).filter(Boolean);
    expect(mounted).toEqual([configMap.metadata?.name]);
    expect(configMap.metadata?.name).toMatch(/^spark-drv-[0-9a-f]{16}-conf-map$/);
    expect(props.get('spark.executor.instances')).toBe('2');
    const decided = resolveDriverExecutors({ driver, sparkConf: { state: 'found', text: configMap.data?.['spark.properties'] ?? '' }, age: 0, waitSeconds: 5 });
    const executor = parseResourceList({ cpu: '1', memory: '1408Mi' });
    expect(decided).toEqual({ kind: 'known', executors: { count: 2, countSource: 'spark-properties', requests: executor, resourcesSource: 'spark-properties' } });
    expect(parseResourceList(driver.spec?.containers[0]?.resources?.requests as Record<string, string>)).toEqual(executor);
  });

  it('is consistent as spark-submit writes it: pod name, app id, image, namespace and driver Service', () => {
    const selector = driver.metadata?.labels?.['spark-app-selector'];
    expect(props.get('spark.kubernetes.driver.pod.name')).toBe(driver.metadata?.name);
    expect(props.get('spark.app.id')).toBe(selector);
    expect(props.get('spark.kubernetes.container.image')).toBe(driver.spec?.containers[0]?.image);
    expect(props.get('spark.kubernetes.namespace')).toBe(driver.metadata?.namespace);
    expect(props.get('spark.master')).toBe('k8s://https://kubernetes.default.svc');
    expect(props.get('spark.driver.host')).toBe(`${service.metadata?.name}.spark-demo.svc`);
    expect(service.spec?.selector).toEqual({ 'spark-app-selector': selector, 'spark-role': 'driver' });
    expect(driver.spec?.serviceAccountName).toBe(props.get('spark.kubernetes.authenticate.driver.serviceAccountName'));
    for (const d of docs) if (d.kind !== 'Namespace') expect(d.metadata.namespace, `${d.kind} ${d.metadata.name}`).toBe('spark-demo');
  });
});
