import { deny, type Denial } from './errors.js';
import type { JsonRpcParams } from './envelope.js';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The most a client's declaration of itself (initialize params; a stateless request's client
 * capabilities and info) may take, as JSON text: the gateway keeps it as long as the session, so
 * a subject with no rights could otherwise park megabytes per session. Real clients send about
 * a kilobyte.
 */
export const MAX_DECLARATION_CHARS = 16_384;

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
  if (JSON.stringify(params).length > MAX_DECLARATION_CHARS) return invalid(`params are longer than ${MAX_DECLARATION_CHARS} characters (kept for the session's life, so bounded)`);
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
