// A run card's learning-rate schedule: a picker of torch's schedulers (GET /api/schedulers) and a control for
// each keyword. Like controls.js it only changes the state, through change(mutate, opts), and builds every
// element with createElement and textContent: no markup is parsed, and a formula is only ever a value.

import { t, help } from '../i18n.js';
import { el } from '../dom.js';
import { fmtNum, checkParam } from '../params.js';
import { schedulerSpec, newScheduler, ordered, hasMomentum, childrenText, parseChildren } from '../schedules.js';

const $ = (id) => document.getElementById(id);

function setValue(input, value) {
  if (document.activeElement === input) return; // never fight the user's typing
  const s = value === null || value === undefined ? '' : String(value);
  if (input.value !== s) input.value = s;
}

const CYCLERS = new Set(['CyclicLR', 'OneCycleLR']);

export class SchedulerControls {
  constructor({ catalog, change, getState, onNote }) {
    this.catalog = catalog;
    this.change = change;
    this.getState = getState;
    this.onNote = onNote ?? (() => {});
  }

  /** The schedule part of run card i: the picker, its help and a box for the keywords (filled by sync). */
  section(run, i) {
    const id = `run${i}-sched`;
    const wrap = el('div', { class: 'sched', id: `${id}-wrap` });
    const select = el('select', { id, class: 'sched-select' },
      el('option', { value: '', text: t('sched.none') }),
      ...Object.values(this.catalog.schedulers ?? {}).map((s) => el('option', { value: s.label, text: s.label })));
    select.addEventListener('change', (e) => this.change((s) => {
      const name = e.target.value;
      if (!name) delete s.runs[i].scheduler;
      else s.runs[i].scheduler = newScheduler(this.catalog, name);
    }, { push: true, restart: true }));
    wrap.append(el('div', { class: 'sched-head' }, el('label', { for: id, text: t('sched.label') }), select),
      el('p', { class: 'hint sched-help', id: `${id}-help` }),
      el('div', { class: 'sched-params', id: `${id}-params`, dataset: { name: '' } }));
    return wrap;
  }

  /** Brings the section of run i up to the state: the picker, the keyword controls (rebuilt for another
   * scheduler) and their values. */
  sync(run, i) {
    const select = $(`run${i}-sched`);
    if (!select) return;
    const sched = run.scheduler ?? null;
    const spec = sched ? schedulerSpec(this.catalog, sched.name) : null;
    setValue(select, spec ? spec.label : '');
    $(`run${i}-sched-help`).textContent = spec ? help(spec.help) : '';
    const box = $(`run${i}-sched-params`);
    const key = spec ? `${spec.label}|${run.optimizer}` : '';
    if (box.dataset.name !== key) {
      box.dataset.name = key;
      // the keywords torch requires, and those this run sets, in view; the rest (torch's defaults) folded away
      const shown = spec ? spec.params.filter((p) => p.required || Object.hasOwn(sched.params, p.name)
        || (p.name === 'total_steps' && spec.label === 'OneCycleLR')) : [];
      const folded = spec ? spec.params.filter((p) => !shown.includes(p)) : [];
      const more = el('details', { class: 'more' }, el('summary', { text: t('sched.more', { n: folded.length }) }),
        ...folded.map((p) => this.row(spec, p, i, run)));
      box.replaceChildren(...shown.map((p) => this.row(spec, p, i, run)), ...(folded.length ? [more] : []));
    }
    if (spec) for (const p of spec.params) this.syncRow(spec, p, i, run);
  }

  /** Sets (or, with `undefined`, removes) one keyword; keys stay in the catalog's order. */
  set(spec, i, name, value) {
    this.change((s) => {
      const sched = s.runs[i].scheduler;
      if (!sched) return;
      const params = { ...sched.params };
      if (value === undefined) delete params[name];
      else params[name] = value;
      sched.params = ordered(spec, params);
    }, { push: true, restart: true });
  }

