import { describe, expect, it } from 'vitest';
import type { AdmissionRequest } from '../../../src/k8s/wire.js';
import { silentLogger } from '../../../src/log.js';
import { reviewRequest } from '../../../src/webhook/review.js';
import { applyResponse, patchOps, podReview } from '../../support/admission.js';
import { makePod } from '../../support/pod.js';
import { config, context, issueConfig } from '../../support/webhook.js';

const log = silentLogger();
const SEL = 'spark-0f1e2d3c4b5a69788796a5b4c3d2e1f0';
const req = (b: ReturnType<typeof makePod>, opts = {}): AdmissionRequest => podReview(b.obj(), opts).request as AdmissionRequest;
const review = (r: AdmissionRequest, cfg = issueConfig(), onError: 'allow' | 'deny' = 'allow') => reviewRequest(r, () => context(cfg), onError, log);
const sparkDriver = () => makePod('pi-driver').ns('spark').sparkApp('spark-pi', SEL).role('driver').asAdmitted();

describe('review', () => {
  it('patches a Spark driver; keys with "/" are escaped as ~1', () => {
    // The seed's min-available label tells N, so the driver gets gangplank.io/executor-count too.
    const r = review(req(sparkDriver().label('pod-group.scheduling.kubenexus.io/min-available', '3')));
    expect(r.outcome).toBe('patched');
    expect(r.role).toBe('driver');
    expect(r.response.patchType).toBe('JSONPatch');
    const paths = patchOps(r.response).map((o) => o.path);
    expect(paths).toContain('/metadata/labels/pod-group.scheduling.kubenexus.io~1name');
    expect(paths).toContain('/metadata/annotations/gangplank.io~1executor-count');
    expect(paths).toContain('/spec/schedulerName');
    expect(r.patchOps).toBe(paths.length);
  });
  it('is idempotent: the patched pod reviewed again gives no patch', () => {
    const pod = sparkDriver().obj();
    const first = review(podReview(pod).request as AdmissionRequest);
    const mutated = applyResponse(pod, first.response);
    const second = review(podReview(mutated).request as AdmissionRequest);
    expect(second.outcome).toBe('unchanged');
    expect(second.response.patch).toBeUndefined();
  });
  it('dryRun is answered the same', () => {
    const a = review(req(sparkDriver(), { uid: 'u1' }));
    const b = review(req(sparkDriver(), { uid: 'u1', dryRun: true }));
    expect(b.response).toEqual(a.response);
  });
  it.each([
    { name: 'UPDATE', r: () => req(sparkDriver(), { operation: 'UPDATE' }) },
    { name: 'DELETE', r: () => req(sparkDriver(), { operation: 'DELETE' }) },
    { name: 'a non-Spark pod', r: () => req(makePod('web').ns('spark').asAdmitted()) },
    {
      name: 'not a pod',
      r: (): AdmissionRequest => ({ ...req(sparkDriver()), kind: { group: 'apps', version: 'v1', kind: 'Deployment' }, resource: { group: 'apps', version: 'v1', resource: 'deployments' } }),
    },
    { name: 'a pod subresource', r: (): AdmissionRequest => ({ ...req(sparkDriver()), subResource: 'binding' }) },
  ])('$name: allowed, no patch', ({ r }) => {
    const request = r();
    const out = review(request);
    expect(out.response).toEqual({ uid: request.uid, allowed: true });
    expect(out.outcome).toBe('skipped');
  });
  const broken = () => {
    const cfg = config();
    // A cache that fails, as a broken informer might.
    return (r: AdmissionRequest, onError: 'allow' | 'deny') =>
      reviewRequest(
        r,
        () => ({
          ...context(cfg),
          sparkApplications: {
            get: () => {
              throw new Error('cache exploded');
            },
            list: () => [],
          },
        }),
        onError,
        log,
      );
  };
  const operatorPod = () => makePod('spark-pi-driver').ns('spark').sparkOperator('spark-pi').label('spark-app-selector', SEL).role('driver').asAdmitted();
  it('internal error with onError allow: admitted unchanged, with a warning', () => {
    const out = broken()(req(operatorPod(), { uid: 'x1' }), 'allow');
    expect(out.response).toMatchObject({ uid: 'x1', allowed: true });
    expect(out.response.patch).toBeUndefined();
    expect(out.response.warnings?.[0]).toMatch(/cache exploded/);
    expect(out.outcome).toBe('error');
  });
  it('internal error with onError deny: denied with the reason', () => {
    const out = broken()(req(operatorPod(), { uid: 'x2' }), 'deny');
    expect(out.response.allowed).toBe(false);
    expect(out.response.uid).toBe('x2');
    expect(out.response.status?.message).toMatch(/cache exploded/);
    expect(out.outcome).toBe('denied');
  });
  it('a CREATE without an object is an internal error, not a crash', () => {
    const r = { ...req(sparkDriver()), object: 'nonsense' };
    expect(review(r).outcome).toBe('error');
  });
});
