// The controller: events -> state -> API -> views. It owns the state, mirrors it in the URL (pushState for
// committed changes, replaceState while dragging, popstate for Back/Forward), fetches grids and paths (JSON, or
// the SSE stream for long runs; a newer request aborts the older one) and hands the results to the views.

import * as api from './api.js';
import { t, setLang, detectLang, translate, runLabels } from './i18n.js';
import { fromQuery, toQuery, requestBody, effectiveStart, domainOf, defaultColor, dashFor, makeRun, clone,
  STREAM_ABOVE } from './state.js';
import { PRESET_NAMES, presetApplier } from './presets.js';
import { MainPlot, LossChart, pathsFrom, renderLegend } from './plots.js';
import { Controls } from './controls.js';
import { Player } from './player.js';
import { formulaNode } from './formula.js';

const $ = (id) => document.getElementById(id);
const DEBOUNCE_MS = 100; // recompute this long after the last change
const CHECK_MS = 250; // check a typed formula this long after the last keystroke
const GRID_N = { '2d': 150, '3d': 80 };

const catalog = { optimizers: {}, surfaces: {}, surfaceNames: [], presetNames: PRESET_NAMES };
let applyPreset;
let state;
let controls;
let plot;
let lossChart;
let player;

const grids = new Map(); // grid key -> grid
let result = null; // {key: computeKey of the request, runs, complete}
let paths = [];
let timer = 0;
let inflight = null; // AbortController of the running fetch
let generation = 0;
let dragging = false;
let restartPending = false;
let lastLang = null;
let streamDrawAt = 0;
let notices = []; // the notices on show

const debug = { draws: 0, lastDrawAt: 0, busy: 0, scheduled: false, changes: 0, errors: [] };

// ----------------------------------------------------------------------------------------------- keys

function surfaceKey(s) {
  return s.surface === 'custom' ? `custom|${s.expr}|${s.xr}|${s.yr}` : s.surface;
}

function gridKey(s) {
  return `${surfaceKey(s)}|${GRID_N[s.view]}`;
}

function computeKey(s) {
  return JSON.stringify(requestBody(s, catalog));
}

// ------------------------------------------------------------------------------------------- state flow

/** Apply a change to the state, mirror it in the URL and redraw. See controls.js for `opts`. */
function change(mutate, opts = {}) {
  const before = JSON.stringify(state);
  const computedBefore = computeKey(state);
  mutate(state);
  if (JSON.stringify(state) === before) return;
  // Once the paths differ from the preset's, the state is the user's own; language, view, speed, colours don't.
  if (!opts.keepPreset && computeKey(state) !== computedBefore) state.preset = '';
  debug.changes++;
  writeUrl(opts.push !== false);
  if (opts.restart) restartPending = true;
  afterStateChange();
}

function writeUrl(push) {
  const url = `${location.pathname}?${toQuery(state, catalog)}`;
  // A drag makes one history entry: pushed on its first move, replaced while it lasts and when it ends.
  if (url !== `${location.pathname}${location.search}`) {
    if (dragging) history.replaceState(null, '', url);
    else history.pushState(null, '', url);
  }
  dragging = !push;
}

function afterStateChange() {
  if (state.lang !== lastLang) applyLanguage();
  document.body.classList.toggle('present', state.present);
  document.body.classList.toggle('embed', state.embed);
  controls.render();
  player.speed = state.speed;
  updateEmbedLink();
  refresh();
}

function applyLanguage() {
  lastLang = state.lang;
  setLang(detectLang(state.lang));
  translate(document);
  document.title = t('app.title');
  controls.rebuild();
  updatePlayer(player, true);
  if (state.surface === 'custom') checkFormula(state.expr, { immediate: true, apply: false });
}

function onPopState() {
  const parsed = fromQuery(location.search, catalog, applyPreset);
  state = parsed.state;
  dragging = false;
  showNotices(parsed.notices);
  afterStateChange();
}

