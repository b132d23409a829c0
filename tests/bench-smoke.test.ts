import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

// The benchmarks start and print their machine-readable last line, with a tiny workload.
// Nothing here measures speed.
function runBench(script: string, env: Record<string, string>, args: string[] = []) {
  const child = spawnSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', join(__dirname, '..', 'bench', script), ...args],
    {
      encoding: 'utf8',
      env: { ...process.env, ...env },
      timeout: 120_000,
    },
  );
  const lines = child.stdout.trim().split('\n');
  return { status: child.status, stderr: child.stderr, last: lines[lines.length - 1] ?? '' };
}

test('bench:overhead prints its last line', () => {
  const run = runBench('overhead.ts', { ITEMS: '2000', ROUNDS: '1' });
  expect(run.stderr).toBe('');
  expect(run.last).toMatch(
    /^overhead: ns_per_item=[\d.]+ dataloader_ratio=[\d.]+ floor_ratio=[\d.]+ closed_loop_ratio=[\d.]+$/,
  );
}, 60_000);

test('bench:allocation prints bytes per item by phase', () => {
  const run = runBench('allocation.ts', { ITEMS: '2000' });
  expect(run.stderr).toBe('');
  expect(run.last).toMatch(
    /^allocation: bulk_bytes_per_item=\d+ dataloader_bulk=\d+ closed_bytes_per_item=\d+ dataloader_closed=\d+$/,
  );
}, 60_000);

test('bench:serve (the demo) serves a real model on six routes and prints its last line', () => {
  const run = runBench('serve.ts', { ROUNDS: '1', SECONDS: '1', CONCURRENCY: '1,4', OPEN_LOAD: '0.5' }, ['--demo']);
  expect(run.status).toBe(0);
  expect(run.last).toMatch(
    /^serve: speedup_c64=[\d.]+ ceiling_c64=[\d.]+ auto_p50_c1=[\d.]+ auto_rps_min=[\d.]+ auto_p99_max=[\d.]+$/,
  );
}, 120_000);

test('soak prints its last line and loses nothing', () => {
  const run = runBench('soak.ts', { CALLS: '20000' });
  expect(run.stderr).toBe('');
  expect(run.last).toMatch(/^soak: calls=20000 lost=0 heap_growth_mb=-?[\d.]+$/);
}, 60_000);

test('bench:lengths serves a variable-length model on five routes and prints its last line', () => {
  const run = runBench('lengths.ts', { ROUNDS: '1', SECONDS: '1', CONNECTIONS: '8' });
  expect(run.status).toBe(0);
  expect(run.last).toMatch(/^lengths: speedup_vs_count=[\d.]+ p99_ratio=[\d.]+ speedup_vs_unbatched=[\d.]+$/);
}, 120_000);

test('bench:overload runs every contender on the simulated accelerator and prints its last line', () => {
  const run = runBench('overload.ts', { SECONDS: '0.5', LOADS: '0.5,3', REAL: '0' });
  expect(run.status).toBe(0);
  expect(run.stderr).toBe('');
  expect(run.last).toMatch(
    /^overload: goodput_1_5x=\S+ goodput_3x=[\d.]+ ran_per_answer_max=[\d.]+ shed_under_capacity=\d+ goodput_under_min=[\d.]+ baseline_goodput_3x=[\d.]+ high_priority_answered=[\d.]+$/,
  );
}, 120_000);

test('bench:auto compares auto with fixed delays on the simulated accelerator and prints its last line', () => {
  const run = runBench('auto.ts', { SECONDS: '0.2', LOADS: '0.5', CONCURRENCY: '2', ROUNDS: '1' });
  expect(run.status).toBe(0);
  expect(run.stderr).toBe('');
  expect(run.last).toMatch(/^auto: rps_min=[\d.]+ p99_max=[\d.]+ light_key_answered=[\d.]+$/);
}, 120_000);

test('bench:keys runs every keyed contender in bulk and served over PGlite, and prints its last line', () => {
  const run = runBench('keys.ts', { CALLS: '2000', ROUNDS: '1', SERVED: '300', SERVED_ROUNDS: '1', BASELINE: '' });
  expect(run.status).toBe(0);
  expect(run.last).toMatch(
    /^keys: sent_per_call=[\d.]+ cache_sent_per_call=[\d.]+ overhead_vs_dataloader=[\d.]+ served_vs_dataloader=[\d.]+ plain_vs_before=NaN$/,
  );
}, 180_000);

test('bench:stream runs its three contenders over HTTP and prints its last line', () => {
  const run = runBench('stream.ts', { SECONDS: '0.3', CONCURRENCY: '1,2' });
  expect(run.status).toBe(0);
  expect(run.last).toMatch(
    /^stream: speedup_c64=[\d.]+ join_ttft_p99_ratio=[\d.]+ join_tokens_ratio=[\d.]+ c1_ttft_ratio=[\d.]+$/,
  );
}, 180_000);
