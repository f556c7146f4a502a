/** What an MCP server declares it can do, as sent in its initialize result. */
export type ServerCapabilities = Record<string, unknown>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Merges the capabilities of several servers into the one set the gateway declares: a feature
 * any upstream offers is offered, and a flag (`listChanged`, `subscribe`) is true if any
 * upstream sets it, so a client never holds back from something one upstream can do.
 */
export function mergeCapabilities(list: readonly ServerCapabilities[]): ServerCapabilities {
  const out: Record<string, unknown> = {};
  for (const capabilities of list) {
    for (const [key, value] of Object.entries(capabilities)) {
      const previous = out[key];
      if (previous === undefined) out[key] = isRecord(value) ? mergeCapabilities([value]) : value;
      else if (isRecord(previous) && isRecord(value)) out[key] = mergeCapabilities([previous, value]);
      else if (typeof previous === 'boolean' && typeof value === 'boolean') out[key] = previous || value;
    }
  }
  return out;
}
