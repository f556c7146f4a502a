import type { HealthReport, UpstreamHealth } from '@gw/node-http';
import { CONFIG_OPTION, HELP_OPTION, parseCommandArgs, UsageError } from '../args.js';
import { EXIT, type CliIo } from '../io.js';
import { loadConfigFile } from '../load-config.js';
import { reportLoadFailure } from '../report.js';
import { connectableAuthority } from '../url.js';

/** `mcp-gateway health --help`. */
export const HEALTH_USAGE = `Usage: mcp-gateway health [-c <config.yml> | --url <url>] [--timeout <ms>] [--json]

Asks a running gateway for GET /health (every upstream probed) and prints the report. Exits 0
only when the status is ok; 1 when it is degraded or down, or the gateway does not answer.

Where the gateway is: --url (its base URL; /health is added unless the URL ends with it), else
server.host and server.port from -c (0.0.0.0 → 127.0.0.1), else http://127.0.0.1:8080.

Options:
  -c, --config <file>  the gateway's configuration file (YAML)
  -u, --url <url>      the gateway's base URL, e.g. http://127.0.0.1:8080
  -t, --timeout <ms>   how long to wait for the answer (default 5000)
      --json           print the report as JSON
  -h, --help           show this help
`;

const DEFAULT_TIMEOUT_MS = 5_000;

/** `mcp-gateway health`: 0 only when the gateway reports ok. */
export async function healthCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseCommandArgs(argv, {
    ...CONFIG_OPTION,
    ...HELP_OPTION,
    url: { type: 'string', short: 'u' },
    timeout: { type: 'string', short: 't' },
    json: { type: 'boolean' },
  });
  if (args.help) {
    io.stdout.write(HEALTH_USAGE);
    return EXIT.OK;
  }
  if (args.url !== undefined && args.config !== undefined) throw new UsageError('give -c or --url, not both');
  const timeoutMs = args.timeout === undefined ? DEFAULT_TIMEOUT_MS : parseTimeout(args.timeout);

  let url: string;
  if (args.url !== undefined) url = healthUrlFrom(args.url);
  else if (args.config !== undefined) {
    const loaded = await loadConfigFile(args.config, io.cwd);
    if (!loaded.ok) return reportLoadFailure(loaded, args.config, io);
    const found = healthUrlFromConfig(loaded.config.value);
    if (!found.ok) {
      io.stderr.write(`mcp-gateway: ${args.config}: ${found.message}\n`);
      return EXIT.FAILURE;
    }
    url = found.url;
  } else url = 'http://127.0.0.1:8080/health';

  const answer = await fetchHealth(url, timeoutMs);
  if (!answer.ok) {
    io.stderr.write(`mcp-gateway: ${url}: ${answer.message}\n`);
    return EXIT.FAILURE;
  }
  io.stdout.write(args.json ? `${JSON.stringify(answer.report, null, 2)}\n` : formatHealth(url, answer.httpStatus, answer.report));
  return answer.report.status === 'ok' && answer.httpStatus === 200 ? EXIT.OK : EXIT.FAILURE;
}

function parseTimeout(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0 || value > 600_000) throw new UsageError(`--timeout: expected milliseconds between 1 and 600000, got "${text}"`);
  return value;
}

/** The /health URL for a gateway base URL (or a /health URL given as it is). */
export function healthUrlFrom(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--url: not a URL: "${text}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--url: expected http:// or https://, got "${text}"`);
  if (!/\/health$/.test(url.pathname)) url.pathname = `${url.pathname.replace(/\/+$/, '')}/health`;
  url.search = '';
  url.hash = '';
  return url.href;
}

/**
 * The /health URL from a configuration's server.host and server.port (defaults 127.0.0.1 and
 * 8080), read without validating the rest: a health check must not fail because this shell
 * lacks the upstreams' secrets.
 */
export function healthUrlFromConfig(raw: unknown): { ok: true; url: string } | { ok: false; message: string } {
  const server = isRecord(raw) ? raw['server'] : undefined;
  if (server !== undefined && !isRecord(server)) return { ok: false, message: 'server is not a map; pass --url' };
  const host = server?.['host'] ?? '127.0.0.1';
  const port = server?.['port'] ?? 8080;
  if (typeof host !== 'string' || host === '') return { ok: false, message: 'server.host is not a host name; pass --url' };
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) return { ok: false, message: 'server.port is not a port number; pass --url' };
  if (port === 0) return { ok: false, message: 'server.port is 0 (the gateway picks a free port when it starts); pass --url with the port it printed' };
  return { ok: true, url: `http://${connectableAuthority(host, port)}/health` };
}

type HealthAnswer = { ok: true; httpStatus: number; report: HealthReport } | { ok: false; message: string };

async function fetchHealth(url: string, timeoutMs: number): Promise<HealthAnswer> {
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    text = await response.text();
  } catch (error) {
    return { ok: false, message: `unreachable (${fetchFailure(error, timeoutMs)})` };
  }
  let report: unknown;
  try {
    report = JSON.parse(text);
  } catch {
    report = undefined;
  }
  if (!isHealthReport(report)) return { ok: false, message: `HTTP ${response.status}, but the answer is not a gateway health report` };
  return { ok: true, httpStatus: response.status, report };
}

function fetchFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError')) return `no answer within ${timeoutMs} ms`;
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}

function isHealthReport(value: unknown): value is HealthReport {
  return isRecord(value) && (value['status'] === 'ok' || value['status'] === 'degraded' || value['status'] === 'down') && isRecord(value['upstreams']);
}

/** The report as an operator reads it: the status line, then one line per upstream and the store. */
export function formatHealth(url: string, httpStatus: number, report: HealthReport): string {
  const sessions = typeof report.sessions === 'number' ? `, ${report.sessions} session${report.sessions === 1 ? '' : 's'}` : '';
  const lines = [`${url}: ${report.status} (HTTP ${httpStatus}${sessions})`];
  const rows = Object.entries(report.upstreams).map(([name, health]) => [`upstream ${name}`, upstreamState(health), upstreamDetail(health), `${health.latencyMs} ms`]);
  if (report.rateLimitStore) {
    rows.push(['rate-limit store', report.rateLimitStore.ok ? 'ok' : 'failing', report.rateLimitStore.detail ?? '', '']);
  }
  const widths = [0, 0, 0];
  for (const row of rows) for (let i = 0; i < 3; i++) widths[i] = Math.max(widths[i] ?? 0, row[i]?.length ?? 0);
  for (const row of rows) lines.push(`  ${row.map((cell, i) => (i < 3 ? cell.padEnd(widths[i] ?? 0) : cell)).join('  ').trimEnd()}`);
  return `${lines.join('\n')}\n`;
}

function upstreamState(health: UpstreamHealth): string {
  if (health.ok) return 'ok';
  return health.reachable ? 'failing' : 'unreachable';
}

function upstreamDetail(health: UpstreamHealth): string {
  if (health.ok) return 'answering MCP';
  return health.problem ?? '';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
