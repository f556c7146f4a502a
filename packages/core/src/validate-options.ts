import type { z } from 'zod';
import type { ConfigErrorCode, ConfigIssue, ConfigPathSegment } from './config-error.js';
import { resolvePlaceholders, type EnvMap } from './env-placeholders.js';
import { gatewayOptionsSchema, type ResolvedOptions } from './options.js';
import { Sha256, toHex, wordsToBytes } from './sha256.js';

/** Connection-level headers the HTTP client sets itself; neither forwarded nor configurable. */
export const HOP_BY_HOP_HEADERS: ReadonlySet<string> = new Set([
  'host',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'content-length',
  'expect',
  'proxy-connection',
]);

/** Request headers the gateway never forwards: gateway credentials and hop-by-hop headers. */
export const NEVER_FORWARDED_HEADERS: ReadonlySet<string> = new Set([
  'authorization',
  'x-api-key',
  'api-key',
  'cookie',
  'proxy-authorization',
  ...HOP_BY_HOP_HEADERS,
]);

/** What validation needs from the outside world. */
export interface ValidateContext {
  /** Variables for `${NAME}` placeholders. Nothing is read from the process unless passed here. */
  env?: EnvMap;
}

/** Valid options with defaults and placeholders resolved, or every issue found. */
export type ValidationResult = { ok: true; options: ResolvedOptions } | { ok: false; issues: ConfigIssue[] };

/**
 * Validates gateway options and reports every problem at once, each with its path and stable
 * code: the schema's own checks, then the rules that span fields (routing targets, duplicates,
 * placeholders, forbidden forward headers), which run even where other parts are broken so an
 * operator fixes a file in one pass.
 */
export function validateOptions(input: unknown, context: ValidateContext = {}): ValidationResult {
  const env = context.env ?? {};
  const parsed = gatewayOptionsSchema.safeParse(input, { reportInput: true });
  const issues: ConfigIssue[] = parsed.success ? [] : parsed.error.issues.flatMap(fromZodIssue);
  issues.push(...crossFieldIssues(input, env));
  if (!parsed.success || issues.length) return { ok: false, issues: dedupe(issues) };

  const options = parsed.data;
  resolveOptionPlaceholders(options, env);
  if (options.routing.length === 0 && options.upstreams.length === 1) {
    options.routing.push({ match: { method: '*' }, upstream: options.upstreams[0]!.name });
  }
  return { ok: true, options };
}

function fromZodIssue(issue: z.core.$ZodIssue): ConfigIssue[] {
  const path = issue.path.filter((s): s is ConfigPathSegment => typeof s !== 'symbol');
  const text = issue.message.replace(/^Invalid input: /, '');
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({ code: 'ERR_GW_UNKNOWN_KEY', path: [...path, key], message: `unknown key "${key}"` }));
    case 'invalid_type':
      if (!('input' in issue) || issue.input === undefined) {
        return [{ code: 'ERR_GW_MISSING_KEY', path, message: `required (${text.replace(/, received undefined$/, '')})` }];
      }
      if (issue.expected === 'int') return [{ code: 'ERR_GW_INVALID_VALUE', path, message: 'expected an integer' }];
      return [{ code: 'ERR_GW_INVALID_TYPE', path, message: text }];
    case 'custom': {
      const gwCode = (issue.params as { gwCode?: ConfigErrorCode } | undefined)?.gwCode;
      return [{ code: gwCode ?? 'ERR_GW_INVALID_VALUE', path, message: text }];
    }
    case 'invalid_key':
      // A record key failed its own schema; report that schema's findings at the key's path.
      return issue.issues.flatMap((inner) => fromZodIssue({ ...inner, path: issue.path }));
    case 'too_small':
    case 'too_big':
      return [{ code: 'ERR_GW_INVALID_VALUE', path, message: rangeMessage(issue) }];
    case 'invalid_value':
      return [{ code: 'ERR_GW_INVALID_VALUE', path, message: `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}` }];
    default:
      return [{ code: 'ERR_GW_INVALID_VALUE', path, message: text }];
  }
}

/** Range messages in an operator's words; a schema's own message (e.g. "declare at least one upstream") is kept. */
function rangeMessage(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig): string {
  if (!/^Too (small|big)/.test(issue.message)) return issue.message;
  const small = issue.code === 'too_small';
  const bound = Number(small ? (issue as z.core.$ZodIssueTooSmall).minimum : (issue as z.core.$ZodIssueTooBig).maximum);
  switch (issue.origin) {
    case 'string':
      return small && bound === 1 ? 'must not be empty' : `must be ${small ? 'at least' : 'at most'} ${bound} characters long`;
    case 'array':
      return `must have ${small ? 'at least' : 'at most'} ${bound} entr${bound === 1 ? 'y' : 'ies'}`;
    default:
      if (small && bound === 0 && issue.inclusive === false) return 'must be greater than 0';
      return `must be ${small ? 'at least' : 'at most'} ${bound}`;
  }
}

