// POST /api/maps/stream and /api/tune/stream (docs/api.md), read as text/event-stream with fetch: EventSource
// cannot POST. Each event's JSON goes to handlers[event]; an abort rejects with an AbortError, like fetch.

import { ApiError, errorText } from '../api.js';

const BASE = new URL('../../../', import.meta.url);

function parseBlock(block) {
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
  return data.length ? [event, JSON.parse(data.join('\n'))] : null;
}

async function streamEvents(path, body, handlers, signal) {
  const res = await fetch(new URL(path, BASE), { method: 'POST', signal, body: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream, application/json;q=0.9' } });
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
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let sawDone = false;
  const dispatch = (block) => {
    const ev = parseBlock(block);
    if (!ev) return;
    if (ev[0] === 'done') sawDone = true;
    handlers[ev[0]]?.(ev[1]);
  };
  for (;;) {
    const { value, done } = await reader.read();
    buffer += decoder.decode(value ?? new Uint8Array(), { stream: !done });
    const blocks = buffer.split(/\r\n\r\n|\n\n|\r\r/);
    buffer = blocks.pop();
    for (const block of blocks) dispatch(block);
    if (done) break;
  }
  if (buffer.trim()) dispatch(buffer);
  if (!sawDone) throw new ApiError(0, 'the stream ended early', null);
}

/** A map's frames, coarse first: handlers.meta, handlers.frame (each), handlers.done. */
export function streamMap(body, handlers, signal) {
  return streamEvents('api/maps/stream', body, handlers, signal);
}

/** Tuning: handlers.meta, handlers.curve (one per run, as it finishes), handlers.done ({rule, sentence}). */
export function streamTune(body, handlers, signal) {
  return streamEvents('api/tune/stream', body, handlers, signal);
}
