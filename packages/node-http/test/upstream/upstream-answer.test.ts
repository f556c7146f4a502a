import { describe, expect, it } from 'vitest';
import { mediaTypeOf } from '../../src/upstream/upstream-answer.js';

describe('upstream media types', () => {
  it('reads the media type of a Content-Type, lower case, without parameters', () => {
    expect(mediaTypeOf('application/json')).toBe('application/json');
    expect(mediaTypeOf('text/event-stream')).toBe('text/event-stream');
    expect(mediaTypeOf(' Text/Event-Stream ; charset=utf-8')).toBe('text/event-stream');
    expect(mediaTypeOf('APPLICATION/JSON')).toBe('application/json');
    expect(mediaTypeOf(['application/json; charset=utf-8', 'text/plain'])).toBe('application/json');
    expect(mediaTypeOf(undefined)).toBe('');
    expect(mediaTypeOf('')).toBe('');
  });
});
