// Views: they take data and draw, and change no state. MainPlot is the surface (2-D contour or 3-D surface)
// with one path per run and its moving head; LossChart is loss against step; renderLegend is the results list.
//
// Animation cost: Plotly.restyle with new x/y recomputes and redraws every trace, the 150x150 contour included
// (20-28 ms a frame with 13 paths in headless Chromium). Plotly.animate with an inline data update and
// redraw:false (no registered frames: one call per requestAnimationFrame) re-plots only the scatter traces, which
// holds 50-60 fps; but it drops any non-scatter layer of that graph, so the contour lives in a graph of its own
// underneath. 3-D scenes cannot take that path: there the paths are restyled, at most 30 times a second.
// L-BFGS runs add one trace each to the 2-D top graph: the points its current step evaluated (its line search),
// updated in the same animate call and only when that step changes.

import { t, fmt } from './i18n.js';

/* global Plotly */

const FONT = 'system-ui, -apple-system, "Segoe UI", "Noto Sans CJK SC", "Noto Sans SC", "PingFang SC", sans-serif';
// A pale blue-to-sand scale, so that paths in the Okabe-Ito colours stay the strongest marks on the plot.
const COLORSCALE = [
  [0, '#9ecae1'], [0.15, '#c6dbef'], [0.35, '#e3edf5'], [0.55, '#f4f2ea'], [0.8, '#f6e3c6'], [1, '#eccaa0'],
];
const CONFIG = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ['lasso2d', 'select2d', 'toImage', 'autoScale2d'] };
const STATIC = { staticPlot: true, responsive: true };
const NO_MOTION = { transition: { duration: 0 }, frame: { duration: 0, redraw: false }, mode: 'immediate' };
const DOUBLE_CLICK_MS = 300;
const SUPERSCRIPT = { '-': '⁻', 0: '⁰', 1: '¹', 2: '²', 3: '³', 4: '⁴', 5: '⁵', 6: '⁶', 7: '⁷', 8: '⁸', 9: '⁹' };

/** Text handed to Plotly, which understands a few tags: escape them so a label is only ever text. */
export function plotlyText(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function pow10Label(k) {
  return `10${String(k).split('').map((c) => SUPERSCRIPT[c] ?? c).join('')}`;
}

/**
 * How surface values become colours: log10(f - f_min + eps) when the surface spans decades, else f itself.
 * eps keeps the lowest grid cell finite; it is a millionth of the range, so about six decades show.
 */
export function makeTransform(z, logScale) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const row of z) for (const v of row) if (v !== null && Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  if (!Number.isFinite(lo)) { lo = 0; hi = 1; }
  if (!logScale) return { log: false, f: (v) => v, lo, hi, tlo: lo, thi: hi };
  const eps = Math.max((hi - lo) * 1e-6, 1e-12);
  const f = (v) => (v === null || !Number.isFinite(v) ? null : Math.log10(Math.max(v - lo, 0) + eps));
  return { log: true, f, lo, hi, tlo: f(lo), thi: f(hi) };
}

/** Paths as the plots use them: one entry per run with numbers split into arrays. */
export function pathsFrom(runs, styles) {
  return runs.map((r, i) => {
    const n = r.xy.length;
    const x = new Array(n);
    const y = new Array(n);
    for (let k = 0; k < n; k++) { x[k] = r.xy[k][0]; y[k] = r.xy[k][1]; }
    return { ...styles[i], x, y, loss: r.loss, n, grad: r.grad ?? null, evals: r.evals ?? null, status: r.status,
      divergedAt: r.diverged_at };
  });
}

function quantiles(z, a, b) {
  const v = [];
  for (const row of z) for (const e of row) if (e !== null && Number.isFinite(e)) v.push(e);
  if (!v.length) return [0, 1];
  v.sort((p, q) => p - q);
  const at = (f) => v[Math.min(v.length - 1, Math.max(0, Math.round(f * (v.length - 1))))];
  const lo = at(a);
  const hi = at(b);
  return hi > lo ? [lo, hi] : [v[0], v[v.length - 1] > v[0] ? v[v.length - 1] : v[0] + 1];
}

