// Spark configuration as text and values, read the way Spark reads it.
//
// - `spark.properties`: java.util.Properties text. spark-submit writes the
//   driver's whole configuration with Properties.store into the
//   `spark-drv-…-conf-map` ConfigMap (KubernetesClientUtils.buildSparkConfDirFilesMap),
//   so ':' and '=' in values arrive backslash-escaped.
// - Values: ConfigBuilder's converters (core/.../internal/config/ConfigBuilder.scala,
//   ConfigHelpers): numbers and booleans are trimmed first; byte sizes follow
//   JavaUtils.byteStringAs — a whole number with an optional binary suffix
//   (b, k/kb, m/mb, g/gb, t/tb, p/pb, any case), fractions rejected
//   ("Fractional values are not supported"), converted with truncation.
//
// Every parser is linear in its input and bounded: a pod author writes these
// strings (docs/architecture.md, "Hostile input").

/** Spark configuration keys to values, as spark-submit would pass them. */
export type SparkConf = Readonly<Record<string, string>>;

/** A value Spark itself would reject (the application would fail to start), named by its key. */
export class SparkConfError extends Error {
  override name = 'SparkConfError';
}

// ---- java.util.Properties text ----

/** Parse java.util.Properties text: comments (#, !), separators (=, :, white space), escapes, \uXXXX, continuations. */
export function parseJavaProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = stripLeading(lines[i] as string);
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    // A line ending in an odd number of backslashes continues on the next (leading white space dropped).
    while (endsInOddBackslashes(line) && i + 1 < lines.length) {
      line = line.slice(0, -1) + stripLeading(lines[++i] as string);
    }
    if (endsInOddBackslashes(line)) line = line.slice(0, -1);
    let key = '';
    let j = 0;
    for (; j < line.length; j++) {
      const c = line[j] as string;
      if (c === '\\') {
        const [s, next] = unescape(line, j + 1);
        key += s;
        j = next - 1;
        continue;
      }
      if (c === '=' || c === ':' || c === ' ' || c === '\t' || c === '\f') break;
      key += c;
    }
    // White space, at most one separator, white space.
    while (line[j] === ' ' || line[j] === '\t' || line[j] === '\f') j++;
    if (line[j] === '=' || line[j] === ':') j++;
    while (line[j] === ' ' || line[j] === '\t' || line[j] === '\f') j++;
    let value = '';
    for (; j < line.length; j++) {
      const c = line[j] as string;
      if (c === '\\') {
        const [s, next] = unescape(line, j + 1);
        value += s;
        j = next - 1;
      } else {
        value += c;
      }
    }
    out.set(key, value);
  }
  return out;
}

function stripLeading(s: string): string {
  let i = 0;
  while (s[i] === ' ' || s[i] === '\t' || s[i] === '\f') i++;
  return s.slice(i);
}

function endsInOddBackslashes(s: string): boolean {
  let n = 0;
  for (let i = s.length - 1; i >= 0 && s[i] === '\\'; i--) n++;
  return n % 2 === 1;
}

/** The character escaped at `at` (just after a backslash) and the index after it. */
function unescape(line: string, at: number): [string, number] {
  const c = line[at] ?? '';
  switch (c) {
    case 't':
      return ['\t', at + 1];
    case 'n':
      return ['\n', at + 1];
    case 'r':
      return ['\r', at + 1];
    case 'f':
      return ['\f', at + 1];
    case 'u': {
      const hex = line.slice(at + 1, at + 5);
      // Properties.load throws on a malformed \uXXXX; we keep the text as written.
      if (/^[0-9a-fA-F]{4}$/.test(hex)) return [String.fromCharCode(parseInt(hex, 16)), at + 5];
      return ['u', at + 1];
    }
    default:
      return [c, at + 1];
  }
}

/**
 * java.util.Properties text as Properties.store writes it (without the
 * comment lines): keys and values escaped so that parseJavaProperties reads
 * back exactly the same map.
 */
export function formatJavaProperties(conf: Readonly<Record<string, string>> | ReadonlyMap<string, string>): string {
  const entries = conf instanceof Map ? [...conf.entries()] : Object.entries(conf as Record<string, string>);
  return entries.map(([k, v]) => `${escapeProperty(k, true)}=${escapeProperty(v, false)}\n`).join('');
}

