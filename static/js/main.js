// The controller: events -> state -> loader -> views. It owns the one state object, mirrors it in the URL
// (pushState for committed changes, replaceState while dragging, popstate for Back/Forward), asks the loader
// for what a state needs, and hands results to the views. Every state change goes through change().

import * as api from './api.js';
import { t, setLang, detectLang, translate, getLang, registerPlotlyLocale } from './i18n.js';
import { fromQuery, toQuery, makeRun, clone, setLimits, rememberTypedStart } from './state.js';
import { PRESET_NAMES, presetApplier, presetRates, FEATURES, provideFeature } from './presets.js';
import { MainPlot, pathsFrom } from './plots.js';
import { setPlotlyLocale, sceneOf, runStyles } from './plot-common.js';
import { plotlyReady } from './plotly-adapter.js';
import { LossChart } from './loss.js';
import { Legend } from './legend.js';
import { Controls } from './controls.js';
import { Player } from './player.js';
import { Loader } from './loader.js';
import { checkWork } from './budget.js';
import { errorWords } from './errors.js';
import { Notices, setStatus, showNote, copyText } from './views/notices.js';
import { FormulaFeedback } from './views/formula-feedback.js';
import { PlayerBar } from './views/player-bar.js';
import { Exports } from './views/exports.js';
import { showModes } from './views/modes.js';
import { LrChart } from './views/lr-chart.js';
import { Inspector } from './views/inspector.js';
import './views/model-i18n.js'; // model mode's words: the topbar links to it
import { MapView } from './views/map-view.js';
import { TunePanel } from './views/map-tune.js';

const $ = (id) => document.getElementById(id);
const catalog = { optimizers: {}, surfaces: {}, surfaceNames: [], presetNames: PRESET_NAMES };
// Live counters for tests and the benchmark (read through window.__playground.debug, never copied).
const debug = { draws: 0, lastDrawAt: 0, changes: 0, errors: [],
  get busy() { return ui.loader?.busy ?? 0; }, get scheduled() { return ui.loader?.scheduled ?? false; } };
const ui = {}; // the views and helpers, made once at boot
let state;
let applyPreset;
let dragging = false;
let restartPending = false;
let lastLang = null;
let lastWork = null; // the work check of the state on show

/** Apply a change to the state, mirror it in the URL and redraw. See controls.js for `opts`. */
let urgent = false; // the change being made is committed (not a drag's move): load without the debounce

function change(mutate, opts = {}) {
  const before = JSON.stringify(state);
  const computedBefore = ui.loader.computeKey(state);
  mutate(state);
  if (JSON.stringify(state) === before) {
    if (opts.push !== false) ui.loader.flush(); // a slider let go where the drag left it: no debounce to wait
    return;
  }
  urgent = opts.push !== false;
  // Once the paths differ from the preset's, the state is the user's own; language, view, speed, colours don't.
  if (!opts.keepPreset && ui.loader.computeKey(state) !== computedBefore) state.preset = '';
  debug.changes++;
  writeUrl(opts.push !== false, opts.replace);
  if (opts.restart) restartPending = true;
  afterStateChange();
}

function writeUrl(push, replace = false) {
  const url = `${location.pathname}?${toQuery(state, catalog)}`;
  // A drag makes one history entry: pushed on its first move, replaced while it lasts and when it ends.
  if (url !== `${location.pathname}${location.search}`) {
    if (dragging || replace) history.replaceState(null, '', url);
    else history.pushState(null, '', url);
  }
  dragging = !push;
}

function afterStateChange() {
  if (state.lang !== lastLang) applyLanguage();
  lastWork = checkWork(state, state.surface === 'custom' ? ui.typedCost ?? 1 : 1);
  ui.controls.render();
  ui.player.speed = state.speed;
  showModes(state, catalog, ui.controls);
  document.body.classList.toggle('map-view', state.view === 'map');
  ui.map.update(state);
  ui.tune.update(state);
  refresh();
}

function applyLanguage() {
  lastLang = state.lang;
  setLang(detectLang(state.lang));
  setPlotlyLocale(registerPlotlyLocale(window.Plotly));
  translate(document);
  document.title = t('app.title');
  ui.controls.rebuild();
  ui.bar.update(true);
  ui.notices.rerender();
  if (state.surface === 'custom') ui.formula.check(state.expr, { immediate: true, apply: false });
  ui.drawnLang = null; // the figures' words change too
}

function onPopState() {
  const parsed = fromQuery(location.search, catalog, applyPreset);
  state = parsed.state;
  dragging = false;
  ui.notices.show(parsed.notices);
  afterStateChange();
}

/** Decide what the new state needs: nothing it may not ask for, paths or a grid from the server, or a redraw. */
function refresh() {
  document.body.classList.toggle('stale', !ui.loader.ready(state));
  if (lastWork.over) {
    ui.loader.cancel();
    setStatus(t('budget.over', { runs: state.runs.length, steps: state.steps, max: lastWork.maxSteps }), true);
    return;
  }
  const now = urgent;
  urgent = false;
  if (!ui.loader.request(state, { urgent: now })) draw();
}