export class MainPlot {
  // 2-D: two stacked Plotly graphs with identical fixed margins. `base` holds the contour and its colour bar and is
  // drawn only when the surface changes; `top` (transparent) holds minima, start, paths and heads, takes the
  // pointer and is the one animated. Zoom on the top is copied to the base. 3-D: the base alone.
  constructor(el, { onPick } = {}) {
    this.el = el;
    this.base = document.createElement('div');
    this.base.className = 'plot-layer plot-base';
    this.top = document.createElement('div');
    this.top.className = 'plot-layer plot-top';
    el.append(this.base, this.top);
    this.onPick = onPick;
    this.scene = null;
    this.paths = [];
    this.step = 0;
    this.ranges = null; // the 2-D view box {x, y}: the domain, or what the user zoomed to
    this.drawn = false;
    this.lastRestyle = 0;
    this.firstPathMarked = false;
    this.listen();
  }

  /** The graph that holds the paths: the top layer in 2-D, the only one in 3-D. */
  get pathGraph() {
    return this.scene?.view === '3d' ? this.base : this.top;
  }

  /**
   * Clicks that did not drag set the start point (2-D: anywhere in the axes; 3-D: on the surface). A click waits
   * a moment before it counts, because a double-click is Plotly's "zoom back out" and must not move the start.
   */
  listen() {
    let down = null;
    let pending = 0;
    this.top.addEventListener('pointerdown', (e) => { down = [e.clientX, e.clientY]; });
    this.top.addEventListener('dblclick', () => clearTimeout(pending));
    this.top.addEventListener('click', (e) => {
      clearTimeout(pending);
      if (!this.scene || this.scene.view !== '2d' || !down || e.detail > 1) return;
      if (Math.hypot(e.clientX - down[0], e.clientY - down[1]) > 4) return;
      if (e.target.closest('.modebar, .legend')) return;
      const full = this.top._fullLayout;
      if (!full) return;
      const xa = full.xaxis;
      const ya = full.yaxis;
      const box = this.top.getBoundingClientRect();
      const px = e.clientX - box.left - xa._offset;
      const py = e.clientY - box.top - ya._offset;
      if (px < 0 || py < 0 || px > xa._length || py > ya._length) return;
      const point = [xa.p2c(px), ya.p2c(py)];
      pending = setTimeout(() => this.onPick?.(point), DOUBLE_CLICK_MS);
    });
  }

  bindEvents() {
    if (!this.boundBase && typeof this.base.on === 'function') {
      this.boundBase = true;
      this.base.on('plotly_click', (ev) => {
      if (this.scene?.view !== '3d') return;
      const p = ev.points?.[0];
        if (p && p.data?.type === 'surface') this.onPick?.([p.x, p.y]);
      });
    }
    if (this.boundTop || typeof this.top.on !== 'function') return;
    this.boundTop = true;
    this.top.on('plotly_relayout', (ev) => {
      if (!this.scene || this.scene.view !== '2d' || this.syncing) return;
      const keys = Object.keys(ev);
      if (!keys.some((k) => k.startsWith('xaxis') || k.startsWith('yaxis'))) return;
      if (ev['xaxis.autorange'] || ev['yaxis.autorange']) this.ranges = null;
      else {
        const xa = this.top._fullLayout.xaxis;
        const ya = this.top._fullLayout.yaxis;
        this.ranges = { x: [...xa.range], y: [...ya.range] };
      }
      this.applyRanges();
    });
  }

  /** Puts both layers on the current view box (after a zoom, or a double-click back to the domain). */
  applyRanges() {
    const r = this.ranges ?? this.scene.domain;
    const upd = { 'xaxis.range': [...r.x], 'yaxis.range': [...r.y], 'xaxis.autorange': false, 'yaxis.autorange': false };
    this.syncing = true;
    Promise.all([Plotly.relayout(this.top, upd), Plotly.relayout(this.base, upd)])
      .catch(() => {}).finally(() => { this.syncing = false; });
  }

