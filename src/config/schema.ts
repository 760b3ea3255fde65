// The configuration schema for both roles. One file so that the whole
// surface a user can write is visible in one place; docs/config.md mirrors it.
import { z } from 'zod';
import { SparkConfError } from '../contract/spark-conf.js';
import { executorShapeConf } from '../contract/spark-pod.js';
import { sparkExecutorContainer } from '../contract/spark-resources.js';

/** A label value as Kubernetes validates it (RFC 1123-ish, ≤63 chars). */
const labelValue = z
  .string()
  .max(63)
  .regex(/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/, 'must be a valid label value');

/** A qualified label key: optional DNS prefix, then a name of ≤63 chars. */
const labelKey = z
  .string()
  .regex(
    /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/,
    'must be a valid label key',
  );

/** An object whose fields have not all passed validation (see `onAnyObject`). */
type Loose = Record<string, unknown>;

function isObject(v: unknown): v is Loose {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Zod skips a refinement once a field of the object has failed with an
 * aborting issue (a wrong type, a value outside an enum), so a config with one
 * typo would hide its cross-field problems until the typo is fixed. Our
 * cross-field refinements run whenever the value is an object; their fields
 * may then still hold unvalidated input, so they read them as `Loose` and
 * check each field's type before using it.
 */
const onAnyObject = { when: (payload: { value: unknown }) => isObject(payload.value) };

const dnsName = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, 'must be a DNS-1123 name');

/**
 * A pod manifest fragment. Its content is Kubernetes' own schema, checked by
 * the API server when the mutated pod is admitted; here we only insist it is
 * an object with at most `metadata` and `spec`.
 */
