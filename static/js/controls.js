// Controls change the state and nothing else: each handler calls change(mutate, opts), where mutate edits the
// state and opts says how: {push: true} for a committed change (a history entry), {push: false} while a slider is
// being dragged (the URL follows with replaceState), {restart: true} to replay the animation from step 0.
// Every element is made with createElement and filled with textContent: no markup is ever parsed.

import { t, help, surfaceName, surfaceDescription, runLabels, getLang } from './i18n.js';
import { LIMITS, SPEEDS, PALETTE, boundsOf, defaultColor, dashFor, makeRun, checkParam, effectiveStart,
  fmtNum } from './state.js';
import { PRESET_NAMES } from './presets.js';
import { swatch } from './legend.js';
import { SchedulerControls } from './views/scheduler-controls.js';

// Examples for typed surfaces. None starts on a stationary point: the default start follows the server's rule.
export const EXAMPLES = [
  'x^4 - 2x^2 + y^2',
  'sin(x)*cos(y) + 0.1(x^2 + y^2)',
  '(x^2 + y - 11)^2 + (x + y^2 - 7)^2',
  'abs(x) + 10y^2',
];

const $ = (id) => document.getElementById(id);

function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k in e && typeof v !== 'string') e[k] = v;
    else e.setAttribute(k, v);
  }
  e.append(...children);
  return e;
}

function option(value, text, selected) {
  const o = el('option', { value, text });
  o.selected = selected;
  return o;
}

function setValue(input, value) {
  if (document.activeElement === input) return; // never fight the user's typing
  const s = value === null || value === undefined ? '' : String(value);
  if (input.value !== s) input.value = s;
}

function readNumber(input) {
  const s = input.value.trim();
  if (s === '') return null;
  const v = Number(s);
  return Number.isFinite(v) ? v : undefined;
}

// Log sliders run 0..1000 over [lo, hi] of the spec's slider range; linear ones step in thousandths.
const SLIDER_MAX = 1000;
function toSlider(spec, v) {
  const [lo, hi] = spec.slider;
  if (spec.log) {
    const a = Math.log10(Math.max(lo, 1e-300));
    const b = Math.log10(hi);
    const x = v > 0 ? Math.log10(v) : a;
    return Math.round(((Math.min(Math.max(x, a), b) - a) / (b - a)) * SLIDER_MAX);
  }
  return Math.round(((Math.min(Math.max(v, lo), hi) - lo) / (hi - lo)) * SLIDER_MAX);
}
function fromSlider(spec, s) {
  const [lo, hi] = spec.slider;
  const f = s / SLIDER_MAX;
  if (spec.log) {
    const v = 10 ** (Math.log10(lo) + f * (Math.log10(hi) - Math.log10(lo)));
    return Number(v.toPrecision(2)); // 0.0012, not 0.0012022644346174
  }
  const v = lo + f * (hi - lo);
  return spec.kind === 'int' ? Math.round(v) : Number(v.toPrecision(3));
}

/** The colour for a new last run: its own palette colour, or the first one no run uses yet. */
function freeColor(runs) {
  const i = runs.length;
  const used = new Set(runs.map((r, j) => (r.color || defaultColor(j)).toLowerCase()));
  if (!used.has(defaultColor(i))) return null;
  return PALETTE.find((c) => !used.has(c)) ?? null;
}

export class Controls {
  constructor({ catalog, getState, change, onExpression, onCopy, onReset, onPreset, onPresent, onNote, getWork }) {
    this.catalog = catalog;
    this.getState = getState;
    this.change = change;
    this.onExpression = onExpression;
    this.onCopy = onCopy;
    this.onReset = onReset;
    this.onPreset = onPreset;
    this.onPresent = onPresent;
    this.onNote = onNote ?? (() => {});
    this.getWork = getWork ?? (() => null);
    this.runsSignature = '';
    this.sched = new SchedulerControls({ catalog, change, getState, onNote: this.onNote });
    this.bind();
  }

