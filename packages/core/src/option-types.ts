/**
 * The gateway's options as written, documented interfaces, so an editor shows each option's
 * meaning, default and constraints on hover and the emitted `.d.ts` carries them. The zod schema
 * in options.ts stays the validator; test/option-types.test-d.ts fails to type-check when the schema
 * and these interfaces disagree. docs/configuration.md is the full reference.
 *
 * Input types (`GatewayOptions` and its sections) are what a user writes: every option with a
 * default may be left out. Resolved types (`ResolvedOptions` and its sections) are what
 * validation returns: every default filled in, every `${ENV}` placeholder resolved.
 */

// ---------------------------------------------------------------------------------------------
// Input: what a user writes (YAML or TypeScript)
// ---------------------------------------------------------------------------------------------

/** Gateway options as users write them (YAML or TypeScript): every option with a default may be omitted. */
export interface GatewayOptions {
  /** Where the standalone server listens and which requests it accepts (data plane and CLI). Omitted: every field's default. */
  server?: ServerOptions;
  /** How callers authenticate. Default `{ mode: "apiKey", apiKeys: [] }`: every request refused until keys are added. */
  auth?: AuthOptions;
  /** Requests per minute per tenant, client and method. Omitted: every field's default (600 a minute). */
  rateLimit?: RateLimitOptions;
  /** Who may call what. Default `{ default: "deny", rules: [] }`: only protocol methods pass. */
  policy?: PolicyOptions;
  /** Client sessions the gateway holds (data plane); the upstream sessions behind each one go with it. Omitted: every field's default, in memory. */
  sessions?: SessionsOptions;
  /** The MCP servers behind the gateway. Required, at least one entry. */
  upstreams: UpstreamOptions[];
  /** How the upstreams' tools, prompts and resources are offered as one server (data plane). Default `{ collisions: "prefix", strictNames: false }`. */
  federation?: FederationOptions;
  /** Which client request headers reach upstreams (data plane and CLI). Omitted: the default forward list. */
  upstreamHeaders?: UpstreamHeadersOptions;
  /** First-match routing rules. Default `[]`: with exactly one upstream, an implicit `{ match: { method: "*" } }` rule sends everything to it. */
  routing?: RouteOptions[];
  /** Audit events (data plane and CLI). Default `{ enabled: true, environments: ["*"] }`. */
  audit?: AuditOptions;
  /** Operational logs (data plane and CLI). Omitted: level `"info"` and the default redact keys. */
  logging?: LoggingOptions;
}

/** `server`: where the standalone server listens and which requests it accepts. */
export interface ServerOptions {
  /** Interface to bind; non-empty. Default `"127.0.0.1"` (loopback only); `"0.0.0.0"` listens on all interfaces. */
  host?: string;
  /** TCP port, 0 to 65535; 0 picks a free one. Default `8080`. */
  port?: number;
  /** Path of the MCP endpoint: starts with `/`, no `?`, `#` or whitespace. Default `"/mcp"`. */
  path?: string;
  /**
   * Origins browsers may call from, compared exactly (`http://localhost:3000`); another `Origin` gets
   * 403 ORIGIN_NOT_ALLOWED, `"*"` admits all. Default `[]`: only the gateway's own loopback origins,
   * on a loopback connection.
   */
  allowedOrigins?: string[];
  /**
   * Host names (no port, case-insensitive) requests may carry in `Host`; others get 403
   * HOST_NOT_ALLOWED, `"*"` turns the check off. Default `[]`: a loopback connection must name a
   * loopback host (DNS-rebinding protection), others are not checked.
   */
  allowedHosts?: string[];
  /**
   * Addresses and CIDR ranges (`"10.0.0.0/8"`, `"::1"`) of the reverse proxies in front of the
   * gateway. Only a request whose connection comes from one of them is read as forwarded: the host
   * it forwards (X-Forwarded-Host, or Forwarded `host=`) is checked by `allowedHosts` and is the
   * request's own origin for `allowedOrigins`, and the client address it forwards is the audit
   * event's `clientAddress`. Default `[]`: forwarded headers are ignored, whoever sends them. In
   * Express, the app's `trust proxy` setting counts as well.
   */
  trustedProxies?: string[];
  /** Which headers the trusted proxies set: `"x-forwarded"` (X-Forwarded-For, -Host, -Proto) or `"forwarded"` (RFC 7239). Default `"x-forwarded"`. */
  forwardedHeaders?: 'x-forwarded' | 'forwarded';
  /** Largest request body accepted, in bytes, positive; larger gets 413 PAYLOAD_TOO_LARGE. Default `4194304` (4 MiB). */
  maxBodyBytes?: number;
  /**
   * Request line and headers must arrive within this many ms (slowloris), and a connection that never
   * starts a request is closed after it; 1 to 3600000, at most `requestTimeoutMs`. Default `30000`.
   */
  headersTimeoutMs?: number;
  /** The whole request, body included, must arrive within this many ms (an answer may stream longer); 1 to 3600000. Default `60000`. */
  requestTimeoutMs?: number;
  /** An idle keep-alive connection is closed after this many ms; 1 to 3600000. Default `65000` (above common balancers' 60 s). */
  keepAliveTimeoutMs?: number;
  /** `GET /metrics`: whether it is served, and the key a scraper must present. Default `{ enabled: true }`. */
  metrics?: MetricsOptions;
  /** Most messages in one JSON-RPC batch (revision 2025-03-26), 1 to 100000; larger gets 413 BATCH_TOO_LARGE. Default `100`. */
  maxBatchMessages?: number;
}

