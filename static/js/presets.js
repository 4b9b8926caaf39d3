// Classroom presets, each addressable as ?preset=NAME. Learning rates were tuned against POST /api/trajectories
// so that every path stays finite and the figure tells its story (numbers in the comments are where runs end).
// Runs list only the hyperparameters that differ from torch's defaults; labels are automatic (runLabels in
// i18n.js). A preset is a lesson: its caption, shown under the title and in present mode, is `caption.NAME` in
// i18n.js's catalogs, or a preset's own `caption: {en, zh}` (lesson presets may carry theirs here).

import { t, has } from './i18n.js';
import { LIMITS } from './state.js';

export const PRESETS = {
  // The notes' contour-plane figure: Beale from (1, 1.5), 400 steps. SGD crawls (ends near (2.08, 0.17)),
  // Momentum and NAG swing below the trough before settling, Adagrad, Adadelta and RMSprop head straight in.
  contour: {
    surface: 'beale', start: [1, 1.5], steps: 400, speed: 60, view: '2d',
    runs: [
      ['sgd', { lr: 1e-3 }],
      ['sgd', { lr: 1e-3, momentum: 0.9 }],
      ['sgd', { lr: 1e-3, momentum: 0.9, nesterov: true }],
      ['adagrad', { lr: 0.5 }],
      ['adadelta', { lr: 5 }],
      ['rmsprop', { lr: 0.02 }],
    ],
  },
  // The saddle-point figure: x^2 - y^2 in 3-D, starting 0.001 off the ridge. After 80 steps SGD is still on the
  // ridge (y = 0.003); Adagrad and RMSprop have slid to y = 2.4-2.5, Momentum and NAG left around step 75, and
  // Adadelta escaped first (step 39). Longer runs only send the escapers thousands of units down the slope.
  saddle: {
    surface: 'saddle', start: [1, 0.001], steps: 80, speed: 20, view: '3d',
    runs: [
      ['sgd', { lr: 0.01 }],
      ['sgd', { lr: 0.01, momentum: 0.9 }],
      ['sgd', { lr: 0.01, momentum: 0.9, nesterov: true }],
      ['adagrad', { lr: 0.1 }],
      ['adadelta', { lr: 1 }],
      ['rmsprop', { lr: 0.01 }],
    ],
  },
  // Weight decay 0.5 on Himmelblau, minimum (3, 2): L2 through Adam's normalised gradient barely moves the end
  // point (2.99, 1.98); AdamW's decoupled decay pulls it to (1.98, 1.86).
  'adam-vs-adamw': {
    surface: 'himmelblau', start: [0, 0], steps: 500, speed: 60, view: '2d',
    runs: [
      ['adam', { lr: 0.1 }],
      ['adam', { lr: 0.1, weight_decay: 0.5 }],
      ['adamw', { lr: 0.1, weight_decay: 0.5 }],
    ],
  },
  // Rosenbrock's valley, 600 steps: Adagrad's steps only shrink and it stalls on the valley's near side; Adam walks
  // the valley to about (0.9, 0.8).
  'adagrad-vs-adam': {
    surface: 'rosenbrock', start: [-1.5, 2], steps: 600, speed: 60, view: '2d',
    runs: [
      ['adagrad', { lr: 0.5 }],
      ['adam', { lr: 0.05 }],
    ],
  },
  // All thirteen in the valley, 500 steps. SGD and ASGD (whose average is kept off the path) crawl near the start,
  // Adagrad stalls, Adam and its kin reach about (0.67, 0.45), L-BFGS with line search is at (1, 1) in 30 steps.
  rosenbrock: {
    surface: 'rosenbrock', start: [-1.5, 2], steps: 500, speed: 60, view: '2d',
    runs: [
      ['sgd', { lr: 1e-3 }],
      ['asgd', { lr: 1e-3 }],
      ['adagrad', { lr: 0.5 }],
      ['adadelta', { lr: 5 }],
      ['rmsprop', { lr: 0.01 }],
      ['adam', { lr: 0.05 }],
      ['adamw', { lr: 0.05 }],
      ['adamax', { lr: 0.2 }],
      ['nadam', { lr: 0.05 }],
      ['radam', { lr: 5e-3 }],
      ['sparseadam', { lr: 0.05 }],
      ['lbfgs', { lr: 1, line_search_fn: 'strong_wolfe', history_size: 10 }],
      ['rprop', { lr: 0.01 }],
    ],
  },
  // SparseAdam against Adam where gradients are exactly zero: every point with x >= 1 and y >= 1 is a minimum
  // with zero gradient, like an embedding row missing from the batch. Adam's momentum carries it on to
  // (2.2, 2.4); SparseAdam leaves a coordinate alone once its gradient is zero and stops at (1.08, 1.12).
  sparse: {
    surface: 'custom', expr: 'max(1 - x, 0)^2 + max(1 - y, 0)^2', xr: [-3, 4], yr: [-3, 4],
    start: [-2, -1], steps: 200, speed: 30, view: '2d',
    runs: [
      ['adam', { lr: 0.2 }],
      ['sparseadam', { lr: 0.2 }],
    ],
  },
};

