// The page's one state object: a typed schema (after tensorflow/playground's State.PROPS) plus what that lacks,
// validation with clamping, a version field and a lossless URL codec, so that a link redraws the same paths.
//
// URL format, version 1 (every key optional; a missing one takes its default):
//   ?v=1
//   &preset=contour                 a preset applied first; the keys below override it
//   &surface=beale                  a surface name from GET /api/surfaces, or "custom" with:
//   &expr=x^4-2x^2%2By^2&xr=-2_2&yr=-2_2     the typed f(x, y) and its x and y ranges
//   &start=1_1.5                    start point x_y (default: the surface's own start)
//   &steps=300
//   &runs=sgd:lr=0.001,momentum=0.9|adam:lr=0.01,betas=0.9_0.999,color=e69f00,hide=1,label=My%20Adam
//                                   runs separated by "|"; each is optimizer ":" comma-separated key=value.
//                                   Only hyperparameters that differ from torch's defaults (as GET /api/optimizers
//                                   reports them; v=1 pins them) are written. Pairs are a_b, booleans 1/0,
//                                   null is "none". color is 6 hex digits (omitted when it is the palette's
//                                   color for that position), hide=1 hides a run, label is the run's name with
//                                   "%", ",", "|", ":" and "=" percent-escaped (omitted when automatic).
//                                   A run's lr scheduler is one more key, sched=Name;key=value;... (schedules.js
//                                   documents it), e.g. adam:lr=0.01,sched=OneCycleLR;max_lr=0.05
//   &noise=0&seed=0                 gradient-noise standard deviation and its seed
//   &view=2d|3d  &aspect=fill (2-D axes fill the box instead of equal scale)  &lang=en|zh
//   &speed=60 (steps per second)  &present=1  &embed=1
//   &inspect=1&irun=0               the inspector open, on run irun (0-based; asks the server for each run's state)
//   &view=map with the map's settings (each omitted at its default): &map=basin|hyper, &mrun=0 (the run mapped),
//   &mx=lr&my=beta1 (a hyperparameter map's axes; empty: the first numeric ones), &mxr=0.001_0.05&myr=0_0.99
//   (their spans; omitted: the hyperparameter's slider range), &mres=64 (cells per axis),
//   &mcolor=loss|steps;  &tune=final_loss|steps_to_converge shows the tuning chart (its runs are the link's)
//
// Values that do not parse fall back to their defaults, numbers out of range are clamped, and each change adds
// a notice {key, value, to, why, min, max} that the page words (what was changed, to what, why) as text. Nothing read here is ever treated as markup.

import { fmtNum, parseNum, clamp, encodeRun, decodeRuns } from './params.js';
import { encodeRunWithSchedule, decodeRunsWithSchedules, schedulerRequest } from './schedules.js';

export { fmtNum, checkParam, changeOf, fillParams, makeRun, cleanLabel } from './params.js';

export const VERSION = 1;
export const STREAM_ABOVE = 1000; // the page's choice: runs longer than this come through the SSE endpoint

// Server limits, as GET /api/limits states them; setLimits() fills this before any state is read.
export const LIMITS = {};

// 16 colours for up to 16 runs, none repeated: Okabe & Ito's colour-blind-safe set (yellow left out: it vanishes
// on the pale contour) followed by Paul Tol's "muted" and "dark" sets, ordered so that neighbours differ in both
// hue and lightness. Each run also has its own dash pattern and head marker shape, so no run depends on colour
// alone to be told apart.
export const PALETTE = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9', '#000000', '#882255',
  '#117733', '#332288', '#999933', '#aa4499', '#44aa99', '#661100', '#6699cc', '#888888'];
export const DASHES = ['solid', 'dash', 'dot', 'dashdot', 'longdash', 'longdashdot'];
export const SYMBOLS = ['circle', 'square', 'diamond', 'triangle-up', 'triangle-down', 'pentagon', 'hexagon',
  'star', 'triangle-left', 'triangle-right', 'hourglass', 'bowtie', 'star-diamond', 'hexagram', 'cross', 'x'];