/** Decide what the new state needs: paths from the server (debounced), a grid, or only a redraw. */
function refresh() {
  const needPaths = !result || result.key !== computeKey(state);
  const needGrid = !grids.has(gridKey(state));
  clearTimeout(timer);
  if (needPaths || needGrid) {
    // What is on its way is already out of date: cancel it now rather than when the debounce ends.
    inflight?.abort();
    generation++;
    setStatus(t('status.computing'));
    debug.scheduled = true;
    timer = setTimeout(load, result ? DEBOUNCE_MS : 0);
  } else {
    draw();
  }
}

async function load() {
  debug.scheduled = false;
  const my = ++generation;
  inflight?.abort();
  const abort = new AbortController();
  inflight = abort;
  const { signal } = abort;
  const snapshot = clone(state);
  const gKey = gridKey(snapshot);
  const cKey = computeKey(snapshot);
  debug.busy++;
  try {
    const gridPromise = grids.has(gKey) ? Promise.resolve(grids.get(gKey)) : fetchGrid(snapshot, signal).then((g) => {
      grids.set(gKey, g);
      if (grids.size > 24) grids.delete(grids.keys().next().value);
      return g;
    });
    gridPromise.catch(() => {}); // reported below, once
    if (!result || result.key !== cKey) {
      const body = requestBody(snapshot, catalog);
      if (body.steps > STREAM_ABOVE) {
        await loadStream(body, cKey, snapshot, signal, my);
      } else {
        const res = await api.postTrajectories(body, signal);
        if (my !== generation) return;
        result = { key: cKey, runs: res.runs, complete: true };
      }
    }
    await gridPromise;
    if (my !== generation) return;
    setStatus('');
    await draw();
  } catch (err) {
    if (err.name === 'AbortError' || my !== generation) return;
    if (err instanceof api.ApiError && err.status === 422 && debug.draws === 0) {
      // A link the server refuses (a formula it will not parse, a run over the work budget) must still open on
      // something: the contour race, with the refusal in the notice.
      const custom = snapshot.surface === 'custom';
      showNotices([...notices, { key: custom ? 'expr' : 'runs', value: custom ? snapshot.expr : err.message }]);
      applyPreset(state, 'contour');
      state.preset = 'contour';
      history.replaceState(null, '', `${location.pathname}?${toQuery(state, catalog)}`);
      afterStateChange();
      return;
    }
    reportError(err);
  } finally {
    debug.busy--;
    if (inflight === abort) inflight = null;
  }
}

async function loadStream(body, cKey, snapshot, signal, my) {
  const partial = { key: cKey, complete: false,
    runs: body.runs.map((r) => ({ optimizer: r.optimizer, xy: [], loss: [], grad: [], evals: null, status: 'ok',
      diverged_at: null })) };
  let received = 0;
  await api.streamTrajectories(body, {
    points: (d) => {
      const run = partial.runs[d.run];
      if (!run) return;
      for (const p of d.xy) run.xy.push(p);
      for (const l of d.loss) run.loss.push(l);
      for (const g of d.grad ?? []) run.grad.push(g);
      if (d.evals) { // L-BFGS only; other runs keep evals null, as in the JSON answer
        run.evals ??= [];
        for (const e of d.evals) run.evals.push(e);
      }
      received = Math.max(...partial.runs.map((r) => r.loss.length));
      if (my !== generation) return;
      result = partial;
      setStatus(t('status.streaming', { k: Math.max(0, received - 1), n: body.steps }));
      const now = performance.now();
      if (grids.has(gridKey(snapshot)) && now - streamDrawAt > 150) {
        streamDrawAt = now;
        draw();
      }
    },
    done: (d) => {
      d.runs.forEach((r, i) => Object.assign(partial.runs[i], r));
      partial.complete = true;
    },
  }, signal);
  if (my === generation) result = partial;
}

function fetchGrid(s, signal) {
  const n = GRID_N[s.view];
  return s.surface === 'custom' ? api.getCustomGrid(s.expr, s.xr, s.yr, n, signal) : api.getGrid(s.surface, n, signal);
}

