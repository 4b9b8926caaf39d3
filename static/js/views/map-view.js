// The Map view: a basin map (where the selected run ends from every start of the surface's domain) or a
// hyperparameter map (how it does for every pair of two of its numeric hyperparameters), streamed from
// POST /api/maps/stream, a coarse frame first. It draws what the server sends and computes no path. Clicking a
// basin cell races from that start (2-D view); clicking a hyperparameter cell sets those values; the current
// setting is marked, so dragging a slider moves the marker without asking the server again.

/* global Plotly */

import { t, fmt, getLang, runLabels } from '../i18n.js';
import { effectiveStart, LIMITS } from '../state.js';
import { FONT, config, plotlyText, templateText } from '../plot-common.js';
import { plotlyReady } from '../plotly-adapter.js';
import { errorWords } from '../errors.js';
import { streamMap } from './map-api.js';
import { axisChoices, axisValue, setAxisValue, defaultAxes, mapRequest } from './map-model.js';

const MINIMUM_COLORS = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9', '#882255', '#117733',
  '#332288', '#999933', '#aa4499', '#44aa99'];
const GREY = '#bdbdbd';
const BLACK = '#111111';
const RESOLUTIONS = [16, 32, 64, 128, 256];

const el = (tag, attrs = {}, text) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
};

function select(id, label, options, value, onChange) {
  const wrap = el('span', { class: 'field inline' });
  const lab = el('label', { for: id }, label);
  const sel = el('select', { id });
  for (const [v, text] of options) {
    const o = el('option', { value: v }, text);
    if (v === value) o.selected = true;
    sel.append(o);
  }
  sel.addEventListener('change', () => onChange(sel.value));
  wrap.append(lab, sel);
  return wrap;
}

/** Decade ticks for an axis drawn in log10 coordinates. */
function decadeTicks(lo, hi) {
  const vals = [];
  for (let k = Math.ceil(lo - 1e-9); k <= Math.floor(hi + 1e-9); k++) vals.push(k);
  return { tickvals: vals, ticktext: vals.map((k) => `1e${k}`) };
}

export class MapView {
  constructor({ wrap, tools, plot, legend, status }, { catalog, getState, change, debug }) {
    Object.assign(this, { wrap, tools, plot, legend, status, catalog, getState, change, debug });
    this.key = null;
    this.frame = null;
    this.meta = null;
    this.controller = null;
    this.plotted = false;
    this.listened = false;
    new ResizeObserver(() => {
      if (this.plotted && this.plot.offsetParent) Plotly.Plots.resize(this.plot);
    }).observe(plot);
  }

  /** The state changed: sync the toolbar, ask for a new map if what it depends on changed, move the marker. */
  update(state) {
    const shown = state.view === 'map' && !state.embed;
    this.wrap.hidden = !shown;
    if (!shown) {
      this.cancel();
      this.key = null;
      return;
    }
    this.renderTools(state);
    const req = mapRequest(state, this.catalog);
    if (!req) return;
    const key = `${req.key}|${getLang()}`;
    if (key !== this.key) {
      this.key = key;
      this.load(req.body, key);
    } else if (this.frame) {
      this.draw(state);
    }
  }

  cancel() {
    this.controller?.abort();
    this.controller = null;
  }

  async load(body, key) {
    this.cancel();
    const controller = new AbortController();
    this.controller = controller;
    this.frame = null;
    this.status.textContent = t('map.computing');
    try {
      await streamMap(body, {
        meta: (m) => { this.meta = m; },
        frame: (f) => {
          if (this.key !== key) return;
          this.frame = f;
          const last = f.resolution === this.meta.resolutions[this.meta.resolutions.length - 1];
          this.status.textContent = last ? t('map.done', { n: f.resolution })
            : t('map.refining', { n: f.resolution, m: this.meta.resolutions[this.meta.resolutions.length - 1] });
          this.draw(this.getState());
        },
      }, controller.signal);
    } catch (err) {
      if (err?.name === 'AbortError' || this.key !== key) return;
      this.status.textContent = t('map.refused', { msg: errorWords(err) });
      this.key = null; // the same settings may be asked again (a 503 passes)
    }
  }