  // ------------------------------------------------------------------------------------------- static parts
  bind() {
    $('surface').addEventListener('change', (e) => {
      const name = e.target.value;
      this.change((s) => {
        s.surface = name;
        s.start = null;
        if (name === 'custom' && !s.expr) s.expr = EXAMPLES[0];
      }, { push: true, restart: true });
    });
    $('preset').addEventListener('change', (e) => this.onPreset(e.target.value));
    $('lang').addEventListener('change', (e) => this.change((s) => { s.lang = e.target.value; }, { push: true }));
    $('reset').addEventListener('click', () => this.onReset());
    $('copy-link').addEventListener('click', () => this.onCopy());
    $('present-toggle').addEventListener('click', () => this.onPresent());
    $('present-exit').addEventListener('click', () => this.onPresent());
    $('aspect').addEventListener('change', (e) => this.change((s) => { s.aspect = e.target.checked ? 'equal' : 'fill'; },
      { push: true }));
    $('budget-fix').addEventListener('click', () => {
      const work = this.getWork();
      if (work?.over) this.change((s) => { s.steps = work.maxSteps; }, { push: true, restart: true });
    });

    $('expr').addEventListener('input', (e) => this.onExpression(e.target.value));
    for (const [id, key, i] of [['xmin', 'xr', 0], ['xmax', 'xr', 1], ['ymin', 'yr', 0], ['ymax', 'yr', 1]]) {
      $(id).addEventListener('change', (e) => {
        const v = readNumber(e.target);
        const s = this.getState();
        const r = [...s[key]];
        if (typeof v === 'number') r[i] = v;
        const { min, max } = LIMITS.coord;
        const ok = typeof v === 'number' && r[0] < r[1] && r.every((e) => e >= min && e <= max);
        $('range-error').hidden = ok;
        if (!ok) return;
        this.change((st) => { st[key] = r; st.start = null; }, { push: true, restart: true });
      });
    }

    const startInput = (i) => (e) => {
      const v = readNumber(e.target);
      const { min, max } = LIMITS.coord;
      if (typeof v !== 'number' || v < min || v > max) {
        if (typeof v === 'number') this.onNote(t('field.clamped', { name: t(i ? 'start.y' : 'start.x'), value: v, min, max, to: '—' }));
        this.render();
        return;
      }
      this.change((s) => {
        const p = [...effectiveStart(s, this.catalog)];
        p[i] = v;
        s.start = p;
      }, { push: true, restart: true });
    };
    $('start-x').addEventListener('change', startInput(0));
    $('start-y').addEventListener('change', startInput(1));

    // Numbers are clamped to the server's limits, and the page says so when it changes what was typed.
    const bounded = (id, label, integer) => $(id).addEventListener('change', (e) => {
      const v = readNumber(e.target);
      if (typeof v !== 'number') { this.render(); return; }
      const { min, max } = boundsOf(id);
      const w = Math.min(max, Math.max(min, integer ? Math.round(v) : v));
      if (w !== v) this.onNote(t('field.clamped', { name: t(label), value: v, min, max, to: w }));
      this.change((s) => { s[id] = w; }, { push: true });
    });
    bounded('steps', 'steps.label', true);
    bounded('noise', 'noise.label', false);
    bounded('seed', 'seed.label', true);
    for (const id of ['view-2d', 'view-3d', 'view-map']) {
      $(id).addEventListener('change', (e) => {
        if (e.target.checked) this.change((s) => { s.view = e.target.value; }, { push: true });
      });
    }
    $('speed').addEventListener('change', (e) => {
      this.change((s) => { s.speed = Number(e.target.value); }, { push: true });
    });
    $('add-run').addEventListener('click', () => this.addRun());
  }

  /** Rebuilds the option lists (after a language change) and the run cards, then syncs every value. */
  rebuild() {
    const s = this.getState();
    const surface = $('surface');
    surface.replaceChildren(
      ...this.catalog.surfaceNames.map((n) => option(n, surfaceName(n, this.catalog.surfaces[n].label), n === s.surface)),
      option('custom', t('surface.custom'), s.surface === 'custom'),
    );
    $('preset').replaceChildren(
      option('', t('preset.none'), !s.preset),
      ...PRESET_NAMES.map((n) => option(n, t(`preset.${n}`), n === s.preset)),
    );
    const speeds = SPEEDS.includes(s.speed) ? SPEEDS : [...SPEEDS, s.speed].sort((a, b) => a - b);
    $('speed').replaceChildren(...speeds.map((v) => option(String(v), t('player.speedUnit', { n: v }), v === s.speed)));
    $('expr-examples').replaceChildren(...EXAMPLES.map((ex) => {
      const b = el('button', { type: 'button', class: 'example mono', text: ex });
      b.addEventListener('click', () => {
        $('expr').value = ex;
        this.onExpression(ex);
      });
      return b;
    }));
    this.setLimits();
    this.runsSignature = '';
    this.render();
  }

