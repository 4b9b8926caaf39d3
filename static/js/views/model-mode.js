// Model mode's controller: ?mode=model. It keeps its state in the URL (model-state.js), trains through
// POST /api/train/stream (model-stream.js) so that every run's curves grow together while the server trains, and
// hands the answer, half-trained or finished, to the figures (model-plots.js, model-line.js). The run cards are
// the surfaces page's own (run-cards.js). main.js calls bootModelMode() instead of booting the surfaces page.

import './model-i18n.js';
import { t, setLang, detectLang, translate, getLang, registerPlotlyLocale, help, runLabels } from '../i18n.js';
import { setLimits, makeRun, LIMITS } from '../state.js';
import { ApiError, errorText } from '../api.js';
import { errorWords } from '../errors.js';
import { plotlyReady } from '../plotly-adapter.js';
import { setPlotlyLocale, runStyles } from '../plot-common.js';
import { MODEL_PRESETS, MODEL_PRESET_NAMES } from './model-presets.js';
import { modelStateFrom, modelQuery, trainBody, stepsOf } from './model-state.js';
import { drawLoss, drawAccuracy, drawHeatmap, drawLiveHeatmap, drawSlice, fillTable, fillLegend } from './model-plots.js';
import { trainLive, progress } from './model-stream.js';
import { LineView } from './model-line.js';
import { buildPanel, node } from './model-panel.js';
import { RunCards } from './run-cards.js';
import { LrChart } from './lr-chart.js';

const BASE = new URL('../../../', import.meta.url);
const LIVE_DRAW_MS = 120; // at most one live redraw per this long: the stream may bring windows faster
const catalog = { optimizers: {}, schedulers: {} };
const debug = { draws: 0, errors: [], requests: 0, bodies: [], live: [], maps: [] };
let models;
let state;
let answer = null; // the answer on screen: live (answer.complete false) or finished
let answerKey = '';
let pending = null; // the AbortController of the training on its way
let timer = null;
let frame = 0;
let frameTimer = null;
let liveTimer = null;
let drawChain = Promise.resolve();
let el = {};
let cards;
let lineView;
let lrChart;

async function getJson(path, init) {
  const res = await fetch(new URL(path, BASE), init);
  if (!res.ok) {
    let payload = null;
    try { payload = await res.json(); } catch { /* not JSON */ }
    throw new ApiError(res.status, errorText(payload, res.status), payload?.detail);
  }
  return res;
}

/** A model's or data set's option spec, as GET /api/models states it (bounds are never written here). */
function spec(kind, name, key) {
  const list = kind === 'model' ? models.models : models.datasets;
  return list.find((m) => m.name === name)?.options.find((o) => o.name === key);
}

function bounds(k) {
  const lim = LIMITS.train;
  if (k === 'epochs') return [lim.epochs.min, lim.epochs.max];
  if (k === 'seed') return [lim.seed.min, lim.seed.max];
  const o = spec('data', state.data, k === 'dseed' ? 'seed' : k);
  return [o.min, o.max];
}

const labels = () => runLabels(state.runs, catalog.optimizers);
const taskOf = (name) => models.models.find((m) => m.name === name).task;
/** L-BFGS evaluates its closure on the full batch: with a batch size set, the server refuses it. */
const lbfgsBlocked = () => state.batch !== null && state.runs.some((r) => r.optimizer === 'lbfgs');

/** Every control calls this: {push: false} while a slider is dragged (the URL follows without a history entry). */
function change(mutate, { push = true, now = false, keepPreset = false } = {}) {
  mutate(state);
  if (!keepPreset) state.preset = '';
  state.sel = Math.min(state.sel, state.runs.length - 1);
  state.lrun = Math.min(state.lrun, state.runs.length - 1);
  const url = `${location.pathname}?${modelQuery(state, catalog)}`;
  if (push) history.pushState(null, '', url);
  else history.replaceState(null, '', url);
  render();
  schedule(now);
}

const intOr = (value, fallback) => {
  const v = Number(value);
  return value === '' || !Number.isFinite(v) ? fallback : Math.round(v);
};

