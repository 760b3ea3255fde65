import { describe, expect, it } from 'vitest';
import { cpuQuantity, executorMemoryMiB, executorOverheadMiB, executorRequests, formatResourceList, parseResourceListAnnotation, sparkMemoryMiB } from '../../../src/webhook/spark-resources.js';

describe('Spark memory strings', () => {
  it.each([
    ['512m', 512],
    ['1g', 1024],
    ['1G', 1024],
    ['2gb', 2048],
    ['2048', 2048],
    ['1536k', 1],
    ['1t', 1024 * 1024],
    ['4g ', 4096],
  ])('%s is %d MiB', (s, mib) => {
    expect(sparkMemoryMiB(s)).toBe(mib);
  });
  it.each(['', 'lots', '1x', '-1g'])('%j is rejected', (s) => {
    expect(() => sparkMemoryMiB(s)).toThrow(/Spark memory size|unit/);
  });
  it('offHeap sizes default to bytes', () => {
    expect(sparkMemoryMiB(String(3 * 2 ** 20), 'b')).toBe(3);
  });
});

type Conf = Record<string, string>;

describe('executor memory overhead (max(384 MiB, factor × memory) unless explicit)', () => {
  it.each<{ name: string; conf: Conf; nonJvm: boolean; overhead: number; total: number }>([
    { name: '1g JVM: the 384 MiB floor', conf: { 'spark.executor.memory': '1g' }, nonJvm: false, overhead: 384, total: 1408 },
    { name: '2g JVM: floor still wins (204 < 384)', conf: { 'spark.executor.memory': '2g' }, nonJvm: false, overhead: 384, total: 2432 },
    { name: '8g JVM: 10% = 819', conf: { 'spark.executor.memory': '8g' }, nonJvm: false, overhead: 819, total: 9011 },
    { name: '8g Python: 40% = 3276', conf: { 'spark.executor.memory': '8g' }, nonJvm: true, overhead: 3276, total: 11468 },
    { name: '1g Python: 409', conf: { 'spark.executor.memory': '1g' }, nonJvm: true, overhead: 409, total: 1433 },
    { name: 'explicit overhead wins (seed: 8g + 1g)', conf: { 'spark.executor.memory': '8g', 'spark.executor.memoryOverhead': '1g' }, nonJvm: true, overhead: 1024, total: 9216 },
    { name: 'explicit factor wins over non-JVM default', conf: { 'spark.executor.memory': '8g', 'spark.executor.memoryOverheadFactor': '0.2' }, nonJvm: true, overhead: 1638, total: 9830 },
    { name: 'legacy kubernetes factor', conf: { 'spark.executor.memory': '10g', 'spark.kubernetes.memoryOverheadFactor': '0.2' }, nonJvm: false, overhead: 2048, total: 12288 },
    { name: 'Spark 4 minMemoryOverhead', conf: { 'spark.executor.memory': '1g', 'spark.executor.minMemoryOverhead': '512m' }, nonJvm: false, overhead: 512, total: 1536 },
    { name: 'pyspark memory added', conf: { 'spark.executor.memory': '1g', 'spark.executor.pyspark.memory': '512m' }, nonJvm: true, overhead: 409, total: 1945 },
    { name: 'off-heap added when enabled', conf: { 'spark.executor.memory': '1g', 'spark.memory.offHeap.enabled': 'true', 'spark.memory.offHeap.size': '256m' }, nonJvm: false, overhead: 384, total: 1664 },
    { name: 'off-heap ignored when disabled', conf: { 'spark.executor.memory': '1g', 'spark.memory.offHeap.size': '256m' }, nonJvm: false, overhead: 384, total: 1408 },
    { name: 'Spark default 1g when unset', conf: {}, nonJvm: false, overhead: 384, total: 1408 },
  ])('$name', ({ conf, nonJvm, overhead, total }) => {
    expect(executorOverheadMiB(conf, nonJvm)).toBe(overhead);
    expect(executorMemoryMiB(conf, nonJvm)).toBe(total);
  });
});

describe('executor requests', () => {
  it.each<{ name: string; conf: Conf; want: Conf }>([
    { name: 'DESIGN example: 2g, 1 core, 1 GPU', conf: { 'spark.executor.memory': '2g', 'spark.executor.cores': '1', 'spark.executor.resource.gpu.amount': '1', 'spark.executor.resource.gpu.vendor': 'nvidia.com' }, want: { cpu: '1', memory: '2432Mi', 'nvidia.com/gpu': '1' } },
    { name: 'request.cores wins over cores', conf: { 'spark.executor.cores': '2', 'spark.kubernetes.executor.request.cores': '1.8' }, want: { cpu: '1800m', memory: '1408Mi' } },
    { name: 'millicore request', conf: { 'spark.kubernetes.executor.request.cores': '500m' }, want: { cpu: '500m', memory: '1408Mi' } },
    { name: 'Kyuubi seed 0.5 cores', conf: { 'spark.executor.cores': '0.5', 'spark.executor.memory': '1g' }, want: { cpu: '500m', memory: '1408Mi' } },
    { name: 'GPU without vendor is not a Kubernetes resource', conf: { 'spark.executor.resource.gpu.amount': '1' }, want: { cpu: '1', memory: '1408Mi' } },
    { name: 'other vendor resource', conf: { 'spark.executor.resource.fpga.amount': '2', 'spark.executor.resource.fpga.vendor': 'xilinx.com' }, want: { cpu: '1', memory: '1408Mi', 'xilinx.com/fpga': '2' } },
  ])('$name', ({ conf, want }) => {
    expect(executorRequests(conf, false)).toEqual(want);
  });
  it('formats a stable JSON: cpu, memory, then sorted', () => {
    expect(formatResourceList({ 'nvidia.com/gpu': '1', memory: '2432Mi', cpu: '1', 'a.io/x': '2' })).toBe('{"cpu":"1","memory":"2432Mi","a.io/x":"2","nvidia.com/gpu":"1"}');
  });
  it.each([
    ['{"cpu":"1","memory":"2Gi"}', { cpu: '1', memory: '2Gi' }],
    ['{"cpu":2}', { cpu: '2' }],
    ['{"cpu":"lots"}', undefined],
    ['[1]', undefined],
    ['not json', undefined],
  ])('annotation %s parses to %j', (text, want) => {
    expect(parseResourceListAnnotation(text)).toEqual(want);
  });
  it.each([
    ['1.8', '1800m'],
    ['2', '2'],
    [0.5, '500m'],
    ['1000m', '1'],
  ])('cpu %j is %s', (q, want) => {
    expect(cpuQuantity(q)).toBe(want);
  });
});
