// Kubernetes resource quantities (k8s.io/apimachinery/pkg/api/resource).
// We keep integers in the units the scheduler compares: CPU in millicores,
// everything else in base units (bytes for memory), rounding up as the
// scheduler's MilliValue()/Value() do.

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)|[eE]([+-]?\d+))?$/;

export class QuantityError extends Error {
  override name = 'QuantityError';
}

/** The quantity as a float in base units ("500m" → 0.5, "1Gi" → 1073741824). */
export function parseQuantity(q: string | number): number {
  if (typeof q === 'number') {
    if (!Number.isFinite(q)) throw new QuantityError(`not a finite quantity: ${q}`);
    return q;
  }
  const m = QUANTITY.exec(q.trim());
  if (!m) throw new QuantityError(`not a Kubernetes quantity: ${JSON.stringify(q)}`);
  const n = Number(m[1]);
  if (m[2] !== undefined) return n * (BINARY[m[2]] ?? DECIMAL[m[2]] ?? 1);
  if (m[3] !== undefined) return n * 10 ** Number(m[3]);
  return n;
}

/** Integer amount the scheduler compares: millicores for cpu, base units (rounded up) otherwise. */
export function toSchedulerUnits(resource: string, q: string | number): number {
  const v = parseQuantity(q);
  // Float noise ("0.1" * 1000 = 100.00000000000001) must not round up a whole unit.
  const scaled = resource === 'cpu' ? v * 1000 : v;
  return Math.ceil(Number(scaled.toPrecision(15)));
}

/** Back to a canonical quantity string: "1500m", "2432Mi", "3". */
export function formatQuantity(resource: string, units: number): string {
  if (resource === 'cpu') return units % 1000 === 0 ? String(units / 1000) : `${units}m`;
  for (const suffix of ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki'] as const) {
    const f = BINARY[suffix] as number;
    if (units >= f && units % f === 0) return `${units / f}${suffix}`;
  }
  return String(units);
}
