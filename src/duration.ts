// Durations as Kubernetes and Go write them ("8760h", "90s", "1h30m"), for
// flags. Linear, anchored, no backtracking: a digit run is followed by a unit.
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/y;

/** Milliseconds of a positive Go-style duration; undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  if (text.length === 0 || text.length > 64) return undefined;
  PART.lastIndex = 0;
  let total = 0;
  while (PART.lastIndex < text.length) {
    const m = PART.exec(text);
    if (!m) return undefined;
    total += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
  }
  return total > 0 && Number.isFinite(total) ? total : undefined;
}
