// Shared by the component tests: a fetch that answers from recorded server JSON, and a flush
// of pending effects and promises.
import { vi } from 'vitest';
import { act } from 'preact/test-utils';

/** A request the stubbed fetch saw. */
export interface SeenRequest { method: string; url: string; headers: Record<string, string>; body: unknown }
/** An answer to a change: its status and JSON body. */
export type Answer = { status: number; body: unknown };

/** Stubs fetch: a route is looked up by its path and query (`/api/v1/runs?tag=k%3Dv`,
 * decoded), then by its path; unknown ones answer 404 as the server does. A POST is looked
 * up as `POST /api/v1/...`, whose value is a function of the JSON body it was sent that
 * returns the answer (or a promise of it). Every request goes to `requests` when given. */
export function stubFetch(routes: Record<string, unknown>, requests?: SeenRequest[]): string[] {
  const calls: string[] = [];
  vi.stubGlobal('fetch', vi.fn(async (url: string, init?: RequestInit) => {
    calls.push(url);
    const path = url.replace(/\?.*$/, '');
    const method = init?.method || 'GET';
    const body = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
    requests?.push({ method, url, headers: (init?.headers || {}) as Record<string, string>, body });
    if (method !== 'GET') {
      const handler = routes[method + ' ' + path] as ((b: unknown) => Answer | Promise<Answer>) | undefined;
      if (!handler) return new Response(JSON.stringify({ code: 'not_found', message: 'no endpoint ' + method + ' ' + path, details: {} }), { status: 404 });
      const a = await handler(body);
      return new Response(JSON.stringify(a.body), { status: a.status, headers: { 'Content-Type': 'application/json' } });
    }
    if (path.endsWith('/events')) return new Response(new ReadableStream({ start() {} }), { status: 200, headers: { 'Content-Type': 'text/event-stream' } });
    const q = new URLSearchParams(url.includes('?') ? url.slice(url.indexOf('?') + 1) : '');
    const withQuery = [...q.entries()].filter(([k]) => k !== 'limit').map(([k, v]) => `${k}=${v}`).join('&');
    const found = (withQuery ? routes[path + '?' + withQuery] : undefined) ?? routes[path];
    if (found === undefined) return new Response(JSON.stringify({ code: 'not_found', message: 'no ' + path, details: {} }), { status: 404 });
    if (typeof found === 'string') return new Response(found, { status: 200, headers: { 'Content-Type': 'text/plain' } });
    return new Response(JSON.stringify(found), { status: 200, headers: { 'Content-Type': 'application/json' } });
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
