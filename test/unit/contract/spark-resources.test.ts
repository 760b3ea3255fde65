// Spark's executor rules (contract/spark-resources.ts) against figures
// worked out from Spark's source for 3.3–4.0 (docs/spark-resources.md):
// ResourceProfile.getResourcesForClusterManager, BasicExecutorFeatureStep,
// Utils.getDynamicAllocationInitialExecutors, ResourceUtils.parseResourceRequest.
import { describe, expect, it } from 'vitest';
import { SparkConfError, type SparkConf } from '../../../src/contract/spark-conf.js';
import { appTypeOf, executorCount, executorMemory, overheadFactor, sparkExecutorContainer, type AppType } from '../../../src/contract/spark-resources.js';

describe('executor memory: heap + overhead + off-heap + PySpark memory', () => {
  it.each<{ name: string; conf: SparkConf; app?: AppType; overhead: number; total: number }>([
    { name: 'Spark defaults: 1g + the 384 MiB floor', conf: {}, overhead: 384, total: 1408 },
    { name: '2g JVM: the floor still wins (204 < 384)', conf: { 'spark.executor.memory': '2g' }, overhead: 384, total: 2432 },
    { name: '4g JVM: ⌊0.1 × 4096⌋ = 409', conf: { 'spark.executor.memory': '4g' }, overhead: 409, total: 4505 },
    { name: '8g JVM: 819', conf: { 'spark.executor.memory': '8g' }, overhead: 819, total: 9011 },
    { name: '8g Python: non-JVM factor 0.4 = 3276', conf: { 'spark.executor.memory': '8g' }, app: 'python', overhead: 3276, total: 11468 },
    { name: '1g R: 409', conf: { 'spark.executor.memory': '1g' }, app: 'r', overhead: 409, total: 1433 },
    { name: 'explicit overhead wins over any factor (seed: 8g + 1g)', conf: { 'spark.executor.memory': '8g', 'spark.executor.memoryOverhead': '1g' }, app: 'python', overhead: 1024, total: 9216 },
    { name: 'explicit overhead below the floor is kept (the floor applies to the factor only)', conf: { 'spark.executor.memoryOverhead': '100m' }, overhead: 100, total: 1124 },
    { name: 'spark.executor.memoryOverheadFactor wins over the non-JVM default', conf: { 'spark.executor.memory': '8g', 'spark.executor.memoryOverheadFactor': '0.2' }, app: 'python', overhead: 1638, total: 9830 },
    { name: 'spark.executor.memoryOverheadFactor wins over spark.kubernetes.memoryOverheadFactor', conf: { 'spark.executor.memory': '10g', 'spark.executor.memoryOverheadFactor': '0.1', 'spark.kubernetes.memoryOverheadFactor': '0.4' }, overhead: 1024, total: 11264 },
    { name: 'spark.kubernetes.memoryOverheadFactor (what the driver writes for executors)', conf: { 'spark.executor.memory': '10g', 'spark.kubernetes.memoryOverheadFactor': '0.2' }, overhead: 2048, total: 12288 },
    { name: 'Spark 4 spark.executor.minMemoryOverhead raises the floor', conf: { 'spark.executor.memory': '1g', 'spark.executor.minMemoryOverhead': '512m' }, overhead: 512, total: 1536 },
    { name: 'off-heap is added when enabled (issue 8: 4g + 1g off-heap)', conf: { 'spark.executor.memory': '4g', 'spark.memory.offHeap.enabled': 'true', 'spark.memory.offHeap.size': '1g' }, overhead: 409, total: 5529 },
    { name: 'off-heap size without a suffix is bytes', conf: { 'spark.memory.offHeap.enabled': 'TRUE', 'spark.memory.offHeap.size': String(3 * 2 ** 20) }, overhead: 384, total: 1411 },
    { name: 'off-heap is ignored when disabled', conf: { 'spark.memory.offHeap.size': '256m' }, overhead: 384, total: 1408 },
    { name: 'PySpark memory is added for Python apps', conf: { 'spark.executor.pyspark.memory': '512m' }, app: 'python', overhead: 409, total: 1945 },
    { name: 'PySpark memory is not added for JVM apps', conf: { 'spark.executor.pyspark.memory': '512m' }, overhead: 384, total: 1408 },
    { name: 'spark.kubernetes.resource.type decides the app type', conf: { 'spark.executor.memory': '8g', 'spark.kubernetes.resource.type': 'python' }, overhead: 3276, total: 11468 },
    { name: 'sizes: 2048 without unit is MiB; 1536k truncates to 1 MiB', conf: { 'spark.executor.memory': '2048', 'spark.executor.memoryOverhead': '1536k' }, overhead: 1, total: 2049 },
  ])('$name', ({ conf, app, overhead, total }) => {
    const m = executorMemory(conf, appTypeOf(conf, app));
    expect(m.overheadMiB).toBe(overhead);
    expect(m.totalMiB).toBe(total);
  });

  it.each<{ name: string; conf: SparkConf; want: RegExp }>([
    { name: 'fractional size (Spark: "Fractional values are not supported")', conf: { 'spark.executor.memory': '1.5g' }, want: /fractional/ },
    { name: 'unknown suffix', conf: { 'spark.executor.memory': '4x' }, want: /suffix/ },
    { name: 'negative size', conf: { 'spark.executor.memory': '-1g' }, want: /not a Spark size/ },
    { name: 'off-heap enabled with size 0', conf: { 'spark.memory.offHeap.enabled': 'true' }, want: /at least 1 MiB/ },
    { name: 'off-heap flag that is not a boolean', conf: { 'spark.memory.offHeap.enabled': 'yes', 'spark.memory.offHeap.size': '1g' }, want: /true or false/ },
    { name: 'executor factor 0', conf: { 'spark.executor.memoryOverheadFactor': '0' }, want: /greater than 0/ },
    { name: 'a factor that is not a number', conf: { 'spark.kubernetes.memoryOverheadFactor': 'lots' }, want: /not a number/ },
  ])('rejects $name, as Spark does', ({ conf, want }) => {
    expect(() => executorMemory(conf, 'java')).toThrow(SparkConfError);
    expect(() => executorMemory(conf, 'java')).toThrow(want);
  });

  it('the factor falls back to 0.1 for JVM and 0.4 for Python and R', () => {
    expect([overheadFactor({}, 'java'), overheadFactor({}, 'python'), overheadFactor({}, 'r')]).toEqual([0.1, 0.4, 0.4]);
  });
});