  /**
   * scene = {view, grid: {x, y, z}, logScale, domain: {x, y}, minima, start, key}; paths from pathsFrom().
   * Redraws everything (the rare, slow path); showStep() is the per-frame one.
   */
  async draw(scene, paths, step, { legend = false, large = false } = {}) {
    this.large = large;
    const sceneChanged = !this.scene || this.scene.key !== scene.key || this.scene.grid !== scene.grid;
    if (!this.scene || this.scene.key !== scene.key) this.ranges = null;
    this.scene = scene;
    this.paths = paths;
    this.step = step;
    this.showLegend = legend;
    this.tf = makeTransform(scene.grid.z, scene.logScale);
    this.shownStep = step;
    if (scene.view === '3d') {
      this.top.hidden = true;
      if (this.drawn2d) Plotly.purge(this.top);
      this.boundTop = false;
      const { data, layout } = this.figure3d();
      await Plotly.react(this.base, data, layout, CONFIG);
    } else {
      this.top.hidden = false;
      const jobs = [];
      if (sceneChanged || !this.drawn2d) jobs.push(Plotly.react(this.base, [this.contour()], this.layout2d(false), STATIC));
      const { data, layout } = this.figure2d();
      jobs.push(Plotly.react(this.top, data, layout, CONFIG));
      await Promise.all(jobs);
      this.drawn2d = true;
    }
    if (scene.view === '3d') this.drawn2d = false;
    this.drawn = true;
    this.bindEvents();
    this.markFirstPath();
  }

  markFirstPath() {
    if (this.firstPathMarked) return;
    if (this.paths.some((p) => !p.hidden && Math.min(this.step, p.n - 1) >= 1)) {
      this.firstPathMarked = true;
      performance.mark('first-path');
    }
  }

  narrow() {
    return this.el.clientWidth < 520;
  }

  legendFont() {
    return this.large ? 20 : 14;
  }

  /** Rows the horizontal legend needs, estimated from the names' lengths (Plotly wraps it by itself). */
  legendRows() {
    if (!this.showLegend) return 0;
    const f = this.legendFont();
    const shown = this.paths.filter((p) => !p.hidden);
    const width = shown.reduce((w, p) => w + 3.4 * f + 0.62 * f * p.name.length, 0);
    return Math.max(1, Math.ceil(width / Math.max(200, this.el.clientWidth - 60)));
  }

  colorbar() {
    const { tf } = this;
    const bar = { thickness: this.narrow() ? 8 : 12, len: 1, x: 1.012, xanchor: 'left', y: 0.5, outlinewidth: 0,
      tickfont: { size: this.narrow() ? 10 : 11 },
      title: { text: this.narrow() ? '' : plotlyText(t(tf.log ? 'plot.colorLog' : 'plot.color')), side: 'right',
        font: { size: 12 } } };
    if (tf.log) {
      const vals = [];
      for (let k = Math.ceil(tf.tlo); k <= Math.floor(tf.thi); k++) vals.push(k);
      bar.tickvals = vals;
      bar.ticktext = vals.map(pow10Label);
    }
    return bar;
  }

  sliceAt(p, k) {
    const m = Math.min(k, p.n - 1) + 1;
    return [p.x.slice(0, m), p.y.slice(0, m)];
  }

  // Hover: step (the point's index), x, y, loss, and the gradient when the API sends one (`grad`, per point).
  // customdata stays a flat list of numbers when there is no gradient: cheaper for every animation frame.
  hoverTemplate(p) {
    const name = plotlyText(p.name);
    const loss = p.grad ? '%{customdata[0]:.5g}' : '%{customdata:.5g}';
    const grad = p.grad ? `<br>${plotlyText(t('hover.grad'))} %{customdata[1]}` : '';
    return `<b>${name}</b><br>${plotlyText(t('hover.step'))} %{pointNumber}<br>x %{x:.5g}<br>y %{y:.5g}`
      + `<br>${plotlyText(t('hover.loss'))} ${loss}${grad}<extra></extra>`;
  }

  customData(p) {
    if (!p.grad) return p.loss;
    const g = (k) => (p.grad[k] ? `(${fmt(p.grad[k][0])}, ${fmt(p.grad[k][1])})` : '');
    return p.loss.map((l, k) => [l, g(k)]);
  }

