/** Percentiles of a step's durations, nearest-rank (the value at rank ceil(p/100 x n)). */

/** p50, p95, p99 and max of a set of durations (ms), and how many there were. */
export interface Spread {
    n: number;
    p50: number;
    p95: number;
    p99: number;
    max: number;
}

/** The nearest-rank percentile `p` of `xs` (not empty). */
export function percentile(xs: number[], p: number): number {
    const sorted = [...xs].sort((a, b) => a - b);
    return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** The spread of `xs`; undefined when there are none. */
export function spread(xs: number[]): Spread | undefined {
    if (!xs.length) return undefined;
    return { n: xs.length, p50: percentile(xs, 50), p95: percentile(xs, 95), p99: percentile(xs, 99), max: Math.max(...xs) };
}