describe("the executor container BasicExecutorFeatureStep builds", () => {
  it.each<{ name: string; conf: SparkConf; requests: Record<string, string>; limits: Record<string, string> }>([
    {
      name: 'the executor-resources example of docs/webhook.md: 2g, 1 core, 1 GPU',
      conf: { 'spark.executor.memory': '2g', 'spark.executor.cores': '1', 'spark.executor.resource.gpu.amount': '1', 'spark.executor.resource.gpu.vendor': 'nvidia.com' },
      requests: { cpu: '1', memory: '2432Mi' },
      limits: { memory: '2432Mi', 'nvidia.com/gpu': '1' },
    },
    { name: 'issue 8: 2 cores', conf: { 'spark.executor.cores': '2' }, requests: { cpu: '2', memory: '1408Mi' }, limits: { memory: '1408Mi' } },
    { name: 'request.cores wins over cores (seed: 2 cores, request 1.8)', conf: { 'spark.executor.cores': '2', 'spark.kubernetes.executor.request.cores': '1.8' }, requests: { cpu: '1800m', memory: '1408Mi' }, limits: { memory: '1408Mi' } },
    { name: 'millicore request', conf: { 'spark.kubernetes.executor.request.cores': '500m' }, requests: { cpu: '500m', memory: '1408Mi' }, limits: { memory: '1408Mi' } },
    { name: 'limit.cores becomes the cpu limit', conf: { 'spark.kubernetes.executor.limit.cores': '2' }, requests: { cpu: '1', memory: '1408Mi' }, limits: { memory: '1408Mi', cpu: '2' } },
    {
      name: 'another vendor resource',
      conf: { 'spark.executor.resource.fpga.amount': '2', 'spark.executor.resource.fpga.vendor': 'xilinx.com', 'spark.executor.resource.fpga.discoveryScript': '/opt/x' },
      requests: { cpu: '1', memory: '1408Mi' },
      limits: { memory: '1408Mi', 'xilinx.com/fpga': '2' },
    },
    { name: 'a zero amount requests nothing', conf: { 'spark.executor.resource.gpu.amount': '0', 'spark.executor.resource.gpu.vendor': 'nvidia.com' }, requests: { cpu: '1', memory: '1408Mi' }, limits: { memory: '1408Mi' } },
  ])('$name', ({ conf, requests, limits }) => {
    expect(sparkExecutorContainer(conf, 'java')).toEqual({ requests, limits });
  });

  it.each<{ name: string; conf: SparkConf; want: RegExp }>([
    { name: 'fractional spark.executor.cores (an int conf; use request.cores)', conf: { 'spark.executor.cores': '0.5' }, want: /whole number/ },
    { name: 'fractional cores even beside request.cores (Spark still reads it)', conf: { 'spark.executor.cores': '1.5', 'spark.kubernetes.executor.request.cores': '1' }, want: /whole number/ },
    { name: 'zero cores', conf: { 'spark.executor.cores': '0' }, want: /outside 1/ },
    { name: 'request.cores that is not a quantity', conf: { 'spark.kubernetes.executor.request.cores': 'two' }, want: /quantity/ },
    { name: 'a GPU without vendor ("vendor was not specified")', conf: { 'spark.executor.resource.gpu.amount': '1' }, want: /vendor is missing/ },
    { name: 'a resource without amount', conf: { 'spark.executor.resource.gpu.vendor': 'nvidia.com' }, want: /amount is missing/ },
    { name: 'a fractional executor resource amount', conf: { 'spark.executor.resource.gpu.amount': '0.5', 'spark.executor.resource.gpu.vendor': 'nvidia.com' }, want: /whole gpus/ },
  ])('rejects $name', ({ conf, want }) => {
    expect(() => sparkExecutorContainer(conf, 'java')).toThrow(want);
  });
});

