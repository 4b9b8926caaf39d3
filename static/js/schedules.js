// Learning-rate schedulers on the page: a run's `scheduler` ({name, params} or absent), its part of the URL, and
// what the request sends. No DOM here. The catalog's `schedulers` is GET /api/schedulers, keyed by lower-case name.
//
// URL syntax (inside a run of state.js's `runs`, as one more key of its comma-separated list):
//   runs=adam:lr=0.01,sched=OneCycleLR;max_lr=0.05;pct_start=0.25
//   runs=sgd,sched=SequentialLR;schedulers=[LinearLR;start_factor=0.1;total_iters=20][CosineAnnealingLR;T_max=180];milestones=20
// - `sched=` then torch's class name, then `;key=value` for each keyword the run gives, in the catalog's order;
// - values: numbers as the shortest text that reads back the same, none for null, booleans 1/0, a choice as is,
//   an integer list (milestones) joined with "_", a formula with "% , | : = ; [ ] ~" percent-escaped, and a list
//   of schedulers as [child][child], each child in this same syntax (so they nest);
// - only the keywords the run sets are written: the server (torch) supplies the rest. OneCycleLR's total_steps,
//   when not set, is the run's steps at request time; CyclicLR's and OneCycleLR's cycle_momentum, when not set,
//   is off for optimizers without momentum or betas.
// Decoding the encoding gives the same object back, key for key (keys in the catalog's order).

import { fmtNum, parseNum, checkParam } from './params.js';

const ESCAPED = /[%,|:=;[\]~]/g;

