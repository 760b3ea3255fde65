// The webhook app in-process on port 0, driven with AdmissionReviews shaped
// as kube-apiserver sends them.
import type { RequestListener } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, type Listening } from '../../../src/http/serve.js';
import type { AdmissionReview } from '../../../src/k8s/wire.js';
import { silentLogger } from '../../../src/log.js';
import { createMetrics, type Metrics } from '../../../src/metrics/index.js';
import { buildWebhookApp } from '../../../src/webhook/app.js';
import { reviewRequest } from '../../../src/webhook/review.js';
import { applyResponse, patchOps, podReview } from '../../support/admission.js';
import { makePod } from '../../support/pod.js';
import { context, issueConfig } from '../../support/webhook.js';

const SEL = 'spark-3c4d5e6f708192a3b4c5d6e7f8091a2b';
let server: Listening;
let metrics: Metrics;
const cfg = issueConfig();

beforeAll(async () => {
  metrics = createMetrics({ defaultMetrics: false });
  const logger = silentLogger();
  const app = buildWebhookApp({ config: cfg, logger, metrics, review: (r, l) => reviewRequest(r, () => context(cfg), cfg.webhook.onError, l) });
  server = await listen(app as unknown as RequestListener, { name: 'webhook', host: '127.0.0.1', port: 0, logger });
});
afterAll(async () => {
  await server.close(100);
});