/** `server.metrics`: the `GET /metrics` endpoint. */
export interface MetricsOptions {
  /** Whether `/metrics` is served; `false`: 404 (or the host app's next handler). Default `true`. */
  enabled?: boolean;
  /**
   * `sha256:<64 hex digits>` of the key a scraper sends (`Authorization: Bearer <key>` or `X-API-Key`).
   * Default: none, `/metrics` needs no key. Client API keys never open it.
   */
  keyHash?: string;
}

/** `auth`: how callers authenticate. */
export interface AuthOptions {
  /** `"apiKey"`: every request must present a configured key. `"none"`: everyone is the anonymous subject. Default `"apiKey"`. */
  mode?: 'apiKey' | 'none';
  /** The accepted keys; validated in both modes, used in `apiKey` mode. Default `[]`. */
  apiKeys?: ApiKeyOptions[];
}

/** One entry of `auth.apiKeys`: exactly one of `key` and `keyHash`, and the subject it authenticates. */
export interface ApiKeyOptions {
  /** Name of the key in audit logs (`apiKeyId`), never the secret; non-empty, unique. Omitted: `apiKeyId` is its position, `apiKeys[<i>]`. */
  id?: string;
  /** The key in plain text, 1 to 4096 characters, no spaces or control characters; `${ENV}` allowed. Default: none; give it or `keyHash` (prefer `keyHash` in production). */
  key?: string;
  /** `sha256:` and the 64 hex digits of the key's SHA-256 (either case; no placeholders). Default: none; give it or `key`. */
  keyHash?: string;
  /** Tenant of the caller (literal, not a glob); policies and rate limits key on it. Required, non-empty. */
  tenant: string;
  /** Client within the tenant (literal, not a glob); non-empty. Default `"default"`. */
  client?: string;
}

/** `rateLimit`: requests per minute per tenant, client and method. */
export interface RateLimitOptions {
  /** Prefix of every counter key, `<keyPrefix>:rate:<tenant>:<client>:<method>`; non-empty. Default `"mcp-gateway"`. */
  keyPrefix?: string;
  /** Limit per 60-second window for methods without a `byMethod` entry; positive integer. Default `600`. */
  defaultRpm?: number;
  /** Per-method limits (positive integers) by exact method name, not globs; the key `response` limits clients' answers. Default `{}`. */
  byMethod?: Record<string, number>;
  /** When the counter store fails: `"closed"` answers 503 RATE_LIMIT_STORE_UNAVAILABLE, `"open"` lets the message through uncounted. Default `"closed"`. */
  storeFailure?: 'closed' | 'open';
  /** With a Redis store: how long one command may take before it counts as failed, in ms, 1 to 60000. Default `500`. */
  redisCommandTimeoutMs?: number;
}

