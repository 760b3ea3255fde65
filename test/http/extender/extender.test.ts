// The extender's HTTP surface in-process on port 0, driven with real
// ExtenderArgs / ExtenderBindingArgs JSON as kube-scheduler sends it.
import type { RequestListener } from 'node:http';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { buildExtenderApp } from '../../../src/extender/app.js';
import { verb } from '../../../src/extender/verb.js';
import { createBindVerb } from '../../../src/extender/verbs/bind.js';
import { createFilterVerb } from '../../../src/extender/verbs/filter.js';
import { createPrioritizeVerb } from '../../../src/extender/verbs/prioritize.js';
import { listen, type Listening } from '../../../src/http/serve.js';
import { makeNode } from '../../support/node.js';
import { makePod } from '../../support/pod.js';
import { makeState, type TestState } from '../../support/extender.js';

const logger = pino({ level: 'silent' });
let server: Listening | undefined;

afterEach(async () => {
  await server?.close(100);
  server = undefined;
});

async function start(ts: TestState): Promise<string> {
  const { state } = ts;
  const app = buildExtenderApp({ logger, metrics: state.metrics, verbs: [verb(createFilterVerb(state)), verb(createPrioritizeVerb(state)), verb(createBindVerb(state))] });
  server = await listen(app as unknown as RequestListener, { name: 'extender', host: '127.0.0.1', port: 0, logger });
  return server.url;
}

async function post(url: string, body: unknown): Promise<{ status: number; json: unknown; text: string }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

const nodes = () => [makeNode('n1').cpu('2').memory('8Gi').obj(), makeNode('n2').cpu('2').memory('8Gi').obj()];
const sparkDriver = (n: number) =>
  makePod('pi-driver').ns('spark').uid('uid-drv').sparkApp('spark-pi', 'spark-123').role('driver').gang('spark-pi', n + 1).annotation('gangplank.io/executor-resources', '{"cpu":"1","memory":"1408Mi"}').requests({ cpu: '1', memory: '1408Mi' }).asAdmitted().obj();

describe('POST /filter', () => {
  it('answers NodeNames with exactly the planned driver node (nodeCacheCapable)', async () => {
    const ts = makeState({ nodes: nodes() });
    const d = sparkDriver(3);
    ts.addPod(d);
    const url = await start(ts);
    const r = await post(`${url}/filter`, { Pod: d, NodeNames: ['n1', 'n2'] });
    expect(r.status).toBe(200);
    const body = r.json as { NodeNames: string[]; FailedNodes: Record<string, string> };
    expect(body.NodeNames).toHaveLength(1);
    expect(body.FailedNodes).toEqual({});
  });

  it('answers a full NodeList with a subset of the same node objects', async () => {
    const ts = makeState({ nodes: nodes() });
    const url = await start(ts);
    const items = nodes();
    const r = await post(`${url}/filter`, { Pod: makePod('web').uid('uid-web').cpu('1').obj(), Nodes: { items } });
    const body = r.json as { Nodes: { items: { metadata: { name: string } }[] } };
    expect(body.Nodes.items.map((n) => n.metadata.name)).toEqual(['n1', 'n2']);
    expect(body.Nodes.items[0]).toEqual(items[0]);
  });

  it('a gang that cannot fit answers FailedAndUnresolvableNodes with the counts', async () => {
    const ts = makeState({ nodes: nodes() });
    const d = sparkDriver(5);
    ts.addPod(d);
    const url = await start(ts);
    const r = await post(`${url}/filter`, { Pod: d, NodeNames: ['n1', 'n2'] });
    const body = r.json as { NodeNames: string[]; FailedAndUnresolvableNodes: Record<string, string> };
    expect(r.status).toBe(200);
    expect(body.NodeNames).toEqual([]);
    expect(body.FailedAndUnresolvableNodes.n1).toBe('gang spark/spark-pi: driver + 5 executors need 6 × {cpu 1, memory 1408Mi}; only 3 executors fit (n2: 2, n1: 1) — N from min-available, executor shape from annotation');
    const metrics = await ts.state.metrics.registry.getSingleMetricAsString('gangplank_filter_outcomes_total');
    expect(metrics).toMatch(/reason="DoesNotFit"} 1/);
  });

  it.each([
    { name: 'not JSON', body: '{"Pod":' },
    { name: 'no Pod', body: { NodeNames: ['n1'] } },
    { name: 'no node list', body: { Pod: { metadata: { name: 'p' } } } },
    { name: 'NodeNames not strings', body: { Pod: { metadata: { name: 'p' } }, NodeNames: [1] } },
  ])('400 on a malformed body: $name', async ({ body }) => {
    const url = await start(makeState({ nodes: nodes() }));
    const r = await post(`${url}/filter`, body);
    expect(r.status).toBe(400);
    expect(r.text).toMatch(/malformed/);
  });
});