// Lesson presets live in static/presets/lessons.json, which tests/core/test_lessons.py also reads, so that each
// caption's numbers are checked against the core. Same fields as above, plus `caption: {en, zh}`, optional
// `noise`/`seed`, `rates` (predicted contraction lines for the loss chart) and `needs` (a feature the page must
// have: "scheduler", "map"). A run may carry a third element, e.g. {scheduler: {name, params}}. Without the
// file the page still works, with the built-in presets only.
const LESSONS = await fetch(new URL('../presets/lessons.json', import.meta.url))
  .then((r) => (r.ok ? r.json() : { presets: {} })).catch(() => ({ presets: {} }));
for (const [name, p] of Object.entries(LESSONS.presets ?? {})) if (!(name in PRESETS)) PRESETS[name] = p;

// Features that some presets need. The module that builds a feature calls provideFeature('scheduler' | 'map')
// once it is wired; a preset whose `needs` is not provided is not listed and a link to it falls back to none.
// window.__playground.features lists them for tests.
export const FEATURES = new Set();

const available = (name) => !PRESETS[name].needs || FEATURES.has(PRESETS[name].needs);

// One array, kept up to date in place: the catalog and the controls hold this very array.
export const PRESET_NAMES = Object.keys(PRESETS).filter(available);

export function provideFeature(name) {
  FEATURES.add(name);
  PRESET_NAMES.splice(0, PRESET_NAMES.length, ...Object.keys(PRESETS).filter(available));
}

/** The preset's predicted-rate lines ({run, rho, power, label}) for the loss chart, in `lang`. */
export function presetRates(name, lang) {
  return (PRESETS[name]?.rates ?? []).map((r) => ({ ...r, label: r.label?.[lang] ?? r.label?.en ?? '' }));
}

/** The preset's caption in `lang`: its own, else the catalog's, else none. */
export function presetCaption(name, lang) {
  const own = PRESETS[name]?.caption;
  if (own) return own[lang] ?? own.en ?? '';
  return has(`caption.${name}`) ? t(`caption.${name}`) : '';
}

/**
 * Returns applyPreset(state, name, {runsOnly}) for this catalog: it overwrites the preset's fields of `state`
 * (surface, ranges, start, steps, runs, view, speed, noise) and leaves the rest (lang, modes) alone.
 */
export function presetApplier(catalog, makeRun) {
  return (state, name, opts = {}) => {
    const p = PRESETS[name];
    if (!p) return;
    state.runs = p.runs
      .filter(([opt]) => catalog.optimizers[opt])
      .map(([opt, params, extra]) => Object.assign(makeRun(catalog.optimizers[opt], params),
        extra ? JSON.parse(JSON.stringify(extra)) : {}));
    if (opts.runsOnly) return;
    state.surface = p.surface;
    state.expr = p.expr ?? '';
    state.xr = p.xr ? [...p.xr] : [...LIMITS.typed_surface.domain.x];
    state.yr = p.yr ? [...p.yr] : [...LIMITS.typed_surface.domain.y];
    state.start = p.start ? [...p.start] : null;
    state.steps = p.steps;
    state.speed = p.speed;
    state.view = p.view;
    state.noise = p.noise ?? 0;
    state.seed = p.seed ?? 0;
    if (p.map) { // the Map view's own URL fields (views/map-view.js); the JSON's words are the lesson's
      state.map = p.map.kind === 'basins' ? 'basin' : 'hyper';
      state.mrun = 0;
      state.mx = p.map.x?.name ?? '';
      state.my = p.map.y?.name ?? '';
      const span = (a) => (a && Number.isFinite(a.from) && Number.isFinite(a.to) ? [a.from, a.to] : null);
      state.mxr = span(p.map.x); // the lesson's own spans: Distill's map is about lr 0.001-0.05, not 1e-5-10
      state.myr = span(p.map.y);
      if (p.map.resolution) state.mres = p.map.resolution;
      state.mcolor = p.map.color === 'steps_to_converge' ? 'steps' : 'loss';
    }
  };
}
