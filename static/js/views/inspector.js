// The inspector: one run's step under the microscope. It shows the optimizer's algorithm box as real math (the
// server's MathML, inserted with DOMParser + importNode, never innerHTML), each symbol's value beside its line
// for x and y, the gradient, the step Δθ and the effective step Δθ/g per coordinate, the status at this step, a
// chart of |Δθ/g| over steps, and arrows on the 2-D plot (arrows(k), drawn by plot2d.js).
//
// Which step: at player step k the head is at θ_k, and the panel shows the step taken FROM there, t = k + 1 (its
// gradient is the one at the head, and its arrows start at the head); at the run's last point, its last step.
// Every number is the API's (inspect: true), never computed here, except Δθ/g, the ratio of two of them.

import { t, fmt, getLang } from '../i18n.js';
import './inspector-words.js';
import { statusAt, statusMessage } from './status-words.js';
import { EffectiveStepChart, effectiveSteps } from './effective-step.js';

const ARROWS = { grad: '#c0392b', momentum: '#7b3294', step: '#111111' };
const MOMENTUM_KEYS = ['exp_avg', 'momentum_buffer'];
const boxes = new Map(); // `${name}|${lang}` -> Promise of the box (GET /api/optimizers/{name}/algorithm)

function fetchBox(name, lang) {
  const key = `${name}|${lang}`;
  if (!boxes.has(key)) {
    const url = new URL(`../../../api/optimizers/${encodeURIComponent(name)}/algorithm`, import.meta.url);
    url.searchParams.set('lang', lang);
    const p = fetch(url).then((r) => {
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      return r.json();
    });
    p.catch(() => boxes.delete(key)); // a failed fetch is tried again next time
    boxes.set(key, p);
  }
  return boxes.get(key);
}

