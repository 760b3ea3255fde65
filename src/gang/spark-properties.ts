// Spark's configuration as the driver sees it: the `spark.properties` file
// (java.util.Properties text, written with Properties.store, so ':' and '='
// are backslash-escaped) in the ConfigMap Spark creates just after the
// driver pod, and Spark's memory strings.

/** Parse java.util.Properties text: comments (#, !), separators (=, :, space), escapes, continuations. */
export function parseJavaProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = (lines[i] as string).replace(/^\s+/, '');
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    // A line ending in an odd number of backslashes continues on the next.
    while (/(^|[^\\])(\\\\)*\\$/.test(line) && i + 1 < lines.length) {
      line = line.slice(0, -1) + (lines[++i] as string).replace(/^\s+/, '');
    }
    let key = '';
    let j = 0;
    for (; j < line.length; j++) {
      const c = line[j] as string;
      if (c === '\\') {
        key += unescapeChar(line[++j] ?? '');
        continue;
      }
      if (c === '=' || c === ':' || c === ' ' || c === '\t') break;
      key += c;
    }
    // Skip whitespace, at most one separator, whitespace.
    while (line[j] === ' ' || line[j] === '\t') j++;
    if (line[j] === '=' || line[j] === ':') j++;
    while (line[j] === ' ' || line[j] === '\t') j++;
    let value = '';
    for (; j < line.length; j++) {
      const c = line[j] as string;
      value += c === '\\' ? unescapeChar(line[++j] ?? '') : c;
    }
    out.set(key, value);
  }
  return out;
}

function unescapeChar(c: string): string {
  switch (c) {
    case 't':
      return '\t';
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case 'f':
      return '\f';
    default:
      return c;
  }
}

const MEMORY = /^\s*(\d+(?:\.\d+)?)\s*([kmgtp]?b?)?\s*$/i;
const MIB_PER: Record<string, number> = { b: 1 / 2 ** 20, k: 1 / 1024, m: 1, g: 1024, t: 1024 ** 2, p: 1024 ** 3 };

/**
 * A Spark memory string in MiB (JavaUtils.byteStringAsMb): suffix b, k, m,
 * g, t, p (optionally followed by "b", any case) is binary; no suffix means
 * `defaultUnit` (MiB for spark.executor.memory and memoryOverhead).
 */
export function sparkMemoryMiB(s: string, defaultUnit: 'm' | 'k' | 'g' = 'm'): number {
  const m = MEMORY.exec(s);
  if (!m || m[1] === undefined) throw new Error(`not a Spark memory size: ${JSON.stringify(s)}`);
  const n = Number(m[1]);
  const suffix = (m[2] ?? '').toLowerCase();
  const unit = suffix === '' ? defaultUnit : suffix === 'b' ? 'b' : (suffix[0] as string);
  if (!/^\d+$/.test(m[1])) throw new Error(`Spark memory sizes are whole numbers: ${JSON.stringify(s)}`);
  return Math.floor(n * (MIB_PER[unit] as number));
}