function dedupe(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.code}|${JSON.stringify(issue.path)}|${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function entries(value: unknown): Array<[number, Record<string, unknown>]> {
  if (!Array.isArray(value)) return [];
  const out: Array<[number, Record<string, unknown>]> = [];
  value.forEach((item, index) => {
    if (isRecord(item)) out.push([index, item]);
  });
  return out;
}

/** Where placeholders are allowed: the upstream URL and credential, plain API keys and session secrets. */
const PLACEHOLDER_FIELDS: ReadonlyArray<(root: Record<string, unknown>) => Array<[ConfigPathSegment[], unknown]>> = [
  (root) => entries(root['upstreams']).map(([i, u]) => [['upstreams', i, 'url'], u['url']]),
  (root) =>
    entries(root['upstreams']).map(([i, u]) => {
      const auth = isRecord(u['auth']) && isRecord(u['auth']['apiKey']) ? u['auth']['apiKey'] : {};
      return [['upstreams', i, 'auth', 'apiKey', 'value'], auth['value']];
    }),
  (root) => entries(isRecord(root['auth']) ? root['auth']['apiKeys'] : undefined).map(([i, k]) => [['auth', 'apiKeys', i, 'key'], k['key']]),
  (root) => sessionSecrets(root).map(([i, secret]) => [['sessions', 'secrets', i], secret]),
];

/** The shortest session secret accepted: a sealing key is derived from it, so it must not be guessable. */
export const MIN_SESSION_SECRET_LENGTH = 32;

function sessionSecrets(root: Record<string, unknown>): Array<[number, unknown]> {
  const secrets = isRecord(root['sessions']) ? root['sessions']['secrets'] : undefined;
  return Array.isArray(secrets) ? secrets.map((secret, i): [number, unknown] => [i, secret]) : [];
}

/** Rules that span fields, checked on the raw input so they run even where the schema failed. */
function crossFieldIssues(input: unknown, env: EnvMap): ConfigIssue[] {
  if (!isRecord(input)) return [];
  const issues: ConfigIssue[] = [];
  const add = (code: ConfigErrorCode, path: ConfigPathSegment[], message: string) => issues.push({ code, path, message });

  for (const field of PLACEHOLDER_FIELDS) {
    for (const [path, value] of field(input)) {
      if (typeof value !== 'string') continue;
      const result = resolvePlaceholders(value, env);
      if (!result.ok) for (const problem of result.problems) add(problem.code, path, problem.message);
    }
  }

  // What only makes sense once placeholders are resolved: checked here, in the same pass.
  for (const [i, upstream] of entries(input['upstreams'])) {
    const url = typeof upstream['url'] === 'string' ? resolvePlaceholders(upstream['url'], env) : undefined;
    if (url?.ok && !isHttpUrl(url.value)) add('ERR_GW_INVALID_VALUE', ['upstreams', i, 'url'], 'expected an absolute http:// or https:// URL');
    const auth = isRecord(upstream['auth']) && isRecord(upstream['auth']['apiKey']) ? upstream['auth']['apiKey'] : {};
    if (typeof auth['header'] === 'string' && HOP_BY_HOP_HEADERS.has(auth['header'].toLowerCase())) {
      add('ERR_GW_INVALID_VALUE', ['upstreams', i, 'auth', 'apiKey', 'header'], `"${auth['header']}" is a connection header, not a credential header`);
    }
    const value = typeof auth['value'] === 'string' ? resolvePlaceholders(auth['value'], env) : undefined;
    if (value?.ok && /[\r\n\0]/.test(value.value)) {
      add('ERR_GW_INVALID_VALUE', ['upstreams', i, 'auth', 'apiKey', 'value'], 'a header value cannot contain CR, LF or NUL');
    }
  }

  for (const [i, raw] of sessionSecrets(input)) {
    const secret = typeof raw === 'string' && raw !== '' ? resolvePlaceholders(raw, env) : undefined;
    if (secret?.ok && secret.value.length < MIN_SESSION_SECRET_LENGTH) {
      add('ERR_GW_INVALID_VALUE', ['sessions', 'secrets', i], `a session secret must be at least ${MIN_SESSION_SECRET_LENGTH} characters long (after \${ENV} resolution); e.g. openssl rand -base64 48`);
    }
  }

  // node:http refuses a server whose headers may take longer than its whole request.
  const server = isRecord(input['server']) ? input['server'] : {};
  const headersTimeout = server['headersTimeoutMs'] ?? 30_000;
  const requestTimeout = server['requestTimeoutMs'] ?? 60_000;
  if (typeof headersTimeout === 'number' && typeof requestTimeout === 'number' && headersTimeout > requestTimeout) {
    add('ERR_GW_INVALID_VALUE', ['server', 'headersTimeoutMs'], `must be at most server.requestTimeoutMs (${requestTimeout})`);
  }

  const upstreamNames = new Map<string, number>();
  for (const [i, upstream] of entries(input['upstreams'])) {
    const name = upstream['name'];
    if (typeof name !== 'string') continue;
    const first = upstreamNames.get(name);
    if (first !== undefined) add('ERR_GW_DUPLICATE_UPSTREAM', ['upstreams', i, 'name'], `upstream "${name}" is already declared at upstreams[${first}]`);
    else upstreamNames.set(name, i);
  }

  for (const [i, route] of entries(input['routing'])) {
    const target = route['upstream'];
    if (typeof target === 'string' && !upstreamNames.has(target)) {
      const known = [...upstreamNames.keys()].map((n) => `"${n}"`).join(', ') || 'none';
      add('ERR_GW_UNKNOWN_UPSTREAM', ['routing', i, 'upstream'], `upstream "${target}" is not declared (declared: ${known})`);
    }
    const match = route['match'];
    // Count fields that are set: `{ tool: undefined }` (say, from an unset variable) is as empty as `{}`.
    if (isRecord(match) && Object.values(match).every((v) => v === undefined)) {
      add('ERR_GW_EMPTY_MATCH', ['routing', i, 'match'], 'give at least one of method, tool, resource, prompt (use method: "*" for a catch-all)');
    }
    if (isRecord(match) && ['tool', 'resource', 'prompt'].filter((k) => match[k] !== undefined).length > 1) {
      // A message names one tool, resource or prompt, so such a rule could never match.
      add('ERR_GW_INVALID_VALUE', ['routing', i, 'match'], 'give at most one of tool, resource, prompt');
    }
  }

  const forward = isRecord(input['upstreamHeaders']) ? input['upstreamHeaders']['forward'] : undefined;
  if (Array.isArray(forward)) {
    forward.forEach((name, i) => {
      if (typeof name === 'string' && NEVER_FORWARDED_HEADERS.has(name.toLowerCase())) {
        add('ERR_GW_FORBIDDEN_FORWARD_HEADER', ['upstreamHeaders', 'forward', i], `"${name}" is a credential or hop-by-hop header and is never forwarded`);
      }
    });
  }

  issues.push(...apiKeyIssues(input, env));
  return issues;
}

function apiKeyIssues(input: Record<string, unknown>, env: EnvMap): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const ids = new Map<string, number>();
  const secrets = new Map<string, number>();
  const hasher = new Sha256();
  for (const [i, entry] of entries(isRecord(input['auth']) ? input['auth']['apiKeys'] : undefined)) {
    const id = entry['id'];
    if (typeof id === 'string') {
      const first = ids.get(id);
      if (first !== undefined) issues.push({ code: 'ERR_GW_DUPLICATE_API_KEY_ID', path: ['auth', 'apiKeys', i, 'id'], message: `id "${id}" is already used by auth.apiKeys[${first}]` });
      else ids.set(id, i);
    }
    const hasKey = entry['key'] !== undefined;
    const hasHash = entry['keyHash'] !== undefined;
    if (hasKey === hasHash) {
      issues.push({ code: 'ERR_GW_API_KEY_SECRET', path: ['auth', 'apiKeys', i], message: hasKey ? 'give key or keyHash, not both' : 'give key (plain) or keyHash (sha256:<hex>)' });
      continue;
    }
    // Compare by hash so a plain key that equals another entry's keyHash is caught too.
    const hash = secretHash(hasKey ? entry['key'] : entry['keyHash'], hasKey, env, hasher);
    if (hash === undefined) continue;
    const first = secrets.get(hash);
    if (first !== undefined) issues.push({ code: 'ERR_GW_DUPLICATE_API_KEY', path: ['auth', 'apiKeys', i, hasKey ? 'key' : 'keyHash'], message: `the same key as auth.apiKeys[${first}]` });
    else secrets.set(hash, i);
  }
  return issues;
}

