// Hyperparameters and runs: checking a value against its spec from GET /api/optimizers (clamping numbers and
// saying what changed), and the runs' part of the URL (see state.js for the format). Nothing read here is
// ever treated as markup.

import { LIMITS, clone, defaultColor } from './state.js';

// ------------------------------------------------------------------------------------------------ numbers

/** Shortest text that reads back as the same double (JS and Python agree on it). */
export function fmtNum(v) {
  return Object.is(v, -0) ? '0' : String(v);
}

export function parseNum(text) {
  if (typeof text !== 'string' || !/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(text.trim())) return NaN;
  return Number(text);
}

export function clamp(v, lo, hi) {
  return Math.min(hi, Math.max(lo, v));
}

// --------------------------------------------------------------------------------------- hyperparameters

/** A hyperparameter value checked against its spec from GET /api/optimizers: [value, ok]. */
export function checkParam(spec, value) {
  if (value === null) {
    if (spec.nullable || (spec.kind === 'choice' && spec.choices.includes(null))) return [null, true];
    return [clone(spec.default), false];
  }
  const lo = spec.min ?? -Infinity;
  const hi = spec.max ?? Infinity;
  switch (spec.kind) {
    case 'bool':
      return typeof value === 'boolean' ? [value, true] : [spec.default, false];
    case 'choice':
      return spec.choices.includes(value) ? [value, true] : [spec.default, false];
    case 'pair': {
      if (!Array.isArray(value) || value.length !== 2 || !value.every(Number.isFinite)) {
        return [clone(spec.default), false];
      }
      const out = value.map((e) => clamp(e, lo, hi));
      return [out, out[0] === value[0] && out[1] === value[1]];
    }
    case 'int': {
      if (!Number.isFinite(value)) return [spec.default, false];
      const v = clamp(Math.round(value), lo, hi);
      return [v, v === value];
    }
    default: {
      if (!Number.isFinite(value)) return [spec.default, false];
      const v = clamp(value, lo, hi);
      return [v, v === value];
    }
  }
}

export function encodeParam(spec, v) {
  if (v === null) return 'none';
  if (spec.kind === 'bool') return v ? '1' : '0';
  if (spec.kind === 'pair') return `${fmtNum(v[0])}_${fmtNum(v[1])}`;
  if (spec.kind === 'choice') return String(v);
  return fmtNum(v);
}

function decodeParam(spec, text) {
  if (text === 'none') return null;
  switch (spec.kind) {
    case 'bool':
      return text === '1' || text === 'true' ? true : text === '0' || text === 'false' ? false : undefined;
    case 'choice':
      return spec.choices.includes(text) ? text : undefined;
    case 'pair': {
      const parts = text.split('_');
      return parts.length === 2 ? parts.map(parseNum) : undefined;
    }
    default:
      return parseNum(text);
  }
}

