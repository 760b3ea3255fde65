// One codec per driver annotation: parse(format(x)) = x for every value a
// codec accepts (fast-check), and malformed text is an Error that names the key.
import type { V1NodeSelector, V1Toleration } from '@kubernetes/client-node';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  executorConstraintsCodec,
  executorCountCodec,
  executorCountSourceCodec,
  executorResourceLayersCodec,
  executorResourcesCodec,
  minAvailableCodec,
  timeoutSecondsCodec,
  VALUE_SOURCES,
  type Codec,
  type PlacementConstraints,
} from '../../../src/contract/annotations.js';
import { gangRecordCodec, type GangRecord } from '../../../src/contract/gang-record.js';
import type { ExecutorResourceLayers } from '../../../src/contract/resource-layers.js';
import { MAX_EXECUTORS } from '../../../src/contract/spark-resources.js';
import { formatQuantity } from '../../../src/k8s/quantity.js';

const word = fc.stringMatching(/^[a-z]([a-z0-9-]{0,9}[a-z0-9])?$/);
const resourceName = fc.oneof(fc.constantFrom('cpu', 'memory', 'pods', 'ephemeral-storage'), fc.tuple(fc.stringMatching(/^[a-z]{1,8}\.(com|io)$/), word).map(([d, n]) => `${d}/${n}`));
const units = (name: string): fc.Arbitrary<number> => (name === 'memory' ? fc.integer({ min: 0, max: 2 ** 20 }).map((mib) => mib * 2 ** 20 + (mib % 3 === 0 ? 512 : 0)) : fc.integer({ min: 0, max: 2 ** 30 }));
const resourceList = fc.uniqueArray(resourceName, { maxLength: 6 }).chain((names) => fc.tuple(...names.map(units)).map((vs) => Object.fromEntries(names.map((n, i) => [n, vs[i] as number]))));
/** Quantities as the codec writes them (canonical), so that parse(format(x)) = x holds textually. */
const canonicalLists = fc.record({ requests: resourceList, limits: resourceList }, { requiredKeys: [] }).map((l) => {
  const out: { requests?: Record<string, string>; limits?: Record<string, string> } = {};
  for (const part of ['requests', 'limits'] as const) {
    const r = l[part];
    if (r && Object.keys(r).length > 0) out[part] = Object.fromEntries(Object.entries(r).map(([k, v]) => [k, formatQuantity(k, v)]));
  }
  return out;
});
const layers: fc.Arbitrary<ExecutorResourceLayers> = fc
  .record(
    {
      template: canonicalLists,
      overrides: canonicalLists,
      containers: fc.array(canonicalLists, { minLength: 1, maxLength: 3 }),
      initContainers: fc.array(fc.tuple(canonicalLists, fc.boolean()).map(([l, sidecar]) => (sidecar ? { ...l, restartPolicy: 'Always' } : l)), { minLength: 1, maxLength: 3 }),
    },
    { requiredKeys: [] },
  )
  .map((l) => l as ExecutorResourceLayers);
const toleration: fc.Arbitrary<V1Toleration> = fc.record(
  { key: word, operator: fc.constantFrom('Exists', 'Equal'), value: word, effect: fc.constantFrom('NoSchedule', 'NoExecute', 'PreferNoSchedule'), tolerationSeconds: fc.integer({ min: 0, max: 3600 }) },
  { requiredKeys: [] },
);
const nodeSelector: fc.Arbitrary<V1NodeSelector> = fc
  .array(fc.record({ key: word, operator: fc.constantFrom('In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'), values: fc.array(word, { maxLength: 3 }) }), { minLength: 1, maxLength: 3 })
  .map((matchExpressions) => ({ nodeSelectorTerms: [{ matchExpressions }] }));
const constraints: fc.Arbitrary<PlacementConstraints> = fc
  .record({ nodeSelector: fc.dictionary(word, word, { maxKeys: 4 }), tolerations: fc.array(toleration, { maxLength: 4 }), requiredNodeAffinity: fc.option(nodeSelector, { nil: undefined }) })
  .map(({ requiredNodeAffinity, ...c }) => (requiredNodeAffinity ? { ...c, requiredNodeAffinity } : c));
const record: fc.Arbitrary<GangRecord> = fc
  .record({
    namespace: word,
    name: word,
    kind: fc.constantFrom('driver-led' as const, 'co-created' as const),
    anchor: fc.record({ name: word, uid: fc.uuid() }),
    timeoutSeconds: fc.integer({ min: 1, max: 86400 }),
    slots: fc.array(
      fc.record({ id: word, role: fc.constantFrom('driver' as const, 'executor' as const, 'member' as const), node: word, zone: fc.option(word, { nil: undefined }), requests: canonicalLists.map((l) => l.requests ?? {}), pod: fc.option(fc.uuid(), { nil: undefined }) }),
      { maxLength: 5 },
    ),
    sources: fc.option(fc.record({ count: fc.constantFrom(...VALUE_SOURCES), resources: fc.constantFrom(...VALUE_SOURCES) }), { nil: undefined }),
  })
  .map(({ slots, sources, ...r }) => ({
    version: 1 as const,
    ...r,
    createdAt: '2026-01-01T00:00:00.000Z',
    plannedAt: '2026-01-01T00:00:01.000Z',
    slots: slots.map(({ zone, pod, ...s }) => ({ ...s, ...(zone ? { zone } : {}), ...(pod ? { pod } : {}) })),
    ...(sources ? { sources } : {}),
  }));