/** `policy`: who may call what; deny by default. */
export interface PolicyOptions {
  /** Decision for a method or target no applicable rule allows or denies. Default `"deny"`. */
  default?: 'deny' | 'allow';
  /** Rules; every rule whose subject matches the caller applies, and a deny always wins. Default `[]`. */
  rules?: PolicyRuleOptions[];
}

/** One entry of `policy.rules`. */
export interface PolicyRuleOptions {
  /** Free text for people and tooling; no effect on decisions. Default: none. */
  description?: string;
  /** Who the rule applies to. Default `{}`: every caller. */
  subject?: PolicySubject;
  /** What the rule allows. Default: all lists empty. */
  allow?: PolicyRuleListsOptions;
  /** What the rule denies; a deny wins over any allow and over `default: "allow"`. Default: all lists empty. */
  deny?: PolicyRuleListsOptions;
}

/** `policy.rules[].subject`: who a rule applies to; the same as written and resolved. */
export interface PolicySubject {
  /** Glob over the caller's tenant. Default: none, every tenant. */
  tenant?: string;
  /** Glob over the caller's client. Default: none, every client of the tenant. */
  client?: string;
}

/** `policy.rules[].allow` or `.deny`: glob lists of what a rule allows or denies. */
export interface PolicyRuleListsOptions {
  /** Globs over JSON-RPC method names, e.g. `tools/call`, `resources/*`. Default `[]`. */
  methods?: string[];
  /** Globs over tool names (`params.name` of `tools/call`). Default `[]`. */
  tools?: string[];
  /** Globs over resource URIs (`resources/read`, `subscribe`, `unsubscribe`; `completion/complete` refs). Default `[]`. */
  resources?: string[];
  /** Globs over prompt names (`prompts/get`; `completion/complete` refs). Default `[]`. */
  prompts?: string[];
}

/** `sessions`: the client sessions the gateway holds. */
export interface SessionsOptions {
  /** A session unused this many ms is closed, here and on its upstreams; positive. Default `1800000` (30 min). */
  idleTimeoutMs?: number;
  /** Most sessions held at once, positive; beyond it `initialize` gets 503 (with `secrets`: this replica's cache size, never a 503). Default `100000`. */
  maxSessions?: number;
  /**
   * Most sessions one subject (tenant and client) holds at once, so no subject fills the table; positive;
   * beyond it `initialize` gets 429 TOO_MANY_SESSIONS (with `secrets`: its own cache entries, never a 429). Also bounds a
   * stateless subject's upstream sessions. Default `1000`.
   */
  maxPerSubject?: number;
  /** Most long-lived streams (GET streams, `subscriptions/listen`) one subject holds open at once; positive; past it 429. Default `64`. */
  maxStreamsPerSubject?: number;
  /**
   * Secrets shared by every replica, at least one, each at least 32 characters once resolved, `${ENV}` allowed: session
   * ids become sealed tokens any replica can open. The first seals, every one opens (rotation).
   * Default: none, sessions live in this process.
   */
  secrets?: string[];
  /** With `secrets`: how long after `initialize` a sealed id is accepted, in ms; positive. Default: none, 24 hours applies. */
  maxAgeMs?: number;
}

/** One entry of `upstreams`: an MCP server behind the gateway. */
export interface UpstreamOptions {
  /** Unique name routing rules refer to: letters, digits, `.`, `_`, `-`, starting with a letter or digit. Required. */
  name: string;
  /** Transport; only Streamable HTTP. Default `"http"`. */
  type?: 'http';
  /** The upstream's MCP endpoint, an absolute http(s) URL once `${ENV}` placeholders are resolved. Required. */
  url: string;
  /** How long to wait for the upstream's headers and for each next chunk, in ms, 1 to 3600000; then 504 UPSTREAM_TIMEOUT. Default `30000`. */
  timeoutMs?: number;
  /** Largest JSON answer (or single SSE event) taken from this upstream, in bytes, positive; larger is 502. Default `67108864` (64 MiB). */
  maxResponseBytes?: number;
  /** Keep-alive connections for calls to this upstream, 1 to 10000; more calls wait for one (within `timeoutMs`). Default `128`. */
  maxConnections?: number;
  /** Long-lived streams open to this upstream at once, on connections of their own, 1 to 10000; past it 503 STREAMS_EXHAUSTED. Default `256`. */
  maxStreams?: number;
  /**
   * Shown before this upstream's tool, prompt and resource template names (`"gh_"`: `search` is shown as
   * `gh_search`); 1 to 64 of letters, digits, `_`, `-`, `.`. Default: none (`"none"` too), names as the upstream gives them.
   */
  prefix?: string;
  /** The gateway's own credential for this upstream (never the client's). Default: none. */
  auth?: UpstreamAuthOptions;
}