function wire() {
  el.preset.addEventListener('change', () => {
    const name = el.preset.value;
    const next = modelStateFrom(name ? `?preset=${name}&lang=${state.lang}` : `?${modelQuery(state, catalog)}`, models, catalog);
    next.preset = name;
    change((s) => Object.assign(s, next), { keepPreset: true });
  });
  el.lang.addEventListener('change', () => change((s) => { s.lang = el.lang.value; }, { keepPreset: true }));
  el.model.addEventListener('change', () => change((s) => {
    s.model = el.model.value;
    const task = taskOf(s.model);
    if (task === 'classification' && s.data === 'regression') s.data = 'moons';
    if (task === 'regression') s.data = 'regression';
    if (s.model === 'line') s.features = 1;
    else if (s.features === 1) s.features = 10;
  }));
  el.hidden.addEventListener('change', () => change((s) => {
    const o = spec('model', 'mlp', 'hidden');
    const units = el.hidden.value.split(/[,\s_]+/).map(Number).filter((u) => Number.isInteger(u) && u >= o.min && u <= o.max);
    if (units.length >= o.length.min) s.hidden = units.slice(0, o.length.max);
  }));
  el.activation.addEventListener('change', () => change((s) => { s.activation = el.activation.value; }));
  el.data.addEventListener('change', () => change((s) => { s.data = el.data.value; }));
  for (const k of ['n', 'dseed', 'epochs', 'seed']) {
    el[k].addEventListener('change', () => change((s) => {
      const [lo, hi] = bounds(k);
      s[k] = Math.min(hi, Math.max(lo, intOr(el[k].value, s[k])));
      if (s.batch !== null) s.batch = Math.min(s.batch, s.n);
      if (s.lstep !== null) s.lstep = Math.min(s.lstep, stepsOf(s));
    }));
  }
  el.noise.addEventListener('change', () => change((s) => {
    const v = Number(el.noise.value);
    const [lo, hi] = bounds('noise');
    if (el.noise.value !== '' && Number.isFinite(v)) s.noise = Math.min(hi, Math.max(lo, v));
  }));
  el.batch.addEventListener('change', () => change((s) => {
    s.batch = el.batch.value === '' ? null : Math.min(s.n, Math.max(1, intOr(el.batch.value, 1)));
    if (s.lstep !== null) s.lstep = Math.min(s.lstep, stepsOf(s));
  }));
  el.add.addEventListener('click', () => cards.addRun());
  el.x.addEventListener('change', () => change((s) => { s.x = el.x.value; }, { now: true, keepPreset: true }));
  el.sel.addEventListener('change', () => change((s) => { s.sel = Number(el.sel.value); }, { now: true, keepPreset: true }));
  for (const r of el.view.querySelectorAll('input')) {
    r.addEventListener('change', () => {
      if (r.checked) change((s) => { s.view = r.value; }, { now: true, keepPreset: true });
    });
  }
  el.frame.addEventListener('input', () => { stopFrames(); frame = Number(el.frame.value); drawPicture(); });
  el.lrun.addEventListener('change', () => change((s) => { s.lrun = Number(el.lrun.value); }, { now: true }));
  el.lstep.addEventListener('change', () => change((s) => {
    s.lstep = el.lstep.value === '' ? null : Math.min(stepsOf(s), Math.max(0, intOr(el.lstep.value, 0)));
  }, { now: true }));
  el.lend.addEventListener('click', () => change((s) => { s.lstep = null; }, { now: true }));
  el.lshown.addEventListener('click', () => {
    const step = shownStep();
    if (step !== null) change((s) => { s.lstep = step; s.lrun = s.sel; }, { now: true });
  });
  el.copy.addEventListener('click', copyScript);
  window.addEventListener('popstate', () => {
    state = modelStateFrom(location.search, models, catalog);
    render();
    schedule(true);
  });
}

/** The training step the decision map shows (the frame scrubbed to), or null when there is none. */
function shownStep() {
  const maps = answer?.complete ? answer.runs[Math.min(answer.view.sel, answer.runs.length - 1)]?.heatmaps : null;
  return maps ? maps.steps[Math.min(frame, maps.steps.length - 1)] : null;
}

function render() {
  setLang(detectLang(state.lang));
  document.title = `${t('model.title')} · ${t('app.title')}`;
  for (const o of el.preset.options) o.textContent = o.value ? t(`model.preset.${o.value}`) : t('model.presetNone');
  for (const o of el.x.options) o.textContent = t(o.value === 'epochs' ? 'model.epochsAxis' : 'model.steps');
  el.preset.value = state.preset;
  el.caption.textContent = state.preset ? MODEL_PRESETS[state.preset].caption[getLang()] : '';
  el.caption.hidden = !state.preset;
  el.lang.value = state.lang;
  el.model.value = state.model;
  el.modelHelp.textContent = help(models.models.find((m) => m.name === state.model).help);
  el.hiddenField.hidden = el.activationField.hidden = state.model !== 'mlp';
  el.hidden.value = state.hidden.join(', ');
  el.activation.value = state.activation;
  const task = taskOf(state.model);
  for (const o of el.data.options) o.disabled = models.datasets.find((d) => d.name === o.value).task !== task;
  el.data.value = state.data;
  el.dataHelp.textContent = help(models.datasets.find((d) => d.name === state.data).help);
  for (const k of ['n', 'noise', 'dseed', 'epochs', 'seed']) el[k].value = String(state[k]);
  el.batch.value = state.batch === null ? '' : String(state.batch);
  for (const k of ['n', 'noise', 'dseed', 'epochs', 'seed']) [el[k].min, el[k].max] = bounds(k).map(String);
  cards.render();
  el.add.disabled = state.runs.length >= LIMITS.train.runs.max;
  el.x.value = state.x;
  const names = labels();
  el.sel.replaceChildren(...names.map((n, i) => node('option', { value: String(i), text: n })));
  el.sel.value = String(state.sel);
  el.selField.hidden = task !== 'classification';
  el.lrun.replaceChildren(...names.map((n, i) => node('option', { value: String(i), text: n })));
  el.lrun.value = String(state.lrun);
  el.lstep.max = String(stepsOf(state));
  if (document.activeElement !== el.lstep) el.lstep.value = state.lstep === null ? '' : String(state.lstep);
  el.lstep.placeholder = t('model.centerEndHint');
  el.lshown.hidden = task !== 'classification';
  for (const r of el.view.querySelectorAll('input')) r.checked = r.value === state.view;
  el.back.href = state.lang ? `?lang=${state.lang}` : '?';
  translate(document.getElementById('model-mode'));
  setPlotlyLocale(registerPlotlyLocale(window.Plotly));
}