const parser = new DOMParser();
/** The server's MathML as nodes of this document: parsed as XML, so nothing in it is run or interpreted. */
export function mathNode(mathml) {
  const doc = parser.parseFromString(mathml, 'application/xml');
  if (doc.getElementsByTagName('parsererror').length || doc.documentElement.localName !== 'math') {
    return document.createTextNode('');
  }
  return document.importNode(doc.documentElement, true);
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** Whether a box line runs for these hyperparameters (optim_core.algorithms.box.holds). */
export function holds(when, hp) {
  for (const [k, want] of Object.entries(when ?? {})) {
    const have = hp[k];
    let ok;
    if (want === 'nonzero') ok = have !== 0;
    else if (want === 'positive') ok = have > 0;
    else if (want === 'zero') ok = have === 0;
    else if (typeof want === 'boolean') ok = have === want;
    else ok = JSON.stringify(have) === JSON.stringify(want);
    if (!ok) return false;
  }
  return true;
}

/** A symbol's value in row r of a run: a number, [x, y], a flag or text; undefined when the API has none. */
export function symbolValue(run, sym, r) {
  const ins = run.inspect;
  if (sym.source === 'hyperparameter') {
    const v = run.params[sym.key];
    return sym.index !== undefined && Array.isArray(v) ? v[sym.index] : v;
  }
  if (sym.source === 'trace' && sym.key === 'params') return run.xy[r];
  const table = sym.source === 'state' ? ins?.state : sym.source === 'derived' ? ins?.derived : ins;
  const rows = table?.[sym.key];
  return Array.isArray(rows) ? rows[r] : undefined;
}

function show(v) {
  if (v === null) return '—';
  if (typeof v === 'number') return fmt(v, 5);
  return String(v);
}

/** A number's exact text: JS's shortest round-trip form, with the sign of zero kept (String(-0) is "0"). */
const exact = (v) => (v === null || v === undefined ? 'null' : Object.is(v, -0) ? '-0' : String(v));

/** Fills a value element: one number, or x and y; data-value keeps the exact number for tests and copying. */
function fillValue(node, v) {
  node.replaceChildren();
  if (Array.isArray(v)) {
    v.forEach((e, i) => {
      const part = el('span', 'insp-num', show(e));
      part.dataset.axis = i ? 'y' : 'x';
      part.dataset.value = exact(e);
      node.append(el('span', 'insp-axis', i ? ' y ' : 'x '), part);
    });
  } else {
    const part = el('span', 'insp-num', show(v ?? null));
    part.dataset.value = exact(v);
    node.append(part);
  }
}

/** A scale for arrows of typical length `typical` to be about `target` long: 1, 2 or 5 times a power of ten. */
export function niceScale(typical, target) {
  if (!(typical > 0) || !Number.isFinite(typical)) return 1;
  const raw = target / typical;
  const p = 10 ** Math.floor(Math.log10(raw));
  return [5, 2, 1].map((m) => m * p).find((s) => s <= raw) ?? p;
}

function medianNorm(rows) {
  const v = [];
  for (const r of rows ?? []) if (r && r[0] !== null && r[1] !== null) { const n = Math.hypot(r[0], r[1]); if (n > 0) v.push(n); }
  v.sort((a, b) => a - b);
  return v.length ? v[v.length >> 1] : 0;
}

export class Inspector {
  /** root: the panel; hooks: onSelect(i) picks a run, onClose() closes the panel. */
  constructor(root, { onSelect, onClose, toggle } = {}) {
    this.root = root;
    this.toggle = toggle; // the page's open/close button, which shows whether the panel is open
    this.hooks = { onSelect, onClose };
    this.open = false;
    this.run = null;
    this.step = 0;
    this.valueNodes = [];
    this.build();
    this.chart = new EffectiveStepChart(this.chartEl);
  }

  build() {
    const head = el('div', 'insp-head');
    this.heading = el('h2', 'insp-title');
    this.selectLabel = el('label', 'insp-select-label');
    this.select = el('select', 'insp-select');
    this.select.id = 'inspect-run';
    this.selectLabel.htmlFor = 'inspect-run';
    this.select.addEventListener('change', () => this.hooks.onSelect?.(Number(this.select.value)));
    this.stepEl = el('p', 'insp-step');
    this.close = el('button', 'btn small insp-close');
    this.close.type = 'button';
    this.close.addEventListener('click', () => this.hooks.onClose?.());
    head.append(this.heading, this.selectLabel, this.select, this.stepEl, this.close);
    this.statusEl = el('p', 'insp-status');
    this.message = el('p', 'hint insp-message');
    const body = el('div', 'insp-body');
    const left = el('div', 'insp-col');
    this.boxTitle = el('h3', 'insp-sub');
    this.boxEl = el('ol', 'insp-box');
    left.append(this.boxTitle, this.boxEl);
    const right = el('div', 'insp-col');
    this.valuesTitle = el('h3', 'insp-sub');
    this.table = el('table', 'insp-table');
    this.arrowNote = el('p', 'insp-arrows');
    this.chartTitle = el('h3', 'insp-sub');
    this.chartEl = el('div', 'insp-chart');
    this.chartEl.setAttribute('role', 'figure');
    right.append(this.valuesTitle, this.table, this.arrowNote, this.chartTitle, this.chartEl);
    body.append(right, left); // the numbers at a glance first, the whole rule below
    this.root.append(head, this.statusEl, this.message, body);
  }

  /**
   * Called on every draw: `open`, the result's runs, the paths (names, colours), the selected run index, the step,
   * and the plot's domain (for arrow scales). Rebuilds the box only when the run, its settings or the language change.
   */
  async update({ open, runs, paths, irun, step, domain, complete }) {
    this.open = open;
    this.root.hidden = !open;
    this.toggle?.setAttribute('aria-pressed', open ? 'true' : 'false');
    document.body.classList.toggle('inspecting', open);
    if (!open) {
      this.run = null;
      return;
    }
    const lang = getLang();
    this.heading.textContent = t('inspect.heading');
    this.selectLabel.textContent = t('inspect.run');
    this.close.textContent = '×';
    this.close.title = t('inspect.close');
    this.close.setAttribute('aria-label', t('inspect.close'));
    this.boxTitle.textContent = t('inspect.box');
    this.valuesTitle.textContent = t('inspect.values');
    this.chartTitle.textContent = t('inspect.chart');
    this.chartEl.setAttribute('aria-label', t('inspect.chart'));
    this.select.replaceChildren(...paths.map((p, i) => {
      const o = el('option', '', p.name);
      o.value = String(i);
      return o;
    }));
    const i = Math.min(irun, paths.length - 1);
    this.index = i;
    this.select.value = String(i);
    const run = runs?.[i];
    this.path = paths[i];
    this.complete = complete;
    if (!run || !run.inspect || !run.xy.length) {
      this.run = null;
      this.message.textContent = paths.length ? t(complete ? 'inspect.waiting' : 'inspect.loading') : t('inspect.none');
      this.boxEl.replaceChildren();
      this.table.replaceChildren();
      this.statusEl.textContent = '';
      this.arrowNote.replaceChildren();
      this.chart.purge();
      return;
    }
    this.message.textContent = '';
    const key = JSON.stringify([run.optimizer, run.params, lang]);
    this.run = run;
    this.scales(domain);
    if (key !== this.boxKey) {
      this.boxKey = key;
      this.valueNodes = [];
      this.boxEl.replaceChildren();
      let box;
      try {
        box = await fetchBox(run.optimizer, lang);
      } catch {
        box = null;
      }
      if (this.boxKey !== key) return; // another run or language came meanwhile
      if (box) this.renderBox(box, run);
    }
    this.renderTable();
    const series = effectiveSteps(run.inspect.grad, run.inspect.update);
    const chartKey = JSON.stringify([key, run.xy.length, this.path.color, complete]);
    await this.chart.draw(chartKey, series, this.path.color, step);
    this.showStep(step);
  }

  renderBox(box, run) {
    for (const line of box.lines) {
      const on = holds(line.when, run.params);
      const li = el('li', on ? 'insp-line' : 'insp-line off');
      li.style.setProperty('--indent', String(line.indent));
      const math = el('span', 'insp-math');
      math.append(mathNode(line.mathml));
      li.append(math);
      if (on) {
        for (const sym of line.symbols) {
          if (symbolValue(run, sym, 0) === undefined && sym.source !== 'hyperparameter') continue;
          const s = el('span', 'insp-sym');
          const v = el('span', 'insp-val');
          v.dataset.source = sym.source;
          v.dataset.key = sym.key;
          if (sym.index !== undefined) v.dataset.index = String(sym.index);
          // θ₀, m₀, v₀...: the input and initialize lines show the values before the first step (row 0)
          const initial = line.part !== 'loop' && (sym.source === 'state' || sym.key === 'params');
          if (initial) v.dataset.row = '0';
          s.append(mathNode(sym.mathml), el('span', 'insp-eq', ' = '), v);
          li.append(s);
          this.valueNodes.push({ sym, node: v, initial });
        }
      } else {
        li.title = t('inspect.off');
      }
      this.boxEl.append(li);
    }
  }

  renderTable() {
    const head = el('tr');
    head.append(el('th', '', t('inspect.quantity')), el('th', '', 'x'), el('th', '', 'y'));
    const row = (key, label) => {
      const tr = el('tr');
      tr.dataset.key = key;
      const th = el('th', '', label);
      th.scope = 'row';
      tr.append(th, el('td', 'insp-cell'), el('td', 'insp-cell'));
      return tr;
    };
    const rows = [row('grad', t('inspect.grad')), row('update', t('inspect.update')), row('ratio', t('inspect.ratio'))];
    const lr = row('lr', t('inspect.lr'));
    lr.lastChild.remove();
    lr.lastChild.colSpan = 2;
    rows.push(lr);
    if (this.run.inspect.momentum) {
      const m = row('momentum', t('inspect.momentum'));
      m.lastChild.remove();
      m.lastChild.colSpan = 2;
      rows.push(m);
    }
    this.table.replaceChildren(el('thead'), el('tbody'));
    this.table.firstChild.append(head);
    this.table.lastChild.append(...rows);
  }

  /** The row the panel shows at player step k: the step taken from the head (see the top of this file). */
  row(k) {
    const n = this.run.xy.length;
    return Math.max(1, Math.min(k + 1, n - 1));
  }

  showStep(k) {
    this.step = k;
    if (!this.open || !this.run) return;
    const run = this.run;
    const n = run.xy.length;
    if (n < 2) return;
    const r = this.row(k);
    this.root.dataset.row = String(r);
    this.stepEl.textContent = t('inspect.stepFrom', { k: r, p: r - 1, q: r });
    for (const { sym, node, initial } of this.valueNodes) fillValue(node, symbolValue(run, sym, initial ? 0 : r) ?? null);
    const g = run.inspect.grad[r];
    const d = run.inspect.update[r];
    const ratio = g && d ? [0, 1].map((i) => (g[i] !== null && d[i] !== null && g[i] !== 0 ? d[i] / g[i] : null)) : null;
    const cells = { grad: g, update: d, ratio, lr: run.inspect.lr[r], momentum: run.inspect.momentum?.[r] };
    for (const tr of this.table.querySelectorAll('tbody tr')) {
      const v = cells[tr.dataset.key];
      const tds = tr.querySelectorAll('td');
      if (tds.length === 2) tds.forEach((td, i) => fillValue(td, v ? v[i] : null));
      else fillValue(tds[0], v ?? null);
    }
    const lang = getLang();
    const now = statusAt(run.status_steps, r, lang);
    const ended = k >= n - 1;
    this.statusEl.textContent = ended && run.run_status
      ? t('inspect.final', { words: statusMessage(run.run_status, lang) })
      : now ? t('inspect.status', { words: now.text }) : '';
    this.chart.showStep(r);
  }

  /** Arrow scales for this run: each kind fixed over the whole run, so that lengths compare across steps. */
  scales(domain) {
    const ins = this.run.inspect;
    const diag = Math.hypot(domain.x[1] - domain.x[0], domain.y[1] - domain.y[0]);
    this.momentumKey = MOMENTUM_KEYS.find((k) => ins.state[k]) ?? null;
    this.scale = {
      grad: niceScale(medianNorm(ins.grad), 0.1 * diag),
      momentum: this.momentumKey ? niceScale(medianNorm(ins.state[this.momentumKey]), 0.1 * diag) : 1,
      step: niceScale(medianNorm(ins.update), 0.1 * diag),
    };
    const note = [[ARROWS.grad, t('inspect.arrowGrad', { s: fmt(this.scale.grad, 3) })]];
    if (this.momentumKey) {
      const name = this.momentumKey === 'exp_avg' ? 'm' : 'b';
      note.push([ARROWS.momentum, t('inspect.arrowMomentum', { name, s: fmt(this.scale.momentum, 3) })]);
    }
    note.push([ARROWS.step, t('inspect.arrowStep', { s: fmt(this.scale.step, 3) })]);
    this.arrowNote.replaceChildren(t('inspect.arrows'));
    for (const [color, words] of note) {
      const item = el('span', 'insp-arrow-key', words);
      item.style.setProperty('--arrow', color);
      this.arrowNote.append(' ', item);
    }
    this.arrowWords = note.map(([, w]) => w);
  }

  /**
   * The arrow traces for plot2d at player step k: always three while a run is inspected (empty ones where there
   * is nothing to draw), none otherwise, so that the trace count is fixed between full draws.
   */
  arrows(k) {
    if (!this.open || !this.run || this.run.xy.length < 2 || !this.scale) return [];
    const run = this.run;
    const r = this.row(k);
    const [x0, y0] = run.xy[r - 1];
    const g = run.inspect.grad[r];
    const m = this.momentumKey ? run.inspect.state[this.momentumKey][r] : null;
    const d = run.inspect.update[r];
    const hidden = this.path?.hidden;
    const arrow = (v, sign, s, color, name) => {
      const ok = !hidden && v && v[0] !== null && v[1] !== null;
      return {
        type: 'scatter', mode: 'lines+markers', x: ok ? [x0, x0 + sign * s * v[0]] : [],
        y: ok ? [y0, y0 + sign * s * v[1]] : [], name, hoverinfo: 'name', showlegend: false, cliponaxis: false,
        line: { color, width: 2.5 }, marker: { symbol: ['circle', 'arrow'], size: [4, 13], angleref: 'previous', color },
      };
    };
    const [wg, wm, ws] = this.arrowWords.length === 3 ? this.arrowWords : [this.arrowWords[0], '', this.arrowWords[1]];
    return [arrow(g, -1, this.scale.grad, ARROWS.grad, wg), arrow(m, -1, this.scale.momentum, ARROWS.momentum, wm),
      arrow(d, 1, this.scale.step, ARROWS.step, ws)];
  }
}