  renderTools(state) {
    const run = state.runs[Math.min(state.mrun, state.runs.length - 1)];
    const spec = this.catalog.optimizers[run.optimizer];
    const labels = runLabels(state.runs, this.catalog.optimizers);
    const choices = axisChoices(spec);
    const [ax, ay] = defaultAxes(state, spec);
    const set = (k) => (v) => this.change((s) => {
      s[k] = k === 'mrun' || k === 'mres' ? Number(v) : v;
      if (k === 'mx') s.mxr = null; // another hyperparameter on the axis: its own range
      if (k === 'my') s.myr = null;
    }, { push: true });
    const nodes = [
      select('map-kind', t('map.kind'), [['basin', t('map.basin')], ['hyper', t('map.hyper')]], state.map, set('map')),
      select('map-run', t('map.run'), state.runs.map((r, i) => [String(i), labels[i]]),
        String(Math.min(state.mrun, state.runs.length - 1)), set('mrun')),
    ];
    if (state.map === 'hyper') {
      const opts = choices.map((c) => [c.name, c.name]);
      nodes.push(select('map-x', t('map.x'), opts, ax, set('mx')), select('map-y', t('map.y'), opts, ay, set('my')),
        select('map-color', t('map.color'), [['loss', t('map.byLoss')], ['steps', t('map.bySteps')]], state.mcolor,
          set('mcolor')));
    }
    // L-BFGS runs cell by cell, with a lower cell limit: its map is drawn at most lbfgs_max cells a side.
    const maxRes = run.optimizer === 'lbfgs' ? LIMITS.maps?.resolution.lbfgs_max ?? 16
      : LIMITS.maps?.resolution.max ?? 256;
    const shownRes = Math.min(state.mres, maxRes);
    const resolutions = [...new Set([...RESOLUTIONS.filter((n) => n <= maxRes), shownRes])].sort((a, b) => a - b);
    nodes.push(select('map-res', t('map.resolution'), resolutions.map((n) => [String(n), `${n} × ${n}`]),
      String(shownRes), set('mres')));
    const sig = JSON.stringify([getLang(), state.map, state.mrun, state.mx, state.my, state.mcolor, state.mres,
      labels, run.optimizer]);
    if (sig !== this.toolsSig) {
      this.toolsSig = sig;
      this.tools.replaceChildren(...nodes);
    }
  }

  /** Draws the current frame for `state` (the marker follows the state's settings). */
  async draw(state) {
    await plotlyReady(); // Plotly loads async: a fast frame may arrive first
    const f = this.frame;
    if (!f || !this.meta) return;
    const { data, layout, legend } = this.meta.kind === 'basin' ? this.basin(f, state) : this.hyper(f, state);
    layout.font = { family: FONT, size: 12, color: '#1d2430' };
    layout.paper_bgcolor = 'rgba(0,0,0,0)';
    layout.margin = { l: 58, r: 16, t: 10, b: 44 };
    layout.showlegend = false;
    layout.hovermode = 'closest';
    layout.dragmode = false;
    await Plotly.react(this.plot, data, layout, config({ scrollZoom: false, displayModeBar: false }));
    this.plotted = true;
    this.legend.replaceChildren(...legend);
    if (!this.listened) {
      this.listened = true;
      this.plot.on('plotly_click', (ev) => this.clicked(ev));
    }
    this.debug.mapDraws = (this.debug.mapDraws ?? 0) + 1;
  }

  basin(f, state) {
    const k = this.meta.minima.length;
    const names = [t('map.diverged'), t('map.notConverged'), ...this.meta.minima.map((m, i) =>
      t('map.minimum', { n: i + 1, x: fmt(m[0], 3), y: fmt(m[1], 3) }))];
    const colors = [BLACK, GREY, ...this.meta.minima.map((_, i) => MINIMUM_COLORS[i % MINIMUM_COLORS.length])];
    const counts = new Array(k + 2).fill(0);
    const z = f.final_loss.map((row, j) => row.map((_, i) => {
      const c = f.diverged_at[j][i] >= 0 ? -2 : f.converged[j][i] && f.minimum[j][i] >= 0 ? f.minimum[j][i] : -1;
      counts[c + 2]++;
      return c;
    }));
    const n = k + 2;
    const scale = [];
    colors.forEach((c, i) => {
      scale.push([Math.max(0, (i - 0.5) / (n - 1)), c], [Math.min(1, (i + 0.5) / (n - 1)), c]);
    });
    const text = z.map((row) => row.map((c) => plotlyText(names[c + 2])));
    const start = effectiveStart(state, this.catalog);
    const data = [
      { type: 'heatmap', x: f.x, y: f.y, z, zmin: -2, zmax: k - 1, colorscale: scale, showscale: false, text,
        hovertemplate: `x %{x:.4g}, y %{y:.4g}<br>%{text}<br>${templateText(t('map.clickBasin'))}<extra></extra>` },
      { type: 'scatter', mode: 'markers', x: this.meta.minima.map((m) => m[0]), y: this.meta.minima.map((m) => m[1]),
        marker: { symbol: 'star', size: 14, color: '#ffffff', line: { color: BLACK, width: 1.5 } }, hoverinfo: 'skip' },
      { type: 'scatter', mode: 'markers', x: [start[0]], y: [start[1]], hoverinfo: 'skip',
        marker: { symbol: 'circle-open', size: 13, color: '#ffffff', line: { width: 3 } } },
    ];
    const layout = { xaxis: { title: { text: 'x' }, range: this.meta.domain.x, constrain: 'domain' },
      yaxis: { title: { text: 'y' }, range: this.meta.domain.y } };
    const total = z.length * z[0].length;
    const legend = names.map((name, i) => ({ name, color: colors[i], share: counts[i] / total }))
      .filter((e, i) => i >= 2 || e.share > 0)
      .map((e) => {
        const li = el('li');
        li.append(el('span', { class: 'map-swatch', style: `background:${e.color}` }),
          el('span', {}, `${e.name} — ${fmt(100 * e.share, 3)}%`));
        return li;
      });
    return { data, layout, legend };
  }

