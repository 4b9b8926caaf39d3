// The HTTP API of docs/api.md. Every call takes an AbortSignal so that a newer request cancels an older one.
// The API lives beside the page: resolved from this module's URL, it works under a path prefix too.

const BASE = new URL('../../', import.meta.url);

export class ApiError extends Error {
  constructor(status, message, detail, retryAfter = null) {
    super(message);
    this.status = status;
    this.detail = detail;
    this.retryAfter = retryAfter; // seconds, from a 503's Retry-After
  }
}

/** FastAPI's error body as one line: the messages of a 422 list, or the 404/413 string. */
export function errorText(body, status) {
  const d = body?.detail;
  if (typeof d === 'string') return d;
  if (Array.isArray(d)) return d.map((e) => e?.msg ?? '').filter(Boolean).join('; ');
  return `HTTP ${status}`;
}

function url(path, query) {
  const u = new URL(path, BASE);
  if (query) for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null) u.searchParams.set(k, v);
  return u;
}

async function send(path, { method = 'GET', body, query, signal } = {}) {
  const init = { method, signal, headers: { Accept: 'application/json, text/x-python;q=0.9' } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['Content-Type'] = 'application/json';
  }
  const res = await fetch(url(path, query), init);
  if (!res.ok) {
    let payload = null;
    try {
      payload = await res.json();
    } catch {
      /* not JSON: keep the status */
    }
    const wait = Number(res.headers.get('retry-after'));
    throw new ApiError(res.status, errorText(payload, res.status), payload?.detail,
      res.status === 503 ? (Number.isFinite(wait) && wait >= 0 ? wait : 1) : null);
  }
  return res;
}

export async function getLimits(signal) {
  return (await send('api/limits', { signal })).json();
}

/** The current setup as a PyTorch script (text/x-python): the body of POST /api/trajectories. */
export async function exportPytorch(body, signal) {
  const res = await send('api/export/pytorch', { method: 'POST', body, signal });
  return res.text();
}

export async function getOptimizers(signal) {
  return (await send('api/optimizers', { signal })).json();
}

export async function getSchedulers(signal) {
  return (await send('api/schedulers', { signal })).json();
}

export async function getSurfaces(signal) {
  return (await send('api/surfaces', { signal })).json();
}

export async function getGrid(name, n, signal) {
  return (await send(`api/surfaces/${encodeURIComponent(name)}/grid`, { query: { n }, signal })).json();
}

export async function getCustomGrid(expression, xr, yr, n, signal) {
  const query = { expression, n, xmin: xr[0], xmax: xr[1], ymin: yr[0], ymax: yr[1] };
  return (await send('api/surfaces/custom/grid', { query, signal })).json();
}

export async function checkExpression(expression, signal, domain = null) {
  const body = domain ? { expression, domain } : { expression };
  return (await send('api/expressions/check', { method: 'POST', body, signal })).json();
}

export async function postTrajectories(body, signal) {
  return (await send('api/trajectories', { method: 'POST', body, signal })).json();
}

/**
 * POST a body to a Server-Sent Events route and read it as text/event-stream with fetch (EventSource cannot POST).
 * Calls handlers[event](data) for each event; resolves when the stream ends after its "done" event. An abort
 * rejects with an AbortError, like fetch.
 */
export async function streamEvents(path, body, handlers, signal) {
  const res = await send(path, { method: 'POST', body, signal });
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let sawDone = false;
  const dispatch = (block) => {
    let event = 'message';
    const data = [];
    for (const line of block.split(/\r\n|\r|\n/)) {
      if (!line || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    if (!data.length) return;
    const payload = JSON.parse(data.join('\n'));
    if (event === 'done') sawDone = true;
    handlers[event]?.(payload);
  };
  for (;;) {
    const { value, done } = await reader.read();
    buffer += decoder.decode(value ?? new Uint8Array(), { stream: !done });
    // Events end with a blank line; keep the unfinished tail for the next chunk.
    const blocks = buffer.split(/\r\n\r\n|\n\n|\r\r/);
    buffer = blocks.pop();
    for (const block of blocks) dispatch(block);
    if (done) break;
  }
  if (buffer.trim()) dispatch(buffer);
  if (!sawDone) throw new ApiError(0, 'the stream ended early', null);
}

/** POST /api/trajectories/stream: handlers.meta(data), handlers.points(data) for each window, handlers.done. */
export function streamTrajectories(body, handlers, signal) {
  return streamEvents('api/trajectories/stream', body, handlers, signal);
}