export const podFragmentSchema = z
  .object({
    apiVersion: z.string().optional(),
    kind: z.literal('Pod').optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
    spec: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

const configMapRef = z
  .object({
    namespace: dnsName.optional(),
    name: dnsName,
    key: z.string().min(1).default('template.yaml'),
  })
  .strict();

/** Driver or executor settings of a profile. */
const roleSettings = z
  .object({
    /** Defaults: what the pod already has wins. Inline manifest. */
    template: podFragmentSchema.optional(),
    /** Defaults read from a YAML file (relative to the config file). */
    templateFile: z.string().min(1).optional(),
    /** Defaults read from a ConfigMap the webhook watches (needs API access). */
    templateConfigMap: configMapRef.optional(),
    /** Values that win over the pod (resource governance). */
    overrides: podFragmentSchema.optional(),
  })
  .strict()
  .superRefine((value, ctx) => {
    const r = value as unknown as Loose;
    const sources = ['template', 'templateFile', 'templateConfigMap'].filter((k) => r[k] !== undefined);
    if (sources.length > 1) {
      ctx.addIssue({
        code: 'custom',
        message: 'give at most one of template, templateFile, templateConfigMap',
      });
    }
  }, onAnyObject);

export const numaPolicies = ['single-numa', 'single-numa-node', 'none'] as const;

const numaSettings = z
  .object({
    policy: z.enum(numaPolicies),
    resources: z.array(z.string().min(1)).min(1).default(['cpu', 'memory', 'nvidia.com/gpu']),
  })
  .strict();

/** One executor's shape when nothing else tells it (Spark's defaults). */
/** The Spark key each executorShape field stands for (contract/spark-pod.ts executorShapeConf). */
const SHAPE_FIELDS: readonly (readonly [string, string])[] = [
  ['cores', 'spark.executor.cores'],
  ['requestCores', 'spark.kubernetes.executor.request.cores'],
  ['memoryOverheadFactor', 'spark.executor.memoryOverheadFactor'],
  ['memoryOverhead', 'spark.executor.memoryOverhead'],
  ['memory', 'spark.executor.memory'],
  ['gpuResource', 'spark.executor.resource.'],
];

const executorShape = z
  .object({
    /** `spark.executor.cores`: an int, as in Spark (fractions go in requestCores). */
    cores: z.number().int().positive().default(1),
    /** `spark.kubernetes.executor.request.cores`, e.g. "500m" or "1.8". */
    requestCores: z.string().optional(),
    memory: z.string().default('1g'),
    memoryOverhead: z.string().optional(),
    memoryOverheadFactor: z.number().min(0).max(10).default(0.1),
    gpus: z.number().int().min(0).default(0),
    gpuResource: z.string().default('nvidia.com/gpu'),
  })
  .strict()
  .superRefine((value, ctx) => {
    // Spark's own rules over the shape (a size Spark rejects, such as "1.5g", fails here, with its path).
    const v = value as unknown as Loose;
    const typed = ['memory', 'requestCores', 'memoryOverhead', 'gpuResource'].every((k) => v[k] === undefined || typeof v[k] === 'string') && ['cores', 'memoryOverheadFactor', 'gpus'].every((k) => typeof v[k] === 'number');
    if (!typed) return;
    try {
      sparkExecutorContainer(executorShapeConf(value), 'java');
    } catch (err) {
      if (!(err instanceof SparkConfError)) throw err;
      const field = SHAPE_FIELDS.find(([, key]) => err.message.startsWith(key))?.[0];
      ctx.addIssue({ code: 'custom', path: field ? [field] : [], message: err.message });
    }
  }, onAnyObject);

const profile = z
  .object({
    name: dnsName,
    match: z
      .object({
        namespaces: z.array(dnsName).optional(),
        podLabels: z.record(labelKey, labelValue).optional(),
      })
      .strict()
      .default({}),
    /** N executors when nothing on the pod or its SparkApplication says otherwise. */
    executorInstances: z.number().int().min(0).max(10_000).optional(),
    executorDefaults: executorShape.optional(),
    driver: roleSettings.optional(),
    executor: roleSettings.optional(),
    numa: numaSettings.optional(),
    /**
     * Extra labels from values the pod carries: `{label:KEY}`, `{annotation:KEY}`,
     * `{env:NAME}` (main container env), `{namespace}`; sanitised to label values.
     */
    contextLabels: z.record(labelKey, z.string().min(1)).optional(),
    gangTimeoutSeconds: z.number().int().positive().optional(),
    /**
     * What a value a user wrote that Gangplank cannot use (an executor count,
     * quantity, time-out or NUMA policy it must ignore) does to the pod:
     * `warn` admits it with an admission warning, `deny` refuses it with the
     * same text, so the user fixes the value before anything runs. Default warn.
     */
    onInvalidValue: z.enum(['warn', 'deny']).optional(),
  })
  .strict();

const webhook = z
  .object({
    /** What an internal failure on one pod answers: allow it unchanged, or deny with the reason. */
    onError: z.enum(['allow', 'deny']).default('allow'),
    /** AdmissionReview bodies above this get HTTP 413; the API server caps requests at 3 MiB. */
    maxBodyBytes: z.number().int().positive().default(3 * 1024 * 1024),
    /** Set the gang labels on Spark pods (turn off to shape pods without gang scheduling). */
    gangLabels: z.boolean().default(true),
    /** How often the webhook asks whether the SparkApplication API is served (spark-operator installed later). */
    apiDiscoverySeconds: z.number().positive().default(10),
  })
  .strict()
  .default({ onError: 'allow', maxBodyBytes: 3 * 1024 * 1024, gangLabels: true, apiDiscoverySeconds: 10 });

/** cluster-autoscaler's atomic class: nodes for every pod set, or none (the gang's own rule). */
const DEFAULT_PROVISIONING_CLASS = 'best-effort-atomic-scale-up.autoscaling.x-k8s.io';

const provisioningRequests = z
  .object({
    enabled: z.boolean().default(false),
    /** spec.provisioningClassName of the requests. */
    className: z.string().min(1).max(253).default(DEFAULT_PROVISIONING_CLASS),
  })
  .strict()
  .default({ enabled: false, className: DEFAULT_PROVISIONING_CLASS });

const extender = z
  .object({
    /** An unfilled reservation is released after this long (per gang: gangplank.io/timeout-seconds). */
    gangTimeoutSeconds: z.number().int().positive().default(300),
    /**
     * The longest time-out a driver's gangplank.io/timeout-seconds (or a
     * persisted gang record) may ask for; longer ones are cut to this.
     */
    maxGangTimeoutSeconds: z.number().int().positive().max(365 * 24 * 3600).default(3600),
    /** The most executors one driver may reserve room for; a driver asking more does not fit. */
    maxExecutors: z.number().int().min(1).max(10_000).default(1000),
    /** How long a pod the extender approved counts against a node before the cache shows it bound. */
    assumeTtlSeconds: z.number().int().positive().default(30),
    /** How long to wait for the driver's spark.properties ConfigMap before using defaults. */
    sparkConfigWaitSeconds: z.number().min(0).default(5),
    /** A filter call fails closed when the caches have not heard from the API server for this long. */
    cacheStaleSeconds: z.number().int().positive().default(120),
    /** Resources that must share a NUMA zone when a pod names none. */
    numaResources: z.array(z.string().min(1)).min(1).default(['cpu', 'memory', 'nvidia.com/gpu']),
    /** Minimum seconds between two Events of the same reason on one pod. */
    eventIntervalSeconds: z.number().min(0).default(30),
    /** How often to ask the API server whether it serves NodeResourceTopology (topology.node.k8s.io/v1alpha2). */
    topologyDiscoverySeconds: z.number().positive().default(10),
    /**
     * From an exporter that publishes no pod-set fingerprint, an NRT update that
     * arrives this long after a pod was seen running is taken to include it (ADR 0004).
     */
    nrtSettleSeconds: z.number().min(0).default(10),
    /** One executor's shape when a driver carries no executor-resources and no spark.properties is found. */
    executorDefaults: executorShape.optional(),
    /**
     * The cluster-autoscaler signal (off by default): a driver-led gang that
     * fits nowhere gets a ProvisioningRequest (autoscaling.x-k8s.io/v1) for
     * the driver and its executors, deleted when the gang is placed or gone.
     */
    provisioningRequests: provisioningRequests,
  })
  .strict()
  .default({
    gangTimeoutSeconds: 300,
    maxGangTimeoutSeconds: 3600,
    maxExecutors: 1000,
    assumeTtlSeconds: 30,
    sparkConfigWaitSeconds: 5,
    cacheStaleSeconds: 120,
    numaResources: ['cpu', 'memory', 'nvidia.com/gpu'],
    eventIntervalSeconds: 30,
    topologyDiscoverySeconds: 10,
    nrtSettleSeconds: 10,
    provisioningRequests: { enabled: false, className: DEFAULT_PROVISIONING_CLASS },
  });

export const configSchema = z
  .object({
    schedulerName: dnsName.default('gangplank-scheduler'),
    /** Scheduler names a pod may carry that mean Gangplank's (switched to schedulerName). */
    schedulerNameAliases: z.array(dnsName).default([]),
    profiles: z.array(profile).default([{ name: 'default', match: {} }]),
    webhook,
    extender,
  })
  .strict()
  .superRefine((value, ctx) => {
    const c = value as unknown as Loose;
    const seen = new Map<string, number>();
    if (Array.isArray(c.profiles)) {
      c.profiles.forEach((p: unknown, i) => {
        const name = isObject(p) ? p.name : undefined;
        if (typeof name !== 'string') return;
        const first = seen.get(name);
        if (first !== undefined) {
          ctx.addIssue({ code: 'custom', path: ['profiles', i, 'name'], message: `duplicate profile name (also profiles[${first}])` });
        } else {
          seen.set(name, i);
        }
      });
    }
    if (Array.isArray(c.schedulerNameAliases) && typeof c.schedulerName === 'string' && c.schedulerNameAliases.includes(c.schedulerName)) {
      ctx.addIssue({ code: 'custom', path: ['schedulerNameAliases'], message: 'must not contain schedulerName itself' });
    }
  }, onAnyObject);

export type Config = z.output<typeof configSchema>;
export type Profile = Config['profiles'][number];
export type RoleSettings = NonNullable<Profile['driver']>;
export type PodFragment = z.output<typeof podFragmentSchema>;
export type ExecutorShape = z.output<typeof executorShape>;
export type NumaSettings = z.output<typeof numaSettings>;
export type WebhookConfig = Config['webhook'];
export type ExtenderConfig = Config['extender'];
