// Views: they take data and draw, and change no state. MainPlot is the surface (2-D contour or 3-D surface)
// with one path per run and its moving head; LossChart is loss against step; renderLegend is the results list.
//
// Animation cost: Plotly.restyle with new x/y recomputes every trace, the 150x150 contour included (about 20 fps
// with 13 paths). Plotly.animate with an inline data update and redraw:false (no registered frames, one call per
// requestAnimationFrame) moves only the scatter traces it names, which holds 50-60 fps. 3-D scenes do not take
// that path, so there the paths are restyled, at most 30 times a second.

import { t, fmt } from './i18n.js';

/* global Plotly */

const FONT = 'system-ui, -apple-system, "Segoe UI", "Noto Sans CJK SC", "Noto Sans SC", "PingFang SC", sans-serif';
// A pale blue-to-sand scale, so that paths in the Okabe-Ito colours stay the strongest marks on the plot.
const COLORSCALE = [
  [0, '#9ecae1'], [0.15, '#c6dbef'], [0.35, '#e3edf5'], [0.55, '#f4f2ea'], [0.8, '#f6e3c6'], [1, '#eccaa0'],
];
const CONFIG = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ['lasso2d', 'select2d', 'toImage'] };
const NO_MOTION = { transition: { duration: 0 }, frame: { duration: 0, redraw: false }, mode: 'immediate' };
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
    return { ...styles[i], x, y, loss: r.loss, n, grad: r.grad ?? null, status: r.status, divergedAt: r.diverged_at };
  });
}

export class MainPlot {
  constructor(el, { onPick } = {}) {
    this.el = el;
    this.onPick = onPick;
    this.scene = null;
    this.paths = [];
    this.step = 0;
    this.showLegend = false;
    this.drawn = false;
    this.lastRestyle = 0;
    this.firstPathMarked = false;
    this.pending = null;
    this.listen();
  }

  /** Clicks that did not drag set the start point (2-D: anywhere in the axes; 3-D: on the surface). */
  listen() {
    let down = null;
    this.el.addEventListener('pointerdown', (e) => { down = [e.clientX, e.clientY]; });
    this.el.addEventListener('click', (e) => {
      if (!this.scene || this.scene.view !== '2d' || !down) return;
      if (Math.hypot(e.clientX - down[0], e.clientY - down[1]) > 4) return;
      if (e.target.closest('.modebar')) return;
      const full = this.el._fullLayout;
      if (!full) return;
      const xa = full.xaxis;
      const ya = full.yaxis;
      const box = this.el.getBoundingClientRect();
      const px = e.clientX - box.left - xa._offset;
      const py = e.clientY - box.top - ya._offset;
      if (px < 0 || py < 0 || px > xa._length || py > ya._length) return;
      this.onPick?.([xa.p2c(px), ya.p2c(py)]);
    });
  }

  bindSurfaceClicks() {
    if (this.boundSurfaceClicks || typeof this.el.on !== 'function') return;
    this.boundSurfaceClicks = true;
    this.el.on('plotly_click', (ev) => {
      if (this.scene?.view !== '3d') return;
      const p = ev.points?.[0];
      if (p && p.data?.type === 'surface') this.onPick?.([p.x, p.y]);
    });
  }

  /**
   * scene = {view, grid: {x, y, z}, logScale, domain: {x, y}, minima, start, key}; paths from pathsFrom().
   * Redraws everything (the rare, slow path); showStep() is the per-frame one.
   */
  async draw(scene, paths, step, { legend = false } = {}) {
    this.scene = scene;
    this.paths = paths;
    this.step = step;
    this.showLegend = legend;
    this.tf = makeTransform(scene.grid.z, scene.logScale);
    const { data, layout } = scene.view === '3d' ? this.figure3d() : this.figure2d();
    this.pending = Plotly.react(this.el, data, layout, CONFIG);
    await this.pending;
    this.drawn = true;
    this.bindSurfaceClicks();
    this.markFirstPath();
  }

  markFirstPath() {
    if (this.firstPathMarked) return;
    if (this.paths.some((p) => !p.hidden && Math.min(this.step, p.n - 1) >= 1)) {
      this.firstPathMarked = true;
      performance.mark('first-path');
    }
  }

