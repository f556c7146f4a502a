import { deny, type Denial } from './errors.js';
import type { JsonRpcParams } from './envelope.js';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks the params of a client's initialize as the specification types them: protocolVersion
 * a string, capabilities an object of objects (experimental's entries objects too), clientInfo
 * an object with a string name and version. The gateway replays these params to every upstream,
 * so a malformed initialize is refused here (-32602) instead of opening a session no upstream
 * would accept.
 */
export function checkInitializeParams(params: JsonRpcParams | undefined): { ok: true } | Denial {
  const invalid = (detail: string) => deny('INVALID_PARAMS', `initialize: ${detail}`);
  if (!params) return invalid('params are required (protocolVersion, capabilities, clientInfo)');
  if (typeof params['protocolVersion'] !== 'string') return invalid('params.protocolVersion must be a string');
  const capabilities = params['capabilities'];
  if (!isRecord(capabilities)) return invalid('params.capabilities must be an object');
  for (const [name, value] of Object.entries(capabilities)) {
    if (!isRecord(value)) return invalid(`params.capabilities.${name} must be an object`);
  }
  const experimental = capabilities['experimental'];
  if (isRecord(experimental) && Object.values(experimental).some((value) => !isRecord(value))) {
    return invalid('every entry of params.capabilities.experimental must be an object');
  }
  const clientInfo = params['clientInfo'];
  if (!isRecord(clientInfo) || typeof clientInfo['name'] !== 'string' || typeof clientInfo['version'] !== 'string') {
    return invalid('params.clientInfo must be an object with a string name and version');
  }
  return { ok: true };
}