describe('executors Spark starts with', () => {
  it.each<{ name: string; conf: SparkConf; count: number; dynamic?: { min: number; initial: number; max: number } }>([
    { name: 'Spark default: 2', conf: {}, count: 2 },
    { name: 'spark.executor.instances', conf: { 'spark.executor.instances': '4' }, count: 4 },
    { name: 'zero instances', conf: { 'spark.executor.instances': '0' }, count: 0 },
    { name: 'dynamic allocation: minExecutors', conf: { 'spark.dynamicAllocation.enabled': 'true', 'spark.dynamicAllocation.minExecutors': '3' }, count: 3, dynamic: { min: 3, initial: 3, max: 2 ** 31 - 1 } },
    { name: 'dynamic allocation: initial defaults to min, 0', conf: { 'spark.dynamicAllocation.enabled': 'true' }, count: 0, dynamic: { min: 0, initial: 0, max: 2 ** 31 - 1 } },
    { name: 'dynamic allocation: initialExecutors above min', conf: { 'spark.dynamicAllocation.enabled': 'true', 'spark.dynamicAllocation.minExecutors': '1', 'spark.dynamicAllocation.initialExecutors': '3', 'spark.dynamicAllocation.maxExecutors': '10' }, count: 3, dynamic: { min: 1, initial: 3, max: 10 } },
    { name: 'dynamic allocation: instances counts in the max', conf: { 'spark.dynamicAllocation.enabled': 'true', 'spark.dynamicAllocation.minExecutors': '1', 'spark.executor.instances': '5' }, count: 5, dynamic: { min: 1, initial: 5, max: 2 ** 31 - 1 } },
    { name: 'dynamic allocation: initial below min is ignored (Spark warns)', conf: { 'spark.dynamicAllocation.enabled': 'true', 'spark.dynamicAllocation.minExecutors': '4', 'spark.dynamicAllocation.initialExecutors': '1' }, count: 4, dynamic: { min: 4, initial: 4, max: 2 ** 31 - 1 } },
    { name: 'dynamic allocation off: min is ignored', conf: { 'spark.dynamicAllocation.enabled': 'false', 'spark.dynamicAllocation.minExecutors': '4' }, count: 2 },
  ])('$name', ({ conf, count, dynamic }) => {
    expect(executorCount(conf)).toEqual(dynamic ? { count, dynamic } : { count });
  });

  it.each<{ name: string; conf: SparkConf; want: RegExp }>([
    { name: 'initial above max (getInitialTargetExecutorNumber requires it in range)', conf: { 'spark.dynamicAllocation.enabled': 'true', 'spark.dynamicAllocation.minExecutors': '1', 'spark.executor.instances': '8', 'spark.dynamicAllocation.maxExecutors': '4' }, want: /must not exceed/ },
    { name: 'min above max', conf: { 'spark.dynamicAllocation.enabled': 'true', 'spark.dynamicAllocation.minExecutors': '5', 'spark.dynamicAllocation.maxExecutors': '4' }, want: /must not exceed/ },
    { name: 'max 0', conf: { 'spark.dynamicAllocation.enabled': 'true', 'spark.dynamicAllocation.maxExecutors': '0' }, want: /cannot be 0/ },
    { name: 'a count that is not a number', conf: { 'spark.executor.instances': 'four' }, want: /whole number/ },
    { name: 'a negative count', conf: { 'spark.executor.instances': '-1' }, want: /outside/ },
    { name: 'more executors than one gang may reserve', conf: { 'spark.executor.instances': '10001' }, want: /more than Gangplank reserves/ },
  ])('rejects $name', ({ conf, want }) => {
    expect(() => executorCount(conf)).toThrow(want);
  });
});