function schedule(now) {
  clearTimeout(timer);
  timer = setTimeout(request, now ? 0 : 250);
}

function key() {
  return JSON.stringify(trainBody(state, labels(), catalog));
}

function setStatus(text) {
  el.status.textContent = text;
}

async function request() {
  const k = key();
  if (k === answerKey && answer) {
    answer.view = snapshot(); // the same numbers: only how they are shown (colours, axis, run shown) changed
    queueDraw();
    return;
  }
  // Whatever was on its way answers settings that are no longer the page's: stop it, whatever it had drawn.
  pending?.abort();
  clearTimeout(liveTimer);
  liveTimer = null;
  stopFrames();
  if (lbfgsBlocked()) {
    pending = null;
    setStatus(t('model.lbfgsBatch'));
    document.body.classList.add('stale');
    return;
  }
  const controller = new AbortController();
  pending = controller;
  setStatus(t('model.training'));
  document.body.classList.add('stale');
  debug.requests++;
  debug.bodies.push(JSON.parse(k));
  const mine = () => pending === controller;
  const view = snapshot();
  try {
    const done = await trainLive(JSON.parse(k), controller.signal, {
      meta(a) {
        if (!mine()) return;
        answer = a;
        answer.view = view;
        answerKey = k;
        a.key = debug.requests;
        frame = 0;
        document.body.classList.remove('stale');
        queueDraw();
      },
      update(a) {
        if (!mine()) return;
        const { have, total } = progress(a);
        setStatus(t('model.trainingPct', { pct: Math.floor((100 * have) / total) }));
        liveDraw();
      },
    });
    if (!mine()) return;
    pending = null;
    clearTimeout(liveTimer);
    liveTimer = null;
    setStatus(t('model.done', { steps: done.steps, params: done.n_params }));
    await queueDraw();
    playFrames();
  } catch (err) {
    if (err.name === 'AbortError' || !mine()) return;
    pending = null;
    debug.errors.push(String(err.message));
    setStatus(t('model.failed', { msg: errorWords(err) }));
  } finally {
    if (!pending && !lbfgsBlocked()) document.body.classList.remove('stale');
  }
}

/** A live redraw, at most one per LIVE_DRAW_MS: the windows of a fast stream are drawn together. */
function liveDraw() {
  if (liveTimer) return;
  liveTimer = setTimeout(() => {
    liveTimer = null;
    queueDraw();
  }, LIVE_DRAW_MS);
}

// Draws run one after another: a live draw and the final one must not interleave.
function queueDraw() {
  const a = answer;
  drawChain = drawChain.then(() => (a === answer ? draw(a) : null)).catch((err) => {
    debug.errors.push(String(err.message));
    console.warn(err); // a bug of this page, not the user's doing
  });
  return drawChain;
}

const locale = () => registerPlotlyLocale(window.Plotly);

/** The state an answer is drawn with: the one it was asked for (a newer state may have other runs). */
function snapshot() {
  return JSON.parse(JSON.stringify(state));
}

async function drawPicture() {
  const a = answer;
  if (!a?.heatmap_axes) return;
  const st = a.view;
  const names = runLabels(st.runs, catalog.optimizers);
  const sel = Math.min(st.sel, a.runs.length - 1);
  const maps = a.runs[sel].heatmaps;
  if (a.complete && maps) {
    el.frame.max = String(maps.p.length - 1);
    el.frame.value = String(frame);
    await drawHeatmap(el.picture, a, sel, frame, names, locale());
  } else if (a.runs[sel].live_heatmap) {
    await drawLiveHeatmap(el.picture, a, sel, names, locale());
    debug.maps.push({ live: true, step: a.runs[sel].live_heatmap.step });
  } else if (el.picture.data) {
    window.Plotly.purge(el.picture); // the last training's map must not pass for this one's
  }
}