  layout2d(top) {
    const r = this.ranges ?? this.scene.domain;
    const axis = (title, range) => ({
      range: [...range], autorange: false, title: { text: top ? '' : title }, zeroline: false, showgrid: false,
      showticklabels: !top, ticks: top ? '' : 'outside', showline: !top, linecolor: '#9aa5b1', mirror: !top,
    });
    return {
      font: { family: FONT, size: this.large ? 18 : 13, color: '#1d2430' },
      paper_bgcolor: 'rgba(0,0,0,0)',
      plot_bgcolor: top ? 'rgba(0,0,0,0)' : '#ffffff',
      // Both layers keep exactly these margins (no automatic growth), so their axes line up to the pixel.
      margin: { ...(this.narrow() ? { l: 40, r: 52, t: 6, b: 38 } : { l: 52, r: 84, t: 8, b: 44 }),
        t: this.legendRows() * Math.round(this.legendFont() * 1.7) + (this.narrow() ? 6 : 8), autoexpand: false },
      xaxis: axis('x', r.x),
      yaxis: axis('y', r.y),
      hovermode: top ? 'closest' : false,
      hoverlabel: { font: { family: FONT } },
      // Present and embed modes have no results panel: the figure names its runs in a row above the plot.
      showlegend: top && this.showLegend,
      legend: { orientation: 'h', x: 0, xanchor: 'left', y: 1, yanchor: 'bottom', font: { size: this.legendFont() },
        itemwidth: 40, tracegroupgap: 0 },
      dragmode: 'zoom',
    };
  }

  contour() {
    const { scene, tf } = this;
    const z = scene.grid.z.map((row) => row.map(tf.f));
    // Colours span the 1st to 99th percentile, so one steep corner does not wash out the rest of the plane.
    const [zmin, zmax] = quantiles(z, 0.01, 0.99);
    return {
      type: 'contour', x: scene.grid.x, y: scene.grid.y, z, zmin, zmax, zauto: false,
      colorscale: COLORSCALE, ncontours: 28, contours: { coloring: 'heatmap', showlines: true },
      line: { width: 0.6, color: 'rgba(40,50,70,0.28)', smoothing: 0.6 },
      colorbar: this.colorbar(), hoverinfo: 'skip', showlegend: false,
    };
  }

  figure2d() {
    const { scene, paths } = this;
    const data = [{
      type: 'scatter', mode: 'markers', x: scene.minima.map((m) => m[0]), y: scene.minima.map((m) => m[1]),
      marker: { symbol: 'star', size: 16, color: '#ffffff', line: { color: '#1d2430', width: 1.5 } },
      name: plotlyText(t('plot.minimum')), hovertemplate: `${plotlyText(t('plot.minimum'))} (%{x:.4g}, %{y:.4g})<extra></extra>`,
      showlegend: false,
    }, {
      type: 'scatter', mode: 'markers', x: [scene.start[0]], y: [scene.start[1]],
      marker: { symbol: 'circle-open', size: 15, color: '#1d2430', line: { width: 2 } },
      name: plotlyText(t('plot.start')), hovertemplate: `${plotlyText(t('plot.start'))} (%{x:.4g}, %{y:.4g})<extra></extra>`,
      showlegend: false,
    }];
    this.pathBase = data.length;
    for (const p of paths) {
      const [x, y] = this.sliceAt(p, this.step);
      data.push({
        type: 'scatter', mode: 'lines', x, y, name: plotlyText(p.name), visible: p.hidden ? false : true,
        line: { color: p.color, dash: p.dash, width: 2.6 }, customdata: this.customData(p),
        hovertemplate: this.hoverTemplate(p),
      });
    }
    // Under the heads, so the step's last evaluation (usually the new point) does not hide its head.
    this.evalTraces = [];
    paths.forEach((p, i) => {
      if (!p.evals) return;
      this.evalTraces.push({ run: i, trace: data.length });
      data.push(this.evals2d(p, this.step));
    });
    this.headsIndex = data.length;
    data.push(this.heads2d());
    return { data, layout: this.layout2d(true) };
  }

