// What both scenario servers do before the SDK sees a request: refuse names that are not
// loopback (DNS-rebinding protection, as the suite's dns-rebinding-protection scenario expects)
// and answer such refusals as JSON-RPC errors.

const LOOPBACK_HOST = /^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/i;
const LOOPBACK_ORIGIN = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/i;

/** DNS-rebinding protection: only loopback names in Host, and in Origin when one is sent. */
export function isLoopbackRequest(req) {
  if (!LOOPBACK_HOST.test(req.headers.host ?? '')) return false;
  const origin = req.headers.origin;
  return origin === undefined || LOOPBACK_ORIGIN.test(origin);
}

/** A JSON-RPC error with no id, as the SDK's transports answer a request they refuse. */
export function answerError(res, status, code, message) {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code, message } }));
}