describe('POST /prioritize', () => {
  it('scores the planned node 10 and lists no other (kube-scheduler reads a missing node as 0)', async () => {
    const ts = makeState({ nodes: nodes() });
    const d = sparkDriver(1);
    ts.addPod(d);
    const url = await start(ts);
    const f = (await post(`${url}/filter`, { Pod: d, NodeNames: ['n1', 'n2'] })).json as { NodeNames: string[] };
    const r = await post(`${url}/prioritize`, { Pod: d, NodeNames: ['n1', 'n2'] });
    expect(r.json).toEqual([{ Host: f.NodeNames[0], Score: 10 }]);
  });

  it('prefers the fuller node for a pod in no gang (best fit)', async () => {
    const ts = makeState({ nodes: [makeNode('empty').cpu('8').memory('32Gi').obj(), makeNode('busy').cpu('8').memory('32Gi').obj()] });
    ts.addPod(ts.markBound(makePod('x').uid('uid-x').cpu('6').memory('24Gi').obj(), 'busy'));
    const url = await start(ts);
    const scores = (await post(`${url}/prioritize`, { Pod: makePod('p').uid('uid-p').cpu('1').memory('4Gi').obj(), NodeNames: ['empty', 'busy'] })).json as { Host: string; Score: number }[];
    const by = Object.fromEntries(scores.map((s) => [s.Host, s.Score]));
    // The lower score is taken off both; a node not listed scores 0.
    expect(by.busy).toBeGreaterThan(by.empty ?? 0);
    for (const s of scores) expect(s.Score).toBeGreaterThan(0);
    for (const s of scores) expect(s.Score).toBeLessThanOrEqual(10);
  });
});

describe('POST /bind', () => {
  it('binds in one write: the Binding carries the gang and slot annotations and, on the anchor, the plan', async () => {
    const ts = makeState({ nodes: nodes() });
    const d = sparkDriver(1);
    ts.addPod(d);
    const url = await start(ts);
    const f = (await post(`${url}/filter`, { Pod: d, NodeNames: ['n1', 'n2'] })).json as { NodeNames: string[] };
    const r = await post(`${url}/bind`, { PodName: 'pi-driver', PodNamespace: 'spark', PodUID: 'uid-drv', Node: f.NodeNames[0] });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({});
    expect(ts.binder.calls).toEqual([`bind spark/pi-driver ${f.NodeNames[0]} +plan`]);
    const { 'gangplank.io/gang-record': record, ...rest } = ts.binder.bindings[0]!.annotations;
    expect(rest).toEqual({ 'gangplank.io/gang': 'spark/spark-pi', 'gangplank.io/slot': 'driver' });
    expect(JSON.parse(record!)).toMatchObject({ namespace: 'spark', name: 'spark-pi', kind: 'driver-led', anchor: { name: 'pi-driver', uid: 'uid-drv' } });
  });

  it('a failed bind is HTTP 200 with Error, and the plan is released', async () => {
    const ts = makeState({ nodes: nodes() });
    const d = sparkDriver(1);
    ts.addPod(d);
    const url = await start(ts);
    const f = (await post(`${url}/filter`, { Pod: d, NodeNames: ['n1', 'n2'] })).json as { NodeNames: string[] };
    ts.binder.failBind = true;
    const r = await post(`${url}/bind`, { PodName: 'pi-driver', PodNamespace: 'spark', PodUID: 'uid-drv', Node: f.NodeNames[0] });
    expect(r.status).toBe(200);
    expect((r.json as { Error: string }).Error).toMatch(/binding refused/);
    expect(ts.state.ledger.get('spark/spark-pi')).toBeUndefined();
  });

  it('400 when a field is missing', async () => {
    const url = await start(makeState({ nodes: nodes() }));
    const r = await post(`${url}/bind`, { PodName: 'p', PodNamespace: 'd', Node: 'n1' });
    expect(r.status).toBe(400);
    expect(r.text).toMatch(/PodUID is missing/);
  });
});

describe('the listener (a plain node:http listener, ADR 0007)', () => {
  it('404 on a path it does not serve, 405 on a method other than POST, with the reason', async () => {
    const url = await start(makeState({ nodes: nodes() }));
    const notFound = await fetch(`${url}/preempt`, { method: 'POST', body: '{}' });
    expect(notFound.status).toBe(404);
    expect(await notFound.text()).toMatch(/serves POST \/filter, \/prioritize, \/bind/);
    const wrongMethod = await fetch(`${url}/filter`);
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('POST');
  });

  it('ignores a query string, as kube-scheduler may add one', async () => {
    const url = await start(makeState({ nodes: nodes() }));
    const r = await post(`${url}/filter?timeout=5s`, { Pod: makePod('p').uid('uid-p').cpu('1').obj(), NodeNames: ['n1', 'n2'] });
    expect(r.status).toBe(200);
    expect((r.json as { NodeNames: string[] }).NodeNames).toEqual(['n1', 'n2']);
  });

  it('413 on a body over the limit, and the connection is closed', async () => {
    const { state } = makeState({ nodes: nodes() });
    const app = buildExtenderApp({ logger, metrics: state.metrics, verbs: [verb(createFilterVerb(state))], maxBodyBytes: 1024 });
    server = await listen(app, { name: 'extender', host: '127.0.0.1', port: 0, logger });
    const r = await fetch(`${server.url}/filter`, { method: 'POST', body: JSON.stringify({ Pod: makePod('p').obj(), NodeNames: Array.from({ length: 200 }, (_, i) => `node-${i}`) }) });
    expect(r.status).toBe(413);
    expect(r.headers.get('connection')).toBe('close');
  });

  it('node names that need JSON escaping come back exactly as they were sent', async () => {
    const odd = ['n"1', 'n\\2', 'n\u00e93'];
    // Different sizes, so prioritize lists more than one of them.
    const ts = makeState({ nodes: odd.map((n, i) => makeNode(n).cpu(String(2 ** (i + 1))).memory('32Gi').obj()) });
    const url = await start(ts);
    const pod = makePod('p').uid('uid-p').cpu('1').obj();
    const f = await post(`${url}/filter`, { Pod: pod, NodeNames: odd });
    expect((f.json as { NodeNames: string[] }).NodeNames).toEqual(odd);
    const p = await post(`${url}/prioritize`, { Pod: pod, NodeNames: odd });
    expect((p.json as { Host: string }[]).map((h) => h.Host)).toEqual(odd.slice(0, 2));
  });
});