  /** The inputs' min, max and maxlength, from GET /api/limits. */
  setLimits() {
    for (const id of ['steps', 'noise', 'seed']) {
      const { min, max } = boundsOf(id);
      $(id).min = String(min);
      $(id).max = String(max);
    }
    for (const id of ['xmin', 'xmax', 'ymin', 'ymax', 'start-x', 'start-y']) {
      $(id).min = String(LIMITS.coord.min);
      $(id).max = String(LIMITS.coord.max);
    }
    $('expr').maxLength = LIMITS.expression.max_length;
  }

  surfaceLabel(name) {
    return surfaceName(name, this.catalog.surfaces[name]?.label ?? name);
  }

  /** Brings every control in line with the state. */
  render() {
    const s = this.getState();
    const c = this.catalog;
    $('surface').value = s.surface;
    $('preset').value = s.preset || '';
    $('lang').value = s.lang || '';
    const info = c.surfaces[s.surface];
    $('surface-description').textContent = s.surface === 'custom'
      ? surfaceDescription('custom') : surfaceDescription(s.surface, info?.description ?? '');
    $('custom-surface').hidden = s.surface !== 'custom';
    setValue($('expr'), s.expr);
    setValue($('xmin'), s.xr[0]);
    setValue($('xmax'), s.xr[1]);
    setValue($('ymin'), s.yr[0]);
    setValue($('ymax'), s.yr[1]);
    const start = effectiveStart(s, c);
    setValue($('start-x'), fmtNum(start[0]));
    setValue($('start-y'), fmtNum(start[1]));
    setValue($('steps'), s.steps);
    setValue($('noise'), fmtNum(s.noise));
    setValue($('seed'), s.seed);
    $('view-2d').checked = s.view === '2d';
    $('view-3d').checked = s.view === '3d';
    $('view-map').checked = s.view === 'map';
    $('aspect').checked = s.aspect === 'equal';
    $('aspect').disabled = s.view !== '2d';
    const work = this.getWork();
    $('steps').setAttribute('aria-invalid', work?.over ? 'true' : 'false');
    $('budget-fix').hidden = !work?.over;
    if (work?.over) $('budget-fix').textContent = t('budget.use', { max: work.maxSteps });
    if (![...$('speed').options].some((o) => Number(o.value) === s.speed)) this.rebuildSpeed();
    $('speed').value = String(s.speed);
    const maxRuns = LIMITS.runs.max;
    $('runs-count').textContent = t('runs.count', { n: s.runs.length, max: maxRuns });
    $('add-run').disabled = s.runs.length >= maxRuns;
    $('add-run').title = s.runs.length >= maxRuns ? t('runs.full', { max: maxRuns }) : '';
    this.renderRuns();
  }

  rebuildSpeed() {
    const s = this.getState();
    const speeds = [...new Set([...SPEEDS, s.speed])].sort((a, b) => a - b);
    $('speed').replaceChildren(...speeds.map((v) => option(String(v), t('player.speedUnit', { n: v }), v === s.speed)));
  }

  // ---------------------------------------------------------------------------------------------- run cards
  renderRuns() {
    const s = this.getState();
    const sig = `${getLang()}|${s.runs.map((r) => r.optimizer).join(',')}`;
    if (sig !== this.runsSignature) {
      this.runsSignature = sig;
      $('runs').replaceChildren(...s.runs.map((r, i) => this.runCard(r, i)));
    }
    const labels = runLabels(s.runs, this.catalog.optimizers);
    s.runs.forEach((r, i) => this.syncCard(r, i, labels[i]));
  }

  addRun() {
    this.change((s) => {
      if (s.runs.length >= LIMITS.runs.max) return;
      const run = makeRun(this.catalog.optimizers.adam);
      run.color = freeColor(s.runs);
      s.runs.push(run);
    }, { push: true });
  }