function sameValue(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** How a value that could not be used was changed: to `to`, because it was out of [min, max] or unreadable. */
export function changeOf(spec, value, to) {
  const inRange = (v) => typeof v === 'number' && Number.isFinite(v);
  const numeric = Array.isArray(value) ? value.every(inRange) : inRange(value);
  if (numeric && (spec.min !== null && spec.min !== undefined || spec.max !== null && spec.max !== undefined)) {
    return { to, why: 'range', min: spec.min ?? null, max: spec.max ?? null };
  }
  return { to, why: 'invalid' };
}

/** Every hyperparameter of an optimizer, defaults filled, overrides checked; returns [params, changes]. */
export function fillParams(optSpec, overrides = {}) {
  const params = {};
  const bad = [];
  for (const p of optSpec.params) {
    if (Object.hasOwn(overrides, p.name)) {
      const [v, ok] = checkParam(p, overrides[p.name]);
      params[p.name] = v;
      if (!ok) bad.push({ name: p.name, ...changeOf(p, overrides[p.name], v) });
    } else {
      params[p.name] = clone(p.default);
    }
  }
  for (const k of Object.keys(overrides)) {
    if (!optSpec.params.some((p) => p.name === k)) bad.push({ name: k, why: 'unknown' });
  }
  return [params, bad];
}

/** A run as the state holds it. */
export function makeRun(optSpec, overrides = {}, extra = {}) {
  const [params] = fillParams(optSpec, overrides);
  return { optimizer: optSpec.name, params, color: extra.color ?? null, hidden: !!extra.hidden,
    label: extra.label ?? '' };
}

// Labels: printable text, no angle brackets (a label is a name, not markup), at most the server's length.
// eslint-disable-next-line no-control-regex
const LABEL_BAD = /[<>\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

export function cleanLabel(text) {
  if (typeof text !== 'string') return ['', false];
  if (LABEL_BAD.test(text)) return ['', false];
  const trimmed = text.trim();
  const max = LIMITS.label.max_length;
  return trimmed.length > max ? [trimmed.slice(0, max), false] : [trimmed, true];
}

const ESCAPES = { '%': '%25', ',': '%2C', '|': '%7C', ':': '%3A', '=': '%3D' };

function escapeLabel(text) {
  return text.replace(/[%,|:=]/g, (c) => ESCAPES[c]);
}

function unescapeLabel(text) {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

export function encodeRun(run, i, catalog) {
  const spec = catalog.optimizers[run.optimizer];
  const parts = [];
  for (const p of spec.params) {
    const v = run.params[p.name];
    if (!sameValue(v, p.default)) parts.push(`${p.name}=${encodeParam(p, v)}`);
  }
  if (run.color && run.color.toLowerCase() !== defaultColor(i)) parts.push(`color=${run.color.slice(1).toLowerCase()}`);
  if (run.hidden) parts.push('hide=1');
  if (run.label) parts.push(`label=${escapeLabel(run.label)}`);
  return parts.length ? `${run.optimizer}:${parts.join(',')}` : run.optimizer;
}

export function decodeRuns(text, catalog, notices) {
  const runs = [];
  const pieces = text.split('|').filter((s) => s.length);
  const maxRuns = LIMITS.runs.max;
  if (pieces.length > maxRuns) notices.push({ key: 'runs', value: String(pieces.length), why: 'tooMany', max: maxRuns });
  for (const piece of pieces.slice(0, maxRuns)) {
    const colon = piece.indexOf(':');
    const name = colon < 0 ? piece : piece.slice(0, colon);
    const spec = catalog.optimizers[name];
    if (!spec) {
      notices.push({ key: 'runs', value: name, why: 'unknown' });
      continue;
    }
    const overrides = {};
    const extra = {};
    const body = colon < 0 ? '' : piece.slice(colon + 1);
    for (const kv of body.split(',').filter((s) => s.length)) {
      const eq = kv.indexOf('=');
      const key = eq < 0 ? kv : kv.slice(0, eq);
      const val = eq < 0 ? '' : kv.slice(eq + 1);
      if (key === 'color') {
        if (/^[0-9a-f]{6}$/i.test(val)) extra.color = `#${val.toLowerCase()}`;
        else notices.push({ key: `${name}.color`, value: val, why: 'invalid', to: '' });
      } else if (key === 'hide') {
        extra.hidden = val === '1';
      } else if (key === 'label') {
        const [label, ok] = cleanLabel(unescapeLabel(val));
        if (!ok) notices.push({ key: `${name}.label`, value: val, why: 'invalid', to: label });
        extra.label = label;
      } else {
        const p = spec.params.find((q) => q.name === key);
        const v = p ? decodeParam(p, val) : undefined;
        if (v === undefined) {
          notices.push({ key: `${name}.${key}`, value: val, ...(p ? { why: 'invalid', to: encodeParam(p, p.default) }
            : { why: 'unknown' }) });
        }
        else overrides[key] = v;
      }
    }
    const [params, bad] = fillParams(spec, overrides);
    for (const b of bad) {
      const p = spec.params.find((q) => q.name === b.name);
      notices.push({ key: `${name}.${b.name}`, value: Array.isArray(overrides[b.name]) ? overrides[b.name].join('_')
        : String(overrides[b.name] ?? ''), ...b, to: p && b.why !== 'unknown' ? encodeParam(p, b.to) : undefined });
    }
    runs.push({ optimizer: name, params, color: extra.color ?? null, hidden: !!extra.hidden,
      label: extra.label ?? '' });
  }
  return runs;
}
