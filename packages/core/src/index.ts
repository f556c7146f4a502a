// @gw/core: every decision of the MCP gateway as plain functions over plain values.
// No node: imports, no sockets, no files, no module-level state: what is kept (a compiled
// gateway's memos, an IsoClock) belongs to an object its owner made.
//
// This entry is the public API: the options and their types, compileGateway and its check(),
// validation, the error table, and the parts a user composes or unit-tests on their own
// (authenticator, policy, stream rights, router, name resolution, catalog, rate limiter). The
// helpers only the data plane and the CLI use live in ./internal.ts (`@gw/core/internal`).
// packages/core/test/public-api.test.ts lists both.

export { compileGateway } from './compile.js';
export type { CheckInput, CheckResult, CompileContext, CompiledGateway } from './compile.js';

export { validateOptions, NEVER_FORWARDED_HEADERS, HOP_BY_HOP_HEADERS } from './validate-options.js';
export type { ValidateContext, ValidationResult } from './validate-options.js';
export { gatewayOptionsSchema, DEFAULT_FORWARD_HEADERS, DEFAULT_REDACT_KEYS, LOG_LEVELS } from './options.js';
export type {
  GatewayOptions,
  ServerOptions,
  MetricsOptions,
  AuthOptions,
  ApiKeyOptions,
  RateLimitOptions,
  PolicyOptions,
  PolicyRuleOptions,
  PolicySubject,
  PolicyRuleListsOptions,
  SessionsOptions,
  UpstreamOptions,
  UpstreamAuthOptions,
  UpstreamApiKeyOptions,
  FederationOptions,
  UpstreamHeadersOptions,
  RouteOptions,
  RouteMatch,
  AuditOptions,
  LoggingOptions,
  ResolvedOptions,
  ResolvedUpstream,
  ResolvedRoute,
  ResolvedPolicyRule,
  ResolvedApiKey,
} from './option-types.js';
export { resolvePlaceholders } from './env-placeholders.js';
export type { EnvMap, PlaceholderProblem } from './env-placeholders.js';

export { CONFIG_ERROR_CODES, GatewayConfigError, formatConfigIssue, formatConfigPath } from './config-error.js';
export type { ConfigErrorCode, ConfigIssue, ConfigPathSegment } from './config-error.js';

export { GATEWAY_ERRORS, errorNameForCode } from './errors.js';
export type { Denial, GatewayErrorName, JsonRpcErrorObject, JsonRpcErrorResponse, JsonRpcId } from './errors.js';

export { parseBody, validateMessage, MAX_JSON_DEPTH } from './envelope.js';
export type {
  ClientMessage,
  EnvelopeResult,
  JsonRpcNotification,
  JsonRpcParams,
  JsonRpcRequest,
  JsonRpcResponse,
  MessageResult,
} from './envelope.js';

export type { HeaderMap } from './headers.js';
export { createAuthenticator } from './api-keys.js';
export type { AuthResult, Authenticator, KeyDigest } from './api-keys.js';
export { ANONYMOUS_SUBJECT } from './subject.js';
export type { Subject } from './subject.js';

export { readTarget } from './target.js';
export type { Target, TargetKind } from './target.js';
export { createPolicy } from './policy.js';
export { authorizeStream, streamMessageAllowed, STREAM_METHODS } from './stream-rights.js';
export type { AuthorizeResult, Policy } from './policy.js';
export { createRouter } from './routing.js';
export type { RouteResult, Router } from './routing.js';
export type { Decision } from './decide.js';
export { Catalog } from './catalog.js';
export type { Owner } from './catalog.js';
export type { CollisionPolicy } from './naming.js';
export type { ListKind, ListSpec } from './list-methods.js';
export type { ListedPage } from './federate-list.js';
export { resolveTarget } from './resolve-target.js';
export type { Resolution, ResolvedItem } from './resolve-target.js';

export { createRateLimiter } from './rate-limit.js';
export type { RateLimiter, RateLimitInfo, RateLimitOutcome, RateLimitResult, RateLimitStore } from './rate-limit.js';
export { createMemoryRateLimitStore } from './memory-rate-limit-store.js';

export type { AuditDecision, AuditEvent } from './audit.js';
