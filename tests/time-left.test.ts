import { timeLeft } from '../src/index.js';

// timeLeft reads the time a request has left from the headers balancers send; the clock is
// passed in, so nothing here depends on when the test runs.
const NOW_MS = 1_764_000_000_500; // 2025-11-24, in ms since the epoch
const BUDGET = 300;

describe('X-Request-Start: the time since the balancer saw the request is spent', () => {
  test.each([
    ['nginx, t=<seconds.millis>', 't=1764000000.400'],
    ['Apache, t=<microseconds>', 't=1764000000400000'],
    ['Heroku, bare milliseconds', '1764000000400'],
    ['HAProxy date(0,ms), t=<milliseconds>', 't=1764000000400'],
    ['with spaces around it', '  t=1764000000400 '],
  ])('%s: 100 ms ago leaves 200 of 300', (_form, value) => {
    expect(timeLeft({ 'x-request-start': value }, BUDGET, NOW_MS)).toBeCloseTo(200, 6);
  });

  test('a start longer ago than the budget leaves a negative time: nothing left', () => {
    expect(timeLeft({ 'x-request-start': 't=1764000000000' }, BUDGET, NOW_MS)).toBe(-200);
  });

  test('a start in the future (a clock ahead of ours) is ignored, not trusted', () => {
    expect(timeLeft({ 'x-request-start': 't=1764000000501' }, BUDGET, NOW_MS)).toBe(BUDGET);
    expect(timeLeft({ 'x-request-start': 't=1764000000500' }, BUDGET, NOW_MS)).toBe(BUDGET); // now: all of it left
  });

  test.each([
    ['empty', ''],
    ['text', 'soon'],
    ['a unit suffix', 't=1764000000400ms'],
    ['negative', 't=-1764000000400'],
    ['before the year 2000 in every unit', 't=946684800'],
    ['two values', 't=1764000000400, t=1764000000450'],
    ['exponent notation', '1.7e12'],
    ['far too many digits', '1'.repeat(40)],
  ])('malformed (%s): ignored', (_what, value) => {
    expect(timeLeft({ 'x-request-start': value }, BUDGET, NOW_MS)).toBe(BUDGET);
  });

  test('a header sent twice (Node gives an array for some names) is ignored', () => {
    expect(timeLeft({ 'x-request-start': ['t=1764000000400', 't=1764000000450'] }, BUDGET, NOW_MS)).toBe(BUDGET);
  });
});

describe('grpc-timeout: at most 8 digits and a unit', () => {
  test.each([
    ['1H', 3_600_000],
    ['2M', 120_000],
    ['1S', 1_000],
    ['150m', 150],
    ['150000u', 150],
    ['15000000n', 15],
    ['99999999n', 99.999999],
    ['0m', 0],
  ])('%s is %s ms (capped by the budget)', (value, ms) => {
    expect(timeLeft({ 'grpc-timeout': value }, 10_000_000, NOW_MS)).toBe(ms);
  });

  test.each([['123456789m'], ['150000000n'], ['150'], ['150ms'], ['1.5S'], ['-5m'], ['m'], ['150x']])(
    '%s is malformed: ignored',
    (value) => {
      expect(timeLeft({ 'grpc-timeout': value }, BUDGET, NOW_MS)).toBe(BUDGET);
    },
  );
});

describe("Envoy's x-envoy-expected-rq-timeout-ms", () => {
  test('a whole number of ms', () => {
    expect(timeLeft({ 'x-envoy-expected-rq-timeout-ms': '120' }, BUDGET, NOW_MS)).toBe(120);
  });

  test.each([['12.5'], ['-1'], ['soon'], ['']])('%s is malformed: ignored', (value) => {
    expect(timeLeft({ 'x-envoy-expected-rq-timeout-ms': value }, BUDGET, NOW_MS)).toBe(BUDGET);
  });
});

describe('together', () => {
  test('the tightest wins', () => {
    const headers = {
      'x-request-start': 't=1764000000450', // 50 ms ago: 250 left
      'grpc-timeout': '220m',
      'x-envoy-expected-rq-timeout-ms': '240',
    };
    expect(timeLeft(headers, BUDGET, NOW_MS)).toBe(220);
    expect(timeLeft({ ...headers, 'grpc-timeout': '1S' }, BUDGET, NOW_MS)).toBe(240);
  });

  test('a header never grants more than the route budget', () => {
    expect(timeLeft({ 'grpc-timeout': '10S', 'x-envoy-expected-rq-timeout-ms': '5000' }, BUDGET, NOW_MS)).toBe(BUDGET);
  });

  test('no header: the whole budget', () => {
    expect(timeLeft({}, BUDGET, NOW_MS)).toBe(BUDGET);
  });

  test('fetch Headers work as well as Node’s header object (names in any case)', () => {
    const headers = new Headers({ 'X-Request-Start': 't=1764000000.400', 'Grpc-Timeout': '150m' });
    expect(timeLeft(headers, BUDGET, NOW_MS)).toBe(150);
  });

  test('the clock defaults to Date.now()', () => {
    const started = Date.now();
    const left = timeLeft({ 'x-request-start': `t=${started}` }, BUDGET);
    expect(left).toBeLessThanOrEqual(BUDGET);
    expect(left).toBeGreaterThan(BUDGET - (Date.now() - started) - 1);
  });

  test.each([[0], [-1], [Number.NaN]])('a budget of %s is a TypeError naming `budgetMs`', (budget) => {
    expect(() => timeLeft({}, budget, NOW_MS)).toThrow(
      new TypeError(`Expected \`budgetMs\` to be a number > 0, got \`${String(budget)}\``),
    );
  });
});
