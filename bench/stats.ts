/** Small statistics shared by the benchmarks: they compare medians measured in one run. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

export const round = (x: number, digits = 2): number => Number(x.toFixed(digits));
