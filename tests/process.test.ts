import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { HOSTILE_STEPS } from './support/hostile.js';

// contract §4: the library never leaves a timer that keeps the process alive once all calls have
// settled, and never causes an unhandled rejection. Both need a real process and real timers.

function runFixture(name: string) {
  return spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, 'fixtures', name)], {
    encoding: 'utf8',
    timeout: 20_000, // the fixtures' own timers are 60 s and more: exiting sooner proves nothing held on
  });
}

test('the process exits by itself once every call has settled', () => {
  const child = runFixture('exits-by-itself.ts');
  expect({ signal: child.signal, status: child.status, stderr: child.stderr }).toEqual({
    signal: null,
    status: 0,
    stderr: '',
  });
  expect(child.stdout.trim()).toBe('settled');
}, 30_000);

test('no failure path causes an unhandled rejection', () => {
  const child = runFixture('no-unhandled-rejections.ts');
  expect(child.stdout).not.toContain('UNHANDLED');
  expect(child.stdout.trim()).toBe(`outcomes: ${23 + 2 * HOSTILE_STEPS.length} settled`);
  expect(child.status).toBe(0);
}, 30_000);