function reportError(err) {
  debug.errors.push(String(err.message));
  if (err instanceof api.ApiError && err.status >= 400) setStatus(t('status.refused', { msg: err.message }), true);
  else if (err instanceof api.ApiError || err instanceof TypeError && /fetch|network/i.test(err.message)) {
    setStatus(t('status.network', { msg: err.message }), true);
  } else {
    console.warn(err); // a bug of this page, not the user's doing
    setStatus(t('status.failed', { msg: err.message }), true);
  }
}

// -------------------------------------------------------------------------------------------- drawing

/** Decides whether typed surfaces get a log colour scale: when most of the box sits far below its top. */
function spansDecades(z) {
  const v = [];
  for (const row of z) for (const e of row) if (e !== null && Number.isFinite(e)) v.push(e);
  if (v.length < 4) return false;
  v.sort((a, b) => a - b);
  const lo = v[0];
  const hi = v[v.length - 1];
  const med = v[v.length >> 1];
  return hi - lo > 8 * (med - lo) && hi > lo;
}

function styles() {
  const labels = runLabels(state.runs, catalog.optimizers);
  return state.runs.map((r, i) => ({ index: i, name: labels[i], color: r.color || defaultColor(i), dash: dashFor(i),
    hidden: r.hidden }));
}

// Draws run one after another: a stream's partial draws and the final one must not interleave.
let drawChain = Promise.resolve();
function draw() {
  drawChain = drawChain.then(drawNow).catch((err) => reportError(err));
  return drawChain;
}

/** Plotly arrives as an async classic script; everything but drawing can start before it has run. */
function plotlyReady() {
  if (window.Plotly) return Promise.resolve();
  const script = document.getElementById('plotly-script');
  return new Promise((resolve, reject) => {
    script.addEventListener('load', resolve, { once: true });
    script.addEventListener('error', () => reject(new Error('plotly.min.js did not load')), { once: true });
  });
}

async function drawNow() {
  await plotlyReady();
  const gKey = gridKey(state);
  // Only paths computed for the current settings are drawn; otherwise a newer request is on its way.
  if (!result || !grids.has(gKey) || result.key !== computeKey(state)) return;
  const grid = grids.get(gKey);
  const info = catalog.surfaces[state.surface];
  const scene = {
    key: `${surfaceKey(state)}|${state.view}`,
    view: state.view,
    grid,
    logScale: info ? info.log_scale : spansDecades(grid.z),
    domain: domainOf(state, catalog),
    minima: info ? info.minima : [],
    start: effectiveStart(state, catalog),
  };
  paths = pathsFrom(result.runs, styles());
  const last = Math.max(0, ...paths.map((p) => p.n - 1));
  player.setLength(last, result.complete);
  if (restartPending) player.pos = 0;
  const modes = state.present || state.embed;
  await plot.draw(scene, paths, player.step, { legend: modes, large: state.present });
  $('plot-loading').hidden = true;
  document.body.classList.remove('loading');
  if (!modes) {
    await lossChart.draw(paths, player.step, scene.domain);
    renderLegend($('legend'), paths, scene.minima, { pending: !result.complete, onToggle: toggleRun });
  }
  updatePlayer(player, true);
  debug.draws++;
  debug.lastDrawAt = performance.now();
  if (restartPending) {
    restartPending = false;
    player.restart();
  }
}

function toggleRun(i) {
  change((s) => { s.runs[i].hidden = !s.runs[i].hidden; }, { push: true });
}

// --------------------------------------------------------------------------------------------- player

function onStep(k) {
  plot.showStep(k);
  if (!state.present && !state.embed) lossChart.showStep(k);
}