// WebGL (3-D) markers know fewer shapes.
export const SYMBOLS_3D = ['circle', 'square', 'diamond', 'cross', 'x', 'circle-open', 'square-open',
  'diamond-open'];

export const SPEEDS = [5, 10, 20, 30, 60, 120, 240, 480, 1000];

// The schema. `values` may be a function of the catalog (surface names come from the API); bounds marked
// null are filled from GET /api/limits by setLimits().
export const PROPS = [
  { name: 'v', type: 'int', default: VERSION, min: VERSION, max: VERSION },
  { name: 'preset', type: 'enum', default: '', values: (c) => ['', ...c.presetNames] },
  { name: 'surface', type: 'enum', default: 'beale', values: (c) => [...c.surfaceNames, 'custom'] },
  { name: 'expr', type: 'string', default: '', maxLength: null },
  { name: 'xr', type: 'range', default: null, min: null, max: null },
  { name: 'yr', type: 'range', default: null, min: null, max: null },
  { name: 'start', type: 'point', default: null, min: null, max: null },
  { name: 'steps', type: 'int', default: 300, min: null, max: null },
  { name: 'runs', type: 'runs', default: [] },
  { name: 'noise', type: 'float', default: 0, min: null, max: null },
  { name: 'seed', type: 'int', default: 0, min: null, max: null },
  { name: 'view', type: 'enum', default: '2d', values: () => ['2d', '3d', 'map'] },
  { name: 'aspect', type: 'enum', default: 'equal', values: () => ['equal', 'fill'] },
  { name: 'lang', type: 'enum', default: '', values: () => ['', 'en', 'zh'] },
  { name: 'speed', type: 'float', default: 60, min: SPEEDS[0], max: SPEEDS[SPEEDS.length - 1] },
  { name: 'present', type: 'bool', default: false },
  { name: 'embed', type: 'bool', default: false },
  { name: 'inspect', type: 'bool', default: false },
  { name: 'irun', type: 'int', default: 0, min: 0, max: 15 },
  // The Map view (views/map-view.js) and tuning (views/map-tune.js); bounds from /api/limits' "maps".
  { name: 'map', type: 'enum', default: 'basin', values: () => ['basin', 'hyper'] },
  { name: 'mrun', type: 'int', default: 0, min: 0, max: 15 },
  { name: 'mx', type: 'string', default: '', maxLength: 40 },
  { name: 'my', type: 'string', default: '', maxLength: 40 },
  // a hyperparameter map's own axis spans (lo_hi); null: the hyperparameter's slider range (map-model.js)
  { name: 'mxr', type: 'range', default: null, min: null, max: null, nullable: true },
  { name: 'myr', type: 'range', default: null, min: null, max: null, nullable: true },
  { name: 'mres', type: 'int', default: 64, min: 2, max: 256 },
  { name: 'mcolor', type: 'enum', default: 'loss', values: () => ['loss', 'steps'] },
  { name: 'tune', type: 'enum', default: '', values: () => ['', 'final_loss', 'steps_to_converge'] },
];

// The map settings' URL keys, written only when they differ from their defaults.
const MAP_KEYS = { ints: ['mrun', 'mres'], strings: ['map', 'mx', 'my', 'mcolor', 'tune'], spans: ['mxr', 'myr'] };

const PROP = Object.fromEntries(PROPS.map((p) => [p.name, p]));

/** Takes the server's limits (GET /api/limits) as the schema's bounds. */
export function setLimits(limits) {
  Object.assign(LIMITS, limits);
  const { coord, steps, noise, seed, typed_surface: typed } = limits;
  for (const k of ['xr', 'yr', 'start']) Object.assign(PROP[k], { min: coord.min, max: coord.max });
  Object.assign(PROP.steps, { min: steps.min, max: steps.max });
  Object.assign(PROP.noise, { min: noise.min, max: noise.max });
  Object.assign(PROP.seed, { min: seed.min, max: seed.max });
  PROP.irun.max = limits.runs.max - 1;
  PROP.expr.maxLength = limits.expression.max_length;
  PROP.xr.default = [...typed.domain.x];
  PROP.yr.default = [...typed.domain.y];
  if (limits.maps) Object.assign(PROP.mres, { min: limits.maps.resolution.min, max: limits.maps.resolution.max });
  if (limits.runs) PROP.mrun.max = limits.runs.max - 1;
}

