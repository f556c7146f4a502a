import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  CONFIG_ERROR_CODES,
  DEFAULT_FORWARD_HEADERS,
  DEFAULT_REDACT_KEYS,
  GatewayConfigError,
  NEVER_FORWARDED_HEADERS,
  compileGateway,
  formatConfigIssue,
  formatConfigPath,
  resolvePlaceholders,
  validateOptions,
  type ConfigErrorCode,
  type ConfigIssue,
  type ConfigPathSegment,
  type EnvMap,
  type ResolvedOptions,
} from '../src/index.js';
import { isValidGlob } from '../src/internal.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const loadFixture = (name: string): Record<string, unknown> =>
  parse(readFileSync(join(fixtures, name), 'utf8')) as Record<string, unknown>;

const UPSTREAM_URL = 'http://127.0.0.1:1/mcp';

/** The smallest valid configuration; a fresh object every call so tests can extend it. */
const minimal = (): Record<string, unknown> & { upstreams: Array<Record<string, unknown>> } => ({
  upstreams: [{ name: 'a', url: UPSTREAM_URL }],
});

/** Minimal config plus extra top-level keys. */
const withMinimal = (extra: Record<string, unknown>): Record<string, unknown> => ({ ...minimal(), ...extra });

const sha256Of = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

function validOptions(input: unknown, env?: EnvMap): ResolvedOptions {
  const result = validateOptions(input, env === undefined ? {} : { env });
  if (!result.ok) throw new Error(`expected valid options, got ${JSON.stringify(result.issues)}`);
  return result.options;
}

function issuesOf(input: unknown, env?: EnvMap): ConfigIssue[] {
  const result = validateOptions(input, env === undefined ? {} : { env });
  expect(result.ok).toBe(false);
  if (result.ok) throw new Error('unreachable');
  return result.issues;
}

/** Issues reduced to [code, path] pairs, the part every assertion below pins exactly. */
const codesAndPaths = (issues: readonly ConfigIssue[]): Array<[ConfigErrorCode, ConfigPathSegment[]]> =>
  issues.map((issue) => [issue.code, issue.path]);

const LONG_GLOB = 'a'.repeat(64 * 1024 + 1);

