// Issue 9 item 5: /bind binds only pods of the schedulers this extender serves.
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createBindVerb } from '../../../src/extender/verbs/bind.js';
import { makeState } from '../../support/extender.js';
import { makeNode } from '../../support/node.js';
import { makePod } from '../../support/pod.js';

const log = pino({ level: 'silent' });
const schedulers = new Set(['gangplank-scheduler', 'kubenexus-scheduler']);

describe('which pods /bind binds', () => {
  it.each([
    ['a pod of gangplank-scheduler', 'gangplank-scheduler', true],
    ['a pod of the alias kubenexus-scheduler', 'kubenexus-scheduler', true],
    ["a pod of the default scheduler (someone else's)", 'default-scheduler', false],
    ['a pod of another scheduler', 'volcano', false],
  ])('%s: bound %s', async (_name, scheduler, wanted) => {
    const ts = makeState({ nodes: [makeNode('n1').cpu('4').memory('8Gi').obj()] });
    const pod = makePod('p').ns('team').uid('uid-p').scheduler(scheduler).cpu('1').obj();
    ts.addPod(pod);
    const res = await Promise.resolve(createBindVerb(ts.state, { schedulers }).handle({ PodName: 'p', PodNamespace: 'team', PodUID: 'uid-p', Node: 'n1' }, log)).catch((e: Error) => ({ Error: e.message }));
    expect(ts.binder.bindings.length).toBe(wanted ? 1 : 0);
    if (!wanted) expect((res as { Error?: string }).Error).toMatch(new RegExp(`belongs to scheduler ${scheduler}`));
  });

  it('refuses a pod it has never seen (no filter call, not in the cache)', async () => {
    const ts = makeState({ nodes: [makeNode('n1').cpu('4').memory('8Gi').obj()] });
    await expect(Promise.resolve(createBindVerb(ts.state, { schedulers }).handle({ PodName: 'ghost', PodNamespace: 'team', PodUID: 'uid-ghost', Node: 'n1' }, log))).rejects.toThrow(/unknown to this extender/);
    expect(ts.binder.bindings).toEqual([]);
  });
});
