// Issue 9: a misspelt NUMA policy is no longer silent in the extender either.
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createFilterVerb } from '../../../src/extender/verbs/filter.js';
import { makeState } from '../../support/extender.js';
import { makeNode } from '../../support/node.js';
import { makePod } from '../../support/pod.js';

const log = pino({ level: 'silent' });

describe('an unknown numa.scheduling.kubenexus.io/policy at filter', () => {
  it.each([
    ['single-numa-nod', true],
    ['bogus', true],
    ['single-numa-node', false],
    ['best-effort', false],
  ])('%s → NumaPolicyUnknown Event: %s', async (policy, wanted) => {
    const ts = makeState({ nodes: [makeNode('n1').cpu('4').memory('8Gi').obj()] });
    const pod = makePod('gpu-pod').ns('ml').uid('uid-gpu').scheduler('gangplank-scheduler').annotation('numa.scheduling.kubenexus.io/policy', policy).cpu('1').obj();
    ts.addPod(pod);
    await createFilterVerb(ts.state).handle({ Pod: pod, NodeNames: ['n1'] }, log);
    const ev = ts.events.find((e) => e.reason === 'NumaPolicyUnknown');
    expect(Boolean(ev)).toBe(wanted);
    if (ev) {
      expect(ev.uid).toBe('uid-gpu');
      expect(ev.message).toContain(JSON.stringify(policy));
    }
  });
});
