import { Console } from 'node:console';
import { PassThrough, Writable } from 'node:stream';
import pino from 'pino';
import winston from 'winston';
import { afterEach, describe, expect, it } from 'vitest';
import type { GatewayContext } from '../../src/index.js';
import { adaptLogger } from '../../src/ops/logger.js';
import { post, startGateway, type RunningGateway } from '../support/gateway.js';

// GatewayContext.logger takes the app's own logger as it is. Each real logger below is handed to a
// real gateway, which logs one line with a structured field (an audit sink that throws gives
// `warn('the audit sink failed', { error })`); the field must arrive as a field, not as text
// in the message nor dropped.

let gw: RunningGateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

async function logOneWarning(logger: NonNullable<GatewayContext['logger']>): Promise<void> {
  gw = await startGateway(
    { auth: { apiKeys: [{ id: 'k', key: 'secret-key-1', tenant: 't', client: 'c' }] }, upstreams: [{ name: 'up', url: 'http://127.0.0.1:9/mcp' }] },
    {
      logger,
      onAudit: () => {
        throw new Error('sink down');
      },
    },
  );
  const answer = await post(gw.url, { jsonrpc: '2.0', id: 1, method: 'tools/list' });
  expect(answer.status).toBe(401);
  // The audit sink runs after the answer, off the request's path.
  await new Promise((resolve) => setTimeout(resolve, 50));
}

function lines(chunks: string[]): Record<string, unknown>[] {
  return chunks
    .join('')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

function collector(chunks: string[]): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
}

describe('GatewayContext.logger takes the app’s logger as it is', () => {
  it('pino: the message in msg, the fields as fields, at pino’s warn level', async () => {
    const chunks: string[] = [];
    await logOneWarning(pino({ level: 'debug' }, collector(chunks)));
    const line = lines(chunks).find((entry) => entry['msg'] === 'the audit sink failed');
    expect(line).toMatchObject({ level: 40, msg: 'the audit sink failed', error: 'sink down' });
  });

  it('a pino child logger keeps its bindings and takes the fields the same way', async () => {
    const chunks: string[] = [];
    await logOneWarning(pino(collector(chunks)).child({ component: 'mcp' }));
    expect(lines(chunks)).toContainEqual(expect.objectContaining({ component: 'mcp', msg: 'the audit sink failed', error: 'sink down' }));
  });

  it('winston: the message in message, the fields as fields', async () => {
    const chunks: string[] = [];
    const logger = winston.createLogger({ level: 'debug', format: winston.format.json(), transports: [new winston.transports.Stream({ stream: collector(chunks) })] });
    await logOneWarning(logger);
    expect(lines(chunks)).toContainEqual({ level: 'warn', message: 'the audit sink failed', error: 'sink down' });
  });

  it('console: the message, then the fields inspected', async () => {
    const out = new PassThrough();
    let text = '';
    out.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    await logOneWarning(new Console({ stdout: out, stderr: out }));
    expect(text).toContain("the audit sink failed { error: 'sink down' }");
  });

  it('bunyan’s shape (streams and child) is taken fields first; any other logger is used as it is', () => {
    const calls: unknown[][] = [];
    const record = (...args: unknown[]) => void calls.push(args);
    const bunyanLike = { streams: [], child: () => bunyanLike, error: record, warn: record, info: record, debug: record };
    const adapted = adaptLogger(bunyanLike);
    adapted.info('hello', { a: 1 });
    adapted.debug('bare');
    expect(calls).toEqual([[{ a: 1 }, 'hello'], [{}, 'bare']]);
    const messageFirst = { error: record, warn: record, info: record, debug: record };
    expect(adaptLogger(messageFirst)).toBe(messageFirst);
  });
});