  /**
   * The points where L-BFGS evaluated the objective during the step that ended at the head (point k, or the last
   * point once the run has ended), in evaluation order, joined by a dotted line. The first evaluation of a step
   * is always at its start point xy[k-1] (torch's step() calls the closure there first), so the line starts there.
   */
  evalPoints(p, k) {
    const at = Math.min(k, p.n - 1);
    const pts = (at > 0 && p.evals[at]) || [];
    const x = new Array(pts.length);
    const y = new Array(pts.length);
    const cd = new Array(pts.length);
    for (let j = 0; j < pts.length; j++) {
      x[j] = pts[j]?.[0] ?? null; // a non-finite evaluation comes as null: a gap
      y[j] = pts[j]?.[1] ?? null;
      cd[j] = [j + 1, at];
    }
    return { x, y, customdata: cd };
  }

  evals2d(p, k) {
    const text = plotlyText(t('hover.evaluation', { j: '%{customdata[0]}', k: '%{customdata[1]}' }));
    return {
      type: 'scatter', mode: 'lines+markers', ...this.evalPoints(p, k), uid: `evals-${p.index}`,
      name: plotlyText(p.name), visible: p.hidden ? false : true, showlegend: false, cliponaxis: true,
      line: { color: p.color, width: 1.2, dash: 'dot' },
      marker: { symbol: 'circle-open', size: 8, color: p.color, line: { width: 1.6 } },
      hovertemplate: `<b>${plotlyText(p.name)}</b><br>${text}<br>x %{x:.5g}<br>y %{y:.5g}<extra></extra>`,
    };
  }

  heads2d() {
    const shown = this.paths.filter((p) => !p.hidden && p.n > 0);
    const k = this.step;
    return {
      type: 'scatter', mode: 'markers', x: shown.map((p) => p.x[Math.min(k, p.n - 1)]),
      y: shown.map((p) => p.y[Math.min(k, p.n - 1)]), hoverinfo: 'skip', showlegend: false,
      marker: { size: 12, color: shown.map((p) => p.color), line: { color: '#ffffff', width: 2 } },
    };
  }

  // 3-D: the paths ride on the surface at height transform(loss); points that leave the box are not drawn.
  visible3d(p) {
    const { scene, tf } = this;
    const [x0, x1] = scene.domain.x;
    const [y0, y1] = scene.domain.y;
    const mx = (x1 - x0) * 0.02;
    const my = (y1 - y0) * 0.02;
    let m = 0;
    while (m < p.n) {
      const z = tf.f(p.loss[m]);
      if (p.x[m] < x0 - mx || p.x[m] > x1 + mx || p.y[m] < y0 - my || p.y[m] > y1 + my) break;
      if (z === null || z < tf.tlo - 0.05 * (tf.thi - tf.tlo) || z > tf.thi) break;
      m++;
    }
    return m;
  }

  slice3d(p, k) {
    const m = Math.min(k + 1, p.cut3d);
    const lift = (this.tf.thi - this.tf.tlo) * 0.01;
    return [p.x.slice(0, m), p.y.slice(0, m), p.loss.slice(0, m).map((l) => this.tf.f(l) + lift)];
  }

