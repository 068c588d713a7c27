import { describe, expect, it } from 'vitest';
import { SseParser, type SseEvent } from './sse';

function parse(chunks: string[]): { events: SseEvent[]; p: SseParser } {
  const events: SseEvent[] = [];
  const p = new SseParser((e) => events.push(e));
  for (const c of chunks) p.push(c);
  return { events, p };
}

describe('SseParser', () => {
  it('dispatches events split across chunks, with event, id and multi-line data', () => {
    const { events } = parse(['id: 7\nevent: st', 'ep\ndata: {"a":', '1}\n', '\n', 'data: x\ndata: y\n\n']);
    expect(events).toEqual([
      { event: 'step', data: '{"a":1}', id: '7' },
      { event: 'message', data: 'x\ny', id: '7' },
    ]);
  });
  it('ignores comments (keep-alives) and handles CRLF and a CR split from its LF', () => {
    const { events } = parse([': keep-alive\r\n\r\n', 'event: run\r', '\ndata: 1\r\n\r\n']);
    expect(events).toEqual([{ event: 'run', data: '1', id: '' }]);
  });
  it('notes the end event of a log follow stream', () => {
    const { events, p } = parse(['event: log\ndata: {"offset":0,"text":"hi\\n"}\n\nevent: end\ndata: {"status":"Finished"}\n\n']);
    expect(events.map((e) => e.event)).toEqual(['log', 'end']);
    expect(p.sawEnd).toBe(true);
  });
  it('does not dispatch an event until its blank line arrives', () => {
    const { events } = parse(['data: partial\n']);
    expect(events).toEqual([]);
  });
});
