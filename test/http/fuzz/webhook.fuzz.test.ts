// Fuzz tier (issue 9): /mutate in-process on port 0, fed hostile Spark pods
// and junk bodies. Whatever arrives, the webhook answers 200 with the
// request's uid (or 400/413 for a body that is not a review), never 5xx; a
// patch always applies and leaves valid labels; a second pass over its own
// output changes nothing.
import type { V1Pod } from '@kubernetes/client-node';
import fc from 'fast-check';
import type { RequestListener } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, type Listening } from '../../../src/http/serve.js';
import type { AdmissionReview } from '../../../src/k8s/wire.js';
import { silentLogger } from '../../../src/log.js';
import { createMetrics } from '../../../src/metrics/index.js';
import { buildWebhookApp } from '../../../src/webhook/app.js';
import { reviewRequest } from '../../../src/webhook/review.js';
import { applyResponse, patchOps, podReview } from '../../support/admission.js';
import { fuzzSettings, fuzzTimeoutMs, hostileSparkPod, junkBody, LABEL_VALUE } from '../../support/fuzz.js';
import { config, context } from '../../support/webhook.js';

const cfg = config({
  schedulerName: 'gangplank-scheduler',
  schedulerNameAliases: ['kubenexus-scheduler'],
  profiles: [
    { name: 'kyuubi', match: { namespaces: ['kyuubi'] }, executorInstances: 2, numa: { policy: 'single-numa' } },
    { name: 'default', match: {} },
  ],
});
let server: Listening;

beforeAll(async () => {
  const logger = silentLogger();
  const app = buildWebhookApp({ config: cfg, logger, metrics: createMetrics({ defaultMetrics: false }), review: (r, l) => reviewRequest(r, () => context(cfg), cfg.webhook.onError, l) });
  server = await listen(app as unknown as RequestListener, { name: 'webhook', host: '127.0.0.1', port: 0, logger });
});
afterAll(async () => {
  await server.close(100);
});

async function post(body: string): Promise<{ status: number; json?: AdmissionReview }> {
  const res = await fetch(`${server.url}/mutate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const text = await res.text();
  try {
    return { status: res.status, json: JSON.parse(text) as AdmissionReview };
  } catch {
    return { status: res.status };
  }
}

/** Labels the webhook wrote (added or changed) that the API server would refuse. */
const invalidWrittenLabels = (before: V1Pod, after: V1Pod): string[] =>
  Object.entries(after.metadata?.labels ?? {})
    .filter(([k, v]) => before.metadata?.labels?.[k] !== v)
    .filter(([, v]) => typeof v !== 'string' || v.length > 63 || !LABEL_VALUE.test(v))
    .map(([k, v]) => `${k}=${String(v)}`);

describe('fuzzing /mutate', () => {
  it('answers every hostile Spark pod with its uid, a patch that applies, no invalid label written, and nothing left to change', async () => {
    const { seed, numRuns } = fuzzSettings('webhook pods');
    await fc.assert(
      fc.asyncProperty(hostileSparkPod, async (pod) => {
        const review = podReview(pod);
        const { status, json } = await post(JSON.stringify(review));
        expect(status).toBe(200);
        expect(json?.response?.uid).toBe(review.request?.uid);
        const shaped = applyResponse(pod, json?.response);
        expect(invalidWrittenLabels(pod, shaped)).toEqual([]);
        // Idempotent: the webhook's own output needs no further patch.
        const again = await post(JSON.stringify(podReview(shaped)));
        expect(again.status).toBe(200);
        expect(patchOps(again.json?.response)).toEqual([]);
      }),
      { seed, numRuns },
    );
  }, fuzzTimeoutMs());

  it('answers junk bodies with 400 (or an allowed review), never a server error', async () => {
    const { seed, numRuns } = fuzzSettings('webhook bodies');
    await fc.assert(
      fc.asyncProperty(junkBody, async (body) => {
        const { status } = await post(body);
        expect([200, 400, 413]).toContain(status);
      }),
      { seed, numRuns },
    );
  }, fuzzTimeoutMs());
});
