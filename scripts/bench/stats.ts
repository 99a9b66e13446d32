/** The figures the benchmarks print: percentiles of timings, in milliseconds. */

export interface Summary {
  n: number;
  p50: number;
  p95: number;
  max: number;
}

/** Quantile of sorted values by linear interpolation between closest ranks (numpy's default). */
export function quantile(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Count, p50, p95 (interpolated) and max of the finite values; undefined when there are none. */
export function summarize(values: ReadonlyArray<number | undefined>): Summary | undefined {
  const v = values.filter((x): x is number => x !== undefined && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return undefined;
  return { n: v.length, p50: quantile(v, 0.5), p95: quantile(v, 0.95), max: v.at(-1)! };
}

/** The p-th percentile of sorted values by the nearest rank (a value that was measured); NaN for none. */
export const nearestRank = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;

/** Milliseconds with two decimals below 10, one above. */
export const ms = (x: number) => (x < 10 ? x.toFixed(2) : x.toFixed(1));
