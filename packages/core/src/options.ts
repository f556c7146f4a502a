import { z } from 'zod';
import { isIpRange } from './ip-ranges.js';
import { MAX_CREDENTIAL_LENGTH } from './credentials.js';
import { isValidGlob } from './glob.js';

/**
 * The whole gateway configuration as one zod schema. It accepts the YAML of the gateway our users
 * run today (after YAML parsing) and the same shape as a plain object, with typed defaults, so
 * programmatic users write only what they need. Unknown keys are errors (a typo never becomes a
 * silently ignored option). Cross-field rules (routing targets, duplicates, `${ENV}`) live in
 * validate-options.ts.
 */

// Defaults: sections use prefault({}) so their fields' defaults apply, and every list or map
// default is a function, so no two validations ever share a container.

/** Custom issues carry their ERR_GW_* code in params so validation can report it unchanged. */
const glob = z
  .string()
  .min(1)
  .refine((pattern) => pattern === '' || isValidGlob(pattern), { message: 'not a valid glob pattern (and no "." or ".." segments)', params: { gwCode: 'ERR_GW_INVALID_GLOB' } });

const globList = z.array(glob);

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const headerName = z.string().regex(HEADER_NAME, 'not a valid HTTP header name');

/** Who a policy rule applies to. Omitted fields match every value; both are globs. */
const subjectSchema = z.strictObject({
  /** Tenant the rule applies to (glob); omitted = every tenant. */
  tenant: glob.optional(),
  /** Client the rule applies to (glob); omitted = every client of the tenant. */
  client: glob.optional(),
});

/** Glob lists of what a rule allows or denies. */
const ruleListsSchema = z.strictObject({
  /** JSON-RPC method names, e.g. `tools/call`, `resources/*`. */
  methods: globList.default(() => []),
  /** Tool names (params.name of tools/call). */
  tools: globList.default(() => []),
  /** Resource URIs (params.uri of resources/read, resources/subscribe, resources/unsubscribe). */
  resources: globList.default(() => []),
  /** Prompt names (params.name of prompts/get). */
  prompts: globList.default(() => []),
});

const policyRuleSchema = z.strictObject({
  /** Free text shown by tooling; no effect on decisions. */
  description: z.string().optional(),
  /** Who the rule applies to; omitted = every subject. */
  subject: subjectSchema.prefault({}),
  /** What the rule allows. */
  allow: ruleListsSchema.prefault({}),
  /** What the rule denies; a deny always wins over an allow. */
  deny: ruleListsSchema.prefault({}),
});

const apiKeySchema = z.strictObject({
  /** Name of the key in audit logs (apiKeyId); never the secret. Defaults to `apiKeys[i]`. */
  id: z.string().min(1).optional(),
  /** The key in plain text. Convenient for development; prefer keyHash in production. */
  key: z
    .string()
    .min(1)
    .max(MAX_CREDENTIAL_LENGTH)
    // Presented keys are trimmed and read up to the first space, so such a key could never match.
    .regex(/^[^\s\p{Cc}]+$/u, 'a key cannot contain spaces or control characters')
    .optional(),
  /** `sha256:<64 hex digits>` of the key. */
  keyHash: z
    .string()
    .regex(/^sha256:[0-9a-fA-F]{64}$/, 'expected "sha256:" followed by 64 hex digits')
    .optional(),
  /** Tenant of the caller; policies and rate limits key on it. */
  tenant: z.string().min(1),
  /** Client within the tenant. Defaults to `default`. */
  client: z.string().min(1).default('default'),
});

/** The default request headers forwarded upstream (the seed configuration's list). */
export const DEFAULT_FORWARD_HEADERS: readonly string[] = [
  'accept',
  'content-type',
  'mcp-session-id',
  'mcp-protocol-version',
  'last-event-id',
];

/** Default redaction keys for logs and audit events. */
export const DEFAULT_REDACT_KEYS: readonly string[] = [
  'authorization',
  'x-api-key',
  'api-key',
  'cookie',
  'token',
  'access_token',
  'password',
  'secret',
];

const upstreamSchema = z.strictObject({
  /** Unique name; routing rules refer to it. */
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'use letters, digits, ".", "_" and "-"'),
  /** Transport; only Streamable HTTP (`http`) is supported. */
  type: z.literal('http').default('http'),
  /** The upstream's MCP endpoint, http(s). May contain `${ENV}` placeholders. */
  url: z.string().min(1),
  /** How long to wait for the upstream's answer, in milliseconds. */
  timeoutMs: z.number().int().positive().max(3_600_000).default(30_000),
  /** Largest JSON answer (or single SSE event) taken from this upstream, in bytes; larger is a 502. */
  maxResponseBytes: z.number().int().positive().default(64 * 1024 * 1024),
  /** Keep-alive connections for calls to this upstream; more calls at once wait for one (within timeoutMs). */
  maxConnections: z.number().int().positive().max(10_000).default(128),
  /**
   * Long-lived streams (GET streams, subscriptions/listen) open to this upstream at once, on
   * connections of their own, so they never take the ones calls need; past it a new stream is a 503.
   */
  maxStreams: z.number().int().positive().max(10_000).default(256),
  /**
   * Shown before the names of this upstream's tools, prompts and resource templates
   * (`"github_"` turns `search` into `github_search`); `none` or omitted: names as the upstream gives them.
   */
  prefix: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'use 1-64 letters, digits, "_", "-" and "."')
    .optional(),
  /** The gateway's own credential for this upstream (never the client's). */
  auth: z
    .strictObject({
      type: z.literal('apiKey'),
      apiKey: z.strictObject({
        /** Header to send, e.g. `Authorization`. */
        header: headerName,
        /** Its value; `${ENV}` placeholders are resolved at start-up. */
        value: z.string().min(1),
      }),
    })
    .optional(),
});