  figure3d() {
    const { scene, tf, paths } = this;
    const z = scene.grid.z.map((row) => row.map(tf.f));
    const data = [{
      type: 'surface', x: scene.grid.x, y: scene.grid.y, z, colorscale: COLORSCALE, opacity: 0.85,
      showscale: true, colorbar: { ...this.colorbar(), x: 1, len: 0.8 }, hoverinfo: 'skip', showlegend: false,
      contours: { z: { show: true, usecolormap: false, color: 'rgba(40,50,70,0.25)', width: 1 } },
      lighting: { ambient: 0.75, diffuse: 0.5, specular: 0.05 },
    }];
    data.push({
      type: 'scatter3d', mode: 'markers', x: scene.minima.map((m) => m[0]), y: scene.minima.map((m) => m[1]),
      z: scene.minima.map(() => tf.tlo), hoverinfo: 'skip', showlegend: false,
      marker: { symbol: 'diamond', size: 6, color: '#ffffff', line: { color: '#1d2430', width: 2 } },
    });
    this.pathBase = data.length;
    for (const p of paths) {
      p.cut3d = this.visible3d(p);
      const [x, y, zz] = this.slice3d(p, this.step);
      data.push({
        type: 'scatter3d', mode: 'lines', x, y, z: zz, name: plotlyText(p.name), visible: p.hidden ? false : true,
        line: { color: p.color, dash: p.dash, width: 7 }, customdata: this.customData(p),
        hovertemplate: this.hoverTemplate(p),
      });
    }
    data.push(this.heads3d());
    const axis = (title, range) => ({ title: { text: title }, range, backgroundcolor: '#ffffff', gridcolor: '#dde3ea' });
    const layout = {
      font: { family: FONT, size: 13, color: '#1d2430' },
      paper_bgcolor: 'rgba(0,0,0,0)',
      hoverlabel: { font: { family: FONT } },
      showlegend: this.showLegend,
      legend: { bgcolor: 'rgba(255,255,255,0.88)', x: 0.01, y: 0.99, font: { size: this.legendFont() } },
      uirevision: scene.key,
      scene: {
        xaxis: axis('x', [...scene.domain.x]), yaxis: axis('y', [...scene.domain.y]),
        zaxis: axis(plotlyText(t(tf.log ? 'plot.zlog' : 'plot.z')), [tf.tlo - 0.05 * (tf.thi - tf.tlo), tf.thi]),
        aspectmode: 'manual', aspectratio: { x: 1, y: 1, z: 0.7 },
        camera: { eye: { x: 1.55, y: -1.55, z: 0.95 } },
      },
      margin: { l: 0, r: 0, t: 0, b: 0 },
    };
    return { data, layout };
  }

  heads3d() {
    const shown = this.paths.filter((p) => !p.hidden && p.cut3d > 0);
    const lift = (this.tf.thi - this.tf.tlo) * 0.01;
    const at = (p) => Math.min(this.step, p.cut3d - 1);
    return {
      type: 'scatter3d', mode: 'markers', x: shown.map((p) => p.x[at(p)]), y: shown.map((p) => p.y[at(p)]),
      z: shown.map((p) => this.tf.f(p.loss[at(p)]) + lift), hoverinfo: 'skip', showlegend: false,
      marker: { size: 8, color: shown.map((p) => p.color), line: { color: '#ffffff', width: 1 } },
    };
  }

  /** The per-frame update: path k of every run, and the heads. */
  showStep(k) {
    if (!this.drawn || !this.scene) return;
    this.step = k;
    const idx = this.paths.map((_, i) => this.pathBase + i);
    idx.push(this.pathBase + this.paths.length);
    if (this.scene.view === '3d') {
      const now = performance.now();
      if (now - this.lastRestyle < 33) return;
      this.lastRestyle = now;
      const xs = []; const ys = []; const zs = [];
      for (const p of this.paths) {
        const [x, y, z] = this.slice3d(p, k);
        xs.push(x); ys.push(y); zs.push(z);
      }
      const h = this.heads3d();
      xs.push(h.x); ys.push(h.y); zs.push(h.z);
      Plotly.restyle(this.base, { x: xs, y: ys, z: zs }, idx).catch(() => {});
    } else {
      // Only the paths whose visible part changes (a finished or diverged path stays as it is), and the heads.
      const prev = this.shownStep ?? -1;
      const data = [];
      const traces = [];
      this.paths.forEach((p, i) => {
        if (Math.min(k, p.n - 1) === Math.min(prev, p.n - 1)) return;
        const [x, y] = this.sliceAt(p, k);
        data.push({ x, y });
        traces.push(this.pathBase + i);
      });
      for (const { run, trace } of this.evalTraces) {
        const p = this.paths[run];
        if (Math.min(k, p.n - 1) === Math.min(prev, p.n - 1)) continue;
        data.push(this.evalPoints(p, k));
        traces.push(trace);
      }
      const h = this.heads2d();
      data.push({ x: h.x, y: h.y });
      traces.push(this.headsIndex);
      Plotly.animate(this.top, { data, traces }, NO_MOTION).catch(() => {});
    }
    this.shownStep = k;
    this.markFirstPath();
  }

  /** The evaluation traces drawn now, for the debug hook: per L-BFGS run its points and their hover data. */
  evaluations() {
    if (this.scene?.view !== '2d') return [];
    const d = this.top.data || [];
    return (this.evalTraces ?? []).map(({ run, trace }) => {
      const tr = d[trace] ?? {};
      return { run, uid: tr.uid, visible: tr.visible, x: Array.from(tr.x || []), y: Array.from(tr.y || []),
        customdata: Array.from(tr.customdata || []) };
    });
  }