const loaderHooks = {
  loaded: () => draw(),
  partial: () => draw(),
  status: (kind, vars) => setStatus(kind ? t(`status.${kind}`, vars) : ''),
  failed: (err, snapshot) => {
    if (err instanceof api.ApiError && err.status === 422 && debug.draws === 0) {
      // A link the server refuses (a formula it will not parse, a run over the work budget) must still open on
      // something: the contour race, with the refusal in the notice. It is a change like any other.
      const custom = snapshot.surface === 'custom';
      ui.notices.add({ key: custom ? 'expr' : 'runs', value: custom ? snapshot.expr : errorWords(err), why: 'refused' });
      change((s) => { applyPreset(s, 'contour'); s.preset = 'contour'; },
        { replace: true, restart: true, keepPreset: true });
      return;
    }
    reportError(err);
  },
};

function reportError(err) {
  debug.errors.push(String(err.message));
  const words = errorWords(err);
  if (err instanceof api.ApiError && err.status >= 400) setStatus(t('status.refused', { msg: words }), true);
  else if (err instanceof api.ApiError || err instanceof TypeError && /fetch|network/i.test(err.message)) {
    setStatus(t('status.network', { msg: words }), true);
  } else {
    console.warn(err); // a bug of this page, not the user's doing
    setStatus(t('status.failed', { msg: words }), true);
  }
}

// Draws run one after another: a stream's partial draws and the final one must not interleave.
let drawChain = Promise.resolve();
function draw() {
  drawChain = drawChain.then(drawNow).catch((err) => reportError(err));
  return drawChain;
}

async function drawNow() {
  await plotlyReady();
  if (ui.drawnLang === null) setPlotlyLocale(registerPlotlyLocale(window.Plotly));
  const { loader } = ui;
  // Only paths computed for the current settings are drawn; otherwise a newer request is on its way.
  if (!loader.ready(state)) return;
  document.body.classList.remove('stale');
  const scene = sceneOf(state, catalog, loader.grid(state), `${loader.surfaceKey(state)}|${state.view}|${getLang()}`);
  const result = loader.result;
  ui.paths = pathsFrom(result.runs, runStyles(state, catalog));
  const last = Math.max(0, ...ui.paths.map((p) => p.n - 1));
  const { player } = ui;
  player.setLength(last, result.complete);
  if (restartPending) player.pos = 0;
  const modes = state.present || state.embed;
  // The inspector takes its run first (synchronously), so that the plot draws its arrows; its box may follow.
  const inspected = ui.inspector.update({ open: inspecting(), runs: result.runs, paths: ui.paths, irun: state.irun,
    step: player.step, domain: scene.domain, complete: result.complete });
  if (state.view !== 'map') { // the Map view draws its own figure (views/map-view.js)
    await ui.plot.draw(scene, ui.paths, player.step,
      { legend: state.embed, large: state.present, equal: state.aspect === 'equal' });
  }
  ui.drawnLang = getLang();
  $('plot-loading').hidden = true;
  document.body.classList.remove('loading');
  if (!modes) await ui.loss.draw(ui.paths, player.step, scene.domain, presetRates(state.preset, getLang()));
  if (!modes) await ui.lr.draw(result.runs, state.runs, runStyles(state, catalog));
  if (!state.embed) ui.legend.render(ui.paths, scene.minima, { pending: !result.complete, step: player.step, live: state.present });
  await inspected;
  ui.bar.update(true);
  debug.draws++;
  debug.lastDrawAt = performance.now();
  if (restartPending) {
    restartPending = false;
    player.restart();
  }
}

function onStep(k) {
  if (state.view !== 'map') ui.plot.showStep(k);
  if (!state.present && !state.embed) ui.loss.showStep(k);
  if (state.present) ui.legend.showStep(k);
  if (!state.embed) ui.legend.showNow(k);
  if (inspecting()) ui.inspector.showStep(k);
}

const inspecting = () => state.inspect && !state.present && !state.embed;
const inspectRun = (i) => change((s) => { s.inspect = true; s.irun = i; }, { push: true, keepPreset: true });

function usePreset(name) {
  if (!name) {
    change((s) => { s.preset = ''; }, { push: true });
    return;
  }
  change((s) => { applyPreset(s, name); s.preset = name; }, { push: true, restart: true, keepPreset: true });
}

function reset() {
  const name = state.preset || 'contour';
  change((s) => {
    applyPreset(s, name);
    s.preset = name;
    s.present = false;
    s.embed = false;
  }, { push: true, restart: true, keepPreset: true });
}

const togglePresent = () => change((s) => { s.present = !s.present; }, { push: true });

