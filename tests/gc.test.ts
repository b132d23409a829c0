import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

// contract §1: one batcher per instance in a WeakMap that never keeps an instance alive.
test('decorated instances are collected after use', () => {
  const child = spawnSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', join(__dirname, 'fixtures', 'instances-collected.ts')],
    {
      encoding: 'utf8',
      timeout: 30_000,
    },
  );
  expect(child.stderr).toBe('');
  expect(child.stdout.trim()).toBe('collected 200 of 200');
}, 40_000);

// contract §9: a key whose queue empties leaves no trace.
test('a million distinct partition keys over time do not grow memory', () => {
  const child = spawnSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', join(__dirname, 'fixtures', 'keys-forgotten.ts')],
    { encoding: 'utf8', timeout: 90_000 },
  );
  expect(child.stderr).toBe('');
  expect(child.stdout.trim()).toBe('keys 1000000, resolved 1000000, partitions 0, heap grew under 2 MB');
}, 100_000);
