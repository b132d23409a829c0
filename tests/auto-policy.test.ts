import { AUTO_MAX_WAIT_MS, AutoPolicy } from '../src/auto-policy.js';

// The 'auto' policy's decisions on their own (contract §5), with made-up times in ms.

/** A policy that has seen `batches` batches of `size` items, each taking `runMs`. */
function trained(size: number, runMs: number, batches = 10, concurrency = 1, fixedCostMs = runMs): AutoPolicy {
  const policy = new AutoPolicy(concurrency);
  for (let i = 0; i < batches; i++) {
    policy.started(-1_000, 0);
    policy.finished(size, runMs, false, fixedCostMs);
  }
  return policy;
}

test('before any batch has run it never waits', () => {
  expect(new AutoPolicy().shouldWait(0, 0)).toBe(false);
  expect(new AutoPolicy().maxWaitMs).toBe(0);
});

test('it waits at most half the mean run time of a batch, and never more than the cap', () => {
  expect(trained(4, 6).maxWaitMs).toBe(3);
  expect(trained(4, 100).maxWaitMs).toBe(AUTO_MAX_WAIT_MS);
  const policy = trained(4, 6);
  expect(policy.shouldWait(3, 0)).toBe(false); // waited 3 ms already
});

test('its means follow the load: a plain mean at first, then a moving one', () => {
  const policy = trained(2, 10, 8);
  expect(policy.stats()).toMatchObject({ meanRunMs: 10, meanBatchSize: 2 });
  for (let i = 0; i < 40; i++) policy.finished(30, 2, false);
  expect(policy.stats().meanRunMs).toBeCloseTo(2, 1);
  expect(policy.stats().meanBatchSize).toBeCloseTo(30, 0);
});

test('after a batch finishes with calls waiting, it waits exactly one turn, then sends', () => {
  const policy = trained(8, 10);
  policy.finished(8, 10, true, 10);
  expect(policy.shouldWait(100, 100)).toBe(true);
  policy.arrived(100); // the turn brought a call: still, only one turn
  expect(policy.shouldWait(100.01, 100)).toBe(false);
});

test('with no company lately (mean size <= 1.5), a call to an idle model goes at once', () => {
  const policy = trained(1, 10);
  policy.arrived(100);
  expect(policy.shouldWait(100, 100)).toBe(false);
});

test('with company lately, it gathers while calls keep arriving, and stops when they stop', () => {
  const policy = trained(6, 10);
  policy.arrived(100);
  expect(policy.shouldWait(100, 100)).toBe(true); // first turn
  policy.arrived(100.1);
  expect(policy.shouldWait(100.1, 100)).toBe(true); // that turn brought a call
  expect(policy.shouldWait(100.3, 100)).toBe(true); // none, but the last came 0.2 ms ago
  expect(policy.shouldWait(100.4, 100)).toBe(false); // none for 0.3 ms: go
  expect(policy.stats().maxWaitMs).toBe(5);
});

test('calls that never stop arriving still wait no longer than the bound', () => {
  const policy = trained(6, 10);
  let now = 100;
  let turns = 0;
  for (; turns < 1_000; turns++, now += 0.1) {
    policy.arrived(now);
    if (!policy.shouldWait(now, 100)) break;
  }
  expect(now - 100).toBeGreaterThanOrEqual(5 - 1e-9);
  expect(now - 100).toBeLessThan(5.2);
});

test('a frozen clock cannot make it wait forever', () => {
  const policy = trained(6, 10);
  policy.arrived(100); // and the clock stays at 100: the last call always looks recent
  let turns = 0;
  while (policy.shouldWait(100, 100)) turns++;
  expect(turns).toBe(64);
});

test('a new batch starts a new gathering and records its wait', () => {
  const policy = trained(6, 10);
  policy.started(100, 2.5);
  expect(policy.stats().lastWaitMs).toBe(2.5);
});

test('with two slots, a batch with company waits until half a run time has passed since the last one started', () => {
  const policy = trained(6, 10, 10, 2); // a mean run of 10 ms: starts 5 ms apart
  policy.started(100, 0);
  // Calls have stopped arriving; alone, that would send the batch after one turn.
  expect(policy.shouldWait(101, 101)).toBe(true); // the first turn
  expect(policy.shouldWait(102, 101)).toBe(true); // 2 ms since the last start: the slots would end together
  expect(policy.shouldWait(104.9, 101)).toBe(true);
  expect(policy.shouldWait(105, 101)).toBe(false); // 5 ms: the slots now free one after another
});

