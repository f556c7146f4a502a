// @gw/core: every decision of the MCP gateway as plain functions over plain values.
// No node: imports, no sockets, no files, no module-level state: what is kept (a compiled
// gateway's memos, an IsoClock) belongs to an object its owner made.

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

export { GATEWAY_ERRORS, deny, forModernEra, isUpstreamFailure, jsonRpcError, errorNameForCode } from './errors.js';
export { MODERN_META, MODERN_METHODS, checkModernRequest, decodeHeaderValue, modernErrorCode, readsAsModern, withoutModernEnvelope } from './modern-request.js';
export type { ModernClient, ModernHeaders } from './modern-request.js';
export type { Denial, GatewayErrorName, JsonRpcErrorObject, JsonRpcErrorResponse, JsonRpcId } from './errors.js';

export { parseBody, parseEnvelope, validateMessage, createBodyDecoder, MAX_JSON_DEPTH } from './envelope.js';
export type {
  BodyDecoder,
  ClientMessage,
  EnvelopeResult,
  JsonRpcNotification,
  JsonRpcParams,
  JsonRpcRequest,
  JsonRpcResponse,
  MessageResult,
} from './envelope.js';

export { headerValues, lowerCaseHeaders } from './headers.js';
export type { HeaderMap } from './headers.js';
export { readCredential, MAX_CREDENTIAL_LENGTH } from './credentials.js';
export type { PresentedCredential } from './credentials.js';
export { createAuthenticator } from './api-keys.js';
export type { AuthResult, Authenticator, KeyDigest } from './api-keys.js';
export { ANONYMOUS_SUBJECT } from './subject.js';
export type { Subject } from './subject.js';

export { readTarget } from './target.js';
export type { Target, TargetKind } from './target.js';
export { GlobSet, isValidGlob } from './glob.js';
export { PROTOCOL_METHODS } from './protocol-methods.js';
export { cutText, MAX_AUDIT_TEXT, MAX_LOG_TEXT } from './cut-text.js';
export { checkOrigin } from './origin.js';
export { checkHost } from './host.js';
export { mergeCapabilities } from './capabilities.js';
export { checkInitializeParams } from './initialize-params.js';
export type { ServerCapabilities } from './capabilities.js';
export { readAccept, checkAccept, checkContentType } from './accept.js';
export type { AcceptedFormats } from './accept.js';
export {
  SESSION_PROTOCOL_VERSIONS,
  MODERN_PROTOCOL_VERSIONS,
  SUPPORTED_PROTOCOL_VERSIONS,
  isModernVersion,
  DEFAULT_PROTOCOL_VERSION,
  negotiateProtocolVersion,
  checkProtocolVersionHeader,
  allowsBatches,
} from './protocol-versions.js';
export { createPolicy } from './policy.js';
export { authorizeStream, streamMessageAllowed, STREAM_METHODS } from './stream-rights.js';
export type { AuthorizeResult, Policy } from './policy.js';
export { createRouter, ROUTE_MEMO_LIMIT } from './routing.js';
export type { RouteResult, Router } from './routing.js';
export { authorizeRead, decideMessage, placeMessage } from './decide.js';
export { Catalog } from './catalog.js';
export type { Owner } from './catalog.js';
export { assignNames, fitName, prefixedName } from './naming.js';
export type { CollisionPolicy, NameAssignment, NameCollision, NameRules, Naming, NamedItem } from './naming.js';
export { LIST_METHODS } from './list-methods.js';
export type { ListKind, ListSpec } from './list-methods.js';
export { federateList } from './federate-list.js';
export type { ListedPage } from './federate-list.js';
export { encodeListCursor, decodeListCursor } from './list-cursor.js';
export type { ListPositions } from './list-cursor.js';
export { resolveTarget } from './resolve-target.js';
export type { Resolution, ResolvedItem } from './resolve-target.js';
export { templateMatcher } from './uri-template.js';
export type { Decision, DecideParts } from './decide.js';

export { createRateLimiter } from './rate-limit.js';
export type { RateLimiter, RateLimitInfo, RateLimitOutcome, RateLimitResult, RateLimitStore } from './rate-limit.js';
export { createMemoryRateLimitStore } from './memory-rate-limit-store.js';
export { isPending } from './pending.js';

export { Sha256, sha256, sha256Hex, toHex } from './sha256.js';

export { auditDecisionFor } from './audit.js';
export { isoTime, IsoClock } from './iso-time.js';
export { extend } from './extend.js';
export type { AuditDecision, AuditEvent } from './audit.js';
export { createRedactor, isCredentialHeader, redactHeaders, REDACTED } from './redact.js';