  row(spec, p, i, run) {
    const id = `run${i}-sched-${p.name}`;
    const tip = help(p.help);
    const row = el('div', { class: `param sched-param kind-${p.kind}`, dataset: { param: p.name } });
    const name = el('label', { for: id, class: 'param-name mono', text: p.name, title: tip });
    if (p.kind === 'bool') {
      const box = el('input', { type: 'checkbox', id, title: tip });
      if (p.name === 'cycle_momentum' && CYCLERS.has(spec.label)
          && !hasMomentum(this.catalog.optimizers[run.optimizer])) {
        box.disabled = true; // torch refuses it for optimizers without momentum or betas: the page sends false
        box.title = t('sched.noMomentum');
      }
      box.addEventListener('change', (e) => this.set(spec, i, p.name, e.target.checked));
      row.append(el('span', { class: 'check' }, box, name));
    } else if (p.kind === 'choice') {
      const sel = el('select', { id, title: tip }, ...p.choices.map((c) => el('option', { value: c, text: c })));
      sel.addEventListener('change', (e) => this.set(spec, i, p.name, e.target.value));
      row.append(name, sel);
    } else if (p.kind === 'float' || p.kind === 'int') {
      const num = el('input', { type: 'number', id, step: p.kind === 'int' ? '1' : 'any', min: p.min ?? undefined,
        max: p.max ?? undefined, title: tip });
      num.placeholder = p.name === 'total_steps' && spec.label === 'OneCycleLR'
        ? t('sched.runSteps', { n: this.getState().steps })
        : p.required ? '' : p.default === null ? t('sched.default') : t('sched.defaultIs', { v: fmtNum(p.default) });
      num.addEventListener('change', () => {
        const text = num.value.trim();
        if (text === '') { this.set(spec, i, p.name, p.required ? p.default : undefined); return; }
        const v = Number(text);
        if (!Number.isFinite(v)) { this.sync(this.getState().runs[i], i); return; }
        const [w, ok] = checkParam(p, v);
        if (!ok) {
          this.onNote(t('param.clamped', { name: p.name, value: text, min: fmtNum(p.min ?? -Infinity),
            max: fmtNum(p.max ?? Infinity), to: fmtNum(w) }));
        }
        this.set(spec, i, p.name, w);
      });
      row.append(name, num);
    } else {
      // ints (milestones), a formula (lr_lambda, scale_fn) or a list of schedulers: one line of text
      const text = el('input', { type: 'text', id, class: 'mono', title: tip, autocomplete: 'off', spellcheck: 'false' });
      if (p.kind === 'expression') text.placeholder = t('sched.formula', { v: p.variable });
      if (p.kind === 'schedulers') text.placeholder = t('sched.childrenHint');
      text.addEventListener('change', () => this.commitText(spec, p, i, text.value));
      row.append(name, text);
    }
    row.append(el('small', { class: 'hint param-help', text: tip }));
    return row;
  }

  commitText(spec, p, i, raw) {
    const text = raw.trim();
    if (text === '' && !p.required) { this.set(spec, i, p.name, undefined); return; }
    if (p.kind === 'expression') { this.set(spec, i, p.name, text); return; }
    if (p.kind === 'ints') {
      const parts = text.split(/[\s,_]+/).filter(Boolean).map(Number);
      if (!parts.every(Number.isInteger)) {
        this.onNote(t('sched.badInts', { name: p.name }));
        this.sync(this.getState().runs[i], i);
        return;
      }
      this.set(spec, i, p.name, parts);
      return;
    }
    const notices = [];
    const children = parseChildren(text, this.catalog, notices);
    if (!children || notices.length) {
      this.onNote(t('sched.badChildren'));
      if (!children) { this.sync(this.getState().runs[i], i); return; }
    }
    this.set(spec, i, p.name, children);
  }

  syncRow(spec, p, i, run) {
    const input = $(`run${i}-sched-${p.name}`);
    if (!input) return;
    const has = Object.hasOwn(run.scheduler.params, p.name);
    const v = run.scheduler.params[p.name];
    if (p.kind === 'bool') {
      const dflt = p.name === 'cycle_momentum' && CYCLERS.has(spec.label)
        ? hasMomentum(this.catalog.optimizers[run.optimizer]) : p.default;
      input.checked = has ? !!v : !!dflt;
    } else if (p.kind === 'choice') {
      setValue(input, has ? v : p.default);
    } else if (p.kind === 'float' || p.kind === 'int') {
      setValue(input, has && v !== null ? fmtNum(v) : '');
    } else if (p.kind === 'ints') {
      setValue(input, has ? v.join(', ') : '');
    } else if (p.kind === 'schedulers') {
      setValue(input, has ? childrenText(v, this.catalog) : '');
    } else {
      setValue(input, has && v !== null ? v : '');
    }
  }
}
