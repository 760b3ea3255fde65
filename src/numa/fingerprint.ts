// The pod-set fingerprint topology exporters publish in a NodeResourceTopology
// (attribute nodeTopologyPodsFingerprint), computed as
// github.com/k8stopologyawareschedwg/podfingerprint v001 does: each pod is
// XXH64(name) seeded with XXH64(namespace); the 64-bit values are sorted and
// hashed again (XXH64, seed 0) as little-endian bytes; the result is written
// "pfp0" + "v001" + the big-endian hex of that hash. A set of pods yields the
// same fingerprint in any order. scheduler-plugins' NodeResourceTopologyMatch
// "overreserve" cache resyncs a node when the fingerprint of the pods it sees
// on the node equals the NRT's, and so does Gangplank (ADR 0004).

/** The NRT attribute holding the fingerprint, and the one naming how it was computed. */
export const PODS_FINGERPRINT_ATTRIBUTE = 'nodeTopologyPodsFingerprint';
export const PODS_FINGERPRINT_METHOD_ATTRIBUTE = 'nodeTopologyPodsFingerprintMethod';

/**
 * Which pods the exporter fingerprinted: every pod it knows on the node, only
 * pods holding exclusive resources, or only non-terminal pods
 * (podfingerprint's MethodAll, MethodWithExclusiveResources, MethodExcludeTerminal).
 */
export type FingerprintMethod = 'all' | 'with-exclusive-resources' | 'exclude-terminal';

const PREFIX = 'pfp0v001';

const M64 = (1n << 64n) - 1n;
const P1 = 0x9e3779b185ebca87n;
const P2 = 0xc2b2ae3d27d4eb4fn;
const P3 = 0x165667b19e3779f9n;
const P4 = 0x85ebca77c2b2ae63n;
const P5 = 0x27d4eb2f165667c5n;

const rotl = (x: bigint, r: bigint): bigint => ((x << r) | (x >> (64n - r))) & M64;
const mul = (a: bigint, b: bigint): bigint => (a * b) & M64;

function round(acc: bigint, input: bigint): bigint {
  return mul(rotl((acc + mul(input, P2)) & M64, 31n), P1);
}

function merge(acc: bigint, v: bigint): bigint {
  return (mul(acc ^ round(0n, v), P1) + P4) & M64;
}

function read64(b: Uint8Array, i: number): bigint {
  const v = new DataView(b.buffer, b.byteOffset + i, 8);
  return v.getBigUint64(0, true);
}

function read32(b: Uint8Array, i: number): bigint {
  const v = new DataView(b.buffer, b.byteOffset + i, 4);
  return BigInt(v.getUint32(0, true));
}

/** XXH64 (https://github.com/Cyan4973/xxHash/blob/dev/doc/xxhash_spec.md) of `data` with `seed`. */
export function xxh64(data: Uint8Array, seed = 0n): bigint {
  const len = data.length;
  let i = 0;
  let h: bigint;
  if (len >= 32) {
    let v1 = (seed + P1 + P2) & M64;
    let v2 = (seed + P2) & M64;
    let v3 = seed & M64;
    let v4 = (seed - P1) & M64;
    for (; i + 32 <= len; i += 32) {
      v1 = round(v1, read64(data, i));
      v2 = round(v2, read64(data, i + 8));
      v3 = round(v3, read64(data, i + 16));
      v4 = round(v4, read64(data, i + 24));
    }
    h = (rotl(v1, 1n) + rotl(v2, 7n) + rotl(v3, 12n) + rotl(v4, 18n)) & M64;
    h = merge(merge(merge(merge(h, v1), v2), v3), v4);
  } else {
    h = (seed + P5) & M64;
  }
  h = (h + BigInt(len)) & M64;
  for (; i + 8 <= len; i += 8) h = (mul(rotl(h ^ round(0n, read64(data, i)), 27n), P1) + P4) & M64;
  if (i + 4 <= len) {
    h = (mul(rotl(h ^ mul(read32(data, i), P1), 23n), P2) + P3) & M64;
    i += 4;
  }
  for (; i < len; i++) h = mul(rotl(h ^ mul(BigInt(data[i] as number), P5), 11n), P1);
  h ^= h >> 33n;
  h = mul(h, P2);
  h ^= h >> 29n;
  h = mul(h, P3);
  h ^= h >> 32n;
  return h;
}

const utf8 = new TextEncoder();

/** One pod's contribution to a fingerprint: XXH64(name) seeded with XXH64(namespace). */
export function podHash(namespace: string, name: string): bigint {
  return xxh64(utf8.encode(name), xxh64(utf8.encode(namespace)));
}

/** The fingerprint of a set of pods given by their podHash values (any order). */
export function fingerprintOf(hashes: readonly bigint[]): string {
  const sorted = BigUint64Array.from(hashes).sort();
  const bytes = new Uint8Array(sorted.length * 8);
  const view = new DataView(bytes.buffer);
  sorted.forEach((h, i) => view.setBigUint64(i * 8, h, true));
  return PREFIX + xxh64(bytes).toString(16).padStart(16, '0');
}

/** The fingerprint of pods given as namespace/name pairs. */
export function podSetFingerprint(pods: readonly { namespace: string; name: string }[]): string {
  return fingerprintOf(pods.map((p) => podHash(p.namespace, p.name)));
}

/** Whether an exporter's fingerprint is one this implementation can compare (prefix and version v001). */
export function isComparableFingerprint(value: string): boolean {
  return value.startsWith(PREFIX) && value.length >= PREFIX.length + 8;
}