/** The bounds of a plain field, for controls' min/max attributes and messages. */
export function boundsOf(name) {
  const p = PROP[name];
  return { min: p.min, max: p.max };
}

export function symbolFor(i) {
  return SYMBOLS[i % SYMBOLS.length];
}

export function symbol3dFor(i) {
  return SYMBOLS_3D[i % SYMBOLS_3D.length];
}

export function defaultColor(i) {
  return PALETTE[i % PALETTE.length];
}

export function dashFor(i) {
  return DASHES[i % DASHES.length];
}

/** A fresh state with every field at its default. */
export function defaults() {
  const s = {};
  for (const p of PROPS) s[p.name] = clone(p.default);
  return s;
}

export function clone(x) {
  return x === null || typeof x !== 'object' ? x : JSON.parse(JSON.stringify(x));
}

// ------------------------------------------------------------------------------------------ whole state

/**
 * Checks a state against the schema, clamping numbers and replacing what cannot be used with defaults.
 * `catalog` = {optimizers: {name: spec}, surfaces: {name: info}, surfaceNames, presetNames}.
 * Returns the notices ({key, value}) for every value it had to change.
 */
export function validate(state, catalog) {
  const notices = [];
  for (const p of PROPS) {
    const v = state[p.name];
    const bad = () => {
      const to = clone(p.default);
      notices.push({ key: p.name, value: typeof v === 'string' ? v : JSON.stringify(v) ?? '', why: 'invalid',
        to: Array.isArray(to) ? to.map(fmtNum).join('_') : to === null ? '' : String(to) });
      state[p.name] = to;
    };
    switch (p.type) {
      case 'int':
      case 'float': {
        if (typeof v !== 'number' || !Number.isFinite(v)) { bad(); break; }
        let w = clamp(v, p.min, p.max);
        if (p.type === 'int') w = Math.round(w);
        if (w !== v) {
          notices.push({ key: p.name, value: fmtNum(v), to: fmtNum(w),
            ...(w === clamp(v, p.min, p.max) || p.type !== 'int' ? { why: 'range', min: p.min, max: p.max }
              : { why: 'integer' }) });
        }
        state[p.name] = w;
        break;
      }
      case 'enum':
        if (!p.values(catalog).includes(v)) bad();
        break;
      case 'bool':
        if (typeof v !== 'boolean') bad();
        break;
      case 'string':
        if (typeof v !== 'string' || v.length > p.maxLength) bad();
        break;
      case 'range':
        if (v === null && p.nullable) break;
        if (!Array.isArray(v) || v.length !== 2 || !v.every(Number.isFinite) || !(v[0] < v[1])
            || (p.max !== null && (Math.abs(v[0]) > p.max || Math.abs(v[1]) > p.max))) bad();
        break;
      case 'point':
        if (v === null) break;
        if (!Array.isArray(v) || v.length !== 2 || !v.every(Number.isFinite)) { bad(); break; }
        if (Math.abs(v[0]) > p.max || Math.abs(v[1]) > p.max) {
          state[p.name] = v.map((e) => clamp(e, p.min, p.max));
          notices.push({ key: p.name, value: v.map(fmtNum).join('_'), to: state[p.name].map(fmtNum).join('_'),
            why: 'range', min: p.min, max: p.max });
        }
        break;
      case 'runs':
        if (!Array.isArray(v)) { bad(); break; }
        if (v.length > LIMITS.runs.max) {
          notices.push({ key: 'runs', value: String(v.length), why: 'tooMany', max: LIMITS.runs.max });
          state.runs = v.slice(0, LIMITS.runs.max);
        }
        state.runs = state.runs.filter((r) => catalog.optimizers[r.optimizer]);
        break;
      default:
        break;
    }
  }
  if (state.surface === 'custom' && !state.expr) {
    notices.push({ key: 'expr', value: '', why: 'invalid', to: '' });
    state.surface = PROP.surface.default;
  }
  return notices;
}

