// HTTP adapter of the webhook: decode an AdmissionReview, call the pure
// review function, encode, count. A plain node:http listener, not express:
// the webhook has one route, and express's per-request set-up cost more than
// the whole review on the benchmark machine (docs/adr/0003-webhook-plain-listener.md,
// bench/RESULTS.md).
//
// Error policy (docs/architecture.md, "Failure policy at each boundary"):
// always echo the request's uid; malformed reviews get HTTP 400 and bodies over webhook.maxBodyBytes HTTP
// 413 (both with a text message); a failure while deciding is answered per
// webhook.onError by the review itself; the configuration is registered with
// failurePolicy Ignore so an unreachable webhook never blocks pod creation.
import type { RequestListener, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import { readBody, send, sendText as text } from '../http/body.js';
import type { AdmissionRequest, AdmissionReview } from '../k8s/wire.js';
import type { Metrics } from '../metrics/index.js';
import type { ReviewResult } from './review.js';

export interface WebhookDeps {
  readonly config: Config;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Decide one admission request. Pure apart from reading caches; never throws. */
  readonly review: (request: AdmissionRequest, logger: Logger) => ReviewResult;
}

/** Why a body is not an AdmissionReview, or null when it is one. */
export function malformedReview(body: unknown): string | null {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return 'body is not a JSON object';
  const r = body as Partial<AdmissionReview>;
  if (r.apiVersion !== 'admission.k8s.io/v1') return `apiVersion must be admission.k8s.io/v1, got ${JSON.stringify(r.apiVersion)}`;
  if (r.kind !== 'AdmissionReview') return `kind must be AdmissionReview, got ${JSON.stringify(r.kind)}`;
  if (!r.request || typeof r.request !== 'object') return 'request is missing';
  if (typeof r.request.uid !== 'string' || r.request.uid === '') return 'request.uid is missing';
  if (typeof r.request.operation !== 'string') return 'request.operation is missing';
  return null;
}

export function buildWebhookApp(deps: WebhookDeps): RequestListener {
  const { config, logger, metrics } = deps;
  const limit = config.webhook.maxBodyBytes;

  const mutate = (res: ServerResponse, raw: string): void => {
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch (err) {
      metrics.admissionErrors.inc({ kind: 'malformed' });
      text(res, 400, `malformed JSON body: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    const problem = malformedReview(body);
    if (problem) {
      metrics.admissionErrors.inc({ kind: 'malformed' });
      text(res, 400, `malformed AdmissionReview: ${problem}`);
      return;
    }
    const request = (body as AdmissionReview).request as AdmissionRequest;
    const log = logger.child({ uid: request.uid, namespace: request.namespace, pod: request.name });
    const end = metrics.admissionDuration.startTimer();
    let result: ReviewResult | undefined;
    try {
      result = deps.review(request, log);
    } finally {
      end({ role: result?.role ?? 'none' });
    }
    metrics.admissions.inc({ role: result.role, outcome: result.outcome });
    if (result.patchOps > 0) metrics.patchOps.inc({ role: result.role }, result.patchOps);
    if (result.outcome === 'error' || result.outcome === 'denied') metrics.admissionErrors.inc({ kind: 'internal' });
    const out: AdmissionReview = { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { ...result.response, uid: request.uid } };
    send(res, 200, 'application/json; charset=utf-8', JSON.stringify(out));
  };

  return (req, res) => {
    const q = req.url?.indexOf('?') ?? -1;
    const path = q < 0 ? req.url : req.url?.slice(0, q);
    if (path !== '/mutate') {
      req.resume();
      text(res, 404, `not found: ${req.method ?? ''} ${path ?? ''}; the webhook serves POST /mutate`);
      return;
    }
    if (req.method !== 'POST') {
      req.resume();
      res.setHeader('allow', 'POST');
      text(res, 405, `method ${req.method ?? ''} not allowed on /mutate; use POST`);
      return;
    }
    readBody(req, limit, (err, raw) => {
      if (err) {
        metrics.admissionErrors.inc({ kind: err.status === 413 ? 'too_large' : 'malformed' });
        // The rest of an oversized body is not read: close the connection after answering.
        text(res, err.status, err.message, err.status === 413);
        return;
      }
      try {
        mutate(res, raw as string);
      } catch (e) {
        // Only a bug gets here (review never throws); answer, count, keep serving.
        metrics.admissionErrors.inc({ kind: 'internal' });
        logger.error({ err: e instanceof Error ? e.message : String(e) }, 'webhook handler failed');
        if (!res.headersSent) text(res, 500, `internal error: ${e instanceof Error ? e.message : String(e)}`);
      }
    });
  };
}
