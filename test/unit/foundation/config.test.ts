import { describe, expect, it } from 'vitest';
import { ConfigError, validateConfig } from '../../../src/config/index.js';

/** The problems a raw config produces, or [] when it is valid. */
function problems(raw: unknown): readonly string[] {
  try {
    validateConfig(raw, 'test.yaml', '/nonexistent');
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

describe('configuration: every problem in one load', () => {
  it.each([
    {
      name: 'a wrong type beside a duplicate profile and a self-alias',
      raw: { schedulerName: 'gp', schedulerNameAliases: ['gp'], webhook: 'yes', profiles: [{ name: 'a' }, { name: 'a' }] },
      want: ['webhook: Invalid input: expected object, received string', 'profiles[1].name: duplicate profile name (also profiles[0])', 'schedulerNameAliases: must not contain schedulerName itself'],
    },
    {
      name: 'an enum value outside the list beside a duplicate profile',
      raw: { profiles: [{ name: 'gpu', numa: { policy: 'sometimes' } }, { name: 'gpu' }] },
      want: ['profiles[0].numa.policy:', 'profiles[1].name: duplicate profile name (also profiles[0])'],
    },
    {
      name: 'a mistyped templateFile beside a second template source',
      raw: { profiles: [{ name: 'p', driver: { template: {}, templateFile: 5 } }] },
      want: ['profiles[0].driver.templateFile: Invalid input: expected string', 'profiles[0].driver: give at most one of template, templateFile, templateConfigMap'],
    },
    {
      name: 'an unknown field beside a duplicate profile whose own fields are wrong',
      raw: { colour: 'blue', profiles: [{ name: 'x' }, { name: 'x', executorInstances: 'many' }] },
      want: ['(root): unknown field(s) "colour"', 'profiles[1].executorInstances:', 'profiles[1].name: duplicate profile name (also profiles[0])'],
    },
  ])('lists field and cross-field problems together: $name', ({ raw, want }) => {
    const got = problems(raw);
    for (const w of want) expect(got.some((p) => p.startsWith(w)), `${w} in ${JSON.stringify(got)}`).toBe(true);
    expect(got).toHaveLength(want.length);
  });

  it('reads unvalidated fields defensively: a mistyped name or list is no duplicate and no crash', () => {
    expect(problems({ schedulerName: 7, schedulerNameAliases: 'gp', profiles: [{ name: 3 }, { name: 3 }, 'x'] })).toEqual([
      'schedulerName: Invalid input: expected string, received number',
      'schedulerNameAliases: Invalid input: expected array, received string',
      'profiles[0].name: Invalid input: expected string, received number',
      'profiles[1].name: Invalid input: expected string, received number',
      'profiles[2]: Invalid input: expected object, received string',
    ]);
  });

  it('reports a configuration that is not a map at all, once', () => {
    expect(problems(['a'])).toEqual(['(root): Invalid input: expected object, received array']);
  });

  it('accepts a valid configuration with several profiles and aliases', () => {
    expect(problems({ schedulerNameAliases: ['kubenexus-scheduler'], profiles: [{ name: 'a' }, { name: 'b', driver: { template: {} } }] })).toEqual([]);
  });
});

describe('executorDefaults follow Spark\'s own rules (contract/spark-resources.ts)', () => {
  it.each([
    { name: 'a fractional size Spark rejects', shape: { memory: '1.5g' }, want: 'executorDefaults.memory: spark.executor.memory: Spark does not accept fractional sizes' },
    { name: 'fractional cores (an int in Spark; fractions go in requestCores)', shape: { cores: 0.5 }, want: 'executorDefaults.cores: Invalid input: expected int' },
    { name: 'a request that is not a quantity', shape: { requestCores: 'two' }, want: 'executorDefaults.requestCores: spark.kubernetes.executor.request.cores: not a Kubernetes quantity' },
    { name: 'an overhead Spark cannot read', shape: { memoryOverhead: 'lots' }, want: 'executorDefaults.memoryOverhead: spark.executor.memoryOverhead: not a Spark size' },
  ])('$name is reported with its path, in a profile and in the extender', ({ shape, want }) => {
    expect(problems({ profiles: [{ name: 'p', executorDefaults: shape }] }).some((p) => p.startsWith(`profiles[0].${want}`))).toBe(true);
    expect(problems({ extender: { executorDefaults: shape } }).some((p) => p.startsWith(`extender.${want}`))).toBe(true);
  });

  it('accepts what Spark accepts', () => {
    expect(problems({ profiles: [{ name: 'p', executorDefaults: { cores: 2, requestCores: '1800m', memory: '4g', memoryOverhead: '512m', gpus: 1, gpuResource: 'nvidia.com/gpu' } }] })).toEqual([]);
  });
});