  colorbar() {
    const { tf } = this;
    const bar = { thickness: 12, len: 0.9, outlinewidth: 0, tickfont: { size: 11 },
      title: { text: plotlyText(t(tf.log ? 'plot.colorLog' : 'plot.color')), side: 'right', font: { size: 12 } } };
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

  hoverTemplate(p) {
    const name = plotlyText(p.name);
    const grad = p.grad ? `<br>${plotlyText(t('hover.grad'))} %{customdata[1]}` : '';
    return `<b>${name}</b><br>${plotlyText(t('hover.step'))} %{pointNumber}<br>x %{x:.5g}<br>y %{y:.5g}`
      + `<br>${plotlyText(t('hover.loss'))} %{customdata[0]:.5g}${grad}<extra></extra>`;
  }

  customData(p) {
    return p.loss.map((l, k) => (p.grad ? [l, `(${fmt(p.grad[k][0])}, ${fmt(p.grad[k][1])})`] : [l]));
  }

  layoutBase() {
    return {
      font: { family: FONT, size: 13, color: '#1d2430' },
      paper_bgcolor: 'rgba(0,0,0,0)',
      margin: { l: 48, r: 8, t: 8, b: 40 },
      hovermode: 'closest',
      hoverlabel: { font: { family: FONT } },
      showlegend: this.showLegend,
      legend: { bgcolor: 'rgba(255,255,255,0.85)', x: 0.01, y: 0.99, xanchor: 'left', yanchor: 'top',
        font: { size: this.showLegend ? 16 : 12 } },
      uirevision: this.scene.key,
      dragmode: 'zoom',
    };
  }

  figure2d() {
    const { scene, tf, paths } = this;
    const z = scene.grid.z.map((row) => row.map(tf.f));
    const data = [{
      type: 'contour', x: scene.grid.x, y: scene.grid.y, z, colorscale: COLORSCALE, ncontours: 28,
      contours: { coloring: 'heatmap', showlines: true },
      line: { width: 0.6, color: 'rgba(40,50,70,0.28)', smoothing: 0.6 },
      colorbar: this.colorbar(), hoverinfo: 'skip', showlegend: false,
    }, {
      type: 'scatter', mode: 'markers', x: scene.minima.map((m) => m[0]), y: scene.minima.map((m) => m[1]),
      marker: { symbol: 'star', size: 15, color: '#ffffff', line: { color: '#1d2430', width: 1.5 } },
      name: plotlyText(t('plot.minimum')), hovertemplate: `${plotlyText(t('plot.minimum'))} (%{x:.4g}, %{y:.4g})<extra></extra>`,
      showlegend: false,
    }, {
      type: 'scatter', mode: 'markers', x: [scene.start[0]], y: [scene.start[1]],
      marker: { symbol: 'circle-open', size: 14, color: '#1d2430', line: { width: 2 } },
      name: plotlyText(t('plot.start')), hovertemplate: `${plotlyText(t('plot.start'))} (%{x:.4g}, %{y:.4g})<extra></extra>`,
      showlegend: false,
    }];
    this.pathBase = data.length;
    for (const p of paths) {
      const [x, y] = this.sliceAt(p, this.step);
      data.push({
        type: 'scatter', mode: 'lines', x, y, name: plotlyText(p.name), visible: p.hidden ? false : true,
        line: { color: p.color, dash: p.dash, width: 2.6 }, customdata: this.customData(p),
        hovertemplate: this.hoverTemplate(p), legendgroup: `run${p.index}`,
      });
    }
    data.push(this.heads2d());
    const layout = {
      ...this.layoutBase(),
      xaxis: { range: [...scene.domain.x], title: { text: 'x' }, zeroline: false, showgrid: false, constrain: 'domain' },
      yaxis: { range: [...scene.domain.y], title: { text: 'y' }, zeroline: false, showgrid: false },
      plot_bgcolor: '#ffffff',
    };
    return { data, layout };
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
      type: 'surface', x: scene.grid.x, y: scene.grid.y, z, colorscale: COLORSCALE, opacity: 0.92,
      showscale: true, colorbar: this.colorbar(), hoverinfo: 'skip', showlegend: false,
      contours: { z: { show: true, usecolormap: false, color: 'rgba(40,50,70,0.25)', width: 1 } },
      lighting: { ambient: 0.75, diffuse: 0.5, specular: 0.05 },
    }];
    const mins = scene.minima.map((m) => m);
    data.push({
      type: 'scatter3d', mode: 'markers', x: mins.map((m) => m[0]), y: mins.map((m) => m[1]),
      z: mins.map(() => tf.tlo), marker: { symbol: 'diamond', size: 6, color: '#ffffff', line: { color: '#1d2430', width: 2 } },
      hoverinfo: 'skip', showlegend: false,
    });
    this.pathBase = data.length;
    for (const p of paths) {
      p.cut3d = this.visible3d(p);
      const [x, y, zz] = this.slice3d(p, this.step);
      data.push({
        type: 'scatter3d', mode: 'lines', x, y, z: zz, name: plotlyText(p.name), visible: p.hidden ? false : true,
        line: { color: p.color, dash: p.dash, width: 6 }, customdata: this.customData(p),
        hovertemplate: this.hoverTemplate(p), legendgroup: `run${p.index}`,
      });
    }
    data.push(this.heads3d());
    const axis = (title, range) => ({ title: { text: title }, range, backgroundcolor: '#ffffff', gridcolor: '#dde3ea' });
    const layout = {
      ...this.layoutBase(),
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
      marker: { size: 6, color: shown.map((p) => p.color), line: { color: '#ffffff', width: 1 } },
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
      Plotly.restyle(this.el, { x: xs, y: ys, z: zs }, idx).catch(() => {});
    } else {
      const data = this.paths.map((p) => {
        const [x, y] = this.sliceAt(p, k);
        return { x, y };
      });
      const h = this.heads2d();
      data.push({ x: h.x, y: h.y });
      Plotly.animate(this.el, { data, traces: idx }, NO_MOTION).catch(() => {});
    }
    this.markFirstPath();
  }

  /** What is plotted now, for the debug hook: each run's visible x and y. */
  plotted() {
    const d = this.el.data || [];
    return this.paths.map((p, i) => {
      const tr = d[this.pathBase + i];
      return tr ? { name: p.name, x: Array.from(tr.x || []), y: Array.from(tr.y || []) } : null;
    });
  }
}

