import { formatConfigPath, type EnvMap } from '@gw/core';
import { envValue } from './io.js';

/** The configuration with the environment's overrides applied, and which paths they set. */
export interface Overridden {
  value: unknown;
  /** Formatted config path → the variable that set it, so problems can name their source. */
  overridden: Map<string, string>;
}

/**
 * Applies the runtime overrides the existing gateway documents: RATE_LIMIT_KEY_PREFIX replaces
 * rateLimit.keyPrefix; REDIS_COMMAND_TIMEOUT_MS replaces rateLimit.redisCommandTimeoutMs;
 * MCP_GATEWAY_SESSION_SECRET (and, for rotation,
 * MCP_GATEWAY_SESSION_SECRET_PREVIOUS) replace sessions.secrets. An empty variable counts as
 * unset. The input is not modified.
 */
export function applyEnvOverrides(value: unknown, env: EnvMap): Overridden {
  const overridden = new Map<string, string>();
  let result = value;
  const prefix = envValue(env, 'RATE_LIMIT_KEY_PREFIX');
  if (prefix !== undefined) result = overrideSection(result, 'rateLimit', { keyPrefix: prefix });
  if (result !== value) overridden.set(formatConfigPath(['rateLimit', 'keyPrefix']), 'RATE_LIMIT_KEY_PREFIX');

  const timeout = envValue(env, REDIS_COMMAND_TIMEOUT);
  if (timeout !== undefined) {
    // A number when it reads as one; otherwise the text itself, so validation names the bad value.
    const before = result;
    result = overrideSection(result, 'rateLimit', { redisCommandTimeoutMs: /^-?\d+(\.\d+)?$/.test(timeout) ? Number(timeout) : timeout });
    if (result !== before) overridden.set(formatConfigPath(['rateLimit', 'redisCommandTimeoutMs']), REDIS_COMMAND_TIMEOUT);
  }

  if (envValue(env, SESSION_SECRET) !== undefined) {
    const names = envValue(env, PREVIOUS_SESSION_SECRET) === undefined ? [SESSION_SECRET] : [SESSION_SECRET, PREVIOUS_SESSION_SECRET];
    // As placeholders, so the secret is resolved like any other and never rescanned for `${`.
    const before = result;
    result = overrideSection(result, 'sessions', { secrets: names.map((name) => `\${${name}}`) });
    if (result !== before) names.forEach((name, i) => overridden.set(formatConfigPath(['sessions', 'secrets', i]), name));
  }
  return { value: result, overridden };
}

/** The variable that replaces rateLimit.redisCommandTimeoutMs (milliseconds). */
const REDIS_COMMAND_TIMEOUT = 'REDIS_COMMAND_TIMEOUT_MS';
/** The variable holding the secret that seals session ids. */
const SESSION_SECRET = 'MCP_GATEWAY_SESSION_SECRET';
/** The secret it replaced, still accepted while sealed ids issued under it are in use. */
const PREVIOUS_SESSION_SECRET = 'MCP_GATEWAY_SESSION_SECRET_PREVIOUS';

/** `value` with `fields` set in one section, or `value` itself when the section is not a map (validation reports that). */
function overrideSection(value: unknown, section: string, fields: Record<string, unknown>): unknown {
  if (!isRecord(value)) return value;
  const current = value[section];
  if (current !== undefined && !isRecord(current)) return value;
  return { ...value, [section]: { ...current, ...fields } };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