const routeSchema = z.strictObject({
  /** All given fields must match; at least one is required. */
  match: z.strictObject({
    /** Glob over the JSON-RPC method. */
    method: glob.optional(),
    /** Glob over the tool name (tools/call). */
    tool: glob.optional(),
    /** Glob over the resource URI (resources/read, subscribe, unsubscribe). */
    resource: glob.optional(),
    /** Glob over the prompt name (prompts/get). */
    prompt: glob.optional(),
  }),
  /** Name of a declared upstream. */
  upstream: z.string().min(1),
});

/** Winston's npm levels, which the CLI logs with. */
export const LOG_LEVELS = ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'] as const;

/** The schema of the gateway configuration. */
export const gatewayOptionsSchema = z.strictObject({
  /** Where the standalone server listens and what it accepts. */
  server: z
    .strictObject({
      /** Interface to bind. Defaults to loopback; use 0.0.0.0 to listen on all interfaces. */
      host: z.string().min(1).default('127.0.0.1'),
      /** TCP port; 0 picks a free one. */
      port: z.number().int().min(0).max(65_535).default(8080),
      /** Path of the MCP endpoint. */
      path: z.string().regex(/^\/[^?#\s]*$/, 'must start with "/" and have no query').default('/mcp'),
      /** Origins browsers may call from; requests with any other Origin get 403. */
      allowedOrigins: z.array(z.string().min(1)).default(() => []),
      /**
       * Host names (no port) requests may carry in their Host header; others get 403. Empty: a
       * connection that came in on a loopback address must name a loopback host (DNS-rebinding
       * protection), others are not checked. `["*"]`: no check.
       */
      allowedHosts: z.array(z.string().min(1)).default(() => []),
      /**
       * Addresses and CIDR ranges (IPv4, IPv6) of the reverse proxies in front of the gateway. A
       * request whose connection comes from one of them is taken as the proxy says: its forwarded
       * host for the Host and Origin checks, its forwarded client address for audit. Default `[]`:
       * forwarded headers are ignored, whoever sends them.
       */
      trustedProxies: z.array(z.string().refine(isIpRange, 'expected an IP address or a CIDR range, e.g. "10.0.0.0/8" or "::1"')).default(() => []),
      /** Which headers the trusted proxies set: `x-forwarded` (X-Forwarded-For/-Host/-Proto) or `forwarded` (RFC 7239). */
      forwardedHeaders: z.enum(['x-forwarded', 'forwarded']).default('x-forwarded'),
      /** Largest request body accepted, in bytes; larger bodies get 413. */
      maxBodyBytes: z.number().int().positive().default(4 * 1024 * 1024),
      /**
       * A connection must send its request line and headers within this (slowloris), and one that
       * never starts a request is closed after it. Used by the CLI's server and createGatewayServer.
       */
      headersTimeoutMs: z.number().int().positive().max(3_600_000).default(30_000),
      /** The whole request, body included, must arrive within this; an answer may stream for longer. */
      requestTimeoutMs: z.number().int().positive().max(3_600_000).default(60_000),
      /** An idle keep-alive connection is closed after this (longer than common load balancers' 60 s). */
      keepAliveTimeoutMs: z.number().int().positive().max(3_600_000).default(65_000),
      /** GET /metrics: whether it is served, and the key a scraper must present for it. */
      metrics: z
        .strictObject({
          /** false: /metrics is not served (404, or the host app's next handler). */
          enabled: z.boolean().default(true),
          /**
           * `sha256:<64 hex digits>` of the key a scraper sends (`Authorization: Bearer <key>`,
           * or `X-API-Key`); omitted: /metrics needs no key. Client API keys never open it.
           */
          keyHash: z
            .string()
            .regex(/^sha256:[0-9a-fA-F]{64}$/, 'expected "sha256:" followed by 64 hex digits')
            .optional(),
        })
        .prefault({}),
      /** Most messages in one JSON-RPC batch (2025-03-26 allows batches); a larger batch gets 413. */
      maxBatchMessages: z.number().int().positive().max(100_000).default(100),
    })
    .prefault({}),

  /** How callers authenticate. */
  auth: z
    .strictObject({
      /** `apiKey`: every request needs a configured key. `none`: everyone is the anonymous subject. */
      mode: z.enum(['apiKey', 'none']).default('apiKey'),
      /** The accepted keys. */
      apiKeys: z.array(apiKeySchema).default(() => []),
    })
    .prefault({}),

  /** Requests per minute per tenant, client and method. */
  rateLimit: z
    .strictObject({
      /** Prefix of every store key: `<keyPrefix>:rate:<tenant>:<client>:<method>`. */
      keyPrefix: z.string().min(1).default('mcp-gateway'),
      /** Limit for methods without an override. */
      defaultRpm: z.number().int().positive().default(600),
      /** Per-method limits, by exact method name. */
      byMethod: z
        .record(
          z.string().min(1).regex(/^[^*?[\]{}]+$/, 'byMethod keys are exact method names, not globs'),
          z.number().int().positive(),
        )
        .default(() => ({})),
      /** When the store fails: `closed` answers 503, `open` lets the message through. */
      storeFailure: z.enum(['closed', 'open']).default('closed'),
      /**
       * How long one Redis command (a counter update, a claim, a session mark) may take before it
       * counts as failed, in ms. Used only with a Redis store; at most 60 s, since a request waits on it.
       */
      redisCommandTimeoutMs: z.number().int().positive().max(60_000).default(500),
    })
    .prefault({}),

  /** Who may call what. Deny by default. */
  policy: z
    .strictObject({
      /** Decision when no rule allows or denies. */
      default: z.enum(['deny', 'allow']).default('deny'),
      /** Rules; every rule whose subject matches applies, and a deny wins. */
      rules: z.array(policyRuleSchema).default(() => []),
    })
    .prefault({}),

  /** Client sessions the gateway holds (the upstream sessions behind each one go with it). */
  sessions: z
    .strictObject({
      /** A session unused this long is closed, here and on its upstreams. */
      idleTimeoutMs: z.number().int().positive().default(30 * 60_000),
      /** Most sessions held at once; initialize beyond it is answered 503. */
      maxSessions: z.number().int().positive().default(100_000),
      /**
       * Most sessions one subject (tenant and client) holds at once, so no subject can fill the
       * table: initialize beyond it is answered 429; the same bound applies to the upstream
       * sessions held for a stateless subject (its least recently used one is closed).
       */
      maxPerSubject: z.number().int().positive().default(1_000),
      /** Most long-lived streams (GET streams, subscriptions/listen) one subject holds open at once; past it 429. */
      maxStreamsPerSubject: z.number().int().positive().default(64),
      /**
       * Secrets shared by every replica (at least 32 characters each, `${ENV}` placeholders
       * allowed). When set, a session id is a sealed token any replica can open: the first
       * secret seals, every listed one opens (rotation). Omitted: sessions live in this process.
       */
      secrets: z.array(z.string().min(1)).min(1).optional(),
      /** With secrets: how long after initialize a sealed session id is accepted; omitted: 24 hours. */
      maxAgeMs: z.number().int().positive().optional(),
    })
    .prefault({}),

  /** The MCP servers behind the gateway. */
  upstreams: z.array(upstreamSchema).min(1, 'declare at least one upstream'),

  /** How the upstreams' tools, prompts and resources are offered as one server. */
  federation: z
    .strictObject({
      /**
       * Two upstreams offering the same name: `prefix` shows each as `<upstream>_<name>`,
       * `first-wins` keeps the first upstream's (in `upstreams` order) and hides the others',
       * `error` refuses the list (and calls of that name) with an error naming both.
       */
      collisions: z.enum(['prefix', 'first-wins', 'error']).default('prefix'),
      /** Keep every name within `^[a-zA-Z0-9_-]{1,64}$`, for clients stricter than the specification. */
      strictNames: z.boolean().default(false),
    })
    .prefault({}),

  /** Which client request headers reach upstreams. */
  upstreamHeaders: z
    .strictObject({
      /** Header names (case-insensitive). Credentials and hop-by-hop headers are refused. */
      forward: z.array(headerName.transform((name) => name.toLowerCase())).default(() => [...DEFAULT_FORWARD_HEADERS]),
    })
    .prefault({}),

  /** First-match routing rules. With one upstream and no rules, everything goes to it. */
  routing: z.array(routeSchema).default(() => []),

  /** Audit events. */
  audit: z
    .strictObject({
      /** Whether audit events are written at all. */
      enabled: z.boolean().default(true),
      /** Environments that write them; `["*"]` for all. */
      environments: z.array(z.string().min(1)).default(() => ['*']),
    })
    .prefault({}),

  /** Operational logs. */
  logging: z
    .strictObject({
      /** Lowest level written. */
      level: z.enum(LOG_LEVELS).default('info'),
      /** Keys whose values are replaced by `[REDACTED]`, case-insensitively, at any depth. */
      redactKeys: z.array(z.string().min(1)).default(() => [...DEFAULT_REDACT_KEYS]),
    })
    .prefault({}),
});

// The public option types are hand-written, documented interfaces (option-types.ts), so editors
// show each option's meaning and default; test/option-types.test-d.ts holds them equal to this schema.
export type {
  GatewayOptions,
  ResolvedOptions,
  ResolvedUpstream,
  ResolvedRoute,
  ResolvedPolicyRule,
  ResolvedApiKey,
} from './option-types.js';
