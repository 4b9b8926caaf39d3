// Model mode's controller: ?mode=model. It builds its panel (text only: nothing from a URL or a user reaches
// innerHTML), keeps its state in the URL (model-state.js), asks POST /api/train for the numbers and hands them to
// the figures (model-plots.js). main.js calls bootModelMode() instead of booting the surfaces page.

import './model-i18n.js';
import { t, setLang, detectLang, translate, getLang, registerPlotlyLocale, help, runLabels } from '../i18n.js';
import { setLimits, makeRun, LIMITS } from '../state.js';
import { ApiError, errorText } from '../api.js';
import { errorWords } from '../errors.js';
import { plotlyReady } from '../plotly-adapter.js';
import { MODEL_PRESETS, MODEL_PRESET_NAMES } from './model-presets.js';
import { modelStateFrom, modelQuery, trainBody } from './model-state.js';
import { drawLoss, drawAccuracy, drawLineSurface, drawHeatmap, drawSlice, fillTable, fillLegend } from './model-plots.js';

const BASE = new URL('../../../', import.meta.url);
const catalog = { optimizers: {} };
const debug = { draws: 0, errors: [], requests: 0 };
let models;
let state;
let answer = null;
let answerKey = '';
let pending = null; // the AbortController of the request on its way
let timer = null;
let frame = 0;
let frameTimer = null;
const el = {};

function node(tag, attrs = {}, children = []) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'text') e.textContent = v;
    else if (k === 'i18n') e.dataset.i18n = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) e.appendChild(c);
  return e;
}

function field(labelKey, input) {
  const id = input.id;
  return node('div', { class: 'field' }, [node('label', { for: id, i18n: labelKey }), input]);
}

function select(id, values, labelOf) {
  const s = node('select', { id });
  for (const v of values) s.appendChild(node('option', { value: v, text: labelOf(v) }));
  return s;
}

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

function labels() {
  return runLabels(state.runs, catalog.optimizers);
}

function buildPanel() {
  const root = node('section', { id: 'model-mode', class: 'model-mode' });
  const head = node('div', { class: 'model-head' }, [
    node('h2', { i18n: 'model.title' }), node('p', { class: 'tagline', i18n: 'model.tagline' }),
    el.back = node('a', { href: '?', class: 'btn', i18n: 'model.back' })]);
  el.preset = select('model-preset', ['', ...MODEL_PRESET_NAMES], () => '');
  el.caption = node('p', { class: 'preset-caption', id: 'model-caption' });
  el.lang = select('model-lang', ['', 'en', 'zh'], (v) => ({ '': 'Auto', en: 'English', zh: '简体中文' })[v]);
  el.model = select('model-model', models.models.map((m) => m.name), (v) => v);
  el.hidden = node('input', { id: 'model-hidden', type: 'text', inputmode: 'numeric' });
  el.activation = select('model-activation', ['tanh', 'relu'], (v) => v);
  el.data = select('model-data', models.datasets.map((d) => d.name), (v) => v);
  el.n = node('input', { id: 'model-n', type: 'number', step: '1' });
  el.noise = node('input', { id: 'model-noise', type: 'number', step: '0.01' });
  el.dseed = node('input', { id: 'model-dseed', type: 'number', min: '0', step: '1' });
  el.epochs = node('input', { id: 'model-epochs', type: 'number', min: '1', step: '1' });
  el.batch = node('input', { id: 'model-batch', type: 'number', min: '1', step: '1' });
  el.seed = node('input', { id: 'model-seed', type: 'number', min: '0', step: '1' });
  el.runs = node('div', { class: 'model-runs', id: 'model-runs' });
  el.add = node('button', { type: 'button', class: 'btn', id: 'model-add', i18n: 'model.add' });
  el.x = select('model-x', ['steps', 'epochs'], () => '');
  el.sel = node('select', { id: 'model-sel' });
  el.copy = node('button', { type: 'button', class: 'btn primary', id: 'model-copy', i18n: 'model.copy' });
  el.status = node('p', { class: 'model-status', id: 'model-status', role: 'status' });
  el.hiddenField = field('model.hidden', el.hidden);
  el.activationField = field('model.activation', el.activation);
  el.modelHelp = node('p', { class: 'hint' });
  el.dataHelp = node('p', { class: 'hint' });
  const controls = node('div', { class: 'model-controls' }, [
    field('model.preset', el.preset), el.caption, field('lang.label', el.lang),
    field('model.model', el.model), el.modelHelp, el.hiddenField, el.activationField,
    field('model.data', el.data), el.dataHelp, field('model.n', el.n), field('model.noise', el.noise),
    field('model.dataSeed', el.dseed), field('model.epochs', el.epochs), field('model.batch', el.batch),
    field('model.seed', el.seed), node('h3', { i18n: 'model.runs' }), el.runs, el.add,
    field('model.xaxis', el.x), el.selField = field('model.selected', el.sel), el.copy, el.status]);
  el.loss = node('div', { class: 'model-plot', id: 'model-loss' });
  el.acc = node('div', { class: 'model-plot', id: 'model-acc' });
  el.picture = node('div', { class: 'model-plot', id: 'model-picture' });
  el.frame = node('input', { id: 'model-frame', type: 'range', min: '0', max: '8', step: '1', value: '0' });
  el.frameField = field('model.frame', el.frame);
  el.slice = node('div', { class: 'model-plot', id: 'model-slice' });
  el.table = node('table', { class: 'model-table', id: 'model-table' });
  el.tableBox = node('div', { class: 'model-table-box' }, [node('h3', { i18n: 'model.table' }), el.table]);
  el.legend = node('div', { class: 'model-legend', id: 'model-legend' });
  const plots = node('div', { class: 'model-plots' }, [el.legend, el.loss, el.acc, node('div', {}, [el.picture, el.frameField]),
    el.slice, el.tableBox]);
  root.append(head, node('div', { class: 'model-body' }, [controls, plots]));
  document.body.appendChild(root);
  wire();
}