describe('the seed configuration (seed-config.yml)', () => {
  const seed = loadFixture('seed-config.yml');

  it('validates unchanged, without any environment variables', () => {
    const result = validateOptions(seed);
    expect(result.ok ? [] : result.issues).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it('resolves to the values written in the file', () => {
    const options = validOptions(seed);
    expect(options.server).toEqual({
      host: '0.0.0.0',
      port: 8080,
      path: '/mcp',
      allowedOrigins: ['http://localhost:3000'],
      allowedHosts: [],
      trustedProxies: [],
      forwardedHeaders: 'x-forwarded',
      maxBodyBytes: 4 * 1024 * 1024,
      maxBatchMessages: 100, headersTimeoutMs: 30_000, requestTimeoutMs: 60_000, keepAliveTimeoutMs: 65_000, metrics: { enabled: true },
    });
    expect(options.auth).toEqual({
      mode: 'apiKey',
      apiKeys: [{ id: 'local-dev-key', key: 'dev_key_1', tenant: 'client', client: 'local-dev' }],
    });
    expect(options.rateLimit).toEqual({
      keyPrefix: 'mcp-gateway',
      defaultRpm: 600,
      byMethod: { 'tools/call': 120 },
      storeFailure: 'closed',
      redisCommandTimeoutMs: 500,
    });
    expect(options.rateLimit.byMethod['tools/call']).toBe(120);
    expect(options.policy.default).toBe('deny');
    expect(options.policy.rules).toHaveLength(1);
    expect(options.policy.rules[0]!.subject).toEqual({ tenant: 'client', client: 'local-dev' });
    expect(options.policy.rules[0]!.allow.methods).toContain('tools/call');
    expect(options.policy.rules[0]!.allow.tools).toEqual(['*']);
    expect(options.policy.rules[0]!.deny).toEqual({ methods: [], tools: [], resources: [], prompts: [] });
    expect(options.upstreams).toEqual([{ name: 'mcp-local', type: 'http', url: 'http://mcp-dummy:9000/mcp', timeoutMs: 30000, maxResponseBytes: 64 * 1024 * 1024, maxConnections: 128, maxStreams: 256 }]);
    expect(options.upstreamHeaders.forward).toEqual([...DEFAULT_FORWARD_HEADERS]);
    // The file's own routing is kept as written: no implicit catch-all is added on top of it.
    expect(options.routing).toEqual([{ match: { method: '*' }, upstream: 'mcp-local' }]);
    expect(options.audit).toEqual({ enabled: true, environments: ['production', 'staging'] });
    // The file's redactKeys replace the defaults (the seed list has no "cookie").
    expect(options.logging).toEqual({
      level: 'info',
      redactKeys: ['authorization', 'x-api-key', 'api-key', 'token', 'access_token', 'password', 'secret'],
    });
  });

  it('does not modify the parsed YAML object it validates', () => {
    const before = structuredClone(seed);
    validOptions(seed);
    expect(seed).toEqual(before);
  });

  it('compiles into a gateway that authenticates the dev key and routes to mcp-local', async () => {
    const gateway = compileGateway(seed);
    try {
      expect(gateway.options.server.host).toBe('0.0.0.0');
      expect(gateway.options.routing[0]).toEqual({ match: { method: '*' }, upstream: 'mcp-local' });
      // Lists are answered by the gateway itself, from every upstream; calls go to an upstream.
      const list = await gateway.check({ apiKey: 'dev_key_1', message: { jsonrpc: '2.0', id: 1, method: 'tools/list' } });
      expect(list).toMatchObject({ ok: true, upstream: null });
      const result = await gateway.check({ apiKey: 'dev_key_1', message: { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo' } } });
      expect(result.ok).toBe(true);
      if (result.ok) {
        expect(result.upstream).toBe('mcp-local');
        expect(result.subject).toMatchObject({ tenant: 'client', client: 'local-dev' });
      }
    } finally {
      await gateway.close();
    }
  });
});

describe('three-upstreams.yml and ${ENV} placeholders', () => {
  const three = loadFixture('three-upstreams.yml');
  const AUTH_VALUE_PATH = ['upstreams', 2, 'auth', 'apiKey', 'value'];

  it('validates when EXAMPLE_UPSTREAM_API_KEY is given, substituting it into the upstream credential', () => {
    const options = validOptions(three, { EXAMPLE_UPSTREAM_API_KEY: 'k' });
    expect(options.upstreams[2]!.auth).toEqual({ type: 'apiKey', apiKey: { header: 'Authorization', value: 'Api-Key k' } });
    expect(options.upstreams[2]!.timeoutMs).toBe(45000);
    expect(options.upstreams.map((u) => u.name)).toEqual(['mcp-math', 'mcp-kb', 'mcp-reports']);
    expect(options.routing).toHaveLength(4);
    expect(options.routing[0]).toEqual({ match: { method: 'tools/call', tool: 'math.*' }, upstream: 'mcp-math' });
    expect(options.auth.apiKeys[0]).toEqual({
      id: 'ops',
      keyHash: 'sha256:32b69febf5c5ae65984f8dcbfc08bdf1fdc1d7d4858f25b3279baf71636960d6',
      tenant: 'acme',
      client: 'ops',
    });
  });

  it('leaves the placeholder in the input object untouched', () => {
    const before = structuredClone(three);
    validOptions(three, { EXAMPLE_UPSTREAM_API_KEY: 'k' });
    expect(three).toEqual(before);
  });

  it('fails with ERR_GW_MISSING_ENV at the credential value when the variable is not set', () => {
    const issues = issuesOf(three);
    expect(codesAndPaths(issues)).toEqual([['ERR_GW_MISSING_ENV', AUTH_VALUE_PATH]]);
    expect(issues[0]!.message).toContain('EXAMPLE_UPSTREAM_API_KEY');
    expect(issues[0]!.message).toContain('not set');
  });

  it('fails with ERR_GW_MISSING_ENV when the variable is set but empty', () => {
    const issues = issuesOf(three, { EXAMPLE_UPSTREAM_API_KEY: '' });
    expect(codesAndPaths(issues)).toEqual([['ERR_GW_MISSING_ENV', AUTH_VALUE_PATH]]);
    expect(issues[0]!.message).toContain('EXAMPLE_UPSTREAM_API_KEY');
    expect(issues[0]!.message).toContain('empty');
  });

  it('does not read process.env when no env is passed: ${HOME} is missing', () => {
    const previous = process.env['GW_OPTIONS_TEST_VAR'];
    process.env['GW_OPTIONS_TEST_VAR'] = 'http://127.0.0.1:2/mcp';
    try {
      const input = { upstreams: [{ name: 'a', url: '${HOME}' }, { name: 'b', url: '${GW_OPTIONS_TEST_VAR}' }] };
      expect(codesAndPaths(issuesOf(input))).toEqual([
        ['ERR_GW_MISSING_ENV', ['upstreams', 0, 'url']],
        ['ERR_GW_MISSING_ENV', ['upstreams', 1, 'url']],
      ]);
      // ...while the same variables passed explicitly are used.
      const options = validOptions(input, { HOME: 'http://127.0.0.1:1/mcp', GW_OPTIONS_TEST_VAR: 'https://example.test/mcp' });
      expect(options.upstreams.map((u) => u.url)).toEqual(['http://127.0.0.1:1/mcp', 'https://example.test/mcp']);
    } finally {
      if (previous === undefined) delete process.env['GW_OPTIONS_TEST_VAR'];
      else process.env['GW_OPTIONS_TEST_VAR'] = previous;
    }
  });

  it('reports every missing variable of one value separately', () => {
    const input = { upstreams: [{ name: 'a', url: 'http://${HOST_A}:${PORT_A}/mcp' }] };
    const issues = issuesOf(input, { HOST_A: 'h' });
    expect(codesAndPaths(issues)).toEqual([['ERR_GW_MISSING_ENV', ['upstreams', 0, 'url']]]);
    expect(issues[0]!.message).toContain('PORT_A');
    const both = issuesOf(input, {});
    expect(codesAndPaths(both)).toEqual([
      ['ERR_GW_MISSING_ENV', ['upstreams', 0, 'url']],
      ['ERR_GW_MISSING_ENV', ['upstreams', 0, 'url']],
    ]);
    expect(validOptions(input, { HOST_A: 'h', PORT_A: '81' }).upstreams[0]!.url).toBe('http://h:81/mcp');
  });

  it('resolves placeholders in plain API keys and reports a missing one at auth.apiKeys[i].key', () => {
    const input = withMinimal({ auth: { apiKeys: [{ key: '${DEV_KEY}', tenant: 't' }] } });
    expect(codesAndPaths(issuesOf(input))).toEqual([['ERR_GW_MISSING_ENV', ['auth', 'apiKeys', 0, 'key']]]);
    expect(validOptions(input, { DEV_KEY: 's3cret' }).auth.apiKeys[0]!.key).toBe('s3cret');
  });

  it('does not substitute placeholders outside url, upstream credential and plain keys', () => {
    const options = validOptions(withMinimal({ rateLimit: { keyPrefix: '${PREFIX}' }, server: { host: '${HOST}' } }), {
      PREFIX: 'p',
      HOST: 'h',
    });
    expect(options.rateLimit.keyPrefix).toBe('${PREFIX}');
    expect(options.server.host).toBe('${HOST}');
  });

  it('resolvePlaceholders itself substitutes, and lists missing and malformed placeholders', () => {
    expect(resolvePlaceholders('Api-Key ${K}', { K: 'v' })).toEqual({ ok: true, value: 'Api-Key v' });
    expect(resolvePlaceholders('no placeholders', {})).toEqual({ ok: true, value: 'no placeholders' });
    const bad = resolvePlaceholders('${1BAD}-${MISSING}', {});
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.problems.map((p) => p.code)).toEqual(['ERR_GW_BAD_PLACEHOLDER', 'ERR_GW_MISSING_ENV']);
  });
});

describe('defaults of a minimal programmatic configuration', () => {
  it('fills in every documented default and routes everything to the only upstream', () => {
    const options = validOptions({ upstreams: [{ name: 'a', url: UPSTREAM_URL }] });
    expect(options).toEqual({
      server: { host: '127.0.0.1', port: 8080, path: '/mcp', allowedOrigins: [], allowedHosts: [], trustedProxies: [], forwardedHeaders: 'x-forwarded', maxBodyBytes: 4 * 1024 * 1024, maxBatchMessages: 100, headersTimeoutMs: 30_000, requestTimeoutMs: 60_000, keepAliveTimeoutMs: 65_000, metrics: { enabled: true } },
      auth: { mode: 'apiKey', apiKeys: [] },
      rateLimit: { keyPrefix: 'mcp-gateway', defaultRpm: 600, byMethod: {}, storeFailure: 'closed', redisCommandTimeoutMs: 500 },
      policy: { default: 'deny', rules: [] },
      sessions: { idleTimeoutMs: 30 * 60_000, maxSessions: 100_000, maxPerSubject: 1_000, maxStreamsPerSubject: 64 },
      upstreams: [{ name: 'a', type: 'http', url: UPSTREAM_URL, timeoutMs: 30000, maxResponseBytes: 64 * 1024 * 1024, maxConnections: 128, maxStreams: 256 }],
      federation: { collisions: 'prefix', strictNames: false },
      upstreamHeaders: { forward: [...DEFAULT_FORWARD_HEADERS] },
      routing: [{ match: { method: '*' }, upstream: 'a' }],
      audit: { enabled: true, environments: ['*'] },
      logging: { level: 'info', redactKeys: [...DEFAULT_REDACT_KEYS] },
    });
    expect(options.server.maxBodyBytes).toBe(4194304);
    expect(DEFAULT_FORWARD_HEADERS).toEqual(['accept', 'content-type', 'mcp-session-id', 'mcp-protocol-version', 'last-event-id']);
  });

  it('fills in defaults of partially given sections', () => {
    const options = validOptions(
      withMinimal({
        server: { port: 0 },
        auth: { apiKeys: [{ key: 'k1', tenant: 't' }] },
        policy: { rules: [{}] },
        rateLimit: { defaultRpm: 5 },
      }),
    );
    expect(options.server).toEqual({ host: '127.0.0.1', port: 0, path: '/mcp', allowedOrigins: [], allowedHosts: [], trustedProxies: [], forwardedHeaders: 'x-forwarded', maxBodyBytes: 4194304, maxBatchMessages: 100, headersTimeoutMs: 30_000, requestTimeoutMs: 60_000, keepAliveTimeoutMs: 65_000, metrics: { enabled: true } });
    expect(options.auth.apiKeys).toEqual([{ key: 'k1', tenant: 't', client: 'default' }]);
    expect(options.policy.rules).toEqual([
      {
        subject: {},
        allow: { methods: [], tools: [], resources: [], prompts: [] },
        deny: { methods: [], tools: [], resources: [], prompts: [] },
      },
    ]);
    expect(options.rateLimit).toEqual({ keyPrefix: 'mcp-gateway', defaultRpm: 5, byMethod: {}, storeFailure: 'closed', redisCommandTimeoutMs: 500 });
  });

  it('adds no implicit route when there are two upstreams and no routing', () => {
    const options = validOptions({
      upstreams: [
        { name: 'a', url: UPSTREAM_URL },
        { name: 'b', url: 'https://example.test/mcp' },
      ],
    });
    expect(options.routing).toEqual([]);
  });

  it('adds no implicit route when a single upstream already has routing rules', () => {
    const options = validOptions(withMinimal({ routing: [{ match: { tool: 'x.*' }, upstream: 'a' }] }));
    expect(options.routing).toEqual([{ match: { tool: 'x.*' }, upstream: 'a' }]);
  });

  it('does not add the implicit route to the caller\'s object', () => {
    const input = minimal();
    validOptions(input);
    expect(input).toEqual(minimal());
    expect('routing' in input).toBe(false);
  });

  it('gives every validation its own default containers (mutating one result does not leak into the next)', () => {
    const first = validOptions(minimal());
    const pristine = structuredClone(first);
    first.upstreamHeaders.forward.push('x-leaked');
    first.server.allowedOrigins.push('http://leaked.test');
    first.auth.apiKeys.push({ key: 'leaked', tenant: 'leaked', client: 'default' });
    first.logging.redactKeys.push('leaked');
    first.audit.environments.push('leaked');
    first.policy.rules.push({
      subject: {},
      allow: { methods: ['*'], tools: [], resources: [], prompts: [] },
      deny: { methods: [], tools: [], resources: [], prompts: [] },
    });
    first.rateLimit.byMethod['leaked'] = 1;
    try {
      const second = validOptions(minimal());
      expect(second.upstreamHeaders.forward).toEqual([...DEFAULT_FORWARD_HEADERS]);
      expect(second.server.allowedOrigins).toEqual([]);
      expect(second.auth.apiKeys).toEqual([]);
      expect(second.logging.redactKeys).toEqual([...DEFAULT_REDACT_KEYS]);
      expect(second.audit.environments).toEqual(['*']);
      expect(second.policy.rules).toEqual([]);
      expect(second.rateLimit.byMethod).toEqual({});
      expect(second.routing).toEqual([{ match: { method: '*' }, upstream: 'a' }]);
    } finally {
      // Undo the mutation so that, if the containers are shared, later tests are not polluted.
      first.upstreamHeaders.forward.splice(0, Infinity, ...pristine.upstreamHeaders.forward);
      first.server.allowedOrigins.splice(0, Infinity, ...pristine.server.allowedOrigins);
      first.auth.apiKeys.splice(0, Infinity, ...pristine.auth.apiKeys);
      first.logging.redactKeys.splice(0, Infinity, ...pristine.logging.redactKeys);
      first.audit.environments.splice(0, Infinity, ...pristine.audit.environments);
      first.policy.rules.splice(0, Infinity, ...pristine.policy.rules);
      delete first.rateLimit.byMethod['leaked'];
    }
  });

  it('lower-cases forward header names', () => {
    const options = validOptions(withMinimal({ upstreamHeaders: { forward: ['Accept', 'X-Request-ID', 'mcp-session-id'] } }));
    expect(options.upstreamHeaders.forward).toEqual(['accept', 'x-request-id', 'mcp-session-id']);
  });

  it('lower-cases keyHash hex digits and keeps ids and clients as given', () => {
    const hash = sha256Of('some key').toUpperCase();
    const options = validOptions(withMinimal({ auth: { apiKeys: [{ id: 'K1', keyHash: `sha256:${hash}`, tenant: 't', client: 'C' }] } }));
    expect(options.auth.apiKeys[0]).toEqual({ id: 'K1', keyHash: `sha256:${hash.toLowerCase()}`, tenant: 't', client: 'C' });
  });
});

describe('isValidGlob (what ERR_GW_INVALID_GLOB rests on)', () => {
  it('accepts unbalanced brackets and braces, which minimatch treats literally', () => {
    for (const pattern of ['a[', '[', '{a', 'a(b', '+(a', '*', '**', 'tools/*', 'file:///docs/**']) {
      expect(isValidGlob(pattern), pattern).toBe(true);
    }
  });

  it('rejects the empty pattern and patterns longer than 64 KiB', () => {
    expect(isValidGlob('')).toBe(false);
    expect(isValidGlob('a'.repeat(64 * 1024))).toBe(true);
    expect(isValidGlob(LONG_GLOB)).toBe(false);
  });
});

interface ErrorCase {
  name: string;
  input: unknown;
  env?: EnvMap;
  issues: Array<[ConfigErrorCode, ConfigPathSegment[]]>;
}

const twoRoutesThenTypo = [
  { match: { method: 'initialize' }, upstream: 'a' },
  { match: { tool: 'x' }, upstream: 'a' },
  { match: { method: '*', tol: 'y' }, upstream: 'a' },
];

const headerUpstream = (value: string) => ({
  upstreams: [{ name: 'a', url: UPSTREAM_URL, auth: { type: 'apiKey', apiKey: { header: 'Authorization', value } } }],
});

const ERROR_CASES: ErrorCase[] = [
  // ERR_GW_UNKNOWN_KEY
  { name: 'unknown top-level key', input: withMinimal({ serverr: {} }), issues: [['ERR_GW_UNKNOWN_KEY', ['serverr']]] },
  { name: 'unknown key in routing[2].match', input: withMinimal({ routing: twoRoutesThenTypo }), issues: [['ERR_GW_UNKNOWN_KEY', ['routing', 2, 'match', 'tol']]] },
  { name: 'unknown key in an upstream', input: { upstreams: [{ name: 'a', url: UPSTREAM_URL, timeout: 5 }] }, issues: [['ERR_GW_UNKNOWN_KEY', ['upstreams', 0, 'timeout']]] },
  { name: 'unknown key in a policy rule subject', input: withMinimal({ policy: { rules: [{ subject: { tenants: 'x' } }] } }), issues: [['ERR_GW_UNKNOWN_KEY', ['policy', 'rules', 0, 'subject', 'tenants']]] },
  { name: 'unknown key in an API key entry', input: withMinimal({ auth: { apiKeys: [{ key: 'k', tenant: 't', secret: 'x' }] } }), issues: [['ERR_GW_UNKNOWN_KEY', ['auth', 'apiKeys', 0, 'secret']]] },
  // ERR_GW_MISSING_KEY
  { name: 'upstreams missing', input: {}, issues: [['ERR_GW_MISSING_KEY', ['upstreams']]] },
  { name: 'apiKeys[0].tenant missing', input: withMinimal({ auth: { apiKeys: [{ key: 'k' }] } }), issues: [['ERR_GW_MISSING_KEY', ['auth', 'apiKeys', 0, 'tenant']]] },
  { name: 'upstream url missing', input: { upstreams: [{ name: 'a' }] }, issues: [['ERR_GW_MISSING_KEY', ['upstreams', 0, 'url']]] },
  { name: 'routing upstream missing', input: withMinimal({ routing: [{ match: { method: '*' } }] }), issues: [['ERR_GW_MISSING_KEY', ['routing', 0, 'upstream']]] },
  { name: 'routing match missing', input: withMinimal({ routing: [{ upstream: 'a' }] }), issues: [['ERR_GW_MISSING_KEY', ['routing', 0, 'match']]] },
  // ERR_GW_INVALID_TYPE
  { name: 'port given as a string', input: withMinimal({ server: { port: '8080' } }), issues: [['ERR_GW_INVALID_TYPE', ['server', 'port']]] },
  { name: 'upstreams given as a string', input: { upstreams: 'x' }, issues: [['ERR_GW_INVALID_TYPE', ['upstreams']]] },
  { name: 'audit.enabled given as a string', input: withMinimal({ audit: { enabled: 'yes' } }), issues: [['ERR_GW_INVALID_TYPE', ['audit', 'enabled']]] },
  { name: 'policy rule methods given as a string', input: withMinimal({ policy: { rules: [{ allow: { methods: 'tools/call' } }] } }), issues: [['ERR_GW_INVALID_TYPE', ['policy', 'rules', 0, 'allow', 'methods']]] },
  { name: 'server given as null', input: withMinimal({ server: null }), issues: [['ERR_GW_INVALID_TYPE', ['server']]] },
  // ERR_GW_INVALID_VALUE
  { name: 'port 70000', input: withMinimal({ server: { port: 70000 } }), issues: [['ERR_GW_INVALID_VALUE', ['server', 'port']]] },
  { name: 'negative port', input: withMinimal({ server: { port: -1 } }), issues: [['ERR_GW_INVALID_VALUE', ['server', 'port']]] },
  { name: 'timeoutMs 1.5 (not an integer)', input: { upstreams: [{ name: 'a', url: UPSTREAM_URL, timeoutMs: 1.5 }] }, issues: [['ERR_GW_INVALID_VALUE', ['upstreams', 0, 'timeoutMs']]] },
  { name: 'timeoutMs 0', input: { upstreams: [{ name: 'a', url: UPSTREAM_URL, timeoutMs: 0 }] }, issues: [['ERR_GW_INVALID_VALUE', ['upstreams', 0, 'timeoutMs']]] },
  { name: 'policy.default "maybe"', input: withMinimal({ policy: { default: 'maybe' } }), issues: [['ERR_GW_INVALID_VALUE', ['policy', 'default']]] },
  { name: 'auth.mode "oauth"', input: withMinimal({ auth: { mode: 'oauth' } }), issues: [['ERR_GW_INVALID_VALUE', ['auth', 'mode']]] },
  { name: 'rateLimit.redisCommandTimeoutMs past 60 s', input: withMinimal({ rateLimit: { redisCommandTimeoutMs: 60_001 } }), issues: [['ERR_GW_INVALID_VALUE', ['rateLimit', 'redisCommandTimeoutMs']]] },
  { name: 'rateLimit.storeFailure "maybe"', input: withMinimal({ rateLimit: { storeFailure: 'maybe' } }), issues: [['ERR_GW_INVALID_VALUE', ['rateLimit', 'storeFailure']]] },
  { name: 'logging.level "trace"', input: withMinimal({ logging: { level: 'trace' } }), issues: [['ERR_GW_INVALID_VALUE', ['logging', 'level']]] },
  { name: 'upstream type "sse"', input: { upstreams: [{ name: 'a', type: 'sse', url: UPSTREAM_URL }] }, issues: [['ERR_GW_INVALID_VALUE', ['upstreams', 0, 'type']]] },
  { name: 'upstream url "ftp://x"', input: { upstreams: [{ name: 'a', url: 'ftp://x' }] }, issues: [['ERR_GW_INVALID_VALUE', ['upstreams', 0, 'url']]] },
  { name: 'upstream url without a scheme', input: { upstreams: [{ name: 'a', url: '127.0.0.1:9000/mcp' }] }, issues: [['ERR_GW_INVALID_VALUE', ['upstreams', 0, 'url']]] },
  { name: 'upstream url that becomes ftp after substitution', input: { upstreams: [{ name: 'a', url: '${U}' }] }, env: { U: 'ftp://host/mcp' }, issues: [['ERR_GW_INVALID_VALUE', ['upstreams', 0, 'url']]] },
  { name: 'upstream name with a space', input: { upstreams: [{ name: 'a b', url: UPSTREAM_URL }] }, issues: [['ERR_GW_INVALID_VALUE', ['upstreams', 0, 'name']]] },
  { name: 'no upstreams at all', input: { upstreams: [] }, issues: [['ERR_GW_INVALID_VALUE', ['upstreams']]] },
  { name: 'server.path without leading slash', input: withMinimal({ server: { path: 'mcp' } }), issues: [['ERR_GW_INVALID_VALUE', ['server', 'path']]] },
  { name: 'server.path with a query', input: withMinimal({ server: { path: '/mcp?x=1' } }), issues: [['ERR_GW_INVALID_VALUE', ['server', 'path']]] },
  { name: 'keyHash that is not sha256:<64 hex>', input: withMinimal({ auth: { apiKeys: [{ keyHash: 'sha256:abc', tenant: 't' }] } }), issues: [['ERR_GW_INVALID_VALUE', ['auth', 'apiKeys', 0, 'keyHash']]] },
  { name: 'keyHash without the sha256: prefix', input: withMinimal({ auth: { apiKeys: [{ keyHash: sha256Of('x'), tenant: 't' }] } }), issues: [['ERR_GW_INVALID_VALUE', ['auth', 'apiKeys', 0, 'keyHash']]] },
  { name: 'rateLimit.byMethod["tools/call"] 0', input: withMinimal({ rateLimit: { byMethod: { 'tools/call': 0 } } }), issues: [['ERR_GW_INVALID_VALUE', ['rateLimit', 'byMethod', 'tools/call']]] },
  { name: 'forward header name with a space', input: withMinimal({ upstreamHeaders: { forward: ['bad header'] } }), issues: [['ERR_GW_INVALID_VALUE', ['upstreamHeaders', 'forward', 0]]] },
  { name: 'upstream credential header name with a colon', input: { upstreams: [{ name: 'a', url: UPSTREAM_URL, auth: { type: 'apiKey', apiKey: { header: 'X-Key:', value: 'v' } } }] }, issues: [['ERR_GW_INVALID_VALUE', ['upstreams', 0, 'auth', 'apiKey', 'header']]] },
  { name: 'credential value with CR LF after env substitution', input: headerUpstream('Api-Key ${UPSTREAM_KEY}'), env: { UPSTREAM_KEY: 'k\r\nX-Injected: 1' }, issues: [['ERR_GW_INVALID_VALUE', ['upstreams', 0, 'auth', 'apiKey', 'value']]] },
  { name: 'credential value with a bare LF after env substitution', input: headerUpstream('${UPSTREAM_KEY}'), env: { UPSTREAM_KEY: 'a\nb' }, issues: [['ERR_GW_INVALID_VALUE', ['upstreams', 0, 'auth', 'apiKey', 'value']]] },
  { name: 'routing match with both tool and resource', input: withMinimal({ routing: [{ match: { tool: 't', resource: 'r' }, upstream: 'a' }] }), issues: [['ERR_GW_INVALID_VALUE', ['routing', 0, 'match']]] },
  { name: 'byMethod key with glob characters', input: withMinimal({ rateLimit: { byMethod: { 'tools/*': 10 } } }), issues: [['ERR_GW_INVALID_VALUE', ['rateLimit', 'byMethod', 'tools/*']]] },
  { name: 'plain key with a space', input: withMinimal({ auth: { apiKeys: [{ key: 'my key', tenant: 't' }] } }), issues: [['ERR_GW_INVALID_VALUE', ['auth', 'apiKeys', 0, 'key']]] },
  { name: 'plain key with a trailing newline', input: withMinimal({ auth: { apiKeys: [{ key: 'k\n', tenant: 't' }] } }), issues: [['ERR_GW_INVALID_VALUE', ['auth', 'apiKeys', 0, 'key']]] },
  { name: 'plain key longer than 4096 characters', input: withMinimal({ auth: { apiKeys: [{ key: 'k'.repeat(4097), tenant: 't' }] } }), issues: [['ERR_GW_INVALID_VALUE', ['auth', 'apiKeys', 0, 'key']]] },
  { name: 'upstream credential sent in the Host header', input: { upstreams: [{ name: 'a', url: UPSTREAM_URL, auth: { type: 'apiKey', apiKey: { header: 'Host', value: 'v' } } }] }, issues: [['ERR_GW_INVALID_VALUE', ['upstreams', 0, 'auth', 'apiKey', 'header']]] },
  { name: 'empty glob (reported once, as empty)', input: withMinimal({ policy: { rules: [{ allow: { tools: [''] } }] } }), issues: [['ERR_GW_INVALID_VALUE', ['policy', 'rules', 0, 'allow', 'tools', 0]]] },
  // ERR_GW_INVALID_GLOB
  { name: 'glob with a .. segment', input: withMinimal({ policy: { rules: [{ allow: { resources: ['file:///docs/../**'] } }] } }), issues: [['ERR_GW_INVALID_GLOB', ['policy', 'rules', 0, 'allow', 'resources', 0]]] },
  { name: 'over-long glob in a policy rule', input: withMinimal({ policy: { rules: [{ allow: { tools: ['ok.*', LONG_GLOB] } }] } }), issues: [['ERR_GW_INVALID_GLOB', ['policy', 'rules', 0, 'allow', 'tools', 1]]] },
  { name: 'over-long glob in a routing match', input: withMinimal({ routing: [{ match: { method: LONG_GLOB }, upstream: 'a' }] }), issues: [['ERR_GW_INVALID_GLOB', ['routing', 0, 'match', 'method']]] },
  { name: 'over-long glob in a rule subject', input: withMinimal({ policy: { rules: [{ subject: { tenant: LONG_GLOB } }] } }), issues: [['ERR_GW_INVALID_GLOB', ['policy', 'rules', 0, 'subject', 'tenant']]] },
  // ERR_GW_UNKNOWN_UPSTREAM
  { name: 'routing to an undeclared upstream', input: withMinimal({ routing: [{ match: { tool: 'x' }, upstream: 'a' }, { match: { method: '*' }, upstream: 'nope' }] }), issues: [['ERR_GW_UNKNOWN_UPSTREAM', ['routing', 1, 'upstream']]] },
  // ERR_GW_DUPLICATE_UPSTREAM
  { name: 'two upstreams named "a"', input: { upstreams: [{ name: 'a', url: UPSTREAM_URL }, { name: 'b', url: UPSTREAM_URL }, { name: 'a', url: UPSTREAM_URL }] }, issues: [['ERR_GW_DUPLICATE_UPSTREAM', ['upstreams', 2, 'name']]] },
  // ERR_GW_DUPLICATE_API_KEY_ID
  { name: 'two API keys with id "k"', input: withMinimal({ auth: { apiKeys: [{ id: 'k', key: 'one', tenant: 't' }, { id: 'k', key: 'two', tenant: 't' }] } }), issues: [['ERR_GW_DUPLICATE_API_KEY_ID', ['auth', 'apiKeys', 1, 'id']]] },
  // ERR_GW_DUPLICATE_API_KEY
  { name: 'two identical plain keys', input: withMinimal({ auth: { apiKeys: [{ key: 'same', tenant: 't1' }, { key: 'same', tenant: 't2' }] } }), issues: [['ERR_GW_DUPLICATE_API_KEY', ['auth', 'apiKeys', 1, 'key']]] },
  { name: 'a plain key equal to an earlier entry\'s keyHash', input: withMinimal({ auth: { apiKeys: [{ keyHash: `sha256:${sha256Of('shared')}`, tenant: 't1' }, { key: 'shared', tenant: 't2' }] } }), issues: [['ERR_GW_DUPLICATE_API_KEY', ['auth', 'apiKeys', 1, 'key']]] },
  { name: 'a keyHash equal to an earlier plain key', input: withMinimal({ auth: { apiKeys: [{ key: 'shared', tenant: 't1' }, { keyHash: `sha256:${sha256Of('shared')}`, tenant: 't2' }] } }), issues: [['ERR_GW_DUPLICATE_API_KEY', ['auth', 'apiKeys', 1, 'keyHash']]] },
  { name: 'a plain key equal to an upper-case keyHash', input: withMinimal({ auth: { apiKeys: [{ keyHash: `sha256:${sha256Of('shared').toUpperCase()}`, tenant: 't1' }, { key: 'shared', tenant: 't2' }] } }), issues: [['ERR_GW_DUPLICATE_API_KEY', ['auth', 'apiKeys', 1, 'key']]] },
  { name: 'two identical keyHashes differing only in case', input: withMinimal({ auth: { apiKeys: [{ keyHash: `sha256:${sha256Of('x')}`, tenant: 't1' }, { keyHash: `sha256:${sha256Of('x').toUpperCase()}`, tenant: 't2' }] } }), issues: [['ERR_GW_DUPLICATE_API_KEY', ['auth', 'apiKeys', 1, 'keyHash']]] },
  { name: 'a placeholder key that resolves to another plain key', input: withMinimal({ auth: { apiKeys: [{ key: 'shared', tenant: 't1' }, { key: '${K}', tenant: 't2' }] } }), env: { K: 'shared' }, issues: [['ERR_GW_DUPLICATE_API_KEY', ['auth', 'apiKeys', 1, 'key']]] },
  // ERR_GW_API_KEY_SECRET
  { name: 'API key with both key and keyHash', input: withMinimal({ auth: { apiKeys: [{ key: 'k', keyHash: `sha256:${sha256Of('k')}`, tenant: 't' }] } }), issues: [['ERR_GW_API_KEY_SECRET', ['auth', 'apiKeys', 0]]] },
  { name: 'API key with neither key nor keyHash', input: withMinimal({ auth: { apiKeys: [{ key: 'ok', tenant: 't' }, { id: 'x', tenant: 't' }] } }), issues: [['ERR_GW_API_KEY_SECRET', ['auth', 'apiKeys', 1]]] },
  // ERR_GW_MISSING_ENV
  { name: 'unset variable in an upstream url', input: { upstreams: [{ name: 'a', url: 'http://${MISSING_HOST}/mcp' }] }, issues: [['ERR_GW_MISSING_ENV', ['upstreams', 0, 'url']]] },
  { name: 'empty variable in an upstream credential', input: headerUpstream('${EMPTY}'), env: { EMPTY: '' }, issues: [['ERR_GW_MISSING_ENV', ['upstreams', 0, 'auth', 'apiKey', 'value']]] },
  // ERR_GW_BAD_PLACEHOLDER
  { name: '${1BAD} in an upstream url', input: { upstreams: [{ name: 'a', url: 'http://${1BAD}/mcp' }] }, issues: [['ERR_GW_BAD_PLACEHOLDER', ['upstreams', 0, 'url']]] },
  { name: '${} in an upstream credential', input: headerUpstream('Api-Key ${}'), issues: [['ERR_GW_BAD_PLACEHOLDER', ['upstreams', 0, 'auth', 'apiKey', 'value']]] },
  { name: '${A-B} in a plain API key', input: withMinimal({ auth: { apiKeys: [{ key: '${A-B}', tenant: 't' }] } }), env: { 'A-B': 'x' }, issues: [['ERR_GW_BAD_PLACEHOLDER', ['auth', 'apiKeys', 0, 'key']]] },
  // ERR_GW_FORBIDDEN_FORWARD_HEADER
  { name: 'forwarding authorization', input: withMinimal({ upstreamHeaders: { forward: ['accept', 'authorization'] } }), issues: [['ERR_GW_FORBIDDEN_FORWARD_HEADER', ['upstreamHeaders', 'forward', 1]]] },
  { name: 'forwarding Cookie', input: withMinimal({ upstreamHeaders: { forward: ['Cookie'] } }), issues: [['ERR_GW_FORBIDDEN_FORWARD_HEADER', ['upstreamHeaders', 'forward', 0]]] },
  // ERR_GW_EMPTY_MATCH
  { name: 'routing match {}', input: withMinimal({ routing: [{ match: {}, upstream: 'a' }] }), issues: [['ERR_GW_EMPTY_MATCH', ['routing', 0, 'match']]] },
  { name: 'routing match whose only field is undefined (programmatic)', input: withMinimal({ routing: [{ match: { tool: undefined }, upstream: 'a' }] }), issues: [['ERR_GW_EMPTY_MATCH', ['routing', 0, 'match']]] },
];

describe('each configuration error, with its code and exact path', () => {
  it('covers every code in CONFIG_ERROR_CODES', () => {
    const produced = new Set(ERROR_CASES.flatMap((c) => c.issues.map(([code]) => code)));
    expect([...produced].sort()).toEqual(Object.keys(CONFIG_ERROR_CODES).sort());
  });

  it.each(ERROR_CASES)('$name', ({ input, env, issues: expected }) => {
    const issues = issuesOf(input, env);
    expect(codesAndPaths(issues)).toEqual(expected);
    for (const issue of issues) {
      expect(issue.message.length).toBeGreaterThan(0);
      expect(Object.keys(CONFIG_ERROR_CODES)).toContain(issue.code);
    }
  });

  it('refuses every never-forwarded header in any letter case', () => {
    for (const name of NEVER_FORWARDED_HEADERS) {
      for (const variant of [name, name.toUpperCase(), name.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase())]) {
        const issues = issuesOf(withMinimal({ upstreamHeaders: { forward: ['accept', variant] } }));
        expect(codesAndPaths(issues), variant).toEqual([['ERR_GW_FORBIDDEN_FORWARD_HEADER', ['upstreamHeaders', 'forward', 1]]]);
        expect(issues[0]!.message).toContain(variant);
      }
    }
    expect(NEVER_FORWARDED_HEADERS.has('authorization')).toBe(true);
    expect(NEVER_FORWARDED_HEADERS.has('cookie')).toBe(true);
  });

  it('names the first holder in duplicate messages and never echoes the secret', () => {
    const secret = 'very-secret-value';
    const issues = issuesOf(withMinimal({ auth: { apiKeys: [{ key: secret, tenant: 't1' }, { key: secret, tenant: 't2' }] } }));
    expect(issues[0]!.message).toContain('auth.apiKeys[0]');
    expect(JSON.stringify(issues)).not.toContain(secret);

    const injected = issuesOf(headerUpstream('${UPSTREAM_KEY}'), { UPSTREAM_KEY: 'top-secret\r\nX: y' });
    expect(JSON.stringify(injected)).not.toContain('top-secret');

    const dupUpstream = issuesOf({ upstreams: [{ name: 'a', url: UPSTREAM_URL }, { name: 'a', url: UPSTREAM_URL }] });
    expect(dupUpstream[0]!.message).toContain('upstreams[0]');
  });

  it('names the declared upstreams when a route targets an unknown one', () => {
    const issues = issuesOf(withMinimal({ routing: [{ match: { method: '*' }, upstream: 'nope' }] }));
    expect(issues[0]!.message).toContain('"nope"');
    expect(issues[0]!.message).toContain('"a"');
  });
});

describe('reporting every problem at once', () => {
  it('reports an unknown key, a type error and an unknown upstream together', () => {
    const issues = issuesOf({
      upstreams: [{ name: 'a', url: UPSTREAM_URL }],
      bogus: 1,
      server: { port: 'x' },
      routing: [{ match: { method: '*' }, upstream: 'nope' }],
    });
    expect(codesAndPaths(issues)).toHaveLength(3);
    expect(codesAndPaths(issues)).toEqual(
      expect.arrayContaining([
        ['ERR_GW_UNKNOWN_KEY', ['bogus']],
        ['ERR_GW_INVALID_TYPE', ['server', 'port']],
        ['ERR_GW_UNKNOWN_UPSTREAM', ['routing', 0, 'upstream']],
      ]),
    );
  });

  it('reports a URL that is not http(s) together with schema problems elsewhere', () => {
    const issues = issuesOf({ upstreams: [{ name: 'a', url: 'ftp://x/mcp' }], bogus: 1 });
    expect(codesAndPaths(issues)).toEqual(
      expect.arrayContaining([
        ['ERR_GW_UNKNOWN_KEY', ['bogus']],
        ['ERR_GW_INVALID_VALUE', ['upstreams', 0, 'url']],
      ]),
    );
  });

  it('words range and choice problems for operators, not in the schema library\'s terms', () => {
    const messages = issuesOf({ server: { port: 70000, maxBodyBytes: 0 }, auth: { mode: 'jwt' }, upstreams: [{ name: 'a', url: UPSTREAM_URL }] }).map((i) => i.message);
    expect(messages).toEqual(expect.arrayContaining(['must be at most 65535', 'must be greater than 0', 'expected one of "apiKey", "none"']));
  });

  it('refuses server.headersTimeoutMs longer than server.requestTimeoutMs (node:http would not start)', () => {
    const issues = issuesOf({ server: { headersTimeoutMs: 70_000 }, upstreams: [{ name: 'a', url: UPSTREAM_URL }] });
    expect(codesAndPaths(issues)).toEqual([['ERR_GW_INVALID_VALUE', ['server', 'headersTimeoutMs']]]);
    expect(validateOptions({ server: { headersTimeoutMs: 500, requestTimeoutMs: 500 }, upstreams: [{ name: 'a', url: UPSTREAM_URL }] }).ok).toBe(true);
  });

  it('runs cross-field checks even where the schema failed elsewhere', () => {
    const issues = issuesOf({
      upstreams: [
        { name: 'a', url: 'http://${NOPE}/mcp', timeoutMs: 'slow' },
        { name: 'a', url: UPSTREAM_URL },
      ],
      auth: { apiKeys: [{ id: 'k', key: 'x', tenant: 't' }, { id: 'k', key: 'x' }, { tenant: 't' }] },
      upstreamHeaders: { forward: ['Authorization', 42] },
      routing: [{ match: {}, upstream: 'b' }],
      policy: { default: 'maybe' },
    });
    const pairs = codesAndPaths(issues);
    expect(pairs).toEqual(
      expect.arrayContaining([
        ['ERR_GW_INVALID_TYPE', ['upstreams', 0, 'timeoutMs']],
        ['ERR_GW_MISSING_ENV', ['upstreams', 0, 'url']],
        ['ERR_GW_DUPLICATE_UPSTREAM', ['upstreams', 1, 'name']],
        ['ERR_GW_MISSING_KEY', ['auth', 'apiKeys', 1, 'tenant']],
        ['ERR_GW_DUPLICATE_API_KEY_ID', ['auth', 'apiKeys', 1, 'id']],
        ['ERR_GW_DUPLICATE_API_KEY', ['auth', 'apiKeys', 1, 'key']],
        ['ERR_GW_API_KEY_SECRET', ['auth', 'apiKeys', 2]],
        ['ERR_GW_FORBIDDEN_FORWARD_HEADER', ['upstreamHeaders', 'forward', 0]],
        ['ERR_GW_INVALID_TYPE', ['upstreamHeaders', 'forward', 1]],
        ['ERR_GW_EMPTY_MATCH', ['routing', 0, 'match']],
        ['ERR_GW_UNKNOWN_UPSTREAM', ['routing', 0, 'upstream']],
        ['ERR_GW_INVALID_VALUE', ['policy', 'default']],
      ]),
    );
    expect(pairs).toHaveLength(12);
  });

  it('reports the same problem only once', () => {
    const issues = issuesOf({ upstreams: [{ name: 'a', url: 'http://${X}/${X}' }] });
    const keys = issues.map((i) => JSON.stringify([i.code, i.path, i.message]));
    expect(new Set(keys).size).toBe(keys.length);
    expect(codesAndPaths(issues)).toEqual([['ERR_GW_MISSING_ENV', ['upstreams', 0, 'url']]]);
  });
});

describe('validateOptions never throws on junk input', () => {
  const junk: Array<[string, unknown, Array<[ConfigErrorCode, ConfigPathSegment[]]>]> = [
    ['null', null, [['ERR_GW_INVALID_TYPE', []]]],
    ['a number', 42, [['ERR_GW_INVALID_TYPE', []]]],
    ['a string', 'str', [['ERR_GW_INVALID_TYPE', []]]],
    ['an array', [], [['ERR_GW_INVALID_TYPE', []]]],
    ['true', true, [['ERR_GW_INVALID_TYPE', []]]],
    ['upstreams as a string', { upstreams: 'x' }, [['ERR_GW_INVALID_TYPE', ['upstreams']]]],
  ];

  it.each(junk)('%s gives ok:false with issues', (_label, input, expected) => {
    let result: ReturnType<typeof validateOptions> | undefined;
    expect(() => {
      result = validateOptions(input);
    }).not.toThrow();
    expect(result!.ok).toBe(false);
    if (!result!.ok) expect(codesAndPaths(result!.issues)).toEqual(expected);
  });

  it('undefined reports the whole configuration as missing', () => {
    const result = validateOptions(undefined);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(codesAndPaths(result.issues)).toEqual([['ERR_GW_MISSING_KEY', []]]);
  });

  it.each<[string, unknown]>([
    ['null upstream entries', { upstreams: [null, 5, 'x'] }],
    ['non-object auth and routing', { upstreams: [{ name: 'a', url: UPSTREAM_URL }], auth: 'x', routing: 'y' }],
    ['junk API key entries', { upstreams: [{ name: 'a', url: UPSTREAM_URL }], auth: { apiKeys: [null, 1, { key: 5, keyHash: [] }] } }],
    ['junk routing entries', { upstreams: [{ name: 1, url: 2 }], routing: [null, { match: 'x', upstream: 3 }, { match: null }] }],
    ['junk forward list', { upstreams: [{ name: 'a', url: UPSTREAM_URL }], upstreamHeaders: { forward: [null, 1, {}] } }],
    ['junk upstream auth', { upstreams: [{ name: 'a', url: UPSTREAM_URL, auth: { apiKey: 'x' } }] }],
  ])('%s gives ok:false with issues', (_label, input) => {
    const result = validateOptions(input);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.issues.length).toBeGreaterThan(0);
      for (const issue of result.issues) {
        expect(Object.keys(CONFIG_ERROR_CODES)).toContain(issue.code);
        expect(Array.isArray(issue.path)).toBe(true);
      }
    }
  });
});

describe('formatConfigPath and formatConfigIssue', () => {
  it('renders paths the way operators write them', () => {
    expect(formatConfigPath(['routing', 2, 'upstream'])).toBe('routing[2].upstream');
    expect(formatConfigPath(['rateLimit', 'byMethod', 'tools/call'])).toBe('rateLimit.byMethod["tools/call"]');
    expect(formatConfigPath([])).toBe('(root)');
    expect(formatConfigPath(['upstreams'])).toBe('upstreams');
    expect(formatConfigPath([0, 'a'])).toBe('[0].a');
    expect(formatConfigPath(['auth', 'apiKeys', 0])).toBe('auth.apiKeys[0]');
    expect(formatConfigPath(['tools/call'])).toBe('["tools/call"]');
  });

  it('renders an issue as "path: message (CODE)"', () => {
    expect(formatConfigIssue({ code: 'ERR_GW_UNKNOWN_UPSTREAM', path: ['routing', 0, 'upstream'], message: 'upstream "x" is not declared' })).toBe(
      'routing[0].upstream: upstream "x" is not declared (ERR_GW_UNKNOWN_UPSTREAM)',
    );
  });
});

describe('compileGateway on invalid options', () => {
  const bad = {
    upstreams: [{ name: 'a', url: UPSTREAM_URL }],
    routing: [{ match: { method: '*' }, upstream: 'nope' }],
    extra: true,
  };

  it('throws GatewayConfigError carrying exactly the issues validateOptions reports', () => {
    const validated = validateOptions(bad);
    expect(validated.ok).toBe(false);
    if (validated.ok) return;
    let thrown: unknown;
    try {
      compileGateway(bad);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(GatewayConfigError);
    expect(thrown).toBeInstanceOf(Error);
    const error = thrown as GatewayConfigError;
    expect(error.name).toBe('GatewayConfigError');
    expect(error.issues).toEqual(validated.issues);
    expect(error.issues).toHaveLength(2);
    expect(error.code).toBe(validated.issues[0]!.code);
    expect(error.message).toContain('(2 problems)');
    expect(error.message).toContain('routing[0].upstream');
    expect(error.message).toContain('ERR_GW_UNKNOWN_UPSTREAM');
    expect(error.message).toContain('extra');
    for (const issue of validated.issues) expect(error.message).toContain(formatConfigIssue(issue));
  });

  it('uses the singular for a single problem and takes the code from it', () => {
    expect(() => compileGateway({ upstreams: [{ name: 'a', url: 'ftp://x' }] })).toThrow(GatewayConfigError);
    try {
      compileGateway({ upstreams: [{ name: 'a', url: 'ftp://x' }] });
    } catch (error) {
      const e = error as GatewayConfigError;
      expect(e.code).toBe('ERR_GW_INVALID_VALUE');
      expect(e.message).toContain('(1 problem)');
      expect(e.message).toContain('upstreams[0].url');
    }
  });

  it('passes env through to validation', async () => {
    const three = loadFixture('three-upstreams.yml');
    expect(() => compileGateway(three)).toThrow(/ERR_GW_MISSING_ENV/);
    const gateway = compileGateway(three, { env: { EXAMPLE_UPSTREAM_API_KEY: 'k' } });
    expect(gateway.options.upstreams[2]!.auth!.apiKey.value).toBe('Api-Key k');
    await gateway.close();
  });

  it('refuses to build a GatewayConfigError without issues', () => {
    expect(() => new GatewayConfigError([])).toThrow(TypeError);
  });
});
