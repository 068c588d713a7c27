// Shared by the component tests: a fetch that answers from recorded server JSON, and a flush
// of pending effects and promises.
import { vi } from 'vitest';
import { act } from 'preact/test-utils';

/** Stubs fetch: a route is looked up by its path and query (`/api/v1/runs?tag=k%3Dv`,
 * decoded), then by its path; unknown ones answer 404 as the server does. */
export function stubFetch(routes: Record<string, unknown>): string[] {
  const calls: string[] = [];
  vi.stubGlobal('fetch', vi.fn(async (url: string) => {
    calls.push(url);
    const path = url.replace(/\?.*$/, '');
    if (path.endsWith('/events')) return new Response(new ReadableStream({ start() {} }), { status: 200, headers: { 'Content-Type': 'text/event-stream' } });
    const q = new URLSearchParams(url.includes('?') ? url.slice(url.indexOf('?') + 1) : '');
    const withQuery = [...q.entries()].filter(([k]) => k !== 'limit').map(([k, v]) => `${k}=${v}`).join('&');
    const body = (withQuery ? routes[path + '?' + withQuery] : undefined) ?? routes[path];
    if (body === undefined) return new Response(JSON.stringify({ code: 'not_found', message: 'no ' + path, details: {} }), { status: 404 });
    if (typeof body === 'string') return new Response(body, { status: 200, headers: { 'Content-Type': 'text/plain' } });
    return new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } });
  }));
  return calls;
}

export const flush = async () => {
  for (let i = 0; i < 5; i++) await act(async () => { await new Promise((r) => setTimeout(r, 0)); });
};

/** happy-dom has no canvas: a 2D context that draws nothing, so uPlot charts render (their
 * data-* attributes carry what they plot). */
export function fakeCanvas(): void {
  const ctx = new Proxy({} as Record<string | symbol, unknown>, {
    get: (t, k) => (k in t ? t[k] : k === 'measureText' ? () => ({ width: 0 }) : () => undefined),
    set: (t, k, v) => ((t[k] = v), true),
  });
  HTMLCanvasElement.prototype.getContext = (() => ctx) as never;
  class Path2D {
    [k: string]: unknown;
    constructor() {
      return new Proxy(this, { get: (t, k) => (k in t ? t[k as string] : () => undefined) });
    }
  }
  (globalThis as { Path2D?: unknown }).Path2D = Path2D; // not vi.stubGlobal: unstubAllGlobals would drop it
}
