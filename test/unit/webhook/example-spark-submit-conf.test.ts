// examples/spark-submit-conf.yaml (test/e2e/spark-submit.test.ts applies it on
// the real control plane): checked offline here — the webhook can tell neither
// N nor the executor shape from the driver pod and writes neither; the
// extender reads both from the ConfigMap: 4 executors of 2 cpu.
import type { V1ConfigMap, V1Pod } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { resolveDriverExecutors } from '../../../src/gang/driver-executors.js';
import { mutate } from '../../../src/webhook/mutate.js';
import { config, context } from '../../support/webhook.js';

const docs = parseAllDocuments(readFileSync(resolve(import.meta.dirname, '../../../examples/spark-submit-conf.yaml'), 'utf8')).map((d) => d.toJS() as { kind: string; metadata: { name: string } });
const driver = docs.find((d) => d.kind === 'Pod') as unknown as V1Pod;
const configMap = docs.find((d) => d.kind === 'ConfigMap') as unknown as V1ConfigMap;

describe('examples/spark-submit-conf.yaml', () => {
  it('is a driver as spark-submit creates it: Spark labels only, the conf-map mounted', () => {
    expect(Object.keys(driver.metadata?.labels ?? {}).sort()).toEqual(['spark-app-name', 'spark-app-selector', 'spark-role', 'spark-version']);
    expect(driver.spec?.schedulerName).toBeUndefined();
    expect(driver.spec?.volumes?.map((v) => v.configMap?.name).filter(Boolean)).toEqual([configMap.metadata?.name]);
  });

  it('gets a scheduler and a gang name from the webhook, but no executor count or shape', () => {
    const { pod, warnings } = mutate(driver, context(config(), { namespace: 'spark-conf-demo' }));
    expect(pod.spec?.schedulerName).toBe('gangplank-scheduler');
    expect(pod.metadata?.labels?.['pod-group.scheduling.kubenexus.io/name']).toBe('spark-pi-conf-4b7e2a9c');
    expect(Object.keys(pod.metadata?.annotations ?? {}).filter((k) => k.startsWith('gangplank.io/'))).toEqual([]);
    expect(warnings).toEqual([]);
  });

  it('tells the extender 4 executors of {cpu 2, memory 1408Mi} through its ConfigMap', () => {
    const { pod } = mutate(driver, context(config(), { namespace: 'spark-conf-demo' }));
    const r = resolveDriverExecutors({ driver: pod, sparkConf: { state: 'found', text: configMap.data?.['spark.properties'] ?? '' }, age: 0, waitSeconds: 5 });
    expect(r).toEqual({ kind: 'known', executors: { count: 4, countSource: 'spark-properties', requests: { cpu: 2000, memory: 1408 * 2 ** 20 }, resourcesSource: 'spark-properties' } });
  });
});
