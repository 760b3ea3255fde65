// The extender's hand-written JSON (src/extender/encode.ts) must parse to
// exactly what JSON.stringify would have written, for any answer.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compactPriorities, encodeFilterResult, encodeHostPriorities, escapeFree } from '../../../src/extender/encode.js';
import type { ExtenderFilterResult } from '../../../src/k8s/wire.js';

const name = fc.oneof(fc.stringMatching(/^[a-z0-9]([a-z0-9.-]{0,20}[a-z0-9])?$/), fc.string({ maxLength: 12 }));
const names = fc.uniqueArray(name, { maxLength: 30 });
const failed = fc.dictionary(name, fc.oneof(fc.constant('gang x/y: 3 of 4 members exist; waiting for 1 more'), fc.string({ maxLength: 20 })), { maxKeys: 30 });

describe('hand-written extender JSON', () => {
  it('a filter answer parses to the same value as JSON.stringify gives', () => {
    fc.assert(
      fc.property(
        fc.record({ NodeNames: fc.option(names, { nil: undefined }), FailedNodes: fc.option(failed, { nil: undefined }), FailedAndUnresolvableNodes: fc.option(failed, { nil: undefined }), Error: fc.option(fc.string(), { nil: undefined }) }, { requiredKeys: [] }),
        (r) => {
          const result = r as ExtenderFilterResult;
          // `plain` is what the adapter derives from the request that carried these names.
          const plain = escapeFree(JSON.stringify(result));
          expect(JSON.parse(encodeFilterResult(result, plain))).toEqual(JSON.parse(JSON.stringify(result)));
        },
      ),
    );
  });

  it('a priority list parses to the same value as JSON.stringify of its compact form gives', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ Host: name, Score: fc.integer({ min: 0, max: 10 }) }), { maxLength: 30 }), (list) => {
        const plain = escapeFree(JSON.stringify(list));
        expect(JSON.parse(encodeHostPriorities(list, plain))).toEqual(compactPriorities(list));
      }),
    );
  });

  it('compacting priorities keeps every pairwise difference, so kube-scheduler ranks the nodes the same', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.record({ Host: name, Score: fc.integer({ min: 0, max: 10 }) }), { selector: (p) => p.Host, maxLength: 30 }), (list) => {
        const compact = new Map(compactPriorities(list).map((p) => [p.Host, p.Score]));
        // kube-scheduler reads a node that is not listed as 0.
        const seen = (host: string): number => compact.get(host) ?? 0;
        for (const a of list) for (const b of list) expect(seen(a.Host) - seen(b.Host)).toBe(a.Score - b.Score);
        for (const s of compact.values()) expect(s).toBeGreaterThan(0);
      }),
    );
  });

  it('a planned pod answers its one node; a score that is not a number counts as 0, never as invalid JSON', () => {
    expect(compactPriorities([{ Host: 'n1', Score: 0 }, { Host: 'n2', Score: 10 }, { Host: 'n3', Score: 0 }])).toEqual([{ Host: 'n2', Score: 10 }]);
    expect(JSON.parse(encodeHostPriorities([{ Host: 'n1', Score: Number.NaN }, { Host: 'n2', Score: 3 }], true))).toEqual([{ Host: 'n2', Score: 3 }]);
  });
});