  runCard(run, i) {
    const id = (k) => `run${i}-${k}`;
    const spec = this.catalog.optimizers[run.optimizer];
    const li = el('li', { class: 'run', dataset: { index: String(i) } });

    const head = el('div', { class: 'run-head' });
    const sw = el('span', { class: 'run-swatch', id: id('swatch') });
    const optSelect = el('select', { id: id('optimizer'), class: 'run-optimizer' },
      ...Object.values(this.catalog.optimizers).map((o) => option(o.name, o.label, o.name === run.optimizer)));
    optSelect.addEventListener('change', (e) => this.change((s) => {
      const old = s.runs[i];
      s.runs[i] = makeRun(this.catalog.optimizers[e.target.value], {}, { color: old.color, hidden: old.hidden });
      if (old.scheduler) s.runs[i].scheduler = old.scheduler; // the schedule stays with the card
    }, { push: true }));
    head.append(sw,
      el('label', { for: id('optimizer'), class: 'sr-only', text: `${t('runs.optimizer')} (${t('runs.run', { n: i + 1 })})` }),
      optSelect);

    const dup = el('button', { type: 'button', class: 'btn small', text: t('runs.duplicate'), id: id('duplicate') });
    dup.disabled = this.getState().runs.length >= LIMITS.runs.max;
    dup.addEventListener('click', () => this.change((s) => {
      if (s.runs.length >= LIMITS.runs.max) return;
      const copy = JSON.parse(JSON.stringify(s.runs[i]));
      copy.label = '';
      copy.color = freeColor(s.runs);
      s.runs.push(copy);
    }, { push: true }));
    const rm = el('button', { type: 'button', class: 'btn small danger', text: t('runs.remove'), id: id('remove') });
    rm.disabled = this.getState().runs.length <= 1;
    rm.addEventListener('click', () => this.change((s) => {
      if (s.runs.length <= 1) return;
      // Later runs move up one place; pin their colours so that none changes under the user's eyes.
      s.runs.forEach((r, j) => { if (j > i && !r.color) r.color = defaultColor(j); });
      s.runs.splice(i, 1);
    }, { push: true }));
    head.append(el('span', { class: 'run-actions' }, dup, rm));
    li.append(head);

    const meta = el('div', { class: 'run-meta' });
    const maxLabel = LIMITS.label.max_length;
    const label = el('input', { type: 'text', id: id('label'), maxlength: String(maxLabel), class: 'run-label',
      placeholder: t('runs.labelPlaceholder'), autocomplete: 'off' });
    label.addEventListener('change', (e) => {
      const text = e.target.value.replace(/[<>\u0000-\u001f]/g, '').trim().slice(0, maxLabel);
      this.change((s) => { s.runs[i].label = text; }, { push: true });
    });
    const color = el('input', { type: 'color', id: id('color'), class: 'run-color' });
    color.addEventListener('input', (e) => this.change((s) => { s.runs[i].color = e.target.value; }, { push: false }));
    color.addEventListener('change', (e) => this.change((s) => { s.runs[i].color = e.target.value; }, { push: true }));
    const hide = el('input', { type: 'checkbox', id: id('hide') });
    hide.addEventListener('change', (e) => this.change((s) => { s.runs[i].hidden = e.target.checked; }, { push: true }));
    meta.append(
      el('label', { for: id('label'), text: t('runs.label') }), label,
      el('label', { for: id('color'), text: t('runs.color') }), color,
      el('span', { class: 'check' }, hide, el('label', { for: id('hide'), text: t('runs.hide') })),
    );
    li.append(meta);
    li.append(el('p', { class: 'hint run-help', text: help(spec.help) }));

    const [first, ...rest] = spec.params;
    if (first) li.append(this.paramRow(run, i, first));
    if (rest.length) {
      const details = el('details', { class: 'more' }, el('summary', { text: t('runs.more') }));
      for (const p of rest) details.append(this.paramRow(run, i, p));
      li.append(details);
    }
    li.append(this.sched.section(run, i));
    return li;
  }

