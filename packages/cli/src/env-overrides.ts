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
 * rateLimit.keyPrefix. An empty variable counts as unset. The input is not modified.
 */
export function applyEnvOverrides(value: unknown, env: EnvMap): Overridden {
  const overridden = new Map<string, string>();
  const prefix = envValue(env, 'RATE_LIMIT_KEY_PREFIX');
  if (prefix === undefined || !isRecord(value)) return { value, overridden };
  const rateLimit = value['rateLimit'];
  // A rateLimit that is not a map is reported by validation; the override does not hide that.
  if (rateLimit !== undefined && !isRecord(rateLimit)) return { value, overridden };
  overridden.set(formatConfigPath(['rateLimit', 'keyPrefix']), 'RATE_LIMIT_KEY_PREFIX');
  return { value: { ...value, rateLimit: { ...rateLimit, keyPrefix: prefix } }, overridden };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
