import { describe, expect, it } from 'vitest';
import * as publicEntry from '../src/index.js';
import * as internalEntry from '../src/internal.js';

// The runtime names of `@gw/core` and `@gw/core/internal`. A change to the public surface is a
// change to this list: add or remove a name here on purpose, never as a side effect. Internal
// names carry no compatibility promise (see src/internal.ts).

describe('@gw/core public API', () => {
  it('exports exactly these names from @gw/core', () => {
    expect(Object.keys(publicEntry).sort()).toEqual([
      'ANONYMOUS_SUBJECT',
      'CONFIG_ERROR_CODES',
      'Catalog',
      'DEFAULT_FORWARD_HEADERS',
      'DEFAULT_REDACT_KEYS',
      'GATEWAY_ERRORS',
      'GatewayConfigError',
      'HOP_BY_HOP_HEADERS',
      'LOG_LEVELS',
      'MAX_JSON_DEPTH',
      'NEVER_FORWARDED_HEADERS',
      'STREAM_METHODS',
      'authorizeStream',
      'compileGateway',
      'createAuthenticator',
      'createMemoryRateLimitStore',
      'createPolicy',
      'createRateLimiter',
      'createRouter',
      'errorNameForCode',
      'formatConfigIssue',
      'formatConfigPath',
      'gatewayOptionsSchema',
      'parseBody',
      'readTarget',
      'resolvePlaceholders',
      'resolveTarget',
      'streamMessageAllowed',
      'validateMessage',
      'validateOptions',
    ]);
  });

  it('exports exactly these names from @gw/core/internal', () => {
    expect(Object.keys(internalEntry).sort()).toEqual([
      'DEFAULT_PROTOCOL_VERSION',
      'GlobSet',
      'IsoClock',
      'LIST_METHODS',
      'MAX_AUDIT_TEXT',
      'MAX_CREDENTIAL_LENGTH',
      'MAX_LOG_TEXT',
      'PROTOCOL_METHODS',
      'REDACTED',
      'ROUTE_MEMO_LIMIT',
      'SESSION_PROTOCOL_VERSIONS',
      'STATELESS_META',
      'STATELESS_METHODS',
      'STATELESS_PROTOCOL_VERSIONS',
      'SUPPORTED_PROTOCOL_VERSIONS',
      'Sha256',
      'allowsBatches',
      'assignNames',
      'auditDecisionFor',
      'authorizeRead',
      'checkAccept',
      'checkContentType',
      'checkHost',
      'checkInitializeParams',
      'checkOrigin',
      'checkProtocolVersionHeader',
      'checkStatelessRequest',
      'createBodyDecoder',
      'createRedactor',
      'cutText',
      'decideMessage',
      'decodeHeaderValue',
      'decodeListCursor',
      'deny',
      'encodeListCursor',
      'extend',
      'federateList',
      'fitName',
      'forStatelessEra',
      'headerValues',
      'ipRangeMatcher',
      'isCredentialHeader',
      'isPending',
      'isStatelessVersion',
      'isUpstreamFailure',
      'isValidGlob',
      'isoTime',
      'jsonRpcError',
      'lowerCaseHeaders',
      'mergeCapabilities',
      'negotiateProtocolVersion',
      'parseEnvelope',
      'parseIp',
      'placeMessage',
      'prefixedName',
      'readAccept',
      'readCredential',
      'readsAsStateless',
      'redactHeaders',
      'sha256',
      'sha256Hex',
      'statelessErrorCode',
      'templateMatcher',
      'toHex',
      'withoutStatelessEnvelope',
    ]);
  });

  it('exports no name from both entries', () => {
    const both = Object.keys(internalEntry).filter((name) => name in publicEntry);
    expect(both).toEqual([]);
  });
});
