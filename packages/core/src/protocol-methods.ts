/**
 * Client messages that keep an MCP session working rather than reach a tool, resource or
 * prompt. The gateway handles them itself (answers them, or delivers them to the upstreams of
 * the session), so routing rules do not apply, and every authenticated subject may send them:
 * a policy that forgot `notifications/initialized` would otherwise break every session. A
 * `deny.methods` pattern that matches one still blocks it.
 */
export const PROTOCOL_METHODS: ReadonlySet<string> = new Set([
  'initialize',
  'ping',
  'notifications/initialized',
  'notifications/cancelled',
  'notifications/progress',
  'notifications/roots/list_changed',
  // The stateless revision's counterparts of initialize and the GET stream.
  'server/discover',
  'subscriptions/listen',
]);