function change(mutate, { now = false } = {}) {
  mutate(state);
  history.pushState(null, '', `${location.pathname}?${modelQuery(state, catalog)}`);
  render();
  schedule(now);
}

function intOr(value, fallback) {
  const v = Number(value);
  return value === '' || !Number.isFinite(v) ? fallback : Math.round(v);
}

function wire() {
  el.preset.addEventListener('change', () => {
    const name = el.preset.value;
    const next = modelStateFrom(name ? `?preset=${name}&lang=${state.lang}` : `?${modelQuery(state, catalog)}`, models, catalog);
    next.preset = name;
    change((s) => Object.assign(s, next));
  });
  el.lang.addEventListener('change', () => change((s) => { s.lang = el.lang.value; }));
  const reset = (s) => { s.preset = ''; };
  el.model.addEventListener('change', () => change((s) => {
    reset(s);
    s.model = el.model.value;
    const task = models.models.find((m) => m.name === s.model).task;
    if (task === 'classification' && s.data === 'regression') s.data = 'moons';
    if (task === 'regression') s.data = 'regression';
    if (s.model === 'line') s.features = 1;
    else if (s.features === 1) s.features = 10;
  }));
  el.hidden.addEventListener('change', () => change((s) => {
    reset(s);
    const o = spec('model', 'mlp', 'hidden');
    const units = el.hidden.value.split(/[,\s_]+/).map(Number).filter((u) => Number.isInteger(u) && u >= o.min && u <= o.max);
    if (units.length >= o.length.min) s.hidden = units.slice(0, o.length.max);
  }));
  el.activation.addEventListener('change', () => change((s) => { reset(s); s.activation = el.activation.value; }));
  el.data.addEventListener('change', () => change((s) => { reset(s); s.data = el.data.value; }));
  for (const k of ['n', 'dseed', 'epochs', 'seed']) {
    el[k].addEventListener('change', () => change((s) => {
      reset(s);
      const [lo, hi] = bounds(k);
      s[k] = Math.min(hi, Math.max(lo, intOr(el[k].value, s[k])));
      if (s.batch !== null) s.batch = Math.min(s.batch, s.n);
    }));
  }
  el.noise.addEventListener('change', () => change((s) => {
    reset(s);
    const v = Number(el.noise.value);
    const [lo, hi] = bounds('noise');
    if (el.noise.value !== '' && Number.isFinite(v)) s.noise = Math.min(hi, Math.max(lo, v));
  }));
  el.batch.addEventListener('change', () => change((s) => {
    reset(s);
    s.batch = el.batch.value === '' ? null : Math.min(s.n, Math.max(1, intOr(el.batch.value, 1)));
  }));
  el.add.addEventListener('click', () => change((s) => {
    reset(s);
    if (s.runs.length < LIMITS.train.runs.max) s.runs.push(makeRun(catalog.optimizers.sgd, { lr: 0.01 }));
  }));
  el.x.addEventListener('change', () => change((s) => { s.x = el.x.value; }, { now: true }));
  el.sel.addEventListener('change', () => change((s) => { s.sel = Number(el.sel.value); }, { now: true }));
  el.frame.addEventListener('input', () => { stopFrames(); frame = Number(el.frame.value); drawPicture(); });
  el.copy.addEventListener('click', copyScript);
  window.addEventListener('popstate', () => {
    state = modelStateFrom(location.search, models, catalog);
    render();
    schedule(true);
  });
}

