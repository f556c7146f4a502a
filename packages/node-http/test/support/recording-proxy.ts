// A TCP proxy on a free loopback port that records every byte in both directions, so a test can
// search exactly what reached a server (headers and bodies as sent on the wire), not what a
// server framework chose to keep.
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

export interface RecordingProxy {
  port: number;
  /** Connections accepted so far. */
  connections: number;
  /** Everything sent toward the target, connection after connection, as latin1 (one char per byte). */
  sent(): string;
  /** Everything the target answered. */
  received(): string;
  close(): Promise<void>;
}

export async function startRecordingProxy(targetPort: number): Promise<RecordingProxy> {
  const sent: Buffer[] = [];
  const received: Buffer[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createServer((client) => {
    connections++;
    const target = connect({ host: '127.0.0.1', port: targetPort });
    for (const socket of [client, target]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.once('close', () => sockets.delete(socket));
    }
    client.on('data', (chunk: Buffer) => sent.push(chunk));
    target.on('data', (chunk: Buffer) => received.push(chunk));
    client.pipe(target);
    target.pipe(client);
    client.once('close', () => target.destroy());
    target.once('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    get connections() {
      return connections;
    },
    sent: () => Buffer.concat(sent).toString('latin1'),
    received: () => Buffer.concat(received).toString('latin1'),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
