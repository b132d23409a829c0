import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

// bench:replicas starts HAProxy and its replicas, runs every point once with a tiny workload,
// and prints its machine-readable last line. Nothing here measures speed.
test('bench:replicas runs every point behind HAProxy and prints its last line', () => {
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, '..', '..', 'bench', 'replicas.ts')], {
    encoding: 'utf8',
    env: { ...process.env, SECONDS: '1', REAL: '0' },
    timeout: 240_000,
  });
  const lines = run.stdout.trim().split('\n');
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  expect(lines[lines.length - 1]).toMatch(
    /^replicas: r0_5x=[\d.]+ r1_5x=[\d.]+ r3x=[\d.]+ kill=[\d.]+ lost=\d+ restart_errors=\d+ shed_under=\d+ flaps=\d+ real_1_5x=\S+ direct_1_5x=\S+$/,
  );
}, 240_000);