async function boot() {
  if (new URLSearchParams(location.search).get('mode') === 'model') {
    const { bootModelMode } = await import('./views/model-mode.js'); // issue 13: its own small controller
    await bootModelMode();
    return;
  }
  const [limits, optimizers, surfaces, schedulers] = await Promise.all([api.getLimits(), api.getOptimizers(),
    api.getSurfaces(), api.getSchedulers()]);
  catalog.schedulers = Object.fromEntries(schedulers.map((s) => [s.name, s]));
  provideFeature('scheduler'); // the schedule lessons can be listed now
  provideFeature('map'); // and the map lessons (views/map-view.js)
  setLimits(limits);
  for (const o of optimizers) catalog.optimizers[o.name] = o;
  for (const s of surfaces) catalog.surfaces[s.name] = s;
  catalog.surfaceNames = surfaces.map((s) => s.name);
  applyPreset = presetApplier(catalog, makeRun);

  const parsed = fromQuery(location.search, catalog, applyPreset);
  state = parsed.state;
  ui.loader = new Loader(catalog, loaderHooks);
  ui.player = new Player({ onStep, onChange: (p, full) => ui.bar.update(full) });
  ui.player.speed = state.speed;
  ui.bar = new PlayerBar(ui.player, { onPresent: togglePresent });
  ui.plot = new MainPlot($('plot'), {
    onPick: ([x, y]) => change((s) => { s.start = [Number(x.toPrecision(4)), Number(y.toPrecision(4))]; },
      { push: true, restart: true }),
  });
  ui.loss = new LossChart($('loss'), $('loss-overlay'));
  ui.lr = new LrChart($('lr-panel'), $('lr-chart'));
  const toggleRun = (i) => change((s) => { s.runs[i].hidden = !s.runs[i].hidden; }, { push: true });
  ui.legend = new Legend($('legend'), { onToggle: toggleRun, onInspect: inspectRun });
  ui.inspector = new Inspector($('inspector'), { toggle: $('inspect-toggle'),
    onSelect: (i) => change((s) => { s.irun = i; }, { push: true, keepPreset: true }),
    onClose: () => change((s) => { s.inspect = false; }, { push: true, keepPreset: true }),
  });
  ui.plot.view2d.setExtra((k) => ui.inspector.arrows(k));
  $('inspect-toggle').addEventListener('click', () => change((s) => { s.inspect = !s.inspect; },
    { push: true, keepPreset: true }));
  ui.notices = new Notices();
  ui.formula = new FormulaFeedback({
    getDomain: () => ({ x: state.xr, y: state.yr }),
    onChecked: (text, res) => {
      rememberTypedStart(text, state.xr, state.yr, res.start);
      ui.controls?.render();
    },
    onValid: (text, res) => {
      ui.typedCost = res.cost ?? 1;
      if (text !== state.expr) change((s) => { s.expr = text; s.start = null; }, { push: true, restart: true });
    },
  });
  ui.controls = new Controls({
    catalog, getState: () => state, change, getWork: () => lastWork,
    onExpression: (text) => ui.formula.check(text), onCopy: () => copyText(location.href, t('copy.done')),
    onReset: reset, onPreset: usePreset, onPresent: togglePresent, onNote: showNote,
  });
  ui.exports = new Exports({ getState: () => state, catalog, plot: ui.plot, player: ui.player,
    getPaths: () => ui.paths ?? [], getResult: () => ui.loader.result, draw });
  ui.map = new MapView({ wrap: $('map-wrap'), tools: $('map-tools'), plot: $('map-plot'), legend: $('map-legend'),
    status: $('map-status') }, { catalog, getState: () => state, change, debug });
  ui.tune = new TunePanel({ panel: $('tune-panel'), chart: $('tune-chart'), rule: $('tune-rule'),
    status: $('tune-status'), close: $('tune-close'), apply: $('tune-apply') },
  { catalog, getState: () => state, change, debug });
  $('tune-all').addEventListener('click', () => ui.tune.start());
  $('embed-play').addEventListener('click', () => ui.player.restart());
  window.addEventListener('popstate', onPopState);

  history.replaceState(null, '', `${location.pathname}?${toQuery(state, catalog)}`);
  restartPending = true;
  ui.notices.show(parsed.notices);
  afterStateChange();
}

// A hook for tests and the benchmark: read-only views of what the page holds and has drawn.
window.__playground = {
  get state() { return clone(state); },
  get catalog() { return catalog; },
  get result() { return ui.loader?.result ?? null; },
  get player() { return ui.player; },
  get debug() { return debug; },
  get features() { return [...FEATURES]; },
  get views() { return { plot: ui.plot, lossChart: ui.loss, legend: ui.legend, lrChart: ui.lr, inspector: ui.inspector }; },
  plotted: () => ui.plot?.plotted() ?? [],
  /** True when nothing is pending: no debounce, no request, and the drawn paths are the state's. */
  settled: () => !!state && !!ui.loader && !ui.loader.scheduled && ui.loader.busy === 0
    && !!ui.loader.result?.complete && ui.loader.ready(state) && debug.draws > 0,
};

boot().catch((err) => {
  debug.errors.push(String(err?.message ?? err));
  document.body.classList.remove('loading');
  $('plot-loading').textContent = t('status.network', { msg: errorWords(err) });
});
