import { describe, expect, it } from 'vitest';
import { DEFAULT_EXECUTOR_SHAPE, shapeFromAnnotation, shapeFromDefaults, shapeFromSparkProperties } from '../../../src/gang/executor-shape.js';
import { parseJavaProperties, sparkMemoryMiB } from '../../../src/gang/spark-properties.js';

const MiB = 2 ** 20;

describe('Spark memory strings', () => {
  it.each([
    ['1g', 1024],
    ['512m', 512],
    ['2048', 2048],
    ['4G', 4096],
    ['1gb', 1024],
    ['1t', 1024 * 1024],
    ['1536k', 1],
    ['2097152b', 2],
  ])('%s is %d MiB', (s, mib) => {
    expect(sparkMemoryMiB(s)).toBe(mib);
  });
  it.each(['', 'lots', '1.5g', '-1g'])('rejects %j', (s) => {
    expect(() => sparkMemoryMiB(s)).toThrow();
  });
});

describe('java.util.Properties text', () => {
  it('reads separators, comments, escapes and continuations as Properties.store writes them', () => {
    const text = ['#Spark configuration', '#Mon Jan 01 00:00:00 UTC 2026', 'spark.master=k8s\\://https\\://10.0.0.1\\:443', 'spark.executor.memory 4g', 'spark.executor.cores: 2', '! another comment', 'spark.long=a\\', '    b', 'spark.empty='].join('\n');
    const p = parseJavaProperties(text);
    expect(Object.fromEntries(p)).toEqual({
      'spark.master': 'k8s://https://10.0.0.1:443',
      'spark.executor.memory': '4g',
      'spark.executor.cores': '2',
      'spark.long': 'ab',
      'spark.empty': '',
    });
  });
});

describe('executor shape', () => {
  const props = (o: Record<string, string | undefined>) => new Map(Object.entries(o) as [string, string][]);

  it.each([
    { name: 'defaults: 1 core, 1g + 384Mi overhead', p: {}, want: { cpu: 1000, memory: 1408 * MiB } },
    { name: '2g: overhead is the 384Mi floor', p: { 'spark.executor.memory': '2g' }, want: { cpu: 1000, memory: 2432 * MiB } },
    { name: '8g: overhead is 10% (819Mi)', p: { 'spark.executor.memory': '8g' }, want: { cpu: 1000, memory: (8192 + 819) * MiB } },
    { name: 'explicit overhead', p: { 'spark.executor.memory': '4g', 'spark.executor.memoryOverhead': '1g' }, want: { cpu: 1000, memory: 5120 * MiB } },
    { name: 'overhead factor 0.4', p: { 'spark.executor.memory': '4g', 'spark.executor.memoryOverheadFactor': '0.4' }, want: { cpu: 1000, memory: (4096 + 1638) * MiB } },
    { name: 'legacy kubernetes factor', p: { 'spark.executor.memory': '4g', 'spark.kubernetes.memoryOverheadFactor': '0.2' }, want: { cpu: 1000, memory: (4096 + 819) * MiB } },
    { name: 'request.cores wins over cores', p: { 'spark.executor.cores': '4', 'spark.kubernetes.executor.request.cores': '1500m' }, want: { cpu: 1500, memory: 1408 * MiB } },
    { name: 'cores', p: { 'spark.executor.cores': '4' }, want: { cpu: 4000, memory: 1408 * MiB } },
    { name: 'GPU with default vendor', p: { 'spark.executor.resource.gpu.amount': '1' }, want: { cpu: 1000, memory: 1408 * MiB, 'nvidia.com/gpu': 1 } },
    { name: 'GPU with vendor', p: { 'spark.executor.resource.gpu.amount': '2', 'spark.executor.resource.gpu.vendor': 'amd.com' }, want: { cpu: 1000, memory: 1408 * MiB, 'amd.com/gpu': 2 } },
    { name: 'pyspark memory adds', p: { 'spark.executor.pyspark.memory': '512m' }, want: { cpu: 1000, memory: (1408 + 512) * MiB } },
  ])('$name', ({ p, want }) => {
    expect(shapeFromSparkProperties(props(p), DEFAULT_EXECUTOR_SHAPE)).toEqual(want);
  });

  it('defaults give Spark defaults', () => {
    expect(shapeFromDefaults(DEFAULT_EXECUTOR_SHAPE)).toEqual({ cpu: 1000, memory: 1408 * MiB });
  });

  it('the annotation is one executor pod in scheduler units', () => {
    expect(shapeFromAnnotation({ 'gangplank.io/executor-resources': '{"cpu":"1","memory":"2432Mi","nvidia.com/gpu":"1"}' })).toEqual({ cpu: 1000, memory: 2432 * MiB, 'nvidia.com/gpu': 1 });
    expect(shapeFromAnnotation({})).toBeUndefined();
    expect(shapeFromAnnotation({ 'gangplank.io/executor-resources': '[1]' })).toBeInstanceOf(Error);
  });
});