/** `upstreams[].auth`: the gateway's own credential for an upstream; the same as written and resolved (placeholders aside). */
export interface UpstreamAuthOptions {
  /** The only credential type. Required when `auth` is given. */
  type: 'apiKey';
  /** The header the gateway sends. Required. */
  apiKey: UpstreamApiKeyOptions;
}

/** `upstreams[].auth.apiKey`: one header carrying the gateway's credential. */
export interface UpstreamApiKeyOptions {
  /** Header to send, e.g. `Authorization`: a valid HTTP header name, not a connection header. Required. */
  header: string;
  /** Its value, non-empty, no CR, LF or NUL once resolved; `${ENV}` placeholders are resolved at start-up. Required. */
  value: string;
}

/** `federation`: how the upstreams' tools, prompts and resources are offered as one server. */
export interface FederationOptions {
  /**
   * Two upstreams offering the same name: `"prefix"` shows each as `<upstream>_<name>`, `"first-wins"` keeps the
   * first upstream's (in `upstreams` order), `"error"` refuses the list and such calls with 502 NAME_COLLISION. Default `"prefix"`.
   */
  collisions?: 'prefix' | 'first-wins' | 'error';
  /** Keep every name within `^[a-zA-Z0-9_-]{1,64}$` (others mapped), for clients stricter than the specification. Default `false`. */
  strictNames?: boolean;
}

/** `upstreamHeaders`: which client request headers reach upstreams. */
export interface UpstreamHeadersOptions {
  /**
   * Header names, case-insensitive (stored lower-case); credential and hop-by-hop headers are refused. A given list
   * replaces the default, not merged with it. Default `["accept", "content-type", "mcp-session-id", "mcp-protocol-version", "last-event-id"]`.
   */
  forward?: string[];
}

/** One entry of `routing`: the first rule whose fields all match sends the message to its upstream. The same as written and resolved. */
export interface RouteOptions {
  /** Every field given must match; at least one, and at most one of `tool`, `resource`, `prompt`. Required. */
  match: RouteMatch;
  /** Name of a declared upstream. Required. */
  upstream: string;
}

/** `routing[].match`: globs a message must all match. */
export interface RouteMatch {
  /** Glob over the JSON-RPC method. Default: none. */
  method?: string;
  /** Glob over the tool name; matches only `tools/call`. Default: none. */
  tool?: string;
  /** Glob over the resource URI; matches only messages that name a resource. Default: none. */
  resource?: string;
  /** Glob over the prompt name; matches only messages that name a prompt. Default: none. */
  prompt?: string;
}

/** `audit`: audit events. */
export interface AuditOptions {
  /** Whether audit events are written at all. Default `true`. */
  enabled?: boolean;
  /** Environments in which they are written (not globs); `["*"]` for every one. Default `["*"]`. */
  environments?: string[];
}

/** `logging`: operational logs. */
export interface LoggingOptions {
  /** Lowest level written (winston's npm levels, most to least severe). Default `"info"`. */
  level?: 'error' | 'warn' | 'info' | 'http' | 'verbose' | 'debug' | 'silly';
  /**
   * Keys whose values become `[REDACTED]`, case-insensitively, at any depth; a given list replaces the default, not merged
   * with it. Default `["authorization", "x-api-key", "api-key", "cookie", "token", "access_token", "password", "secret"]`.
   */
  redactKeys?: string[];
}

// ---------------------------------------------------------------------------------------------
// Resolved: what validation returns. Each field keeps its input documentation (the mapped types
// below carry it), so hovering `gateway.options.server.port` shows the same text.
// ---------------------------------------------------------------------------------------------