function runRow(run, i) {
  const names = Object.keys(catalog.optimizers).filter((n) => n !== 'lbfgs' || state.batch === null);
  const opt = select(`model-run-${i}-opt`, names, (n) => catalog.optimizers[n].label);
  opt.value = run.optimizer;
  opt.setAttribute('aria-label', t('model.runs'));
  opt.addEventListener('change', () => change((s) => { s.preset = ''; s.runs[i] = makeRun(catalog.optimizers[opt.value], { lr: run.params.lr }); }));
  const row = node('div', { class: 'model-run' }, [node('span', { class: 'swatch', style: `background:${run.color || ''}` }), opt]);
  for (const name of ['lr', 'momentum', 'weight_decay']) {
    const spec = catalog.optimizers[run.optimizer].params.find((p) => p.name === name);
    if (!spec) continue;
    const input = node('input', { type: 'number', id: `model-run-${i}-${name}`, step: 'any', min: String(spec.min ?? ''),
      max: String(spec.max ?? ''), value: String(run.params[name]), title: help(spec.help) });
    input.addEventListener('change', () => change((s) => {
      const v = Number(input.value);
      if (input.value !== '' && Number.isFinite(v)) {
        s.preset = '';
        s.runs[i].params[name] = Math.min(spec.max ?? v, Math.max(spec.min ?? v, v));
      }
    }));
    row.appendChild(node('label', { class: 'inline', for: input.id, text: name }));
    row.appendChild(input);
  }
  const remove = node('button', { type: 'button', class: 'btn small', i18n: 'model.remove' });
  remove.disabled = state.runs.length < 2;
  remove.addEventListener('click', () => change((s) => { s.preset = ''; s.runs.splice(i, 1); s.sel = 0; }));
  row.appendChild(remove);
  return row;
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
  const task = models.models.find((m) => m.name === state.model).task;
  for (const o of el.data.options) {
    o.disabled = models.datasets.find((d) => d.name === o.value).task !== task;
  }
  el.data.value = state.data;
  el.dataHelp.textContent = help(models.datasets.find((d) => d.name === state.data).help);
  for (const k of ['n', 'noise', 'dseed', 'epochs', 'seed']) el[k].value = String(state[k]);
  el.batch.value = state.batch === null ? '' : String(state.batch);
  el.runs.replaceChildren(...state.runs.map(runRow));
  el.add.disabled = state.runs.length >= LIMITS.train.runs.max;
  for (const k of ['n', 'noise', 'dseed', 'epochs', 'seed']) [el[k].min, el[k].max] = bounds(k).map(String);
  el.x.value = state.x;
  const names = labels();
  el.sel.replaceChildren(...names.map((n, i) => node('option', { value: String(i), text: n })));
  el.sel.value = String(state.sel);
  el.selField.hidden = task !== 'classification';
  el.back.href = state.lang ? `?lang=${state.lang}` : '?';
  translate(el.back.parentNode.parentNode);
}

