import { createRouter, readTarget, type JsonRpcParams, type ResolvedOptions, type Target } from '@gw/core';
import { LIST_METHODS, PROTOCOL_METHODS } from '@gw/core/internal';
import { CONFIG_OPTION, HELP_OPTION, parseCommandArgs, requireConfigPath, UsageError } from '../args.js';
import { configWarnings, describeMatch, hasImplicitCatchAll, isCatchAll } from '../describe-config.js';
import { EXIT, type CliIo } from '../io.js';
import { checkConfig, loadConfigFile } from '../load-config.js';
import { reportLoadFailure, reportProblems } from '../report.js';
import { hideUrlCredentials } from '../url.js';

/** `mcp-gateway routes --help`. */
export const ROUTES_USAGE = `Usage: mcp-gateway routes -c <config.yml> [--explain '<json-rpc message>']

Prints the routing table in the order the gateway tries it (first match wins), with each
upstream's URL (credentials hidden). With --explain, prints which rule and upstream one message
goes to, or why it goes nowhere; exits 1 when it would not be routed.

  mcp-gateway routes -c config.yml --explain '{"method":"tools/call","params":{"name":"kb.search"}}'

Options:
  -c, --config <file>     the configuration file (YAML)
  -e, --explain <json>    one JSON-RPC message ("jsonrpc" and "id" may be left out)
  -h, --help              show this help
`;

/** `mcp-gateway routes -c config.yml [--explain json]`. */
export async function routesCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseCommandArgs(argv, { ...CONFIG_OPTION, ...HELP_OPTION, explain: { type: 'string', short: 'e' } });
  if (args.help) {
    io.stdout.write(ROUTES_USAGE);
    return EXIT.OK;
  }
  const file = requireConfigPath(args.config);
  // Read before the file, so a malformed message is a usage error whatever the file says.
  const message = args.explain === undefined ? undefined : parseExplainMessage(args.explain);
  const loaded = await loadConfigFile(file, io.cwd);
  if (!loaded.ok) return reportLoadFailure(loaded, file, io);
  const checked = checkConfig(loaded.config, io.env);
  if (!checked.ok) return reportProblems(file, checked.problems, io);
  const { options } = checked;

  if (message !== undefined) {
    const explanation = explainRoute(options, message);
    io.stdout.write(`${explanation.text}\n`);
    return explanation.routed ? EXIT.OK : EXIT.FAILURE;
  }
  io.stdout.write(formatRoutingTable(file, loaded.config.value, options));
  return EXIT.OK;
}

/** The routing table as text: a heading, one row per rule, then what it means for the rest. */
export function formatRoutingTable(file: string, raw: unknown, options: ResolvedOptions): string {
  const urls = upstreamUrls(options);
  const implicit = hasImplicitCatchAll(raw, options);
  const lines: string[] = [];
  if (options.routing.length === 0) {
    lines.push(`${file}: no routing rules and ${options.upstreams.length} upstreams: federated, every tool, prompt and resource goes to the upstream that listed it`);
  } else if (implicit) {
    lines.push(`${file}: no routing rules and one upstream, so the implicit catch-all sends everything there`);
  } else {
    lines.push(`${file}: ${options.routing.length} routing rule${options.routing.length === 1 ? '' : 's'}, first match wins`);
  }
  if (options.routing.length > 0) {
    const rows = options.routing.map((route, i) => [
      String(i + 1),
      describeMatch(route.match),
      route.upstream,
      `${urls.get(route.upstream) ?? ''}${implicit ? '  (implicit catch-all)' : ''}`,
    ]);
    lines.push('', ...table([['#', 'match', 'upstream', 'url'], ...rows]).map((row) => `  ${row}`));
  }
  lines.push('');
  if (!options.routing.some(isCatchAll)) lines.push(CATALOG_NOTE);
  lines.push(`Never routed (the gateway handles them): ${[...PROTOCOL_METHODS].join(', ')}, and client responses.`);
  lines.push(`Answered by the gateway from every upstream: ${[...LIST_METHODS.keys(), SET_LEVEL].join(', ')}.`);
  for (const warning of configWarnings(options)) {
    if (!warning.startsWith('auth.')) lines.push(`Note: ${warning}.`);
  }
  return `${lines.join('\n')}\n`;
}

