import type { AuditEvent, EnvMap, ResolvedOptions } from '@gw/core';
import { envValue } from './io.js';
import type { CliLogger } from './logger.js';

/** The environment audit filtering uses: MCP_GATEWAY_ENV, then NODE_ENV, then "development". */
export function environmentName(env: EnvMap): string {
  return envValue(env, 'MCP_GATEWAY_ENV') ?? envValue(env, 'NODE_ENV') ?? 'development';
}

/** Whether audit events are written in `environment`: enabled, and listed (or `"*"` listed). */
export function auditApplies(audit: ResolvedOptions['audit'], environment: string): boolean {
  return audit.enabled && (audit.environments.includes('*') || audit.environments.includes(environment));
}

/**
 * The gateway's onAudit sink: one JSON line per event with `type: "audit"`, through the
 * logger's redaction and regardless of `logging.level` (audit is switched by `audit`, not by
 * the log level). Events carry the API key's id, never the key.
 */
export function createAuditWriter(logger: CliLogger): (event: AuditEvent) => void {
  return (event) => logger.audit(event);
}
