// One AdmissionReview request in, one response out, never an exception.
// The patch is the diff of the pod as received and the pod as mutate()
// shaped it (fast-json-patch's compare escapes "/" in keys as "~1"), so it
// is exactly the change and nothing else; a pod shaped before yields an
// empty diff and no patch. Nothing is written anywhere, so a dryRun request
// is answered the same way (sideEffects: None).
import type { V1Pod } from '@kubernetes/client-node';
import jsonpatch from 'fast-json-patch';
import type { Logger } from 'pino';
import type { WebhookConfig } from '../config/index.js';
import type { AdmissionRequest, AdmissionResponse } from '../k8s/wire.js';
import { mutate, WARNING_PREFIX, type MutateContext } from './mutate.js';
import type { SparkRole } from '../contract/spark-pod.js';

export type Outcome = 'patched' | 'unchanged' | 'skipped' | 'denied' | 'error';

export interface ReviewResult {
  readonly response: AdmissionResponse;
  /** The Spark role, or "none" for pods that are not Spark's and other objects. */
  readonly role: SparkRole | 'none';
  readonly outcome: Outcome;
  readonly patchOps: number;
}

/** Reasons logged and counted; constants so dashboards can rely on them. */
export const ReviewReason = {
  notCreate: 'operation is not CREATE',
  notPod: 'object is not a pod',
  notSpark: 'not a Spark driver or executor',
} as const;

export type ContextFor = (request: AdmissionRequest) => MutateContext;

function isPodRequest(r: AdmissionRequest): boolean {
  return r.kind?.group === '' && r.kind.kind === 'Pod' && r.resource?.resource === 'pods' && !r.subResource;
}

function isObject(v: unknown): v is V1Pod {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function reviewRequest(request: AdmissionRequest, contextFor: ContextFor, onError: WebhookConfig['onError'], log: Logger): ReviewResult {
  const allow = (role: SparkRole | 'none', outcome: Outcome, reason: string): ReviewResult => {
    log.debug({ reason }, 'allowed unchanged');
    return { response: { uid: request.uid, allowed: true }, role, outcome, patchOps: 0 };
  };
  if (request.operation !== 'CREATE') return allow('none', 'skipped', ReviewReason.notCreate);
  if (!isPodRequest(request)) return allow('none', 'skipped', ReviewReason.notPod);
  let role: SparkRole | 'none' = 'none';
  try {
    if (!isObject(request.object)) throw new Error('request.object is not a pod object');
    const original = request.object;
    const ctx = contextFor(request);
    const result = mutate(original, { ...ctx, namespace: request.namespace ?? original.metadata?.namespace });
    if (!result.spark) return allow('none', 'skipped', ReviewReason.notSpark);
    role = result.spark.role;
    if (result.denied) {
      log.info({ role, profile: result.profile, problems: result.denied }, 'pod refused: invalid values and the profile denies them');
      return {
        response: {
          uid: request.uid,
          allowed: false,
          status: { code: 400, reason: 'BadRequest', message: `${WARNING_PREFIX}profile ${result.profile} refuses values it cannot use: ${result.denied.join('; ')}` },
        },
        role,
        outcome: 'denied',
        patchOps: 0,
      };
    }
    const ops = jsonpatch.compare(original, result.pod);
    const response: AdmissionResponse = { uid: request.uid, allowed: true };
    if (result.warnings.length > 0) response.warnings = result.warnings;
    if (ops.length > 0) {
      response.patchType = 'JSONPatch';
      response.patch = Buffer.from(JSON.stringify(ops)).toString('base64');
    }
    log.info(
      { role, profile: result.profile, gang: result.gang?.name, minAvailable: result.gang?.minAvailable, patchOps: ops.length, warnings: result.warnings.length, dryRun: request.dryRun === true },
      ops.length > 0 ? 'pod shaped' : 'pod already shaped',
    );
    return { response, role, outcome: ops.length > 0 ? 'patched' : 'unchanged', patchOps: ops.length };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    log.error({ err: message, role, onError }, 'cannot shape pod');
    if (onError === 'deny') {
      return {
        response: { uid: request.uid, allowed: false, status: { code: 500, reason: 'InternalError', message: `${WARNING_PREFIX}cannot shape this Spark pod: ${message}` } },
        role,
        outcome: 'denied',
        patchOps: 0,
      };
    }
    return {
      response: { uid: request.uid, allowed: true, warnings: [`${WARNING_PREFIX}pod admitted unchanged after an internal error: ${message}`] },
      role,
      outcome: 'error',
      patchOps: 0,
    };
  }
}
