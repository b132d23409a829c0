// What the examples' classifier should answer, computed apart from any server, one row at a time.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** Distinct feature vectors, so that a result delivered to the wrong caller shows. */
export function featureRows(count: number): number[][] {
  return Array.from({ length: count }, (_, i) => [i, -i / 2, 1 + i / 10, (i % 3) - 1]);
}

export function expectedScores(rows: number[][]): number[][] {
  const child = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(__dirname, '..', 'fixtures', 'classifier-scores.ts')],
    {
      input: JSON.stringify(rows),
      encoding: 'utf8',
    },
  );
  if (child.status !== 0) throw new Error(`classifier-scores failed:\n${child.stderr}`);
  return JSON.parse(child.stdout) as number[][];
}

/** Each score within float32 rounding of the expected one (a batched matmul may round differently). */
export function expectScoresClose(actual: unknown, expected: number[]): void {
  expect(actual).toEqual(expected.map((score): unknown => expect.closeTo(score, 5)));
}
