import type { IncomingMessage, ServerResponse } from 'node:http';
import { redactHeaders } from '@gw/core/internal';
import type { CliLogger } from './logger.js';

/**
 * The handler with one `http`-level line per request when that level is on (method, path,
 * status, duration), and the request headers at `debug`. Every credential-bearing header
 * (Authorization, Proxy-Authorization, Cookie, Set-Cookie, X-Auth-Token and the like) and every
 * header named in `redactKeys` is redacted by name before the line exists: logging.redactKeys
 * is an operator's list, and a header it does not name must not leak for that.
 */
export function accessLogged(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  logger: CliLogger,
  redactKeys: readonly string[],
): (req: IncomingMessage, res: ServerResponse) => void {
  if (!logger.isLevelEnabled('http')) return handler;
  const withHeaders = logger.isLevelEnabled('debug');
  return (req, res) => {
    const started = performance.now();
    res.once('close', () => {
      const url = req.url ?? '/';
      const query = url.indexOf('?');
      logger.log('http', 'request', {
        method: req.method,
        // The query string is left out: it is not the gateway's, and may carry anything.
        path: query === -1 ? url : url.slice(0, query),
        status: res.statusCode,
        completed: res.writableFinished,
        durationMs: Math.round(performance.now() - started),
        ...(withHeaders ? { headers: redactHeaders(req.headers, redactKeys) } : {}),
      });
    });
    handler(req, res);
  };
}