function schedule(now) {
  clearTimeout(timer);
  timer = setTimeout(request, now ? 0 : 250);
}

function key() {
  return JSON.stringify(trainBody(state, labels()));
}

async function request() {
  const k = key();
  if (k === answerKey && answer) {
    await draw();
    return;
  }
  pending?.abort();
  const controller = new AbortController();
  pending = controller;
  el.status.textContent = t('model.training');
  document.body.classList.add('stale');
  debug.requests++;
  try {
    const res = await getJson('api/train', { method: 'POST', body: k, signal: controller.signal,
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' } });
    const data = await res.json();
    if (pending !== controller) return;
    answer = data;
    answerKey = k;
    pending = null;
    frame = 0;
    el.status.textContent = t('model.done', { steps: answer.steps, params: answer.n_params });
    await draw();
    playFrames();
  } catch (err) {
    if (err.name === 'AbortError') return;
    pending = null;
    debug.errors.push(String(err.message));
    el.status.textContent = t('model.failed', { msg: errorWords(err) });
  } finally {
    if (!pending) document.body.classList.remove('stale');
  }
}

function locale() {
  return registerPlotlyLocale(window.Plotly);
}

async function drawPicture() {
  const a = answer;
  if (a.surface) {
    await drawLineSurface(el.picture, a, state.runs, labels(), locale());
  } else if (a.heatmap_axes) {
    const sel = Math.min(state.sel, a.runs.length - 1);
    el.frame.max = String(a.runs[sel].heatmaps.p.length - 1);
    el.frame.value = String(frame);
    await drawHeatmap(el.picture, a, sel, frame, labels(), locale());
  }
}

async function draw() {
  await plotlyReady();
  const a = answer;
  const names = labels();
  fillLegend(el.legend, state.runs, names);
  await drawLoss(el.loss, a, state.runs, names, state.x, locale());
  el.acc.hidden = !a.classifier;
  if (a.classifier) await drawAccuracy(el.acc, a, state.runs, names, state.x, locale());
  el.picture.hidden = !a.surface && !a.heatmap_axes;
  el.frameField.hidden = !a.heatmap_axes;
  if (!el.picture.hidden) await drawPicture();
  await drawSlice(el.slice, a, state.runs, names, locale());
  el.tableBox.hidden = a.data.name !== 'regression' || a.model.name === 'line';
  if (!el.tableBox.hidden) fillTable(el.table, a, names);
  debug.draws++;
}

function stopFrames() {
  clearInterval(frameTimer);
  frameTimer = null;
}

function playFrames() {
  stopFrames();
  if (!answer?.heatmap_axes) return;
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
    el.status.textContent = t('model.copied');
  } catch (err) {
    el.status.textContent = t('model.failed', { msg: errorWords(err) });
  }
}

export async function bootModelMode() {
  document.body.classList.add('model-mode-on');
  const [limits, optimizers, modelList] = await Promise.all([
    getJson('api/limits').then((r) => r.json()), getJson('api/optimizers').then((r) => r.json()),
    getJson('api/models').then((r) => r.json())]);
  setLimits(limits);
  for (const o of optimizers) catalog.optimizers[o.name] = o;
  models = modelList;
  state = modelStateFrom(location.search, models, catalog);
  buildPanel();
  history.replaceState(null, '', `${location.pathname}?${modelQuery(state, catalog)}`);
  render();
  document.body.classList.remove('loading');
  schedule(true);
}

window.__model = {
  get state() { return JSON.parse(JSON.stringify(state)); },
  get answer() { return answer; },
  get debug() { return debug; },
  settled: () => !!answer && !pending && answerKey === key() && debug.draws > 0,
};
