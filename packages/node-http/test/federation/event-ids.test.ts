import { describe, expect, it } from 'vitest';
import { gatewayEventId, splitEventId } from '../../src/upstream/relay.js';
import { MAX_MERGED_ID_CHARS, parseLastEventId, sessionTag, StreamPositions } from '../../src/federation/stream-positions.js';

describe('event ids', () => {
  it('carry the upstream name so a resumption finds its stream', () => {
    expect(splitEventId(gatewayEventId('math', 'abc:def'))).toEqual({ upstream: 'math', id: 'abc:def' });
    expect(splitEventId('no-upstream')).toBeUndefined();
  });

  it('of the merged GET stream carry every upstream\'s position and read back the same on any gateway', () => {
    const positions = new StreamPositions();
    positions.set('math', sessionTag('m-1'), '_GET_stream#3');
    positions.set('docs', sessionTag('d-1'), 'id with spaces, commas: and ~tildes~');
    const id = positions.eventId();
    expect(id).toMatch(/^~[\x21-\x7e]+$/);
    expect(parseLastEventId(id)).toEqual({
      kind: 'merged',
      positions: new Map([
        ['docs', { tag: sessionTag('d-1'), id: 'id with spaces, commas: and ~tildes~' }],
        ['math', { tag: sessionTag('m-1'), id: '_GET_stream#3' }],
      ]),
    });
    expect(parseLastEventId('math:abc')).toEqual({ kind: 'stream', upstream: 'math', id: 'abc' });
  });

  it('of the merged GET stream stay bounded: a too long upstream id, and positions past the bound, are left out', () => {
    const positions = new StreamPositions();
    positions.set('long', sessionTag('l'), 'x'.repeat(257));
    expect(positions.eventId()).toBe('~');
    for (let i = 0; i < 40; i++) positions.set(`u${i}`, sessionTag(`s${i}`), 'y'.repeat(200));
    const id = positions.eventId();
    expect(id.length).toBeLessThanOrEqual(MAX_MERGED_ID_CHARS);
    const read = parseLastEventId(id);
    expect(read?.kind).toBe('merged');
    // The most recently moved positions are the ones kept.
    expect(read?.kind === 'merged' && read.positions.has('u39')).toBe(true);
    expect(read?.kind === 'merged' && read.positions.has('long')).toBe(false);
  });
});
