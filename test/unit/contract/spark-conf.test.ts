// Spark configuration text and values as Spark reads them (contract/spark-conf.ts).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatJavaProperties, parseJavaProperties, SparkConfError, sparkMiB } from '../../../src/contract/spark-conf.js';

describe('Spark sizes (JavaUtils.byteStringAs)', () => {
  it.each([
    ['512m', 512],
    ['1g', 1024],
    ['1G', 1024],
    ['2gb', 2048],
    ['4g ', 4096],
    ['2048', 2048],
    ['1t', 1024 * 1024],
    ['1536k', 1],
    ['2097152b', 2],
  ])('%j is %d MiB', (s, mib) => {
    expect(sparkMiB('k', s)).toBe(mib);
  });
  it('a size without suffix is bytes where the setting says so (spark.memory.offHeap.size)', () => {
    expect(sparkMiB('k', String(3 * 2 ** 20 + 5), 'b')).toBe(3);
  });
  it.each([
    ['1.5g', /fractional sizes.*1536m/],
    ['', /not a Spark size/],
    ['lots', /not a Spark size/],
    ['-1g', /not a Spark size/],
    ['4 g', /not a Spark size/],
    ['1x', /suffix "x"/],
    ['99999999999999999999g', /too large/],
  ])('%j is rejected: %s', (s, want) => {
    expect(() => sparkMiB('spark.executor.memory', s)).toThrow(SparkConfError);
    expect(() => sparkMiB('spark.executor.memory', s)).toThrow(want);
  });
});

describe('java.util.Properties text', () => {
  it('reads what Properties.store writes: comments, escaped colons and equals, continuations, \\uXXXX', () => {
    const text = [
      '#Java properties built from Kubernetes config map with name: spark-drv-0a1b2c3d4e5f6a7b-conf-map',
      '#Mon Jan 01 00:00:00 UTC 2026',
      'spark.master=k8s\\://https\\://10.0.0.1\\:443',
      'spark.executor.memory 4g',
      'spark.executor.cores: 2',
      '! another comment',
      'spark.long=a\\',
      '    b',
      'spark.empty=',
      'spark.app.name=caf\\u00e9',
    ].join('\n');
    expect(Object.fromEntries(parseJavaProperties(text))).toEqual({
      'spark.master': 'k8s://https://10.0.0.1:443',
      'spark.executor.memory': '4g',
      'spark.executor.cores': '2',
      'spark.long': 'ab',
      'spark.empty': '',
      'spark.app.name': 'café',
    });
  });

  it('parse(format(conf)) = conf for any keys and values', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 20 }), fc.string({ maxLength: 40 }), { maxKeys: 12 }), (conf) => {
        expect(Object.fromEntries(parseJavaProperties(formatJavaProperties(conf)))).toEqual(conf);
      }),
      { numRuns: 500 },
    );
  });

  it('parses in time linear in its input (a 1 MB value of backslashes)', () => {
    const started = performance.now();
    parseJavaProperties(`k=${'\\'.repeat(1_000_000)}`);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