/**
 * The start point actually used: the state's, or the surface's default. A typed surface's default comes from
 * the server's rule (GET /api/limits: typed_surface.start_rule, weights of each range's ends), the same one the
 * API and the CLI use; it keeps off the box's centre, where symmetric formulas have a stationary point.
 */
export function effectiveStart(state, catalog) {
  if (state.start) return state.start;
  if (state.surface === 'custom') {
    const known = typedStarts.get(typedKey(state.expr, state.xr, state.yr));
    if (known) return known;
    // Until the server's check answers: the rule's first candidate, which is the start unless the formula is
    // stationary there (the request leaves the start to the server, so the path is right either way).
    const [fx, fy] = LIMITS.typed_surface.start_rule.candidates[0];
    const at = ([lo, hi], f) => lo + f * (hi - lo);
    return [at(state.xr, fx), at(state.yr, fy)];
  }
  return catalog.surfaces[state.surface]?.start ?? [0, 0];
}

// A typed formula's default start for given ranges, as the server's check computed it (the browser computes no
// gradient, so it cannot apply the rule itself).
const typedStarts = new Map();
const typedKey = (expr, xr, yr) => JSON.stringify([expr, xr, yr]);

export function rememberTypedStart(expr, xr, yr, start) {
  if (Array.isArray(start) && start.length === 2) typedStarts.set(typedKey(expr, xr, yr), [...start]);
}

/** The plot box: the surface's domain or the typed ranges. */
export function domainOf(state, catalog) {
  if (state.surface === 'custom') return { x: state.xr, y: state.yr };
  return catalog.surfaces[state.surface].domain;
}

/** State -> query string (without "?"). Defaults of the plain fields are left out; runs are always written. */
export function toQuery(state, catalog) {
  const out = [['v', String(VERSION)]];
  if (state.preset) out.push(['preset', state.preset]);
  out.push(['surface', state.surface]);
  if (state.surface === 'custom') {
    out.push(['expr', state.expr]);
    out.push(['xr', state.xr.map(fmtNum).join('_')]);
    out.push(['yr', state.yr.map(fmtNum).join('_')]);
  }
  if (state.start) out.push(['start', state.start.map(fmtNum).join('_')]);
  out.push(['steps', String(state.steps)]);
  out.push(['runs', state.runs.map((r, i) => encodeRunWithSchedule(encodeRun, r, i, catalog)).join('|')]);
  out.push(['noise', fmtNum(state.noise)]);
  out.push(['seed', String(state.seed)]);
  out.push(['view', state.view]);
  if (state.aspect !== 'equal') out.push(['aspect', state.aspect]);
  if (state.lang) out.push(['lang', state.lang]);
  out.push(['speed', fmtNum(state.speed)]);
  if (state.present) out.push(['present', '1']);
  if (state.embed) out.push(['embed', '1']);
  if (state.inspect) out.push(['inspect', '1'], ['irun', String(state.irun)]);
  for (const k of [...MAP_KEYS.strings, ...MAP_KEYS.ints]) {
    if (state[k] !== PROP[k].default) out.push([k, String(state[k])]);
  }
  for (const k of MAP_KEYS.spans) if (state[k]) out.push([k, state[k].map(fmtNum).join('_')]);
  // Keep the separators of the runs readable: , : | = _ need no escaping inside a query value.
  return out.map(([k, v]) => `${k}=${encodeURIComponent(v).replace(/%2C/g, ',').replace(/%3A/g, ':')
    .replace(/%7C/g, '|').replace(/%3D/g, '=').replace(/%3B/g, ';').replace(/%5B/g, '[').replace(/%5D/g, ']')}`)
    .join('&');
}

/**
 * Query string -> {state, notices}. `applyPreset(state, name)` fills a state from a preset (presets.js);
 * explicit keys then override it. Unknown keys are ignored; bad values become defaults with a notice.
 */
