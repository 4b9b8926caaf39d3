// What a map asks the server for, from the state: no DOM here. A hyperparameter map's axes are the selected
// run's numeric hyperparameters (a pair gives two: beta1/beta2 for betas, name[0]/name[1] otherwise), spaced
// in the logarithm where the optimizer's spec (GET /api/optimizers) says `log`, over the spec's slider range.

import { effectiveStart, LIMITS } from '../state.js';

const PREFERRED_Y = ['momentum', 'beta1', 'alpha', 'rho', 'beta2', 'lambd', 'momentum_decay'];

/** Every hyperparameter a map can put on an axis: {name, log, min, max}. */
export function axisChoices(spec) {
  const out = [];
  for (const p of spec.params) {
    const [lo, hi] = p.slider ?? [p.min, p.max];
    if (p.kind === 'float' && Number.isFinite(lo) && Number.isFinite(hi) && hi > lo) {
      out.push({ name: p.name, log: p.log, min: p.log && lo <= 0 ? hi * 1e-6 : lo, max: hi });
    } else if (p.kind === 'pair' && Number.isFinite(lo) && Number.isFinite(hi)) {
      const names = p.name === 'betas' ? ['beta1', 'beta2'] : [`${p.name}[0]`, `${p.name}[1]`];
      for (const name of names) out.push({ name, log: p.log, min: lo, max: hi });
    }
  }
  return out;
}

function split(name) {
  if (name === 'beta1') return ['betas', 0];
  if (name === 'beta2') return ['betas', 1];
  const m = /^(.*)\[([01])\]$/.exec(name);
  return m ? [m[1], Number(m[2])] : [name, null];
}

/** The run's value of an axis (beta1 is betas[0]). */
export function axisValue(params, name) {
  const [field, i] = split(name);
  return i === null ? params[field] : params[field]?.[i];
}

/** params with an axis set to v (a new object; the given one is not written to). */
export function setAxisValue(params, name, v) {
  const [field, i] = split(name);
  if (i === null) return { ...params, [field]: v };
  const pair = [...params[field]];
  pair[i] = v;
  return { ...params, [field]: pair };
}

/** The [x, y] axis names: the state's where the run has them, else lr and the first fitting other one. */
export function defaultAxes(state, spec) {
  const names = axisChoices(spec).map((c) => c.name);
  let x = names.includes(state.mx) ? state.mx : names.includes('lr') ? 'lr' : names[0];
  let y = names.includes(state.my) && state.my !== x ? state.my : null;
  if (!y) y = PREFERRED_Y.find((n) => names.includes(n) && n !== x) ?? names.find((n) => n !== x);
  if (x === y) x = names.find((n) => n !== y);
  return [x, y];
}

/**
 * An axis of the request: the hyperparameter over `span` (a link's or a lesson's mxr/myr) where the span fits
 * the hyperparameter's allowed range (and is positive on a log axis), else over its slider range.
 */
export function mapAxis(choice, span, spec) {
  const [field] = split(choice.name);
  const p = spec.params.find((q) => q.name === field);
  const lo = p?.min ?? -Infinity;
  const hi = p?.max ?? Infinity;
  const fits = Array.isArray(span) && span[0] < span[1] && span[0] >= lo && span[1] <= hi
    && (!choice.log || span[0] > 0);
  const [min, max] = fits ? span : [choice.min, choice.max];
  return { name: choice.name, min, max, scale: choice.log ? 'log' : 'linear' };
}

/**
 * {body, key} for POST /api/maps/stream, or null. The key leaves out the mapped values themselves, so that
 * moving a slider of a mapped hyperparameter only moves the marker.
 */
export function mapRequest(state, catalog) {
  if (!state.runs.length) return null;
  const run = state.runs[Math.min(state.mrun, state.runs.length - 1)];
  const spec = catalog.optimizers[run.optimizer];
  const surface = state.surface === 'custom'
    ? { expression: state.expr, domain: { x: state.xr, y: state.yr } } : state.surface;
  const lbfgsMax = LIMITS.maps?.resolution.lbfgs_max ?? 16;
  const elementwise = run.optimizer !== 'lbfgs';
  const resolution = elementwise ? state.mres : Math.min(state.mres, lbfgsMax);
  const body = { surface, optimizer: run.optimizer, params: run.params, steps: state.steps, resolution,
    noise: { std: state.noise, seed: state.seed } };
  if (state.map === 'basin') return { body: { kind: 'basin', ...body }, key: JSON.stringify(['basin', body]) };
  const [x, y] = defaultAxes(state, spec);
  if (!x || !y) return null;
  const byName = Object.fromEntries(axisChoices(spec).map((c) => [c.name, c]));
  const hyper = { kind: 'hyperparameters', ...body, start: state.start ?? null,
    axes: [mapAxis(byName[y], state.myr, spec), mapAxis(byName[x], state.mxr, spec)] }; // y first: rows follow it
  let keyParams = setAxisValue(run.params, x, null);
  keyParams = setAxisValue(keyParams, y, null);
  const start = state.start ?? effectiveStart(state, catalog);
  return { body: hyper, key: JSON.stringify(['hyper', { ...hyper, params: keyParams, start }]) };
}