async function draw(a) {
  await plotlyReady();
  const st = a.view;
  const names = runLabels(st.runs, catalog.optimizers);
  fillLegend(el.legend, st.runs, names);
  await drawLoss(el.loss, a, st.runs, names, st.x, locale());
  el.acc.hidden = !a.classifier;
  if (a.classifier) await drawAccuracy(el.acc, a, st.runs, names, st.x, locale());
  // the server's lr per step (row 0 has none), growing with the loss; shown when a run has a scheduler
  await lrChart.draw(a.runs.map((r) => ({ xy: r.loss, lr: r.lr ?? null })), st.runs, runStyles(st, catalog));
  const line = a.model.name === 'line';
  el.lineBox.hidden = !line;
  el.view.hidden = !line || !a.complete;
  el.lineNote.hidden = !line || a.complete;
  if (line && a.complete && a.surface) await lineView.draw(a, st, catalog, st.view);
  else if (line) await lineView.drawLive(a, st, catalog);
  el.pictureBox.hidden = !a.heatmap_axes;
  el.frameField.hidden = !a.complete;
  if (a.heatmap_axes) await drawPicture();
  el.sliceBox.hidden = !a.complete;
  if (a.complete) await drawSlice(el.slice, a, st.runs, names, locale());
  el.tableBox.hidden = a.data.name !== 'regression' || a.model.name === 'line';
  if (!el.tableBox.hidden) fillTable(el.table, a, names);
  debug.draws++;
  const drawn = (el.loss.data ?? []).filter((d) => String(d.uid).startsWith('loss-')).reduce((n, d) => n + (d.x?.length ?? 0), 0);
  debug.live.push({ points: drawn, complete: a.complete, total: (a.steps + 1) * a.runs.length });
}

function stopFrames() {
  clearInterval(frameTimer);
  frameTimer = null;
}

function playFrames() {
  stopFrames();
  if (!answer?.heatmap_axes || !answer.complete) return;
  const last = answer.runs[0].heatmaps.p.length - 1;
  frameTimer = setInterval(() => {
    if (frame >= last) {
      stopFrames();
      return;
    }
    frame++;
    drawPicture();
  }, 350);
}

async function copyScript() {
  try {
    const res = await getJson('api/export/pytorch', { method: 'POST', body: key(),
      headers: { 'Content-Type': 'application/json' } });
    const blob = await res.blob();
    const a = node('a', { href: URL.createObjectURL(blob), download: `optimizer_playground_train_${state.model}_${state.data}.py` });
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
    setStatus(t('model.copied'));
  } catch (err) {
    setStatus(t('model.failed', { msg: errorWords(err) }));
  }
}

export async function bootModelMode() {
  document.body.classList.add('model-mode-on');
  const [limits, optimizers, schedulers, modelList] = await Promise.all([
    getJson('api/limits').then((r) => r.json()), getJson('api/optimizers').then((r) => r.json()),
    getJson('api/schedulers').then((r) => r.json()), getJson('api/models').then((r) => r.json())]);
  setLimits(limits);
  for (const o of optimizers) catalog.optimizers[o.name] = o;
  for (const s of schedulers) catalog.schedulers[s.name] = s;
  models = modelList;
  state = modelStateFrom(location.search, models, catalog);
  el = buildPanel(models, MODEL_PRESET_NAMES);
  lineView = new LineView(el.line);
  lrChart = new LrChart(el.lrBox, el.lr);
  cards = new RunCards({ catalog, getState: () => ({ ...state, steps: stepsOf(state) }), change,
    onNote: setStatus, container: el.runs, maxRuns: () => LIMITS.train.runs.max,
    newRun: (c) => makeRun(c.optimizers.sgd, { lr: 0.01 }),
    note: (run) => (run.optimizer === 'lbfgs' && state.batch !== null ? t('model.lbfgsCard') : '') });
  wire();
  history.replaceState(null, '', `${location.pathname}?${modelQuery(state, catalog)}`);
  render();
  document.body.classList.remove('loading');
  schedule(true);
}

window.__model = {
  get state() { return JSON.parse(JSON.stringify(state)); },
  get answer() { return answer; },
  get debug() { return debug; },
  get line() { return lineView ? { view: lineView.view, plotted: lineView.plotted() } : null; },
  get lr() { return lrChart ? lrChart.plotted() : []; },
  settled: () => !!answer && answer.complete && !pending && answerKey === key() && debug.draws > 0
    && debug.live.at(-1)?.complete === true,
};
