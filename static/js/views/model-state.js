// Model mode's state and its URL (the page's state.js covers surfaces; this is the same idea for training):
//   ?mode=model&preset=mlp-spiral&model=mlp&hidden=16_16&act=tanh&data=spiral&features=10&n=200&noise=0.05
//   &dseed=0&epochs=150&batch=20 (absent: full batch)&seed=0&runs=<runs as state.js writes them>&x=steps|epochs
//   &sel=0&view=2d|3d (line's plot)&lrun=0&lstep=<step> (the shared slice's centre: run lrun at step lstep;
//   absent: where that run ended)&lang=en|zh
// A preset is applied first and the other keys override it. Numbers out of range are clamped to the bounds that
// GET /api/models and GET /api/limits (key "train") state; unknown names fall back to the defaults.

import { makeRun, LIMITS } from '../state.js';
import { encodeRun, decodeRuns } from '../params.js';
import { encodeRunWithSchedule, decodeRunsWithSchedules, schedulerRequest } from '../schedules.js';
import { MODEL_PRESETS } from './model-presets.js';

const DEFAULTS = { preset: '', model: 'mlp', hidden: [16, 16], activation: 'tanh', data: 'moons', features: 10,
  n: 200, noise: 0.1, dseed: 0, epochs: 100, batch: null, seed: 0, runs: 'adam:lr=0.01', x: 'steps', sel: 0, view: '2d', lrun: 0, lstep: null, lang: '' };

function option(models, kind, name, key) {
  const list = kind === 'model' ? models.models : models.datasets;
  return list.find((m) => m.name === name)?.options.find((o) => o.name === key);
}

function clampInt(text, lo, hi, fallback) {
  const v = Number(text);
  if (text === null || text === '' || !Number.isFinite(v)) return fallback;
  return Math.min(hi, Math.max(lo, Math.round(v)));
}

function clampNum(text, lo, hi, fallback) {
  const v = Number(text);
  if (text === null || text === '' || !Number.isFinite(v)) return fallback;
  return Math.min(hi, Math.max(lo, v));
}

/** The state a URL query describes, with every value checked. */
export function modelStateFrom(search, models, catalog) {
  const q = new URLSearchParams(search);
  const preset = MODEL_PRESETS[q.get('preset')] ? q.get('preset') : '';
  const base = { ...DEFAULTS, ...(preset ? MODEL_PRESETS[preset].state : {}), preset };
  const get = (k) => (q.has(k) ? q.get(k) : null);
  const s = { ...base };
  const modelNames = models.models.map((m) => m.name);
  const dataNames = models.datasets.map((d) => d.name);
  if (modelNames.includes(get('model'))) s.model = get('model');
  if (dataNames.includes(get('data'))) s.data = get('data');
  const hidden = option(models, 'model', 'mlp', 'hidden');
  if (get('hidden') !== null) {
    const units = get('hidden').split('_').map((u) => clampInt(u, hidden.min, hidden.max, null)).filter((u) => u !== null);
    if (units.length >= hidden.length.min) s.hidden = units.slice(0, hidden.length.max);
  }
  if (['tanh', 'relu'].includes(get('act'))) s.activation = get('act');
  const n = option(models, 'data', s.data, 'n');
  s.n = clampInt(get('n') ?? s.n, n.min, n.max, n.default);
  const noise = option(models, 'data', s.data, 'noise');
  s.noise = clampNum(get('noise') ?? s.noise, noise.min, noise.max, noise.default);
  const dseed = option(models, 'data', s.data, 'seed');
  s.dseed = clampInt(get('dseed') ?? s.dseed, dseed.min, dseed.max, 0);
  const features = option(models, 'data', 'regression', 'features');
  s.features = s.model === 'line' ? 1 : clampInt(get('features') ?? s.features, features.min, features.max, 10);
  const lim = LIMITS.train;
  s.epochs = clampInt(get('epochs') ?? s.epochs, lim.epochs.min, lim.epochs.max, 100);
  // A written-out state (it names its model) has full batch when it names no batch; a bare preset keeps its own.
  const batch = get('batch') ?? (q.has('model') ? null : base.batch);
  s.batch = batch === null ? null : clampInt(batch, 1, s.n, null);
  s.seed = clampInt(get('seed') ?? s.seed, lim.seed.min, lim.seed.max, 0);
  const notices = [];
  const runs = decodeRunsWithSchedules(decodeRuns, get('runs') ?? base.runs, catalog, notices).slice(0, lim.runs.max);
  s.runs = runs.length ? runs : [makeRun(catalog.optimizers.adam, { lr: 0.01 })];
  s.x = get('x') === 'epochs' ? 'epochs' : 'steps';
  s.sel = clampInt(get('sel') ?? 0, 0, s.runs.length - 1, 0);
  s.view = get('view') === '3d' ? '3d' : '2d';
  s.lrun = clampInt(get('lrun') ?? 0, 0, s.runs.length - 1, 0);
  s.lstep = get('lstep') === null ? null : clampInt(get('lstep'), 0, stepsOf(s), null);
  s.lang = ['en', 'zh'].includes(get('lang')) ? get('lang') : '';
  return s;
}

/** The URL query for a state: everything that decides the numbers, so a link reproduces the run exactly. */
export function modelQuery(s, catalog) {
  const q = new URLSearchParams({ mode: 'model' });
  if (s.preset) q.set('preset', s.preset);
  q.set('model', s.model);
  if (s.model === 'mlp') {
    q.set('hidden', s.hidden.join('_'));
    q.set('act', s.activation);
  }
  q.set('data', s.data);
  if (s.data === 'regression' && s.model !== 'line') q.set('features', String(s.features));
  for (const k of ['n', 'noise', 'dseed', 'epochs']) q.set(k, String(s[k]));
  if (s.batch !== null) q.set('batch', String(s.batch));
  q.set('seed', String(s.seed));
  q.set('runs', s.runs.map((r, i) => encodeRunWithSchedule(encodeRun, r, i, catalog)).join('|'));
  if (s.x !== 'steps') q.set('x', s.x);
  if (s.sel) q.set('sel', String(s.sel));
  if (s.view !== '2d') q.set('view', s.view);
  if (s.lrun) q.set('lrun', String(s.lrun));
  if (s.lstep !== null) q.set('lstep', String(s.lstep));
  if (s.lang) q.set('lang', s.lang);
  return q.toString();
}

/** The number of optimizer steps a state trains for (the core's rule: ceil(n / batch) steps an epoch). */
export function stepsOf(s) {
  return s.epochs * (s.batch === null ? 1 : Math.ceil(s.n / s.batch));
}

/** The body of POST /api/train (and of "Copy as PyTorch") for a state. */
export function trainBody(s, labels, catalog) {
  const model = s.model === 'mlp' ? { name: 'mlp', options: { hidden: s.hidden, activation: s.activation } }
    : { name: s.model, options: {} };
  const options = { n: s.n, noise: s.noise, seed: s.dseed };
  if (s.data === 'regression') options.features = s.model === 'line' ? 1 : s.features;
  return { model, data: { name: s.data, options }, epochs: s.epochs, batch_size: s.batch, seed: s.seed,
    runs: s.runs.map((r, i) => ({ optimizer: r.optimizer, params: r.params, label: labels[i],
      ...(r.scheduler ? { scheduler: schedulerRequest(r.scheduler, catalog.optimizers[r.optimizer], stepsOf(s),
        catalog) } : {}) })),
    landscape: { grid: 21, seed: 0, run: Math.min(s.lrun, s.runs.length - 1), step: s.lstep } };
}
