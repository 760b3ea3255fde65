// Hostile input for the fuzz tier (issue 9): anything a pod author can write
// on a pod (annotations, labels, quantities) and what a broken client can
// send as a body. Each run is bounded (GANGPLANK_FUZZ_RUNS, default 150) and
// logs its seed (GANGPLANK_FUZZ_SEED replays one); `npm run bench -- fuzz`
// runs the same properties with many more cases.
import type { V1Pod } from '@kubernetes/client-node';
import fc from 'fast-check';
import { makePod } from './pod.js';

export function fuzzSettings(name: string): { seed: number; numRuns: number } {
  const seed = Number(process.env.GANGPLANK_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const numRuns = Number(process.env.GANGPLANK_FUZZ_RUNS ?? 150);
  // Printed on every run, not only on failure: a green run's seed can still be replayed.
  console.info(`[fuzz] ${name}: seed ${seed}, ${numRuns} cases (replay with GANGPLANK_FUZZ_SEED=${seed})`);
  return { seed, numRuns };
}

/** A test time-out that grows with the number of cases (a bench run has thousands). */
export function fuzzTimeoutMs(): number {
  return Math.max(30_000, Number(process.env.GANGPLANK_FUZZ_RUNS ?? 150) * 30);
}

/** Quantities: valid ones, and the shapes issue 9 found harmful. */
export const hostileQuantity: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('1', '500m', '1408Mi', '2Gi', '0.5', '4', '0'),
  fc.constantFrom('-6', '-8Gi', '1e400', '10e399', '9223372036854775807', '1e-400', 'NaN', 'Infinity', '', ' ', '1.5 cores', '1.5g', '0x10', '１'),
  fc.integer({ min: 1, max: 4000 }).map((n) => `${'9'.repeat(n)}x`),
  fc.integer({ min: 1, max: 4000 }).map((n) => `${' '.repeat(n)}1${' '.repeat(n)}`),
  fc.string({ maxLength: 12 }),
);

const hostileCount: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('0', '1', '3', '20', '-1', '1e21', '999999999', '3.5', 'abc', '', '0x10', '1_000'),
  fc.integer({ min: 1, max: 2000 }).map((n) => '1'.repeat(n)),
);

const resourcesJson: fc.Arbitrary<string> = fc.oneof(
  fc.record({ cpu: hostileQuantity, memory: hostileQuantity }, { requiredKeys: [] }).map((r) => JSON.stringify(r)),
  fc.record({ 'nvidia.com/gpu': hostileQuantity, __proto__: fc.constant('1') }, { requiredKeys: [] }).map((r) => JSON.stringify(r)),
  fc.constantFrom('{', '[]', 'null', '"cpu"', '{"cpu":1e400}', '{"cpu":-1}', '{"cpu":{"nested":1}}'),
  fc.string({ maxLength: 30 }),
);

/**
 * Container quantities as the API server re-encodes them before admission: it
 * decodes every quantity (a malformed one never reaches a webhook) but
 * validates only after mutation, so negative and enormous values do arrive.
 */
export const podQuantity: fc.Arbitrary<string> = fc.constantFrom('1', '500m', '1408Mi', '2Gi', '0', '-6', '-8Gi', '10e399', '9223372036854775807', '1e-400', '16Ei');

/** Annotations under Gangplank's and KubeNexus's keys, with hostile values. */
export const hostileAnnotations: fc.Arbitrary<Record<string, string>> = fc.record(
  {
    'gangplank.io/executor-count': hostileCount,
    'gangplank.io/executor-resources': resourcesJson,
    'gangplank.io/timeout-seconds': hostileCount,
    'gangplank.io/executor-constraints': fc.oneof(fc.constantFrom('{}', '{"nodeSelector":{"a":"b"}}', '{"tolerations":"x"}', '[1,2]'), fc.string({ maxLength: 20 })),
    'gangplank.io/gang-record': fc.oneof(
      fc.constantFrom('{}', '{"namespace":"kube-system","name":"x","timeoutSeconds":1e9,"slots":[]}', 'null'),
      fc.string({ maxLength: 40 }),
    ),
    'numa.scheduling.kubenexus.io/policy': fc.constantFrom('single-numa', 'single-numa-node', 'none', 'bogus', 'single-numa-nod', '', 'restricted', 'best-effort'),
    'numa.scheduling.kubenexus.io/resources': fc.oneof(fc.constantFrom('cpu,memory,nvidia.com/gpu', '', ',,,', 'cpu,,gpu'), fc.string({ maxLength: 20 })),
  },
  { requiredKeys: [] },
);

/** Gang labels as users (and the seeds' operator guide) write them, with hostile values. */
export const hostileGangLabels: fc.Arbitrary<Record<string, string>> = fc.record(
  {
    'pod-group.scheduling.kubenexus.io/name': fc.oneof(fc.constantFrom('spark-pi', 'a', 'x'.repeat(63)), fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?$/)),
    'pod-group.scheduling.kubenexus.io/min-available': fc.constantFrom('1', '4', '21', '0', '-3', '1e21', '99999'),
  },
  { requiredKeys: [] },
);

/** A Spark driver or executor pod as the API server hands it over, with hostile decorations. */
export const hostileSparkPod: fc.Arbitrary<V1Pod> = fc
  .record({
    role: fc.constantFrom('driver', 'executor'),
    app: fc.oneof(fc.constantFrom('spark-pi', 'dbt_run', 'A'.repeat(200)), fc.string({ minLength: 1, maxLength: 30 })),
    cpu: podQuantity,
    memory: podQuantity,
    annotations: hostileAnnotations,
    labels: hostileGangLabels,
    scheduler: fc.constantFrom('default-scheduler', 'gangplank-scheduler', 'kubenexus-scheduler', 'volcano'),
    ns: fc.constantFrom('spark', 'kyuubi', 'default'),
  })
  .map(({ role, app, cpu, memory, annotations, labels, scheduler, ns }) => {
    const b = makePod(`${role === 'driver' ? 'app' : 'app-exec-1'}`)
      .ns(ns)
      .sparkApp(app, 'spark-0123456789abcdef0123456789abcdef')
      .role(role as 'driver' | 'executor')
      .scheduler(scheduler)
      .annotations(annotations)
      .labels(labels);
    const pod = b.asAdmitted().obj();
    const c = pod.spec?.containers[0];
    if (c) c.resources = { requests: { cpu, memory } };
    return pod;
  });

/** Bodies a broken or hostile client can send. */
export const junkBody: fc.Arbitrary<string> = fc.oneof(
  fc.json(),
  fc.string({ maxLength: 200 }),
  fc.constantFrom('', '{', 'null', '[]', '{"request":null}', '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":5}}', '{"Pod":{},"NodeNames":"n1"}', '{"Pod":null,"NodeNames":[1,2]}'),
);

/** A DNS-1123 label value as the API server accepts it in a label. */
export const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
