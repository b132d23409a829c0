// The time a request has left, read from the headers that proxies and balancers send. A
// request has already waited in the balancer's queue and in sockets before a handler sees it;
// a deadline that starts at the handler promises the client more time than it has. Nothing
// here trusts a header: a value that is malformed, in the future or absurd is ignored.

/**
 * Request headers as Node gives them (lower-case names), or a fetch `Headers`.
 *
 * @example
 * ```ts
 * timeLeft(request.headers, 450); // Node, Express, Fastify
 * timeLeft(new Headers({ 'x-request-start': 't=1764000000400' }), 450); // fetch
 * ```
 */
export type RequestHeaders = { readonly [name: string]: string | readonly string[] | undefined } | HeadersLike;

/**
 * What `timeLeft` needs of a fetch `Headers`.
 *
 * @example
 * ```ts
 * const headers: HeadersLike = new Headers({ 'grpc-timeout': '150m' });
 * ```
 */
export interface HeadersLike {
  /**
   * The header's value, `null` when it is absent.
   *
   * @param name - the header's name, in any case
   */
  get(name: string): string | null;
}

/**
 * Milliseconds a request has left before `budgetMs` (the route's own deadline) is spent,
 * counting the time it spent before the handler saw it. The tightest of these wins, and the
 * result is never more than `budgetMs`:
 *
 * - `X-Request-Start`: when the balancer first saw the request, as nginx
 *   (`t=<seconds.millis>`), Apache (`t=<microseconds>`) or Heroku (`<milliseconds>`) send it,
 *   told apart by magnitude as the New Relic agents do; the time since then is spent;
 * - `grpc-timeout`: at most 8 digits and a unit (`H`, `M`, `S`, `m`, `u`, `n`);
 * - `x-envoy-expected-rq-timeout-ms`: Envoy's time left for the request, in ms.
 *
 * A value that is malformed, or a start in the future (clocks that disagree), is ignored.
 * The result is `<= 0` when nothing is left: answer at once (a 503) instead of calling the
 * model. Pass it as the call's `timeout` otherwise.
 *
 * @param headers - the request's headers (`request.headers` in Node, Express, Fastify; a fetch `Headers`)
 * @param budgetMs - the route's deadline in ms, counted from when the request first reached the balancer
 * @param now - the wall clock in ms since the epoch, which `X-Request-Start` is compared with. Default: `Date.now()`
 * @example
 * ```ts
 * // HAProxy: http-request set-header X-Request-Start t=%[date(0,ms)]
 * const left = timeLeft(request.headers, 300);
 * if (left <= 0) return reply.code(503).send({ error: 'no time left' });
 * return model.predict(input, { timeout: left });
 * ```
 */
export function timeLeft(headers: RequestHeaders, budgetMs: number, now: number = Date.now()): number {
  if (!(budgetMs > 0)) throw new TypeError(`Expected \`budgetMs\` to be a number > 0, got \`${String(budgetMs)}\``);
  let left = budgetMs;
  const startedAt = requestStartMs(header(headers, 'x-request-start'));
  if (startedAt !== undefined && startedAt <= now) left = Math.min(left, budgetMs - (now - startedAt));
  const grpc = grpcTimeoutMs(header(headers, 'grpc-timeout'));
  if (grpc !== undefined) left = Math.min(left, grpc);
  const envoy = envoyTimeoutMs(header(headers, 'x-envoy-expected-rq-timeout-ms'));
  if (envoy !== undefined) left = Math.min(left, envoy);
  return left;
}

/** One header's value; a header sent twice counts as malformed (which one would be right?). */
function header(headers: RequestHeaders, name: string): string | undefined {
  const value = typeof headers.get === 'function' ? headers.get(name) : (headers as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

/** 2000-01-01 in seconds: a start before it is in no unit we know (New Relic's agents use the same bound). */
const EARLIEST_START_S = 946_684_800;

/**
 * `X-Request-Start` in ms since the epoch. The unit is the first of microseconds, milliseconds
 * and seconds in which the value falls after 2000-01-01.
 */
function requestStartMs(value: string | undefined): number | undefined {
  const match = value === undefined ? null : /^\s*(?:t=)?(\d{1,20}(?:\.\d{1,9})?)\s*$/.exec(value);
  if (match === null) return undefined;
  const raw = Number(match[1]);
  for (const perSecond of [1e6, 1e3, 1]) if (raw / perSecond > EARLIEST_START_S) return (raw / perSecond) * 1_000;
  return undefined;
}

/** Each unit of `grpc-timeout` as ms per unit over units per ms (so that `150000u` is exactly 150). */
const GRPC_UNITS: Record<string, readonly [number, number]> = {
  H: [3_600_000, 1],
  M: [60_000, 1],
  S: [1_000, 1],
  m: [1, 1],
  u: [1, 1_000],
  n: [1, 1_000_000],
};

/** `grpc-timeout` in ms: the gRPC wire format allows at most 8 digits and one unit. */
function grpcTimeoutMs(value: string | undefined): number | undefined {
  const match = value === undefined ? null : /^(\d{1,8})([HMSmun])$/.exec(value.trim());
  if (match === null) return undefined;
  const [msPerUnit, unitsPerMs] = GRPC_UNITS[match[2]!]!;
  return (Number(match[1]) * msPerUnit) / unitsPerMs;
}

/** `x-envoy-expected-rq-timeout-ms`: a whole number of ms. */
function envoyTimeoutMs(value: string | undefined): number | undefined {
  const match = value === undefined ? null : /^\s*(\d{1,12})\s*$/.exec(value);
  return match === null ? undefined : Number(match[1]);
}
