// The run cards: one card per run with its optimizer, label, colour, every hyperparameter the optimizer has (from
// GET /api/optimizers) and its learning-rate schedule (scheduler-controls.js). The surfaces page (controls.js) and
// model mode (model-mode.js) both use this one class, so that a run is edited the same way everywhere. Like every
// control it only changes the state, through change(mutate, opts); every element is made with createElement and
// filled with textContent: no markup is ever parsed.

import { t, help, runLabels, getLang } from '../i18n.js';
import { LIMITS, PALETTE, defaultColor, dashFor, makeRun, checkParam, fmtNum } from '../state.js';
import { swatch } from '../legend.js';
import { SchedulerControls } from './scheduler-controls.js';
import { el } from '../dom.js';

const $ = (id) => document.getElementById(id);

export { el }; // the page's one element builder (../dom.js), re-exported for controls.js and model mode

export function option(value, text, selected) {
  const o = el('option', { value, text });
  o.selected = selected;
  return o;
}

export function setValue(input, value) {
  if (document.activeElement === input) return; // never fight the user's typing
  const s = value === null || value === undefined ? '' : String(value);
  if (input.value !== s) input.value = s;
}

export function readNumber(input) {
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
export function freeColor(runs) {
  const i = runs.length;
  const used = new Set(runs.map((r, j) => (r.color || defaultColor(j)).toLowerCase()));
  if (!used.has(defaultColor(i))) return null;
  return PALETTE.find((c) => !used.has(c)) ?? null;
}

export class RunCards {
  /**
   * container: the list element the cards go in. maxRuns(): how many runs the page allows (surfaces and
   * training have their own limits). note(run, i): an extra line of text for a card, or '' (model mode says
   * there that L-BFGS needs full batch). newRun(catalog): the run "Add" appends.
   */
  constructor({ catalog, getState, change, onNote, container, maxRuns, note, newRun }) {
    this.catalog = catalog;
    this.getState = getState;
    this.change = change;
    this.onNote = onNote ?? (() => {});
    this.container = container;
    this.maxRuns = maxRuns ?? (() => LIMITS.runs.max);
    this.note = note ?? (() => '');
    this.newRun = newRun ?? ((c) => makeRun(c.optimizers.adam));
    this.signature = '';
    this.sched = new SchedulerControls({ catalog, change, getState, onNote: this.onNote });
  }

  /** Forgets the built cards, so the next render() rebuilds them (after a language change). */
  invalidate() {
    this.signature = '';
  }

  render() {
    const s = this.getState();
    const sig = `${getLang()}|${s.runs.map((r) => r.optimizer).join(',')}`;
    if (sig !== this.signature) {
      this.signature = sig;
      this.container.replaceChildren(...s.runs.map((r, i) => this.runCard(r, i)));
    }
    const labels = runLabels(s.runs, this.catalog.optimizers);
    s.runs.forEach((r, i) => this.syncCard(r, i, labels[i]));
  }

  addRun() {
    this.change((s) => {
      if (s.runs.length >= this.maxRuns()) return;
      const run = this.newRun(this.catalog);
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
    dup.disabled = this.getState().runs.length >= this.maxRuns();
    dup.addEventListener('click', () => this.change((s) => {
      if (s.runs.length >= this.maxRuns()) return;
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
    li.append(el('p', { class: 'run-note', id: id('note'), role: 'note', hidden: true }));

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
    const li = this.container.children[i];
    if (!li) return;
    const color = run.color || defaultColor(i);
    li.style.setProperty('--run-color', color);
    $(`run${i}-swatch`).replaceChildren(swatch(color, dashFor(i), t('legend.swatch', { name: label })));
    setValue($(`run${i}-label`), run.label);
    $(`run${i}-label`).placeholder = run.label ? '' : label;
    setValue($(`run${i}-color`), color);
    $(`run${i}-hide`).checked = run.hidden;
    const note = this.note(run, i);
    const noteEl = $(`run${i}-note`);
    noteEl.textContent = note;
    noteEl.hidden = !note;
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
