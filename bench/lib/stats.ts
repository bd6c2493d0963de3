/** Percentile of a sorted array (nearest rank). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? Number.NaN;
}

export const sortNumbers = (xs: number[]) => Float64Array.from(xs).sort();

export type Summary = { median: number; min: number; max: number; runs: number };

/** Median of several runs with its spread (min–max), the way every figure is reported. */
export function summarise(values: number[]): Summary {
  const s = sortNumbers(values);
  return {
    median: percentile(s, 50),
    min: s[0] ?? Number.NaN,
    max: s[s.length - 1] ?? Number.NaN,
    runs: s.length,
  };
}

export type Latency = { p50: number; p99: number; max: number; samples: number };

export function latency(samples: number[]): Latency {
  const s = sortNumbers(samples);
  return {
    p50: percentile(s, 50),
    p99: percentile(s, 99),
    max: s[s.length - 1] ?? Number.NaN,
    samples: s.length,
  };
}

export const fmt = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : "–";
