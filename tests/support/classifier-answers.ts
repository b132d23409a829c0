// What the examples' classifier should answer, computed apart from any server, one row at a time.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { httpRequest, type HttpAnswer } from './example-process.js';

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

/** Sends each row to `POST <url>/predict`, all at once, each on its own connection. */
export function predictEach(url: string, rows: number[][]): Promise<HttpAnswer[]> {
  return Promise.all(rows.map((features) => httpRequest(`${url}/predict`, 'POST', { features })));
}

/**
 * Every answer is a 200 carrying the scores of its own row, each within float32 rounding of
 * the expected one (a batched matmul may round differently).
 */
export function expectOwnScores(answers: HttpAnswer[], expected: number[][]): void {
  answers.forEach((answer, i) => {
    expect(answer.status).toBe(200);
    const scores = (answer.json() as { scores: unknown }).scores;
    expect(scores).toEqual(expected[i]!.map((score): unknown => expect.closeTo(score, 5)));
  });
}
