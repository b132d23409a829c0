import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

// src/hidden-classes.ts: an instance kept for its class keeps the map that instances in use
// have, not an older one (a field that took a fraction would have given them a new map).
test('kept instances share the hidden class of the ones the engine makes', () => {
  const child = spawnSync(
    process.execPath,
    ['--allow-natives-syntax', '--import', 'tsx', join(__dirname, 'fixtures', 'kept-maps.ts')],
    { encoding: 'utf8', timeout: 30_000 },
  );
  expect(child.stderr).toBe('');
  expect(child.stdout.trim().split('\n')).toEqual([
    'RunningBatch: shared',
    'LazyBatchContext: shared',
    'CallRecord: shared',
    'Partition: shared',
    'Lane: shared',
    'Chunk: shared',
  ]);
}, 40_000);