function updatePlayer(p, full) {
  const scrub = $('scrub');
  if (full) scrub.max = String(p.last);
  if (document.activeElement !== scrub || full) scrub.value = String(p.step);
  $('position').textContent = t('player.position', { k: p.step, n: p.last });
  if (full) {
    const play = $('play');
    play.setAttribute('aria-pressed', p.playing ? 'true' : 'false');
    const label = t(p.playing ? 'player.pause' : 'player.play');
    play.setAttribute('aria-label', label);
    play.title = label;
  }
}

function bindPlayer() {
  $('play').addEventListener('click', () => player.toggle());
  $('step-back').addEventListener('click', () => player.stepBy(-1));
  $('step-forward').addEventListener('click', () => player.stepBy(1));
  $('restart').addEventListener('click', () => player.restart());
  $('scrub').addEventListener('input', (e) => {
    player.pause();
    player.seek(Number(e.target.value));
  });
  document.addEventListener('keydown', (e) => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    const target = e.target;
    const tag = target?.tagName;
    const typing = target?.isContentEditable || tag === 'TEXTAREA' || tag === 'SELECT'
      || (tag === 'INPUT' && !['range', 'checkbox', 'radio', 'button', 'color'].includes(target.type));
    if (typing) return;
    if (e.key === ' ' || e.code === 'Space') {
      // Space already means something on buttons, links, check boxes and <summary>: leave it to them.
      if (['BUTTON', 'A', 'SUMMARY'].includes(tag) || (tag === 'INPUT' && ['checkbox', 'radio'].includes(target.type))) {
        return;
      }
      e.preventDefault();
      player.toggle();
    } else if ((e.key === 'ArrowLeft' || e.key === 'ArrowRight') && !(tag === 'INPUT' && target.type === 'range')) {
      e.preventDefault();
      player.stepBy(e.key === 'ArrowLeft' ? -1 : 1);
    } else if (e.key === 'r' || e.key === 'R') {
      e.preventDefault();
      player.restart();
    }
  });
}

// ------------------------------------------------------------------------------------ typed surfaces

let checkTimer = 0;
let checkAbort = null;

function checkFormula(text, { immediate = false, apply = true } = {}) {
  clearTimeout(checkTimer);
  const box = $('expr-feedback');
  box.replaceChildren(t('expr.checking'));
  box.className = 'expr-feedback pending';
  checkTimer = setTimeout(async () => {
    checkAbort?.abort();
    const abort = new AbortController();
    checkAbort = abort;
    try {
      const res = await api.checkExpression(text, abort.signal);
      if (abort.signal.aborted) return;
      showFormula(text, res);
      if (res.ok && apply && text !== state.expr) {
        change((s) => { s.expr = text; s.start = null; }, { push: true, restart: true });
      }
    } catch (err) {
      if (err.name === 'AbortError') return;
      box.className = 'expr-feedback error';
      box.replaceChildren(t('status.network', { msg: err.message }));
    }
  }, immediate ? 0 : CHECK_MS);
}

function showFormula(text, res) {
  const box = $('expr-feedback');
  if (res.ok) {
    box.className = 'expr-feedback ok';
    const label = document.createElement('span');
    label.className = 'hint';
    label.textContent = `${t('expr.ok')} `;
    box.replaceChildren(label, formulaNode(res.latex ?? ''));
    $('expr').setAttribute('aria-invalid', 'false');
    return;
  }
  const { message = '', position = null } = res.error ?? {};
  box.className = 'expr-feedback error';
  $('expr').setAttribute('aria-invalid', 'true');
  const msg = document.createElement('p');
  msg.textContent = position === null ? t('expr.errorNoPos', { msg: message })
    : t('expr.error', { pos: position, msg: message }); // 0-based, as the server's message counts
  const parts = [msg];
  if (position !== null && position >= 0) {
    // The text with a caret under the offending character.
    const pre = document.createElement('pre');
    pre.className = 'caret mono';
    pre.setAttribute('aria-hidden', 'true');
    const at = Math.min(position, text.length);
    pre.textContent = `${text}\n${' '.repeat(at)}^`;
    parts.push(pre);
  }
  box.replaceChildren(...parts);
}

