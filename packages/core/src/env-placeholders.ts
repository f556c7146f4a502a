/**
 * `${NAME}` placeholders, resolved once when options are validated. Only values that hold
 * secrets or addresses take placeholders (see docs/configuration.md); a missing or empty
 * variable is a configuration error, never an empty string sent upstream.
 */
const PLACEHOLDER = /\$\{([^}]*)\}/g;
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The environment placeholders are read from: a plain map, e.g. `process.env`. */
export type EnvMap = Readonly<Record<string, string | undefined>>;

/** A problem with one placeholder. */
export interface PlaceholderProblem {
  code: 'ERR_GW_MISSING_ENV' | 'ERR_GW_BAD_PLACEHOLDER';
  message: string;
}

/** Replaces every placeholder in `text`, or lists what stops it. */
export function resolvePlaceholders(
  text: string,
  env: EnvMap,
): { ok: true; value: string } | { ok: false; problems: PlaceholderProblem[] } {
  const problems: PlaceholderProblem[] = [];
  const value = text.replace(PLACEHOLDER, (whole, name: string) => {
    if (!VARIABLE_NAME.test(name)) {
      problems.push({ code: 'ERR_GW_BAD_PLACEHOLDER', message: `${whole} is not a valid placeholder (use \${NAME})` });
      return whole;
    }
    // Own variables only: `${constructor}` must not find Object.prototype's.
    const resolved = Object.hasOwn(env, name) ? env[name] : undefined;
    if (resolved === undefined || resolved === '') {
      problems.push({ code: 'ERR_GW_MISSING_ENV', message: `environment variable ${name} is ${resolved === undefined ? 'not set' : 'empty'}` });
      return whole;
    }
    return resolved;
  });
  return problems.length ? { ok: false, problems } : { ok: true, value };
}
