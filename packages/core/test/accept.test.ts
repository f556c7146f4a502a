import { describe, expect, it } from 'vitest';
import { checkAccept, checkContentType, checkOrigin, mergeCapabilities, readAccept } from '../src/internal.js';

describe('readAccept', () => {
  it.each([
    [undefined, { json: true, sse: true }],
    ['application/json, text/event-stream', { json: true, sse: true }],
    ['application/json', { json: true, sse: false }],
    ['text/event-stream', { json: false, sse: true }],
    ['*/*', { json: true, sse: true }],
    ['application/*;q=0.5, text/*', { json: true, sse: true }],
    ['application/json;q=0, text/event-stream', { json: false, sse: true }],
    ['text/html', { json: false, sse: false }],
  ])('%s', (accept, formats) => {
    expect(readAccept(accept)).toEqual(formats);
  });

  it('requires SSE for the GET stream and either format for POST', () => {
    expect(checkAccept('application/json', 'stream')).toMatchObject({ ok: false, status: 406 });
    expect(checkAccept('application/json', 'answer')).toMatchObject({ ok: true });
    expect(checkAccept('text/html', 'answer')).toMatchObject({ ok: false, name: 'NOT_ACCEPTABLE' });
  });
});

describe('checkContentType', () => {
  it('accepts JSON with parameters and refuses the rest with 415', () => {
    expect(checkContentType('application/json; charset=utf-8').ok).toBe(true);
    expect(checkContentType('Application/JSON').ok).toBe(true);
    expect(checkContentType('text/plain')).toMatchObject({ ok: false, status: 415 });
    expect(checkContentType(undefined)).toMatchObject({ ok: false, status: 415 });
  });
});

describe('checkOrigin', () => {
  it('lets requests without Origin through and checks the others exactly', () => {
    expect(checkOrigin(undefined, []).ok).toBe(true);
    expect(checkOrigin('http://a.example', ['http://a.example']).ok).toBe(true);
    expect(checkOrigin('http://a.example:8080', ['http://a.example'])).toMatchObject({ ok: false, status: 403 });
    expect(checkOrigin('http://evil.example', ['*']).ok).toBe(true);
  });

  it('with no list, takes only the own loopback origins of a loopback connection', () => {
    for (const own of ['http://127.0.0.1:8080', 'http://localhost:8080', 'HTTP://LOCALHOST:8080', 'https://[::1]:8080']) expect(checkOrigin(own, [], 8080).ok, own).toBe(true);
    expect(checkOrigin('http://localhost', [], 80).ok).toBe(true);
    expect(checkOrigin('https://localhost', [], 443).ok).toBe(true);
    for (const other of ['http://localhost:3000', 'http://localhost', 'http://evil.example:8080', 'http://localhost.evil.example:8080', 'null', 'file://', 'http://127.0.0.1:8080/', 'ws://localhost:8080']) {
      expect(checkOrigin(other, [], 8080), other).toMatchObject({ ok: false, status: 403, name: 'ORIGIN_NOT_ALLOWED' });
    }
    // Not a loopback connection: every Origin is refused when none is listed.
    expect(checkOrigin('http://localhost:8080', [])).toMatchObject({ ok: false, status: 403 });
    // A list replaces the default: only what it names.
    expect(checkOrigin('http://localhost:8080', ['http://app.example'], 8080)).toMatchObject({ ok: false, status: 403 });
  });

  it('behind a trusted proxy, with no list, takes the forwarded own origins and nothing else', () => {
    const own = ['https://app.example'];
    expect(checkOrigin('https://app.example', [], undefined, own).ok).toBe(true);
    expect(checkOrigin('HTTPS://APP.EXAMPLE', [], undefined, own).ok).toBe(true);
    for (const other of ['http://app.example', 'https://app.example:8443', 'https://evil.example', 'null']) {
      expect(checkOrigin(other, [], undefined, own), other).toMatchObject({ ok: false, status: 403, name: 'ORIGIN_NOT_ALLOWED' });
    }
    // A list replaces them, as it replaces the loopback ones.
    expect(checkOrigin('https://app.example', ['https://other.example'], undefined, own)).toMatchObject({ ok: false, status: 403 });
  });
});

describe('mergeCapabilities', () => {
  it('offers what any upstream offers and ORs the flags', () => {
    expect(
      mergeCapabilities([
        { tools: { listChanged: false }, logging: {} },
        { tools: { listChanged: true }, resources: { subscribe: true } },
        { resources: { listChanged: true, subscribe: false } },
      ]),
    ).toEqual({ tools: { listChanged: true }, logging: {}, resources: { subscribe: true, listChanged: true } });
  });

  it('does not share objects with its inputs', () => {
    const input = { tools: { listChanged: false } };
    const merged = mergeCapabilities([input]);
    (merged['tools'] as { listChanged: boolean }).listChanged = true;
    expect(input.tools.listChanged).toBe(false);
  });
});
