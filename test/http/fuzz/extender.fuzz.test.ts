// Fuzz tier (issue 9): the extender's verbs in-process on port 0, on a small
// cluster that already holds hostile pods, fed hostile pods to filter and
// prioritize and junk bodies. Whatever arrives: HTTP 200 (Error inside) or
// 400, never 5xx; filter never returns a node outside its input; no node's
// usage is ever negative or fractional.
import type { V1Pod } from '@kubernetes/client-node';
import fc from 'fast-check';
import type { RequestListener } from 'node:http';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildExtenderApp } from '../../../src/extender/app.js';
import { verb } from '../../../src/extender/verb.js';
import { createBindVerb } from '../../../src/extender/verbs/bind.js';
import { createFilterVerb } from '../../../src/extender/verbs/filter.js';
import { createPrioritizeVerb } from '../../../src/extender/verbs/prioritize.js';
import { listen, type Listening } from '../../../src/http/serve.js';
import { QuantityError } from '../../../src/k8s/quantity.js';
import { makeState, type TestState } from '../../support/extender.js';
import { fuzzSettings, fuzzTimeoutMs, hostileSparkPod, junkBody } from '../../support/fuzz.js';
import { makeNode } from '../../support/node.js';

const logger = pino({ level: 'silent' });
const NODES = ['n1', 'n2', 'n3'];
let server: Listening;
let ts: TestState;

beforeAll(async () => {
  ts = makeState({ nodes: NODES.map((n) => makeNode(n).cpu('8').memory('32Gi').obj()) });
  const { state } = ts;
  const app = buildExtenderApp({ logger, metrics: state.metrics, verbs: [verb(createFilterVerb(state)), verb(createPrioritizeVerb(state)), verb(createBindVerb(state))] });
  server = await listen(app as unknown as RequestListener, { name: 'extender', host: '127.0.0.1', port: 0, logger });
});
afterAll(async () => {
  await server.close(100);
});

async function post(path: string, body: string): Promise<{ status: number; json?: Record<string, unknown> }> {
  const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const text = await res.text();
  try {
    return { status: res.status, json: JSON.parse(text) as Record<string, unknown> };
  } catch {
    return { status: res.status };
  }
}

/**
 * Feed a pod event as the informer does (src/k8s/informer.ts): a handler that
 * throws skips that one object. Only a QuantityError may be the reason.
 */
function feed(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(QuantityError);
  }
}

let counter = 0;
const withIdentity = (pod: V1Pod, name: string): V1Pod => ({
  ...pod,
  metadata: { ...pod.metadata, name, uid: `uid-${name}`, creationTimestamp: new Date(Date.parse('2026-01-01T00:00:00Z') + counter * 1000).toISOString() as unknown as Date },
});

describe('fuzzing the extender verbs', () => {
  it('answers hostile pods with 200, only input nodes, whatever hostile pods are already bound or pending', async () => {
    const { seed, numRuns } = fuzzSettings('extender pods');
    await fc.assert(
      fc.asyncProperty(hostileSparkPod, fc.option(hostileSparkPod, { nil: undefined }), fc.subarray(NODES, { minLength: 1 }), async (pod, resident, offered) => {
        counter++;
        // Something hostile already on a node (created with spec.nodeName, as the API server allows).
        if (resident) {
          const bound = withIdentity(resident, `resident-${counter}`);
          bound.spec = { ...(bound.spec ?? { containers: [] }), nodeName: NODES[counter % NODES.length] };
          feed(() => ts.addPod(bound));
          if (counter % 2 === 0) feed(() => ts.deletePod(bound));
        }
        const target = withIdentity(pod, `target-${counter}`);
        feed(() => ts.addPod(target));
        const filter = await post('/filter', JSON.stringify({ Pod: target, NodeNames: offered }));
        expect(filter.status).toBe(200);
        const passed = (filter.json?.NodeNames as string[] | null | undefined) ?? [];
        for (const n of passed) expect(offered).toContain(n);
        for (const n of Object.keys((filter.json?.FailedNodes as object | null) ?? {})) expect(offered).toContain(n);
        for (const n of Object.keys((filter.json?.FailedAndUnresolvableNodes as object | null) ?? {})) expect(offered).toContain(n);
        const prioritize = await post('/prioritize', JSON.stringify({ Pod: target, NodeNames: offered }));
        expect(prioritize.status).toBe(200);
        for (const p of (prioritize.json as unknown as { Host: string; Score: number }[] | undefined) ?? []) {
          expect(offered).toContain(p.Host);
          expect(Number.isInteger(p.Score) && p.Score >= 0 && p.Score <= 10).toBe(true);
        }
        feed(() => ts.deletePod(target));
        // The index stays sane: usage is whole and never negative, so no node
        // ever shows more free room than it has (issue 9: negative requests).
        for (const n of NODES) {
          for (const [resource, units] of Object.entries(ts.state.index.usedOn(n))) {
            expect(Number.isSafeInteger(units) && units >= 0, `${n} ${resource} = ${units}`).toBe(true);
          }
        }
      }),
      { seed, numRuns },
    );
  }, fuzzTimeoutMs());

  it('answers junk bodies on every verb with 400 or 200, never a server error', async () => {
    const { seed, numRuns } = fuzzSettings('extender bodies');
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/filter', '/prioritize', '/bind'), junkBody, async (path, body) => {
        const { status } = await post(path, body);
        expect([200, 400, 413]).toContain(status);
      }),
      { seed, numRuns },
    );
  }, fuzzTimeoutMs());
});
