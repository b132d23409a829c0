// What the browser page runs (bundled by scripts/test-browser.mjs with the package's ESM
// build): the runtime behaviour suite, then a measurement of the end of a turn in a page.
// (A page that is not cross-origin isolated reads performance.now() to 0.1 ms in Chromium.)
import { batched } from '../../dist/esm/index.js';
import '../../tests/runtimes/behaviour.mjs';

/** ms from a call with `delay: 0` to the start of its batch, `count` times one after another. */
async function turnLatencies(count) {
  let startedAt = 0;
  const f = batched(
    async (items) => {
      startedAt = performance.now();
      return items;
    },
    { delay: 0 },
  );
  const samples = [];
  for (let i = 0; i < count; i++) {
    const calledAt = performance.now();
    await f(i);
    samples.push(startedAt - calledAt);
  }
  return samples.sort((a, b) => a - b);
}

/** The same for a nested 0 ms timer, which browsers clamp to 4 ms: what the engine does not use. */
async function nestedTimerLatencies(count) {
  const samples = [];
  await new Promise((resolve) => {
    let calledAt = performance.now();
    const step = () => {
      samples.push(performance.now() - calledAt);
      if (samples.length === count) return resolve();
      calledAt = performance.now();
      setTimeout(step, 0);
    };
    setTimeout(step, 0);
  });
  return samples.sort((a, b) => a - b);
}

const at = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))].toFixed(3);
const turns = await turnLatencies(200);
const timers = await nestedTimerLatencies(50);
console.log(
  `turn: delay 0 batch starts ${at(turns, 0.5)} ms (median), ${at(turns, 0.99)} ms (p99) after the call; ` +
    `a nested 0 ms timer: ${at(timers, 0.5)} ms (median)`,
);
