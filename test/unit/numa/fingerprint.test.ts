// The pod-set fingerprint must equal what exporters publish (podfingerprint
// v001, Go): golden sets from that project's compat tests, XXH64 reference
// vectors, and order independence.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fingerprintOf, isComparableFingerprint, podHash, podSetFingerprint, xxh64 } from '../../../src/numa/fingerprint.js';

const pods = (text: string): { namespace: string; name: string }[] =>
  text
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .map(([namespace, name]) => ({ namespace: namespace as string, name: name as string }));

// github.com/k8stopologyawareschedwg/podfingerprint testdata/compat-*.txt and .sign (namespace, name).
const golden = [
  {
    name: 'tiny, 3 pods in 1 namespace',
    pods: pods(`production jaeger-dpgjk
      production nginx-rt684
      production envoy-g9m22`),
    sign: 'pfp0v001607b76a0e9d3aeb4',
  },
  {
    name: 'small, 10 pods in 5 namespaces',
    pods: pods(`analytics controller-69dkj
      kube-public subscriber-tq6v7
      kube-public transformer-hfbng
      kube-public validator-c6pn5
      kube-system proxy-wszrd
      middleware processor-jkrl4
      network gateway-vsll5
      network importer-kzdfr
      network importer-q5vt9
      staging prometheus-bwgbn`),
    sign: 'pfp0v001567144e4a561bb5a',
  },
  {
    name: 'medium, 20 pods in 1 namespace',
    pods: pods(
      ['importer-kxqpk', 'processor-424xv', 'transformer-84vpn', 'jaeger-6g6n9', 'publisher-cq98w', 'subscriber-24lpk', 'collector-zvl28', 'watcher-bj7b6', 'transformer-mk7qw', 'mongodb-b5pxs', 'watcher-4qzlg', 'publisher-ftpnk', 'fluentd-fs9j8', 'jaeger-flvh4', 'manager-l6n55', 'grafana-q7sdf', 'prometheus-qds9v', 'collector-b7fx4', 'consumer-l94c8', 'redis-k7rmn']
        .map((n) => `development ${n}`)
        .join('\n'),
    ),
    sign: 'pfp0v00111a79869f24a9528',
  },
];

describe('pod-set fingerprint (podfingerprint v001)', () => {
  it.each([
    { input: '', seed: 0n, want: 'ef46db3751d8e999' },
    { input: 'a', seed: 0n, want: 'd24ec4f1a98c6e5b' },
    { input: 'abc', seed: 0n, want: '44bc2cf5ad770999' },
    { input: 'Nobody inspects the spammish repetition', seed: 0n, want: 'fbcea83c8a378bf1' },
  ])('XXH64($input, seed $seed) = $want', ({ input, seed, want }) => {
    expect(xxh64(new TextEncoder().encode(input), seed).toString(16).padStart(16, '0')).toBe(want);
  });

  it.each(golden)('golden set: $name', ({ pods, sign }) => {
    expect(podSetFingerprint(pods)).toBe(sign);
  });

  it('is the same for any order of the same pods, and changes when a pod is added', () => {
    const base = (golden[1] as (typeof golden)[number]).pods;
    fc.assert(
      fc.property(fc.shuffledSubarray(base, { minLength: base.length, maxLength: base.length }), fc.string({ minLength: 1, maxLength: 20 }), (shuffled, extra) => {
        expect(podSetFingerprint(shuffled)).toBe('pfp0v001567144e4a561bb5a');
        if (!base.some((p) => p.name === extra)) expect(podSetFingerprint([...shuffled, { namespace: 'x', name: extra }])).not.toBe('pfp0v001567144e4a561bb5a');
      }),
    );
  });

  it('the empty set has a fingerprint too (a node with no pods)', () => {
    expect(fingerprintOf([])).toMatch(/^pfp0v001[0-9a-f]{16}$/);
    expect(fingerprintOf([podHash('a', 'b')])).not.toBe(fingerprintOf([]));
  });

  it.each([
    { value: 'pfp0v001607b76a0e9d3aeb4', ok: true },
    { value: 'pfp0v002607b76a0e9d3aeb4', ok: false },
    { value: 'pfp0v001', ok: false },
    { value: '', ok: false },
  ])('comparable($value) is $ok', ({ value, ok }) => {
    expect(isComparableFingerprint(value)).toBe(ok);
  });
});