  /** What is plotted now, for the debug hook: each run's visible x and y. */
  plotted() {
    const d = this.pathGraph.data || [];
    return this.paths.map((p, i) => {
      const tr = d[this.pathBase + i];
      return tr ? { name: p.name, x: Array.from(tr.x || []), y: Array.from(tr.y || []) } : null;
    });
  }
}

export class LossChart {
  // The curves are drawn once per result; the current step is a line and one dot per run in a plain DOM overlay,
  // placed with the chart's own axis mapping, so following the animation costs no Plotly work at all.
  constructor(el, overlay) {
    this.el = el;
    this.overlay = overlay;
    this.paths = [];
    this.drawn = false;
  }

  async draw(paths, step, domain) {
    this.paths = paths;
    const shown = paths.filter((p) => !p.hidden);
    let positive = true;
    for (const p of shown) for (const l of p.loss) if (!(l > 0)) { positive = false; break; }
    this.log = positive && shown.length > 0;
    const range = this.onMapRange(shown, domain);
    const data = paths.map((p) => ({
      type: 'scatter', mode: 'lines', x: p.loss.map((_, k) => k), y: p.loss, name: plotlyText(p.name),
      visible: p.hidden ? false : true, line: { color: p.color, dash: p.dash, width: 2 },
      hovertemplate: `<b>${plotlyText(p.name)}</b><br>${plotlyText(t('hover.step'))} %{x}`
        + `<br>${plotlyText(t('hover.loss'))} %{y:.5g}<extra></extra>`,
    }));
    const layout = {
      font: { family: FONT, size: 12, color: '#1d2430' },
      paper_bgcolor: 'rgba(0,0,0,0)', plot_bgcolor: '#ffffff',
      margin: { l: 56, r: 10, t: 8, b: 38 }, showlegend: false, hovermode: 'closest',
      xaxis: { title: { text: plotlyText(t('loss.x')) }, zeroline: false, gridcolor: '#e6e9ee' },
      yaxis: { title: { text: plotlyText(t('loss.y')) }, type: this.log ? 'log' : 'linear', exponentformat: 'power',
        gridcolor: '#e6e9ee', zeroline: false, ...(range ? { range, autorange: false } : {}) },
    };
    await Plotly.react(this.el, data, layout, { displaylogo: false, responsive: true, displayModeBar: false });
    if (!this.drawn) this.el.on('plotly_afterplot', () => this.showStep(this.step)); // resizes move the axes
    this.drawn = true;
    this.overlay.replaceChildren();
    this.line = document.createElement('div');
    this.line.className = 'loss-now';
    this.overlay.append(this.line);
    this.dots = shown.map((p) => {
      const d = document.createElement('span');
      d.className = 'loss-dot';
      d.style.background = p.color;
      this.overlay.append(d);
      return [p, d];
    });
    this.showStep(step);
  }

  /**
   * The y range of the losses while the paths are on the map. A run that leaves the plotted box (an escape from
   * the saddle) can reach -1e12 and would flatten everything else; its tail runs off the chart instead.
   * Undefined (autorange) when no path leaves the box.
   */
  onMapRange(shown, domain) {
    if (!domain) return undefined;
    const [x0, x1] = domain.x;
    const [y0, y1] = domain.y;
    const mx = (x1 - x0) * 0.05;
    const my = (y1 - y0) * 0.05;
    let lo = Infinity;
    let hi = -Infinity;
    let cut = false;
    for (const p of shown) {
      for (let k = 0; k < p.n; k++) {
        if (p.x[k] < x0 - mx || p.x[k] > x1 + mx || p.y[k] < y0 - my || p.y[k] > y1 + my) { cut = true; break; }
        const l = p.loss[k];
        if (Number.isFinite(l) && (!this.log || l > 0)) { lo = Math.min(lo, l); hi = Math.max(hi, l); }
      }
    }
    if (!cut || !(hi > lo)) return undefined;
    if (this.log) {
      const a = Math.log10(lo);
      const b = Math.log10(hi);
      return [a - 0.05 * (b - a), b + 0.05 * (b - a)];
    }
    return [lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo)];
  }

  showStep(k) {
    this.step = k;
    const full = this.el._fullLayout;
    if (!this.drawn || !full || !this.line) return;
    const xa = full.xaxis;
    const ya = full.yaxis;
    const left = xa._offset + xa.l2p(k);
    this.line.style.transform = `translate(${left}px, ${ya._offset}px)`;
    this.line.style.height = `${ya._length}px`;
    for (const [p, d] of this.dots) {
      const l = p.loss[Math.min(k, p.n - 1)];
      const v = this.log ? (l > 0 ? Math.log10(l) : NaN) : l;
      const y = ya.l2p(v);
      const px = xa.l2p(Math.min(k, p.n - 1));
      const inside = Number.isFinite(y) && y >= 0 && y <= ya._length;
      d.hidden = !inside;
      if (inside) d.style.transform = `translate(${xa._offset + px}px, ${ya._offset + y}px)`;
    }
  }
}

