// GET /debug/gangs on the ops app, listening on port 0.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { admit } from '../../../src/gang/admit.js';
import { debugGangs } from '../../../src/extender/debug.js';
import { createMetrics } from '../../../src/metrics/index.js';
import { buildOpsApp } from '../../../src/ops/app.js';
import { makeState } from '../../support/extender.js';
import { makeNode } from '../../support/node.js';
import { makePod } from '../../support/pod.js';

let server: Server | undefined;
afterEach(() => {
  server?.close();
  server = undefined;
});

async function serve(gangs?: () => unknown): Promise<string> {
  const app = buildOpsApp({ registry: createMetrics({ defaultMetrics: false }).registry, readiness: [], gangs });
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('GET /debug/gangs', () => {
  it('serves the extender gangs as JSON, reservations and reasons included, and nothing from the pod spec', async () => {
    const t = makeState({ nodes: [makeNode('n1').cpu('2').memory('8Gi').obj()], config: { sparkConfigWaitSeconds: 0 } });
    const pod = makePod('pi-driver')
      .ns('spark')
      .uid('u1')
      .sparkApp('pi', 'spark-pi')
      .role('driver')
      .env('SECRET_TOKEN', 'hunter2')
      .requests({ cpu: '1', memory: '1Gi' })
      .annotations({ 'gangplank.io/executor-count': '1', 'gangplank.io/executor-resources': '{"cpu":"1","memory":"1Gi"}' })
      .obj();
    t.addPod(pod);
    t.state.noteVerdict(pod, admit(t.state.context(), pod, ['n1']));
    const base = await serve(() => debugGangs(t.state));
    const res = await fetch(`${base}/debug/gangs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const text = await res.text();
    expect(text).not.toMatch(/hunter2|SECRET_TOKEN/);
    const body = JSON.parse(text) as { gangs: { key: string; state: string; members: { expected: number }; reservations: { node: string; slots: number }[] }[] };
    expect(body.gangs).toHaveLength(1);
    expect(body.gangs[0]).toMatchObject({ key: 'spark/spark-pi', state: 'planned', members: { expected: 2 }, reservations: [{ node: 'n1', slots: 2 }] });
  });

  it('is absent (404) where no extender runs', async () => {
    const base = await serve();
    expect((await fetch(`${base}/debug/gangs`)).status).toBe(404);
  });
});
