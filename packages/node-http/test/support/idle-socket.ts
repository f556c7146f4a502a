import { connect } from 'node:net';

/**
 * Opens a raw TCP connection to `port`, writes `request` (nothing when undefined) and resolves
 * with how long the server took to close it and what it sent; `limitMs` caps the wait (then
 * `closed` is false), so a server that never closes fails a test instead of hanging it.
 */
export function idleSocket(port: number, request: string | undefined, limitMs: number): Promise<{ closed: boolean; ms: number; received: string }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = connect(port, '127.0.0.1', () => {
      if (request !== undefined) socket.write(request);
    });
    let received = '';
    const finish = (closed: boolean): void => {
      clearTimeout(limit);
      socket.destroy();
      resolve({ closed, ms: performance.now() - started, received });
    };
    const limit = setTimeout(() => finish(false), limitMs);
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => finish(true));
  });
}
