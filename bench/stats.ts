/** Small helpers shared by the benchmarks. */

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Pads each column to its widest cell. */
export function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((row) => row.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  const line = (row: string[]) =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  return [line(cells[0]!), line(widths.map((w) => '-'.repeat(w))), ...cells.slice(1).map(line)].join('\n');
}

export const round = (value: number, digits = 2): number => Number(value.toFixed(digits));

/** The p-th percentile (0..100) of `values`, NaN when there are none. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Field by field over samples of one point: the median, except `summed` fields, which are added up. */
export function medianFields<T extends { [K in keyof T]: number }>(samples: readonly T[], summed: (keyof T)[]): T {
  const fields = Object.keys(samples[0]!) as (keyof T)[];
  return Object.fromEntries(
    fields.map((field) => {
      const values = samples.map((sample) => sample[field]);
      return [field, summed.includes(field) ? values.reduce((a, b) => a + b, 0) : median(values)];
    }),
  ) as T;
}