  /** One hyperparameter: log or linear slider plus number box, checkbox, pair of boxes, or select. */
  paramRow(run, i, p) {
    const id = `run${i}-${p.name}`;
    const tip = help(p.help);
    const row = el('div', { class: `param kind-${p.kind}`, dataset: { param: p.name } });
    const set = (value, push) => {
      const [v, ok] = checkParam(p, value);
      if (!ok && push) {
        this.onNote(t('param.clamped', { name: p.name, value: Array.isArray(value) ? value.join(', ') : value,
          min: fmtNum(p.min ?? -Infinity), max: fmtNum(p.max ?? Infinity), to: Array.isArray(v) ? v.join(', ') : v }));
      }
      this.change((s) => { s.runs[i].params[p.name] = v; }, { push });
    };

    if (p.kind === 'bool') {
      const box = el('input', { type: 'checkbox', id, title: tip });
      box.addEventListener('change', (e) => set(e.target.checked, true));
      row.append(el('span', { class: 'check' }, box, el('label', { for: id, class: 'param-name mono', text: p.name, title: tip })));
    } else if (p.kind === 'choice') {
      const sel = el('select', { id, title: tip },
        ...p.choices.map((c) => option(c === null ? '' : c, c === null ? t('param.none') : c, false)));
      sel.addEventListener('change', (e) => set(e.target.value === '' ? null : e.target.value, true));
      row.append(el('label', { for: id, class: 'param-name mono', text: p.name, title: tip }), sel);
    } else if (p.kind === 'pair') {
      const a = el('input', { type: 'number', id, step: 'any', min: p.min ?? undefined, max: p.max ?? undefined, title: tip });
      const b = el('input', { type: 'number', id: `${id}-2`, step: 'any', min: p.min ?? undefined, max: p.max ?? undefined, title: tip });
      const commit = () => {
        const va = readNumber(a);
        const vb = readNumber(b);
        if (typeof va !== 'number' || typeof vb !== 'number') { this.render(); return; }
        set([va, vb], true);
      };
      a.addEventListener('change', commit);
      b.addEventListener('change', commit);
      row.append(el('label', { for: id, class: 'param-name mono', text: p.name, title: tip }),
        el('span', { class: 'pair' }, a,
          el('label', { for: `${id}-2`, class: 'sr-only', text: `${p.name} (${t('param.second')})` }), b));
    } else {
      const num = el('input', { type: 'number', id, step: 'any', min: p.min ?? undefined, max: p.max ?? undefined, title: tip });
      if (p.nullable) num.placeholder = t('param.auto');
      num.addEventListener('change', () => {
        const v = readNumber(num);
        if (v === null && p.nullable) { set(null, true); return; }
        if (typeof v !== 'number') { this.render(); return; }
        set(v, true);
      });
      row.append(el('label', { for: id, class: 'param-name mono', text: p.name, title: tip }));
      if (p.slider) {
        const slider = el('input', { type: 'range', id: `${id}-slider`, min: '0', max: String(SLIDER_MAX), step: '1',
          class: p.log ? 'log' : 'lin', title: tip, 'aria-label': t('param.slider', { name: p.name }) });
        slider.addEventListener('input', () => {
          const v = fromSlider(p, Number(slider.value));
          num.value = String(v);
          set(v, false);
        });
        slider.addEventListener('change', () => set(fromSlider(p, Number(slider.value)), true));
        row.append(slider);
      }
      row.append(num);
    }
    row.append(el('small', { class: 'hint param-help', text: tip }));
    return row;
  }

  syncCard(run, i, label) {
    const li = $('runs').children[i];
    if (!li) return;
    const color = run.color || defaultColor(i);
    li.style.setProperty('--run-color', color);
    $(`run${i}-swatch`).replaceChildren(swatch(color, dashFor(i), t('legend.swatch', { name: label })));
    setValue($(`run${i}-label`), run.label);
    $(`run${i}-label`).placeholder = run.label ? '' : label;
    setValue($(`run${i}-color`), color);
    $(`run${i}-hide`).checked = run.hidden;
    const spec = this.catalog.optimizers[run.optimizer];
    for (const p of spec.params) {
      const id = `run${i}-${p.name}`;
      const v = run.params[p.name];
      const input = $(id);
      if (!input) continue;
      if (p.kind === 'bool') input.checked = !!v;
      else if (p.kind === 'choice') setValue(input, v === null ? '' : v);
      else if (p.kind === 'pair') { setValue(input, fmtNum(v[0])); setValue($(`${id}-2`), fmtNum(v[1])); }
      else {
        setValue(input, v === null ? '' : fmtNum(v));
        const slider = $(`${id}-slider`);
        if (slider && v !== null) setValue(slider, toSlider(p, v));
      }
    }
    this.sched.sync(run, i);
  }
}