const roundTrips: [string, Codec<unknown>, fc.Arbitrary<unknown>][] = [
  ['executor-count', executorCountCodec as Codec<unknown>, fc.integer({ min: 0, max: MAX_EXECUTORS })],
  ['min-available', minAvailableCodec as Codec<unknown>, fc.integer({ min: 1, max: MAX_EXECUTORS + 1 })],
  ['timeout-seconds', timeoutSecondsCodec as Codec<unknown>, fc.integer({ min: 1, max: 365 * 24 * 3600 })],
  ['executor-count-source', executorCountSourceCodec as Codec<unknown>, fc.constantFrom(...VALUE_SOURCES)],
  ['executor-resources', executorResourcesCodec as Codec<unknown>, resourceList],
  ['executor-resource-layers', executorResourceLayersCodec as Codec<unknown>, layers],
  ['executor-constraints', executorConstraintsCodec as Codec<unknown>, constraints],
  ['gang-record', gangRecordCodec as Codec<unknown>, record],
];

describe('codecs: parse(format(x)) = x', () => {
  it.each(roundTrips)('%s', (_name, codec, arb) => {
    fc.assert(
      fc.property(arb, (x) => {
        expect(codec.parse(codec.format(x))).toEqual(x);
      }),
      { numRuns: 300 },
    );
  });
});

describe('codecs reject malformed text with the key in the message', () => {
  it.each<[string, Codec<unknown>, string]>([
    ['a count that is not a number', executorCountCodec as Codec<unknown>, 'four'],
    ['a negative count', executorCountCodec as Codec<unknown>, '-1'],
    ['a fractional count', executorCountCodec as Codec<unknown>, '2.5'],
    ['more executors than one gang may reserve', executorCountCodec as Codec<unknown>, '10001'],
    ['min-available 0', minAvailableCodec as Codec<unknown>, '0'],
    ['a time-out of 0', timeoutSecondsCodec as Codec<unknown>, '0'],
    ['a time-out in float notation', timeoutSecondsCodec as Codec<unknown>, '1e3'],
    ['an unknown source', executorCountSourceCodec as Codec<unknown>, 'guess'],
    ['resources that are not JSON', executorResourcesCodec as Codec<unknown>, 'not json'],
    ['resources as a list', executorResourcesCodec as Codec<unknown>, '[1]'],
    ['a quantity that is not one', executorResourcesCodec as Codec<unknown>, '{"cpu":"lots"}'],
    ['a negative quantity', executorResourcesCodec as Codec<unknown>, '{"cpu":"-1"}'],
    ['a resource name that is not one', executorResourcesCodec as Codec<unknown>, '{"a b":"1"}'],
    ['layers with a restartPolicy other than Always', executorResourceLayersCodec as Codec<unknown>, '{"initContainers":[{"restartPolicy":"Never"}]}'],
    ['constraints that are not JSON', executorConstraintsCodec as Codec<unknown>, '{'],
    ['a toleration with an unknown field', executorConstraintsCodec as Codec<unknown>, '{"tolerations":[{"key":"a","bogus":1}]}'],
    ['affinity without terms', executorConstraintsCodec as Codec<unknown>, '{"requiredNodeAffinity":{}}'],
    ['a gang record of another version', gangRecordCodec as Codec<unknown>, '{"version":2}'],
  ])('%s', (_name, codec, text) => {
    const got = codec.parse(text);
    expect(got).toBeInstanceOf(Error);
    expect((got as Error).message).toContain(codec === gangRecordCodec ? 'gang record' : codec.key);
  });

  it('accepts what users write by hand: white space around a count, numbers as quantities', () => {
    expect(executorCountCodec.parse(' 4 ')).toBe(4);
    expect(executorResourcesCodec.parse('{"cpu":2,"memory":"1Gi"}')).toEqual({ cpu: 2000, memory: 2 ** 30 });
  });

  it('formats resources canonically, cpu and memory first', () => {
    expect(executorResourcesCodec.format({ 'nvidia.com/gpu': 1, memory: 2432 * 2 ** 20, cpu: 1000, 'a.io/x': 2 })).toBe('{"cpu":"1","memory":"2432Mi","a.io/x":"2","nvidia.com/gpu":"1"}');
  });
});
