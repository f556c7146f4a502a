import { describe, expect, it } from 'vitest';
import { checkAccept, checkContentType, checkOrigin, mergeCapabilities, readAccept } from '../src/index.js';

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
