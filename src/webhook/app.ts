// HTTP adapter of the webhook: decode an AdmissionReview, call the pure
// review function, encode, count. Error policy (STYLE.md, practice 11):
// always echo the request's uid; malformed reviews get HTTP 400 and bodies
// over webhook.maxBodyBytes HTTP 413 (both with a text message); a failure
// while deciding is answered per webhook.onError by the review itself; the
// configuration is registered with failurePolicy Ignore so an unreachable
// webhook never blocks pod creation.
import express, { type Express } from 'express';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import { jsonBody, jsonErrors } from '../http/json.js';
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

export function buildWebhookApp(deps: WebhookDeps): Express {
  const { config, logger, metrics } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.post('/mutate', jsonBody(config.webhook.maxBodyBytes), (req, res) => {
    const problem = malformedReview(req.body);
    if (problem) {
      metrics.admissionErrors.inc({ kind: 'malformed' });
      res.status(400).type('text/plain').send(`malformed AdmissionReview: ${problem}`);
      return;
    }
    const request = (req.body as AdmissionReview).request as AdmissionRequest;
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
    res.json(out);
  });
  app.use(jsonErrors((kind) => metrics.admissionErrors.inc({ kind })));
  return app;
}