test('with two slots, no spacing when most of a batch’s run is per item: company does not pay for the wait', () => {
  const policy = trained(6, 10, 10, 2, 4); // a fixed cost of 4 ms in a 10 ms run
  policy.started(100, 0);
  expect(policy.shouldWait(101, 101)).toBe(true); // the first turn
  expect(policy.shouldWait(102, 101)).toBe(false);
});

test('with one slot, the time since the last start does not hold a batch back', () => {
  const policy = trained(6, 10);
  policy.started(100, 0);
  expect(policy.shouldWait(101, 101)).toBe(true); // the first turn, as always
  expect(policy.shouldWait(102, 101)).toBe(false);
});

test('the spacing holds the oldest call no longer than a slot’s share of a run', () => {
  const policy = trained(6, 40, 10, 2); // starts 20 ms apart: the oldest call waits 20 ms at most
  policy.started(100, 0);
  expect(policy.shouldWait(105, 105)).toBe(true);
  expect(policy.holdUntil).toBe(120); // 20 ms after the last start
  expect(policy.shouldWait(119.9, 105)).toBe(true);
  expect(policy.shouldWait(120, 105)).toBe(false);
  policy.started(200, 0);
  expect(policy.shouldWait(205, 190)).toBe(true); // its oldest call came at 190: 20 ms later is 210 < 220
  expect(policy.holdUntil).toBe(210);
});

test('no wait for company when fewer than one call arrives, on average, within a batch’s fixed cost', () => {
  const sparse = trained(6, 10, 10, 1, 1); // a 1 ms fixed cost
  for (let t = 0; t <= 100; t += 2) sparse.arrived(t); // a call every 2 ms
  sparse.started(100, 0);
  expect(sparse.shouldWait(100.5, 100)).toBe(false);

  const dense = trained(6, 10, 10, 1, 1);
  for (let t = 0; t <= 100; t += 0.5) dense.arrived(t); // a call every 0.5 ms: two per fixed cost
  dense.started(100, 0);
  expect(dense.shouldWait(100.5, 100)).toBe(true);
});

test('a count threshold: once as many calls are queued as arrive within a batch’s fixed cost, it sends', () => {
  const policy = trained(8, 10, 10, 1, 1); // a 1 ms fixed cost
  for (let t = 0; t <= 100; t += 0.25) policy.arrived(t); // a call every 0.25 ms: four per fixed cost
  policy.started(100, 0);
  expect(policy.shouldWait(100, 100, 5)).toBe(false); // five queued: it goes
  expect(policy.shouldWait(100, 100, 3)).toBe(true); // three: it waits for company
});

test('after a batch, the one turn is taken whatever the count: the calls in the sockets are not counted yet', () => {
  const policy = trained(8, 10, 10, 1, 1);
  for (let t = 0; t <= 100; t += 0.25) policy.arrived(t);
  policy.finished(8, 10, true, 1);
  expect(policy.shouldWait(100, 100, 30)).toBe(true);
  expect(policy.shouldWait(100.01, 100, 30)).toBe(false);
});

test('with two slots, no spacing when fewer than one call arrives within a batch’s fixed cost', () => {
  const policy = trained(6, 10, 10, 2); // would space starts 5 ms apart
  for (let t = 0; t <= 2_000; t += 20) policy.arrived(t); // a call every 20 ms, the fixed cost 10 ms
  policy.started(2_000, 0);
  expect(policy.shouldWait(2_001, 2_001)).toBe(false);
  expect(policy.holdUntil).toBeUndefined();
});

test('the count threshold is per slot: with two slots, 1.3 calls per fixed cost is not enough to wait for', () => {
  const oneSlot = trained(8, 10, 10, 1, 1);
  const twoSlots = trained(8, 10, 10, 2, 1);
  for (let t = 0; t <= 200; t += 0.75) [oneSlot, twoSlots].forEach((policy) => policy.arrived(t));
  for (const policy of [oneSlot, twoSlots]) policy.started(200, 0);
  expect(oneSlot.shouldWait(200, 200, 1)).toBe(true); // 1.3 arrive per fixed cost: it waits for company
  expect(twoSlots.shouldWait(200, 200, 1)).toBe(false); // 0.67 per slot: it goes
});