/** `T` with every field required except `Optional`, which have no default and stay optional. */
type Defaulted<T, Optional extends keyof T = never> = Required<Omit<T, Optional>> & Pick<T, Optional>;

/** Gateway options after validation: every default filled in and every `${ENV}` resolved. Holds secrets in clear text: do not log. */
export interface ResolvedOptions extends Defaulted<GatewayOptions> {
  /** Where the standalone server listens and which requests it accepts (data plane and CLI). */
  server: ResolvedServerOptions;
  /** How callers authenticate. */
  auth: ResolvedAuthOptions;
  /** Requests per minute per tenant, client and method. */
  rateLimit: ResolvedRateLimitOptions;
  /** Who may call what. */
  policy: ResolvedPolicyOptions;
  /** Client sessions the gateway holds (data plane). */
  sessions: ResolvedSessionsOptions;
  /** The MCP servers behind the gateway, at least one. */
  upstreams: ResolvedUpstream[];
  /** How the upstreams' tools, prompts and resources are offered as one server (data plane). */
  federation: ResolvedFederationOptions;
  /** Which client request headers reach upstreams. */
  upstreamHeaders: ResolvedUpstreamHeadersOptions;
  /** First-match routing rules, the implicit catch-all included when there is one upstream and none was given. */
  routing: ResolvedRoute[];
  /** Audit events. */
  audit: ResolvedAuditOptions;
  /** Operational logs. */
  logging: ResolvedLoggingOptions;
}

/** `server` after validation. */
export interface ResolvedServerOptions extends Defaulted<ServerOptions> {
  /** `GET /metrics`: whether it is served, and the key a scraper must present. */
  metrics: ResolvedMetricsOptions;
}

/** `server.metrics` after validation. */
export interface ResolvedMetricsOptions extends Defaulted<MetricsOptions, 'keyHash'> {}

/** `auth` after validation. */
export interface ResolvedAuthOptions extends Defaulted<AuthOptions> {
  /** The accepted keys, plain keys' placeholders resolved and key hashes lower-cased. */
  apiKeys: ResolvedApiKey[];
}

/** One API key entry after validation. */
export interface ResolvedApiKey extends Defaulted<ApiKeyOptions, 'id' | 'key' | 'keyHash'> {}

/** `rateLimit` after validation. */
export interface ResolvedRateLimitOptions extends Defaulted<RateLimitOptions> {}

/** `policy` after validation. */
export interface ResolvedPolicyOptions extends Defaulted<PolicyOptions> {
  /** Rules; every rule whose subject matches the caller applies, and a deny always wins. */
  rules: ResolvedPolicyRule[];
}

/** One policy rule after validation. */
export interface ResolvedPolicyRule extends Defaulted<PolicyRuleOptions, 'description'> {
  /** What the rule allows. */
  allow: ResolvedPolicyRuleLists;
  /** What the rule denies; a deny wins over any allow. */
  deny: ResolvedPolicyRuleLists;
}

/** `policy.rules[].allow` or `.deny` after validation: every list present. */
export interface ResolvedPolicyRuleLists extends Defaulted<PolicyRuleListsOptions> {}

/** `sessions` after validation; `secrets` resolved. */
export interface ResolvedSessionsOptions extends Defaulted<SessionsOptions, 'secrets' | 'maxAgeMs'> {}

/** One upstream after validation; `url` and `auth.apiKey.value` resolved. */
export interface ResolvedUpstream extends Defaulted<UpstreamOptions, 'prefix' | 'auth'> {}

/** `federation` after validation. */
export interface ResolvedFederationOptions extends Defaulted<FederationOptions> {}

/** `upstreamHeaders` after validation; names lower-cased. */
export interface ResolvedUpstreamHeadersOptions extends Defaulted<UpstreamHeadersOptions> {}

/** One routing rule after validation: as written. */
export interface ResolvedRoute extends RouteOptions {}

/** `audit` after validation. */
export interface ResolvedAuditOptions extends Defaulted<AuditOptions> {}

/** `logging` after validation. */
export interface ResolvedLoggingOptions extends Defaulted<LoggingOptions> {}