  hyper(f, state) {
    const [ay, ax] = this.meta.axes; // rows follow the first axis: the request lists y first
    const tx = (a) => (a.scale === 'log' ? (v) => Math.log10(v) : (v) => v);
    const xs = f.axes[1].values.map(tx(ax));
    const ys = f.axes[0].values.map(tx(ay));
    const bySteps = state.mcolor === 'steps';
    let lo = Infinity;
    for (const row of f.final_loss) for (const v of row) if (v !== null && v < lo) lo = v;
    const shift = lo > 0 ? 0 : -lo + 1e-12 * Math.max(1, Math.abs(lo));
    const z = f.final_loss.map((row, j) => row.map((v, i) => {
      if (f.diverged_at[j][i] >= 0 || v === null) return null;
      if (bySteps) return f.converged[j][i] ? f.steps_to_converge[j][i] : null;
      return Math.log10(Math.max(v + shift, 1e-300));
    }));
    const diverged = f.diverged_at.map((row) => row.map((d) => (d >= 0 ? 1 : null)));
    const run = state.runs[Math.min(state.mrun, state.runs.length - 1)];
    const mx = tx(ax)(axisValue(run.params, ax.name));
    const my = tx(ay)(axisValue(run.params, ay.name));
    const cbTitle = bySteps ? t('map.stepsTitle') : shift ? t('map.logLossShifted') : t('map.logLoss');
    const data = [
      { type: 'heatmap', x: xs, y: ys, z, colorscale: 'Viridis', reversescale: true, hoverongaps: false,
        colorbar: { title: { text: plotlyText(cbTitle), side: 'right' }, thickness: 12 },
        hovertemplate: `${plotlyText(ax.name)} %{x:.3g}, ${plotlyText(ay.name)} %{y:.3g}<br>%{z:.3g}`
          + `<br>${templateText(t('map.clickHyper'))}<extra></extra>` },
      { type: 'heatmap', x: xs, y: ys, z: diverged, colorscale: [[0, BLACK], [1, BLACK]], showscale: false,
        hoverinfo: 'skip' },
      { type: 'scatter', mode: 'markers', x: [mx], y: [my], hoverinfo: 'skip',
        marker: { symbol: 'x-thin-open', size: 16, color: '#ff2d55', line: { width: 3, color: '#ff2d55' } } },
    ];
    const axis = (a, vals) => ({ title: { text: plotlyText(a.scale === 'log' ? `${a.name} (log)` : a.name) },
      range: [vals[0], vals[vals.length - 1]], ...(a.scale === 'log' ? decadeTicks(vals[0], vals[vals.length - 1]) : {}) });
    const layout = { xaxis: axis(ax, xs), yaxis: axis(ay, ys), plot_bgcolor: GREY };
    const legend = [[BLACK, t('map.diverged')], [GREY, bySteps ? t('map.notConverged') : t('map.noValue')],
      ['#ff2d55', t('map.current')]].map(([color, name]) => {
      const li = el('li');
      li.append(el('span', { class: 'map-swatch', style: `background:${color}` }), el('span', {}, name));
      return li;
    });
    return { data, layout, legend };
  }

  clicked(ev) {
    const p = ev.points?.find((q) => q.curveNumber === 0);
    if (!p || !this.frame) return;
    const [j, i] = Array.isArray(p.pointNumber) ? p.pointNumber : [p.pointIndex?.[0], p.pointIndex?.[1]];
    if (!Number.isInteger(i) || !Number.isInteger(j)) return;
    const f = this.frame;
    if (this.meta.kind === 'basin') {
      const start = [f.x[i], f.y[j]];
      this.change((s) => { s.start = start; s.view = '2d'; }, { push: true, restart: true });
      return;
    }
    const values = { [f.axes[1].name]: f.axes[1].values[i], [f.axes[0].name]: f.axes[0].values[j] };
    this.change((s) => {
      const r = s.runs[Math.min(s.mrun, s.runs.length - 1)];
      for (const [name, v] of Object.entries(values)) r.params = setAxisValue(r.params, name, v);
    }, { push: true, restart: true });
  }
}