// ------------------------------------------------------------------------------------- notices, links

function showNotices(items) {
  notices = items;
  const box = $('notices');
  const list = $('notice-list');
  list.replaceChildren();
  const seen = new Set();
  for (const n of items) {
    const value = String(n.value ?? '');
    const id = `${n.key}=${value}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const li = document.createElement('li');
    li.textContent = t('notice.item', { key: n.key, value: value.length > 80 ? `${value.slice(0, 80)}…` : value });
    list.append(li);
  }
  box.hidden = list.children.length === 0;
}

function setStatus(text, isError = false) {
  const s = $('status');
  s.textContent = text;
  s.classList.toggle('error', isError);
}

async function copyLink() {
  const link = location.href;
  const status = $('copy-status');
  status.hidden = false;
  try {
    await navigator.clipboard.writeText(link);
    status.replaceChildren(t('copy.done'));
  } catch {
    const input = document.createElement('input');
    input.type = 'text';
    input.readOnly = true;
    input.value = link;
    input.className = 'copy-fallback';
    input.setAttribute('aria-label', t('copy.manual'));
    status.replaceChildren(`${t('copy.manual')} `, input);
    input.focus();
    input.select();
    try { document.execCommand('copy'); } catch { /* the field is there to copy by hand */ }
  }
  clearTimeout(copyLink.timer);
  copyLink.timer = setTimeout(() => { status.hidden = true; }, 8000);
}

function updateEmbedLink() {
  const a = $('embed-open');
  a.hidden = !state.embed;
  if (state.embed) a.href = `${location.pathname}?${toQuery({ ...state, embed: false }, catalog)}`;
}

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

// ------------------------------------------------------------------------------------------------ boot

async function boot() {
  const [optimizers, surfaces] = await Promise.all([api.getOptimizers(), api.getSurfaces()]);
  for (const o of optimizers) catalog.optimizers[o.name] = o;
  for (const s of surfaces) catalog.surfaces[s.name] = s;
  catalog.surfaceNames = surfaces.map((s) => s.name);
  applyPreset = presetApplier(catalog, makeRun);

  const parsed = fromQuery(location.search, catalog, applyPreset);
  state = parsed.state;
  player = new Player({ onStep, onChange: updatePlayer });
  player.speed = state.speed;
  plot = new MainPlot($('plot'), {
    onPick: ([x, y]) => change((s) => { s.start = [Number(x.toPrecision(4)), Number(y.toPrecision(4))]; },
      { push: true, restart: true }),
  });
  lossChart = new LossChart($('loss'), $('loss-overlay'));
  controls = new Controls({
    catalog, getState: () => state, change,
    onExpression: (text) => checkFormula(text), onCopy: copyLink, onReset: reset, onPreset: usePreset,
  });
  bindPlayer();
  $('notice-dismiss').addEventListener('click', () => { $('notices').hidden = true; });
  window.addEventListener('popstate', onPopState);

  history.replaceState(null, '', `${location.pathname}?${toQuery(state, catalog)}`);
  restartPending = true;
  showNotices(parsed.notices);
  afterStateChange();
}

// A hook for tests and the benchmark: read-only views of what the page holds and has drawn.
window.__playground = {
  get state() { return clone(state); },
  get catalog() { return catalog; },
  get result() { return result; },
  get player() { return player; },
  get debug() { return debug; },
  get views() { return { plot, lossChart }; },
  plotted: () => plot?.plotted() ?? [],
  /** True when nothing is pending: no debounce, no request, and the drawn paths are the state's. */
  settled: () => !!state && !debug.scheduled && debug.busy === 0 && !!result && result.complete
    && result.key === computeKey(state) && grids.has(gridKey(state)) && debug.draws > 0,
};

boot().catch((err) => {
  debug.errors.push(String(err?.message ?? err));
  document.body.classList.remove('loading');
  $('plot-loading').textContent = t('status.network', { msg: err?.message ?? String(err) });
});