const DASH_SVG = {
  solid: '', dash: '9 5', dot: '2.5 3.5', dashdot: '9 3 2.5 3', longdash: '16 5', longdashdot: '16 4 2.5 4',
};

/** A small line in the run's colour and dash pattern. */
export function swatch(color, dash, title) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 36 10');
  svg.setAttribute('width', '36');
  svg.setAttribute('height', '10');
  svg.setAttribute('class', 'swatch');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', title);
  const line = document.createElementNS(ns, 'line');
  line.setAttribute('x1', '1');
  line.setAttribute('x2', '35');
  line.setAttribute('y1', '5');
  line.setAttribute('y2', '5');
  line.setAttribute('stroke', color);
  line.setAttribute('stroke-width', '3');
  if (DASH_SVG[dash]) line.setAttribute('stroke-dasharray', DASH_SVG[dash]);
  svg.append(line);
  return svg;
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** "N evaluations in M steps" for an L-BFGS run: evals[0] belongs to the start point, not to a step. */
export function evalsNote(evals) {
  const m = Math.max(0, evals.length - 1);
  let n = 0;
  for (const e of evals) n += e ? e.length : 0;
  if (m !== 1) return t('legend.evals', { n, m });
  return t(n === 1 ? 'legend.evalOneStep' : 'legend.evalsOneStep', { n });
}

/**
 * The results list: per run its line style, name, final loss, distance to the nearest known minimum and where
 * it diverged. Each entry is a toggle button that hides or shows the run.
 */
export function renderLegend(list, paths, minima, { pending = false, onToggle } = {}) {
  list.replaceChildren();
  for (const p of paths) {
    const li = el('li', 'legend-item');
    const btn = el('button', 'legend-toggle');
    btn.type = 'button';
    btn.setAttribute('aria-pressed', p.hidden ? 'false' : 'true');
    btn.addEventListener('click', () => onToggle?.(p.index));
    btn.append(swatch(p.color, p.dash, t('legend.swatch', { name: p.name })));
    btn.append(el('span', 'legend-name', p.name));
    if (p.hidden) btn.append(el('span', 'legend-hidden', t('legend.hidden')));
    li.append(btn);
    const facts = el('p', 'legend-facts');
    if (pending || !p.n) {
      facts.textContent = t('legend.pending');
    } else {
      const last = p.n - 1;
      const parts = [t('legend.final', { v: fmt(p.loss[last]) })];
      if (minima.length) {
        const d = Math.min(...minima.map((m) => Math.hypot(p.x[last] - m[0], p.y[last] - m[1])));
        parts.push(t('legend.dist', { v: fmt(d, 3) }));
      } else {
        parts.push(t('legend.noMin'));
      }
      facts.textContent = parts.join(' · ');
      if (p.divergedAt !== null && p.divergedAt !== undefined) {
        facts.append(' · ');
        facts.append(el('strong', 'legend-diverged', t('legend.diverged', { k: p.divergedAt })));
      }
    }
    li.append(facts);
    if (!pending && p.evals) li.append(el('p', 'legend-facts legend-evals', evalsNote(p.evals)));
    list.append(li);
  }
}
