// @gw/core/internal: the helpers @gw/node-http and @gw/cli share with core: wire and header
// parsing, fast paths, digests, text cutting, audit and log plumbing. It carries no
// compatibility promise: anything here may change or go in any release. Build on the public
// entry (`@gw/core`) instead.

export { deny, forStatelessEra, isUpstreamFailure, jsonRpcError } from './errors.js';
export { STATELESS_META, STATELESS_METHODS, checkStatelessRequest, decodeHeaderValue, statelessErrorCode, readsAsStateless, withoutStatelessEnvelope } from './stateless-request.js';
export type { StatelessClient, StatelessHeaders } from './stateless-request.js';

export { parseEnvelope, createBodyDecoder } from './envelope.js';
export type { BodyDecoder } from './envelope.js';

export { headerValues, lowerCaseHeaders } from './headers.js';
export { readCredential, MAX_CREDENTIAL_LENGTH } from './credentials.js';
export type { PresentedCredential } from './credentials.js';

export { GlobSet, isValidGlob } from './glob.js';
export { PROTOCOL_METHODS } from './protocol-methods.js';
export { cutText, MAX_AUDIT_TEXT, MAX_LOG_TEXT } from './cut-text.js';
export { checkOrigin } from './origin.js';
export { checkHost } from './host.js';
export { ipRangeMatcher, parseIp } from './ip-ranges.js';
export { mergeCapabilities } from './capabilities.js';
export { checkInitializeParams } from './initialize-params.js';
export type { ServerCapabilities } from './capabilities.js';
export { readAccept, checkAccept, checkContentType } from './accept.js';
export type { AcceptedFormats } from './accept.js';
export {
  SESSION_PROTOCOL_VERSIONS,
  STATELESS_PROTOCOL_VERSIONS,
  SUPPORTED_PROTOCOL_VERSIONS,
  isStatelessVersion,
  DEFAULT_PROTOCOL_VERSION,
  negotiateProtocolVersion,
  checkProtocolVersionHeader,
  allowsBatches,
} from './protocol-versions.js';
export { ROUTE_MEMO_LIMIT } from './routing.js';
export { authorizeRead, decideMessage, placeMessage } from './decide.js';
export type { DecideParts } from './decide.js';
export { assignNames, fitName, prefixedName } from './naming.js';
export type { NameAssignment, NameCollision, NameRules, Naming, NamedItem } from './naming.js';
export { LIST_METHODS } from './list-methods.js';
export { federateList } from './federate-list.js';
export { encodeListCursor, decodeListCursor } from './list-cursor.js';
export type { ListPositions } from './list-cursor.js';
export { templateMatcher } from './uri-template.js';
export { isPending } from './pending.js';

export { Sha256, sha256, sha256Hex, toHex } from './sha256.js';

export { auditDecisionFor } from './audit.js';
export { isoTime, IsoClock } from './iso-time.js';
export { extend } from './extend.js';
export { createRedactor, isCredentialHeader, redactHeaders, REDACTED } from './redact.js';
