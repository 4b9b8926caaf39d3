// POST /api/maps/stream and /api/tune/stream (docs/api.md), read as text/event-stream with fetch: EventSource
// cannot POST. Each event's JSON goes to handlers[event]; an abort rejects with an AbortError, like fetch.

import { streamEvents } from '../api.js';

/** A map's frames, coarse first: handlers.meta, handlers.frame (each), handlers.done. */
export function streamMap(body, handlers, signal) {
  return streamEvents('api/maps/stream', body, handlers, signal);
}

/** Tuning: handlers.meta, handlers.curve (one per run, as it finishes), handlers.done ({rule, sentence}). */
export function streamTune(body, handlers, signal) {
  return streamEvents('api/tune/stream', body, handlers, signal);
}