function escapeText(text) {
  return text.replace(ESCAPED, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

function unescapeText(text) {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

export function schedulerSpec(catalog, name) {
  return typeof name === 'string' ? catalog.schedulers?.[name.toLowerCase()] : undefined;
}

/** Whether an optimizer has what CyclicLR and OneCycleLR cycle: momentum (SGD, RMSprop) or betas (Adam family). */
export function hasMomentum(optSpec) {
  return !!optSpec?.params.some((p) => p.name === 'momentum' || p.name === 'betas');
}

/** A new scheduler as the picker makes it: its required keywords at the catalog's suggested values. */
export function newScheduler(catalog, name) {
  const spec = schedulerSpec(catalog, name);
  if (!spec) return null;
  const params = {};
  for (const p of spec.params) if (p.required) params[p.name] = JSON.parse(JSON.stringify(p.default));
  return { name: spec.label, params };
}

/** Params in the catalog's order (so that a state and its link's state are the same object, key for key). */
export function ordered(spec, params) {
  const out = {};
  for (const p of spec.params) if (Object.hasOwn(params, p.name)) out[p.name] = params[p.name];
  return out;
}

/** Split `text` on `sep` where no bracket is open. */
function splitTop(text, sep) {
  const out = [];
  let depth = 0;
  let from = 0;
  for (let k = 0; k < text.length; k++) {
    const c = text[k];
    if (c === '[') depth++;
    else if (c === ']') depth--;
    else if (c === sep && depth === 0) {
      out.push(text.slice(from, k));
      from = k + 1;
    }
  }
  out.push(text.slice(from));
  return out;
}

/** The bracketed children of a `schedulers` value: "[a][b]" -> ["a", "b"], or null if the brackets do not pair. */
function children(text) {
  const out = [];
  let depth = 0;
  let from = -1;
  for (let k = 0; k < text.length; k++) {
    const c = text[k];
    if (c === '[') {
      if (depth === 0) from = k + 1;
      depth++;
    } else if (c === ']') {
      depth--;
      if (depth < 0) return null;
      if (depth === 0) out.push(text.slice(from, k));
    } else if (depth === 0) {
      return null;
    }
  }
  return depth === 0 ? out : null;
}

function encodeValue(p, v, catalog) {
  if (v === null) return 'none';
  switch (p.kind) {
    case 'bool': return v ? '1' : '0';
    case 'ints': return v.map(fmtNum).join('_');
    case 'expression': return escapeText(String(v));
    case 'choice': return String(v);
    case 'schedulers': return v.map((c) => `[${encodeScheduler(childOf(c), catalog)}]`).join('');
    default: return fmtNum(v);
  }
}

/** A child of SequentialLR/ChainedScheduler, as [name, params] or {name, params}, as {name, params}. */
export function childOf(c) {
  return Array.isArray(c) ? { name: c[0], params: c[1] ?? {} } : { name: c.name, params: c.params ?? {} };
}

/** {name, params} -> "OneCycleLR;max_lr=0.05" (see the header for the syntax). */
export function encodeScheduler(sched, catalog) {
  const spec = schedulerSpec(catalog, sched.name);
  if (!spec) return escapeText(String(sched.name));
  const parts = [spec.label];
  for (const p of spec.params) {
    if (Object.hasOwn(sched.params, p.name)) parts.push(`${p.name}=${encodeValue(p, sched.params[p.name], catalog)}`);
  }
  return parts.join(';');
}

function decodeValue(p, text, catalog, notices, where) {
  if (text === 'none') return p.nullable ? null : undefined;
  switch (p.kind) {
    case 'bool':
      return text === '1' || text === 'true' ? true : text === '0' || text === 'false' ? false : undefined;
    case 'choice':
      return p.choices.includes(text) ? text : undefined;
    case 'ints': {
      if (text === '') return [];
      const v = text.split('_').map(parseNum);
      return v.every(Number.isInteger) ? v : undefined;
    }
    case 'expression': {
      const v = unescapeText(text);
      return v === null || v.length === 0 ? undefined : v;
    }
    case 'schedulers': {
      const parts = children(text);
      if (!parts || parts.length === 0) return undefined;
      const out = [];
      parts.forEach((part, k) => {
        const child = decodeScheduler(part, catalog, notices, `${where}[${k}]`);
        if (child) out.push([child.name, child.params]);
      });
      return out.length ? out : undefined;
    }
    default: {
      const v = parseNum(text);
      return Number.isFinite(v) ? v : undefined;
    }
  }
}

/**
 * "OneCycleLR;max_lr=0.05" -> {name, params}, or null when the name is unknown. Keys it cannot use are left out
 * and numbers outside the catalog's range clamped, each with a notice {key, value, why} (`where` names the run).
 */
export function decodeScheduler(text, catalog, notices, where) {
  const [head, ...rest] = splitTop(text, ';');
  const spec = schedulerSpec(catalog, head);
  if (!spec) {
    notices.push({ key: where, value: unescapeText(head) ?? head, why: 'unknown' });
    return null;
  }
  const params = {};
  for (const kv of rest) {
    const eq = kv.indexOf('=');
    const key = eq < 0 ? kv : kv.slice(0, eq);
    const val = eq < 0 ? '' : kv.slice(eq + 1);
    const p = spec.params.find((q) => q.name === key);
    if (!p) {
      notices.push({ key: `${where}.${key}`, value: val, why: 'unknown' });
      continue;
    }
    const v = decodeValue(p, val, catalog, notices, `${where}.${key}`);
    if (v === undefined) {
      notices.push({ key: `${where}.${key}`, value: unescapeText(val) ?? val, why: 'ignored' });
      continue;
    }
    if (['float', 'int'].includes(p.kind) && v !== null) {
      const [w, ok] = checkParam(p, v);
      if (!ok) notices.push({ key: `${where}.${key}`, value: fmtNum(v), why: 'range', min: p.min, max: p.max, to: fmtNum(w) });
      params[key] = w;
    } else {
      params[key] = v;
    }
  }
  return { name: spec.label, params: ordered(spec, params) };
}

/** The scheduler a request sends for a run: its own keywords plus the page's two defaults (see the header). */
export function schedulerRequest(sched, optSpec, steps, catalog) {
  const spec = schedulerSpec(catalog, sched.name);
  if (!spec) return { name: sched.name, params: sched.params };
  const params = { ...sched.params };
  if (spec.label === 'OneCycleLR' && params.total_steps == null && params.epochs == null) {
    params.total_steps = Math.max(1, steps);
  }
  if ((spec.label === 'OneCycleLR' || spec.label === 'CyclicLR') && !Object.hasOwn(params, 'cycle_momentum')
      && !hasMomentum(optSpec)) {
    params.cycle_momentum = false;
  }
  if (Array.isArray(params.schedulers)) {
    params.schedulers = params.schedulers.map((c) => {
      const child = schedulerRequest(childOf(c), optSpec, steps, catalog);
      return [child.name, child.params];
    });
  }
  return { name: spec.label, params: ordered(spec, params) };
}

/** The children of a `schedulers` keyword as the text box shows them (the URL's syntax). */
export function childrenText(list, catalog) {
  return (list ?? []).map((c) => `[${encodeScheduler(childOf(c), catalog)}]`).join('');
}

/** The text box's children back, or null (with notices) when they cannot be read. */
export function parseChildren(text, catalog, notices) {
  const v = decodeValue({ kind: 'schedulers' }, text.trim(), catalog, notices, 'schedulers');
  return v === undefined ? null : v;
}

// ------------------------------------------------------------------------------- hooks for state.js's runs

/** A run's URL text (params.js's encodeRun) with its scheduler as one more key. */
export function encodeRunWithSchedule(encodeRun, run, i, catalog) {
  const text = encodeRun(run, i, catalog);
  if (!run.scheduler) return text;
  return `${text}${text.includes(':') ? ',' : ':'}sched=${encodeScheduler(run.scheduler, catalog)}`;
}

/** params.js's decodeRuns, with each run's `sched=` key taken out first and decoded here. */
export function decodeRunsWithSchedules(decodeRuns, text, catalog, notices) {
  const scheds = [];
  const plain = text.split('|').map((piece) => {
    const colon = piece.indexOf(':');
    const name = colon < 0 ? piece : piece.slice(0, colon);
    if (colon < 0) {
      if (catalog.optimizers[name]) scheds.push(null);
      return piece;
    }
    // a formula's "," is escaped, so the run's keys still split on ","
    const keys = piece.slice(colon + 1).split(',');
    const at = keys.findIndex((kv) => kv.startsWith('sched='));
    let sched = null;
    if (at >= 0) {
      sched = decodeScheduler(keys[at].slice('sched='.length), catalog, notices, `${name}.sched`);
      keys.splice(at, 1);
    }
    if (catalog.optimizers[name]) scheds.push(sched);
    return keys.length ? `${name}:${keys.join(',')}` : name;
  });
  const runs = decodeRuns(plain.join('|'), catalog, notices);
  runs.forEach((r, k) => { if (scheds[k]) r.scheduler = scheds[k]; });
  return runs;
}
