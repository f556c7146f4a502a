/**
 * Configuration errors: found when options are validated, before any request is served.
 * Each has a stable string code documented in docs/errors.md.
 */
export const CONFIG_ERROR_CODES = {
  /** A key the schema does not know (often a typo). */
  ERR_GW_UNKNOWN_KEY: 'unknown key',
  /** A required key is absent. */
  ERR_GW_MISSING_KEY: 'required key missing',
  /** A value has the wrong type. */
  ERR_GW_INVALID_TYPE: 'wrong type',
  /** A value has the right type but is out of range, malformed or not one of the choices. */
  ERR_GW_INVALID_VALUE: 'invalid value',
  /** A glob pattern that cannot be compiled. */
  ERR_GW_INVALID_GLOB: 'invalid glob pattern',
  /** A routing rule names an upstream that is not declared. */
  ERR_GW_UNKNOWN_UPSTREAM: 'unknown upstream',
  /** Two upstreams share a name. */
  ERR_GW_DUPLICATE_UPSTREAM: 'duplicate upstream name',
  /** Two API keys have the same secret (plain or hashed). */
  ERR_GW_DUPLICATE_API_KEY: 'duplicate API key',
  /** Two API keys share an id. */
  ERR_GW_DUPLICATE_API_KEY_ID: 'duplicate API key id',
  /** An API key has neither or both of key and keyHash. */
  ERR_GW_API_KEY_SECRET: 'API key needs exactly one of key or keyHash',
  /** A `${NAME}` placeholder names an environment variable that is unset or empty. */
  ERR_GW_MISSING_ENV: 'missing environment variable',
  /** A `${...}` placeholder that is not a valid variable name. */
  ERR_GW_BAD_PLACEHOLDER: 'malformed placeholder',
  /** upstreamHeaders.forward lists a header the gateway never forwards. */
  ERR_GW_FORBIDDEN_FORWARD_HEADER: 'header may not be forwarded',
  /** A routing match with no field, which would be an accidental catch-all. */
  ERR_GW_EMPTY_MATCH: 'empty routing match',
} as const;

/** A stable configuration error code, e.g. `'ERR_GW_UNKNOWN_UPSTREAM'`. */
export type ConfigErrorCode = keyof typeof CONFIG_ERROR_CODES;

/** A segment of the path to a configuration value: object key or array index. */
export type ConfigPathSegment = string | number;

/** One problem found in a configuration. */
export interface ConfigIssue {
  /** Stable code, documented in docs/errors.md. */
  code: ConfigErrorCode;
  /** Path to the offending value, e.g. `['routing', 2, 'upstream']`. */
  path: ConfigPathSegment[];
  /** Human-readable message, without the path. */
  message: string;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Renders a path as operators write it: `routing[2].upstream`, `rateLimit.byMethod["tools/call"]`. */
export function formatConfigPath(path: readonly ConfigPathSegment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) out += out ? `.${segment}` : segment;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out || '(root)';
}

/** Renders one issue as `path: message (CODE)`. */
export function formatConfigIssue(issue: ConfigIssue): string {
  return `${formatConfigPath(issue.path)}: ${issue.message} (${issue.code})`;
}

/** Thrown by compileGateway when the options are invalid; carries every issue found. */
export class GatewayConfigError extends Error {
  /** Every problem found: the schema's first, then those spanning fields (the CLI sorts by line). */
  readonly issues: readonly ConfigIssue[];
  /** The code of the first issue, so `err.code` works like other Node errors. */
  readonly code: ConfigErrorCode;

  constructor(issues: readonly ConfigIssue[]) {
    const first = issues[0];
    if (!first) throw new TypeError('GatewayConfigError needs at least one issue');
    super(
      `Invalid gateway configuration (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n` +
        issues.map((issue) => `  ${formatConfigIssue(issue)}`).join('\n'),
    );
    this.name = 'GatewayConfigError';
    this.issues = issues;
    this.code = first.code;
  }
}
