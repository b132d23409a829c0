// The HAProxy configuration we recommend in front of batched-fn replicas, as measured by
// npm run bench:replicas (docs/benchmarks.md#replicas-behind-haproxy-npm-run-benchreplicas).
// `npm run example:haproxy -- --print` prints it for the ports it uses.

export interface Replica {
  /** The replica's HTTP port. */
  port: number;
  /** Its agent port (examples/haproxy/agent.ts). */
  agentPort: number;
}

export interface HaproxyOptions {
  /** The port HAProxy listens on, on 127.0.0.1. */
  port: number;
  replicas: readonly Replica[];
  /** The route's deadline in ms: the longest a request may wait in HAProxy's queue. */
  deadlineMs: number;
  /** Requests one replica holds at once; past it they wait in HAProxy's queue. */
  maxconn: number;
  /** A stats socket (`show stat`), for scripts that watch the servers' state. */
  statsSocket?: string | undefined;
  /**
   * The longest a request waits in HAProxy's queue, in ms; the deadline by default. For a model
   * that runs on the replica's CPU, a third of the deadline: HAProxy refuses what waited longer,
   * and the replica's CPU goes to requests that can still be answered.
   */
  queueTimeoutMs?: number | undefined;
  /** HAProxy's threads (`nbthread`); one per core by default. */
  threads?: number | undefined;
}

/** The configuration, one directive a line, each with the reason it is there. */
export function haproxyConfig({
  port,
  replicas,
  deadlineMs,
  maxconn,
  statsSocket,
  queueTimeoutMs = deadlineMs,
  threads,
}: HaproxyOptions): string {
  const servers = replicas.map(
    (replica, i) => `  server r${i + 1} 127.0.0.1:${replica.port} agent-port ${replica.agentPort}`,
  );
  return [
    'global',
    '  maxconn 4096',
    ...(statsSocket === undefined ? [] : [`  stats socket ${statsSocket} mode 600 level admin`]),
    ...(threads === undefined ? [] : [`  nbthread ${threads}`]),
    '',
    'defaults',
    '  mode http',
    '  timeout connect 1s',
    '  timeout client 30s',
    '  timeout server 30s',
    '  timeout check 1s',
    "  # A request waits in HAProxy's queue (a replica at maxconn) no longer than its deadline (a",
    '  # third of it for a model on the CPU); the replica sheds what is left, from X-Request-Start.',
    `  timeout queue ${queueTimeoutMs}ms`,
    '  # A replica that dies holding requests: HAProxy sends them again, to another replica',
    '  # (predict is idempotent). A 503 is not retried: it means the replica shed the request,',
    '  # and during global overload a retry only adds load.',
    '  retry-on conn-failure empty-response',
    '  retries 3',
    '  option redispatch 1',
    '',
    'frontend predict',
    `  bind 127.0.0.1:${port}`,
    '  # When the request reached the balancer: the replica counts its deadline from here.',
    '  http-request set-header X-Request-Start t=%[date(0,ms)]',
    '  default_backend replicas',
    '',
    'backend replicas',
    '  # The replica with the fewest requests in flight (weighted by what its agent asks for).',
    '  balance leastconn',
    '  # Readiness means "started and not shutting down", never "not busy".',
    '  option httpchk GET /ready',
    '  http-check expect status 200',
    '  # The agent (examples/haproxy/agent.ts) sets the weight from the forecast, never below 10%,',
    '  # and says `drain` when the replica got SIGTERM. The agent gives a share of `weight`,',
    '  # which must leave room for it: a share of the default weight, 1, rounds down to 0 (drain).',
    `  default-server check inter 250ms fall 2 rise 2 agent-check agent-inter 250ms weight 100 maxconn ${maxconn}`,
    ...servers,
    '',
  ].join('\n');
}