function escapeProperty(s: string, isKey: boolean): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    switch (c) {
      case '\\':
        out += '\\\\';
        break;
      case '\t':
        out += '\\t';
        break;
      case '\n':
        out += '\\n';
        break;
      case '\r':
        out += '\\r';
        break;
      case '\f':
        out += '\\f';
        break;
      case '=':
      case ':':
      case '#':
      case '!':
        out += `\\${c}`;
        break;
      case ' ':
        // Store escapes every space in a key, and only a leading one in a value.
        out += isKey || i === 0 ? '\\ ' : ' ';
        break;
      default: {
        const code = c.charCodeAt(0);
        out += code < 0x20 || code > 0x7e ? `\\u${code.toString(16).padStart(4, '0')}` : c;
      }
    }
  }
  return out;
}

// ---- values ----

const MIB = 2n ** 20n;
const BYTE_SUFFIX: Record<string, bigint> = {
  b: 1n,
  k: 2n ** 10n,
  kb: 2n ** 10n,
  m: 2n ** 20n,
  mb: 2n ** 20n,
  g: 2n ** 30n,
  gb: 2n ** 30n,
  t: 2n ** 40n,
  tb: 2n ** 40n,
  p: 2n ** 50n,
  pb: 2n ** 50n,
};
/** Larger sizes are not memory any node has; refusing them keeps the arithmetic exact. */
const MAX_MIB = 2n ** 40n;

/**
 * A Spark byte size in whole MiB (JavaUtils.byteStringAsMb, which truncates):
 * `defaultUnit` applies without a suffix — MiB for spark.executor.memory and
 * memoryOverhead (bytesConf(ByteUnit.MiB)), bytes for spark.memory.offHeap.size
 * (bytesConf(ByteUnit.BYTE)). "1.5g" is rejected, as Spark rejects it.
 */
export function sparkMiB(key: string, value: string, defaultUnit: 'm' | 'b' = 'm'): number {
  const lower = value.trim().toLowerCase();
  if (lower.length > 40) throw new SparkConfError(`${key}: not a Spark size: ${quote(value)}`);
  const m = /^(\d+)([a-z]+)?$/.exec(lower);
  if (!m) {
    if (/^\d+\.\d+[a-z]*$/.test(lower)) throw new SparkConfError(`${key}: Spark does not accept fractional sizes: ${quote(value)} (write e.g. 1536m for 1.5g)`);
    throw new SparkConfError(`${key}: not a Spark size: ${quote(value)}`);
  }
  const factor = BYTE_SUFFIX[m[2] ?? defaultUnit];
  if (factor === undefined) throw new SparkConfError(`${key}: unknown size suffix "${m[2]}" in ${quote(value)}`);
  const mib = (BigInt(m[1] as string) * factor) / MIB;
  if (mib > MAX_MIB) throw new SparkConfError(`${key}: ${quote(value)} is too large`);
  return Number(mib);
}

/** An int setting (intConf: trimmed, Integer.parseInt), at least `min`. */
export function sparkInt(key: string, value: string, min = 0, max = 2 ** 31 - 1): number {
  const t = value.trim();
  if (!/^[+-]?\d{1,10}$/.test(t)) throw new SparkConfError(`${key}: Spark wants a whole number: ${quote(value)}`);
  const n = Number(t);
  if (n < min || n > max) throw new SparkConfError(`${key}: ${n} is outside ${min}..${max}`);
  return n;
}

/** A boolean setting (booleanConf: trimmed, "true"/"false" in any case). */
export function sparkBoolean(key: string, value: string): boolean {
  const t = value.trim().toLowerCase();
  if (t === 'true') return true;
  if (t === 'false') return false;
  throw new SparkConfError(`${key}: Spark wants true or false: ${quote(value)}`);
}

/** A double setting (doubleConf: trimmed, Double.parseDouble). */
export function sparkDouble(key: string, value: string): number {
  const t = value.trim();
  if (!/^[+-]?(\d{1,20}(\.\d{0,20})?|\.\d{1,20})([eE][+-]?\d{1,3})?[dDfF]?$/.test(t)) throw new SparkConfError(`${key}: not a number: ${quote(value)}`);
  const n = Number(t.replace(/[dDfF]$/, ''));
  if (!Number.isFinite(n)) throw new SparkConfError(`${key}: not a finite number: ${quote(value)}`);
  return n;
}

function quote(s: string): string {
  return JSON.stringify(s.length > 64 ? `${s.slice(0, 64)}…` : s);
}
