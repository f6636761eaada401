import { describe, expect, it } from 'vitest';
import { parseEventStream } from '../../test/helpers/sse.js';
import { SSE_HEARTBEAT, sseEvent, sseRetry } from './sse.js';

describe('server-sent event encoding', () => {
  it('turns every line break the EventSource parser knows into a data line of its own', () => {
    const data = 'a\r\n\r\nevent: forged\rid: 1\n\ndata: x\u2028y';
    const text = sseEvent({ event: 'log', id: '1-2.3.build.x-1', data });
    expect(text).toBe('event: log\nid: 1-2.3.build.x-1\ndata: a\ndata: \ndata: event: forged\ndata: id: 1\ndata: \ndata: data: x\u2028y\n\n');
    // A browser reads back one event, named ours, with the data's lines joined by LF.
    expect(parseEventStream(text + SSE_HEARTBEAT + sseRetry(2000))).toEqual([
      { event: 'log', id: '1-2.3.build.x-1', data: 'a\n\nevent: forged\nid: 1\n\ndata: x\u2028y' },
    ]);
  });

  it('refuses names and ids that could break the framing', () => {
    expect(() => sseEvent({ event: 'log\nevent: x', data: '' })).toThrow();
    expect(() => sseEvent({ event: 'Log', data: '' })).toThrow();
    expect(() => sseEvent({ event: 'log', id: 'a\rb', data: '' })).toThrow();
    expect(() => sseEvent({ event: 'log', id: 'a b', data: '' })).toThrow();
    expect(() => sseEvent({ event: 'log', id: '', data: '' })).toThrow();
  });
});