export function fromQuery(search, catalog, applyPreset) {
  const q = new URLSearchParams(search);
  const notices = [];
  const state = defaults();
  const has = (k) => q.has(k);
  const get = (k) => q.get(k);

  if (has('v') && get('v') !== String(VERSION)) notices.push({ key: 'v', value: get('v') });

  let preset = has('preset') ? get('preset') : '';
  if (preset && !catalog.presetNames.includes(preset)) {
    notices.push({ key: 'preset', value: preset });
    preset = '';
  }
  // A bare link (no surface, no runs) shows the classic contour race.
  if (!preset && !has('surface') && !has('runs')) preset = 'contour';
  if (preset) applyPreset(state, preset);
  state.preset = preset;

  const num = (k, intOnly) => {
    const v = parseNum(get(k));
    if (!Number.isFinite(v) || (intOnly && !Number.isInteger(v))) {
      notices.push({ key: k, value: get(k) });
      return undefined;
    }
    return v;
  };
  const pair = (k) => {
    const parts = (get(k) || '').split('_');
    const v = parts.map(parseNum);
    if (parts.length !== 2 || !v.every(Number.isFinite)) {
      notices.push({ key: k, value: get(k) });
      return undefined;
    }
    return v;
  };
  const surfaceGiven = has('surface');
  if (surfaceGiven) {
    const s = get('surface');
    if (PROP.surface.values(catalog).includes(s)) {
      if (s !== state.surface) state.start = null; // another surface: its own start unless one is given
      state.surface = s;
    } else {
      notices.push({ key: 'surface', value: s });
    }
  }
  if (has('expr')) state.expr = get('expr');
  for (const k of ['xr', 'yr', 'start']) {
    if (has(k)) {
      const v = pair(k);
      if (v) state[k] = v;
    }
  }
  for (const k of ['steps', 'seed']) {
    if (has(k)) {
      const v = num(k, true);
      if (v !== undefined) state[k] = v;
    }
  }
  for (const k of ['noise', 'speed']) {
    if (has(k)) {
      const v = num(k, false);
      if (v !== undefined) state[k] = v;
    }
  }
  for (const k of ['view', 'lang', 'aspect']) if (has(k)) state[k] = get(k);
  for (const k of ['present', 'embed', 'inspect']) if (has(k)) state[k] = get(k) === '1' || get(k) === 'true';
  if (has('irun')) {
    const v = num('irun', true);
    if (v !== undefined) state.irun = v;
  }
  for (const k of MAP_KEYS.strings) if (has(k)) state[k] = get(k);
  for (const k of MAP_KEYS.ints) {
    if (has(k)) {
      const v = num(k, true);
      if (v !== undefined) state[k] = v;
    }
  }
  for (const k of MAP_KEYS.spans) {
    if (has(k)) {
      const v = pair(k);
      if (v !== undefined) state[k] = v;
    }
  }
  if (has('runs')) state.runs = decodeRunsWithSchedules(decodeRuns, get('runs'), catalog, notices);

  notices.push(...validate(state, catalog));
  if (state.runs.length === 0) {
    if (has('runs')) notices.push({ key: 'runs', value: get('runs'), why: 'invalid', to: '' });
    applyPreset(state, 'contour', { runsOnly: true });
  }
  return { state, notices };
}

/** What the server needs to compute: changes of anything else (colours, view, speed) need no request. */
export function requestBody(state, catalog) {
  const surface = state.surface === 'custom'
    ? { expression: state.expr, domain: { x: state.xr, y: state.yr } }
    : state.surface;
  return {
    surface,
    start: state.start ?? null, // null: the surface's default start, computed by the server's one rule
    steps: state.steps,
    runs: state.runs.map((r) => (r.scheduler ? { optimizer: r.optimizer, params: r.params, scheduler:
      schedulerRequest(r.scheduler, catalog.optimizers[r.optimizer], state.steps, catalog) }
      : { optimizer: r.optimizer, params: r.params })),
    noise: { std: state.noise, seed: state.seed },
    grad: true, // the surface's gradient at each point, shown on hover
    status_detail: true, // each run's status per step, for the results list (cheap: not counted as work)
    // each step's optimizer state, only while the inspector is open (it costs inspect_factor x the work)
    ...(state.inspect && !state.present && !state.embed ? { inspect: true } : {}),
  };
}