/** What happens to a message no rule matches, as the running gateway does it (core resolveTarget). */
const CATALOG_NOTE =
  'A message no rule matches goes by the catalog: a tool, prompt or resource to the upstream that listed it ' +
  '(by the name the client sees); one nothing lists, or a message that names none, is answered 400 NO_ROUTE (-32601).';

/** Sent to every upstream that offers logging, like the lists (decide.ts). */
const SET_LEVEL = 'logging/setLevel';

/** The result of --explain: a sentence, and whether the message reaches an upstream (or the gateway itself). */
export interface RouteExplanation {
  routed: boolean;
  /** The rule's index (0-based) when a rule matched. */
  rule?: number;
  upstream?: string;
  text: string;
}

/** Which rule and upstream one message goes to, or why none does. Routing only: the policy is not consulted. */
export function explainRoute(options: ResolvedOptions, message: Record<string, unknown>): RouteExplanation {
  const method = message['method'];
  if (typeof method !== 'string') {
    return { routed: true, text: 'a response (no "method"): it goes back to the upstream whose request it answers; routing does not apply' };
  }
  if (PROTOCOL_METHODS.has(method)) {
    return { routed: true, text: `${method}: a protocol method, handled by the gateway itself; routing does not apply` };
  }
  if (LIST_METHODS.has(method) || method === SET_LEVEL) {
    return { routed: true, text: `${method}: answered by the gateway from every upstream that offers it (each item kept where its own call is routed and allowed); routing does not apply` };
  }
  const params = message['params'];
  const target = readTarget(method, isRecord(params) ? (params as JsonRpcParams) : undefined);
  if (target !== null && 'ok' in target) {
    return { routed: false, text: `${method}: ${target.error.message}: the gateway answers ${target.status} ${target.name} (${target.error.code}) before routing` };
  }
  const route = createRouter(options.routing).route(method, target);
  const what = `${method}${describeTarget(target)}`;
  if (!route.ok && target !== null) {
    // Without a rule the catalog decides, from what the upstreams list: known only to the running gateway.
    return {
      routed: true,
      text: `${what}: no rule matches; it goes by the catalog, to the upstream that lists ${target.kind} ${JSON.stringify(target.name)} (as the client sees it), or ${route.status} ${route.name} (${route.error.code}) when none does`,
    };
  }
  if (!route.ok) {
    return { routed: false, text: `${what}: no rule matches and it names no tool, prompt or resource; the gateway answers ${route.status} ${route.name} (${route.error.code} ${route.error.message})` };
  }
  const rule = options.routing[route.rule]!;
  const url = upstreamUrls(options).get(route.upstream);
  return {
    routed: true,
    rule: route.rule,
    upstream: route.upstream,
    text: `${what}: rule ${route.rule + 1} (${describeMatch(rule.match)}) → upstream ${route.upstream}${url ? ` (${url})` : ''}`,
  };
}

/** The --explain argument as one JSON-RPC message, or a UsageError saying what is wrong with it. */
export function parseExplainMessage(text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--explain: not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!isRecord(parsed)) throw new UsageError('--explain takes one JSON-RPC message: an object such as {"method":"tools/call","params":{"name":"kb.search"}}');
  return parsed;
}

function describeTarget(target: Target | null): string {
  return target ? ` (${target.kind} ${JSON.stringify(target.name)})` : '';
}

function upstreamUrls(options: ResolvedOptions): Map<string, string> {
  return new Map(options.upstreams.map((upstream) => [upstream.name, hideUrlCredentials(upstream.url)]));
}

/** Left-aligned columns, two spaces apart; the last column is not padded. */
function table(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd());
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