async function post(body: unknown): Promise<{ status: number; json?: AdmissionReview; text: string }> {
  const res = await fetch(`${server.url}/mutate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  let json: AdmissionReview | undefined;
  try {
    json = JSON.parse(text) as AdmissionReview;
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

const kyuubiDriver = () => makePod('dbt-spark-driver-s1-driver').ns('kyuubi').sparkApp('dbt_run', SEL).role('driver').requests({ cpu: '500m', memory: '1408Mi' }).limits({ memory: '1408Mi' }).asAdmitted();
const kyuubiExecutor = () => makePod('dbt-spark-s1-exec-1').ns('kyuubi').sparkApp('dbt_run', SEL).role('executor').executorOf('dbt-spark-driver-s1-driver', 'u', 1).requests({ cpu: '1', memory: '1408Mi' }).limits({ memory: '1408Mi' }).asAdmitted();

describe('POST /mutate', () => {
  it('answers a driver review with its uid, a base64 JSON Patch and the shaped pod', async () => {
    const review = podReview(kyuubiDriver().obj(), { uid: 'e911857d-c318-11e8-bbad-025000000001' });
    const { status, json } = await post(review);
    expect(status).toBe(200);
    expect(json?.apiVersion).toBe('admission.k8s.io/v1');
    expect(json?.kind).toBe('AdmissionReview');
    expect(json?.response?.uid).toBe('e911857d-c318-11e8-bbad-025000000001');
    expect(json?.response?.allowed).toBe(true);
    expect(json?.response?.patchType).toBe('JSONPatch');
    const pod = applyResponse(review.request?.object as never, json?.response);
    expect(pod.spec?.schedulerName).toBe('gangplank-scheduler');
    expect(pod.metadata?.labels?.['pod-group.scheduling.kubenexus.io/name']).toBe('dbt-run-3c4d5e6f');
    expect(pod.metadata?.annotations?.['gangplank.io/executor-count']).toBe('2');
  });

  it('gives the executor the same gang name', async () => {
    const d = await post(podReview(kyuubiDriver().obj()));
    const e = await post(podReview(kyuubiExecutor().obj()));
    const name = (r: typeof d, pod: ReturnType<typeof kyuubiDriver>) => applyResponse(pod.obj(), r.json?.response).metadata?.labels?.['pod-group.scheduling.kubenexus.io/name'];
    expect(name(e, kyuubiExecutor())).toBe(name(d, kyuubiDriver()));
    expect(e.json?.response?.warnings?.join()).toMatch(/limits container spark-kubernetes-executor memory to 1Gi/);
  });

  it('answers the already shaped pod with no patch', async () => {
    const pod = kyuubiDriver().obj();
    const first = await post(podReview(pod));
    const second = await post(podReview(applyResponse(pod, first.json?.response)));
    expect(second.json?.response).toEqual({ uid: second.json?.response?.uid, allowed: true });
  });

  it('answers dryRun the same way', async () => {
    const a = await post(podReview(kyuubiDriver().obj(), { uid: 'same' }));
    const b = await post(podReview(kyuubiDriver().obj(), { uid: 'same', dryRun: true }));
    expect(b.json?.response).toEqual(a.json?.response);
  });

  it.each([
    { name: 'non-Spark pod', body: () => podReview(makePod('web').ns('kyuubi').asAdmitted().obj(), { uid: 'u-web' }) },
    { name: 'UPDATE of a Spark pod', body: () => podReview(kyuubiDriver().obj(), { uid: 'u-up', operation: 'UPDATE' }) },
    { name: 'DELETE of a Spark pod', body: () => podReview(kyuubiDriver().obj(), { uid: 'u-del', operation: 'DELETE' }) },
    {
      name: 'a ConfigMap',
      body: () => {
        const r = podReview(kyuubiDriver().obj(), { uid: 'u-cm' });
        return { ...r, request: { ...r.request, kind: { group: '', version: 'v1', kind: 'ConfigMap' }, resource: { group: '', version: 'v1', resource: 'configmaps' }, object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } } } };
      },
    },
  ])('$name: allowed with no patch', async ({ body }) => {
    const b = body();
    const { status, json } = await post(b);
    expect(status).toBe(200);
    expect(json?.response).toEqual({ uid: b.request?.uid, allowed: true });
  });

  it.each([
    { name: 'not JSON', body: '{"apiVersion": ', message: /malformed JSON/ },
    { name: 'a JSON array', body: '[]', message: /not a JSON object/ },
    { name: 'wrong apiVersion', body: { apiVersion: 'admission.k8s.io/v1beta1', kind: 'AdmissionReview', request: { uid: 'x', operation: 'CREATE' } }, message: /apiVersion/ },
    { name: 'no request', body: { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }, message: /request is missing/ },
    { name: 'no uid', body: { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { operation: 'CREATE' } }, message: /uid/ },
  ])('malformed body ($name): HTTP 400 with a message', async ({ body, message }) => {
    const { status, text } = await post(body);
    expect(status).toBe(400);
    expect(text).toMatch(message);
  });

  it('accepts a review near the 3 MiB limit and refuses one above it with 413', async () => {
    const big = (bytes: number) => {
      const pod = kyuubiDriver().annotation('filler', '').obj();
      const base = JSON.stringify(podReview(pod)).length;
      pod.metadata!.annotations!.filler = 'x'.repeat(bytes - base);
      return JSON.stringify(podReview(pod, { uid: 'big' }));
    };
    const limit = cfg.webhook.maxBodyBytes;
    expect(limit).toBe(3 * 1024 * 1024);
    const ok = await post(big(limit - 1024));
    expect(ok.status).toBe(200);
    expect(ok.json?.response?.uid).toBe('big');
    const tooBig = await post(big(limit + 1024));
    expect(tooBig.status).toBe(413);
    expect(tooBig.text).toMatch(/too large/);
  });

  it('counts admissions by role and outcome, latency, patch operations and errors', async () => {
    await post(podReview(kyuubiDriver().obj()));
    await post('nope');
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/gangplank_admissions_total\{role="driver",outcome="patched"\} [1-9]/);
    expect(text).toMatch(/gangplank_admissions_total\{role="none",outcome="skipped"\} [1-9]/);
    expect(text).toMatch(/gangplank_admission_duration_seconds_count\{role="driver"\} [1-9]/);
    expect(text).toMatch(/gangplank_patch_operations_total\{role="driver"\} [1-9]/);
    expect(text).toMatch(/gangplank_admission_errors_total\{kind="malformed"\} [1-9]/);
    expect(text).toMatch(/gangplank_admission_errors_total\{kind="too_large"\} [1-9]/);
  });

  it('serves /mutate with the query the API server appends (?timeout=5s)', async () => {
    const review = podReview(kyuubiDriver().obj(), { uid: 'with-query' });
    const res = await fetch(`${server.url}/mutate?timeout=5s`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(review) });
    expect(res.status).toBe(200);
    const json = (await res.json()) as AdmissionReview;
    expect(json.response?.uid).toBe('with-query');
    expect(json.response?.patchType).toBe('JSONPatch');
  });

  it.each([
    { name: 'another path', method: 'POST', path: '/validate', status: 404, message: /POST \/mutate/ },
    { name: 'GET /mutate', method: 'GET', path: '/mutate', status: 405, message: /use POST/ },
  ])('$name: HTTP $status with a message', async ({ method, path, status, message }) => {
    const res = await fetch(`${server.url}${path}`, { method, ...(method === 'POST' ? { body: '{}' } : {}) });
    expect(res.status).toBe(status);
    expect(await res.text()).toMatch(message);
  });

  it('refuses a chunked body over the limit with 413', async () => {
    const limit = cfg.webhook.maxBodyBytes;
    const chunk = new TextEncoder().encode('x'.repeat(256 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent > limit + chunk.length) controller.close();
        else {
          sent += chunk.length;
          controller.enqueue(chunk);
        }
      },
    });
    const res = await fetch(`${server.url}/mutate`, { method: 'POST', body, duplex: 'half' } as RequestInit & { duplex: 'half' }).catch((err: unknown) => err);
    // The server answers before the client has sent it all and closes; either the 413 or a reset reaches the client.
    if (res instanceof Response) {
      expect(res.status).toBe(413);
      expect(await res.text()).toMatch(/too large/);
    } else {
      expect(String(res)).toMatch(/fetch failed|terminated|socket|reset|closed/i);
    }
  });

  it('patch paths escape "/" in keys', async () => {
    const { json } = await post(podReview(kyuubiDriver().obj()));
    expect(patchOps(json?.response).some((o) => o.path === '/metadata/labels/pod-group.scheduling.kubenexus.io~1min-available')).toBe(true);
  });
});
