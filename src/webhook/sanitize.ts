// Turning arbitrary strings (Spark app names, Airflow DAG ids, env values)
// into values the API server accepts. A label value is at most 63 characters
// of [A-Za-z0-9_.-], beginning and ending with an alphanumeric
// (k8s.io/apimachinery validation.IsValidLabelValue).

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
export const MAX_LABEL_VALUE = 63;

export function isValidLabelValue(v: string): boolean {
  return v.length <= MAX_LABEL_VALUE && LABEL_VALUE.test(v);
}

function trimEnds(v: string, edge: RegExp): string {
  let start = 0;
  let end = v.length;
  while (start < end && edge.test(v[start] as string)) start++;
  while (end > start && edge.test(v[end - 1] as string)) end--;
  return v.slice(start, end);
}

/** A valid label value keeping case, `_` and `.`; other characters become `-`. May be empty. */
export function toLabelValue(raw: string, max = MAX_LABEL_VALUE): string {
  const replaced = raw.replace(/[^A-Za-z0-9_.-]+/g, '-');
  return trimEnds(trimEnds(replaced, /[^A-Za-z0-9]/).slice(0, max), /[^A-Za-z0-9]/);
}

/**
 * A lower-case DNS-label-like value (`[a-z0-9-]`, alphanumeric ends), used
 * for gang names: they are label values, and the extender's ledger may use
 * them in object names, which must be DNS names.
 */
export function toDnsLabel(raw: string, max = MAX_LABEL_VALUE): string {
  const replaced = raw.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  return trimEnds(trimEnds(replaced, /[^a-z0-9]/).slice(0, max), /[^a-z0-9]/);
}
