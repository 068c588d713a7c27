// A Server-Sent Events parser (the WHATWG event-stream format): feed it text chunks as they
// arrive, it calls back once per dispatched event. `sawEnd` turns true after an `end` event
// (the log follow stream's last event).
export interface SseEvent {
  event: string;
  data: string;
  id: string;
}

export class SseParser {
  private buf = '';
  private data: string[] = [];
  private event = '';
  private id = '';
  sawEnd = false;

  constructor(private onEvent: (e: SseEvent) => void) {}

  push(chunk: string): void {
    this.buf += chunk;
    let start = 0;
    for (;;) {
      const nl = this.findEol(start);
      if (nl < 0) break;
      const line = this.buf.slice(start, nl);
      start = nl + (this.buf[nl] === '\r' && this.buf[nl + 1] === '\n' ? 2 : 1);
      this.line(line);
    }
    this.buf = this.buf.slice(start);
  }

  private findEol(from: number): number {
    for (let i = from; i < this.buf.length; i++) {
      const c = this.buf[i];
      if (c === '\n') return i;
      if (c === '\r') return i + 1 < this.buf.length || this.buf[i + 1] === '\n' ? i : -1;
    }
    return -1;
  }

  private line(line: string): void {
    if (line === '') {
      if (this.data.length) {
        const e = { event: this.event || 'message', data: this.data.join('\n'), id: this.id };
        if (e.event === 'end') this.sawEnd = true;
        this.onEvent(e);
      }
      this.data = [];
      this.event = '';
      return;
    }
    if (line.startsWith(':')) return; // comment (keep-alive)
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    else if (field === 'id') this.id = value;
  }
}