export class LossChart {
  constructor(el) {
    this.el = el;
    this.paths = [];
    this.drawn = false;
    this.lastUpdate = 0;
  }

  async draw(paths, step) {
    this.paths = paths;
    const shown = paths.filter((p) => !p.hidden);
    let positive = true;
    for (const p of shown) for (const l of p.loss) if (!(l > 0)) { positive = false; break; }
    this.log = positive && shown.length > 0;
    const data = paths.map((p) => ({
      type: 'scatter', mode: 'lines', x: p.loss.map((_, k) => k), y: p.loss, name: plotlyText(p.name),
      visible: p.hidden ? false : true, line: { color: p.color, dash: p.dash, width: 2 },
      hovertemplate: `<b>${plotlyText(p.name)}</b><br>${plotlyText(t('hover.step'))} %{x}`
        + `<br>${plotlyText(t('hover.loss'))} %{y:.5g}<extra></extra>`,
    }));
    data.push(this.markers(step));
    const layout = {
      font: { family: FONT, size: 12, color: '#1d2430' },
      paper_bgcolor: 'rgba(0,0,0,0)', plot_bgcolor: '#ffffff',
      margin: { l: 56, r: 10, t: 8, b: 38 }, showlegend: false, hovermode: 'closest',
      xaxis: { title: { text: plotlyText(t('loss.x')) }, zeroline: false, gridcolor: '#e6e9ee' },
      yaxis: { title: { text: plotlyText(t('loss.y')) }, type: this.log ? 'log' : 'linear', exponentformat: 'power',
        gridcolor: '#e6e9ee', zeroline: false },
    };
    await Plotly.react(this.el, data, layout, { displaylogo: false, responsive: true, displayModeBar: false });
    this.drawn = true;
  }

  markers(k) {
    const shown = this.paths.filter((p) => !p.hidden && p.n > 0);
    const at = (p) => Math.min(k, p.n - 1);
    return {
      type: 'scatter', mode: 'markers', x: shown.map(at), y: shown.map((p) => p.loss[at(p)]), hoverinfo: 'skip',
      marker: { size: 9, color: shown.map((p) => p.color), line: { color: '#ffffff', width: 1.5 } }, showlegend: false,
    };
  }

  /** The moving markers, at most 15 times a second: the eye follows the main plot. */
  showStep(k, force = false) {
    if (!this.drawn) return;
    const now = performance.now();
    if (!force && now - this.lastUpdate < 66) return;
    this.lastUpdate = now;
    const m = this.markers(k);
    Plotly.animate(this.el, { data: [{ x: m.x, y: m.y }], traces: [this.paths.length] }, NO_MOTION).catch(() => {});
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
    list.append(li);
  }
}