function secretHash(raw: unknown, plain: boolean, env: EnvMap, hasher: Sha256): string | undefined {
  if (typeof raw !== 'string' || raw === '') return undefined;
  const resolved = resolvePlaceholders(raw, env);
  if (!resolved.ok) return undefined;
  if (plain) return toHex(wordsToBytes(hasher.words(resolved.value)));
  const match = /^sha256:([0-9a-fA-F]{64})$/.exec(raw);
  return match ? match[1]!.toLowerCase() : undefined;
}

/** Resolves placeholders in the validated options, in place; crossFieldIssues has vetted them. */
function resolveOptionPlaceholders(options: ResolvedOptions, env: EnvMap): void {
  const resolve = (value: string) => {
    const result = resolvePlaceholders(value, env);
    return result.ok ? result.value : value;
  };
  for (const upstream of options.upstreams) {
    upstream.url = resolve(upstream.url);
    if (upstream.auth) upstream.auth.apiKey.value = resolve(upstream.auth.apiKey.value);
  }
  if (options.sessions.secrets) options.sessions.secrets = options.sessions.secrets.map(resolve);
  for (const entry of options.auth.apiKeys) {
    if (entry.key !== undefined) entry.key = resolve(entry.key);
    if (entry.keyHash !== undefined) entry.keyHash = entry.keyHash.toLowerCase();
  }
}

function isHttpUrl(text: string): boolean {
  // Core has no URL global in its declared platform surface; a strict pattern is enough here and
  // the data plane parses the URL again when it opens the pool.
  return /^https?:\/\/[^\s/?#]+(?:[/?#][^\s]*)?$/i.test(text);
}
