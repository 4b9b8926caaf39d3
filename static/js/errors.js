// Server errors in the reader's language. The server sends, beside its English `msg`, a `code` and its
// `params` (older answers: `type` and a few context fields); the page words the codes its catalogs know and
// falls back to the server's message for the rest. Network failures ("Failed to fetch") are worded here too.

import { t, has } from './i18n.js';
import { ApiError } from './api.js';

const POSITION = /\s*\(?at position \d+\)?/g; // the catalog's own template says where

/** ["body", "runs", 2, "params", "lr"] -> runs[2].params.lr, as the server's messages name fields. */
export function fieldPath(loc = []) {
  const parts = loc[0] === 'body' || loc[0] === 'query' || loc[0] === 'path' ? loc.slice(1) : loc;
  let path = '';
  for (const part of parts) path += typeof part === 'number' ? `[${part}]` : path ? `.${part}` : String(part);
  return path;
}

function numbers(params) {
  const out = {};
  for (const [k, v] of Object.entries(params)) {
    out[k] = Number.isInteger(v) ? v.toLocaleString('en-US') : Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/** One error item of a 422 in words. */
export function itemWords(item, { withPosition = true } = {}) {
  const code = item.code ?? item.type;
  const params = { ...(item.params ?? {}), ...Object.fromEntries(['work', 'limit', 'position']
    .filter((k) => item[k] !== undefined).map((k) => [k, item[k]])) };
  // a code with several checks (training's data_invalid, model_invalid, training_invalid) says which in `rule`
  const ruled = params.rule !== undefined && has(`err.${code}.${params.rule}`);
  const key = ruled ? `err.${code}.${params.rule}` : `err.${code}`;
  if (code && has(key)) return t(key, { field: fieldPath(item.loc), ...numbers(params) });
  const msg = String(item.msg ?? item.message ?? '');
  return withPosition ? msg : msg.replace(POSITION, '');
}

/** Anything thrown by a request, in words: an ApiError's details, a 413/404's text, or a network failure. */
export function errorWords(err, opts = {}) {
  if (err instanceof ApiError && err.status === 0) return t('err.streamEnded');
  if (err instanceof TypeError && /fetch|network|load failed/i.test(err.message)) return t('err.network');
  const detail = err?.detail;
  if (Array.isArray(detail)) return detail.map((d) => itemWords(d, opts)).filter(Boolean).join('; ');
  if (err instanceof ApiError) {
    if (has(`err.http${err.status}`)) return t(`err.http${err.status}`, { msg: err.message });
    return typeof detail === 'string' ? detail : err.message;
  }
  return String(err?.message ?? err);
}
