// The 2-D view: two stacked Plotly graphs with identical fixed margins. `base` holds the contour and its colour
// bar and is drawn only when the surface changes; `top` (transparent) holds minima, start, paths, heads and
// divergence marks, takes the pointer and is the one animated.
//
// Animation cost: Plotly.restyle with new x/y recomputes and redraws every trace, the 150x150 contour included
// (20-28 ms a frame with 13 paths in headless Chromium). Plotly.animate with an inline data update and
// redraw:false (no registered frames: one call per requestAnimationFrame) re-plots only the scatter traces, which
// holds 50-60 fps; but it drops any non-scatter layer of that graph, hence the contour's graph of its own.
// L-BFGS runs add one trace each: the points its current step evaluated (its line search), updated in the same
// animate call and only when that step changes.

/* global Plotly */

import { t } from './i18n.js';
import { clientToData, shownRanges } from './plotly-adapter.js';
import { fillShallowPits } from './pits.js';
import { FONT, COLORSCALE, config, plotlyText, templateText, colorbar, quantiles, hoverTemplate, customData,
  at, drawnPaths } from './plot-common.js';

const STATIC = { staticPlot: true };
const NO_MOTION = { transition: { duration: 0 }, frame: { duration: 0, redraw: false }, mode: 'immediate' };
const DOUBLE_CLICK_MS = 300;
const CONTOURS = 28; // Plotly's most contour levels; its step is a round number at or above (zmax - zmin) / 28

export class Plot2D {
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
    this.ranges = null; // the view box {x, y}: the domain, or what the user zoomed to
    this.drawn = false;
    this.extra = null; // (k) => extra traces drawn above the heads (the inspector's arrows); a fixed count per draw
    this.listen();
  }

  /** Extra traces above the heads, e.g. the inspector's arrows: fn(k) gives them for step k. */
  setExtra(fn) {
    this.extra = fn;
  }

  get graphs() {
    return [this.base, this.top];
  }

  show(on) {
    this.base.hidden = !on;
    this.top.hidden = !on;
  }

  /**
   * Clicks that did not drag set the start point. A click waits a moment before it counts, because a
   * double-click is Plotly's "zoom back out" and must not move the start.
   */
  listen() {
    let down = null;
    let pending = 0;
    this.top.addEventListener('pointerdown', (e) => { down = [e.clientX, e.clientY]; });
    this.top.addEventListener('dblclick', () => clearTimeout(pending));
    this.top.addEventListener('click', (e) => {
      clearTimeout(pending);
      if (!this.scene || !down || e.detail > 1) return;
      if (Math.hypot(e.clientX - down[0], e.clientY - down[1]) > 4) return;
      if (e.target.closest('.modebar, .legend')) return;
      const point = clientToData(this.top, e.clientX, e.clientY);
      if (point) pending = setTimeout(() => this.onPick?.(point), DOUBLE_CLICK_MS);
    });
  }

  bindZoom() {
    if (this.boundTop || typeof this.top.on !== 'function') return;
    this.boundTop = true;
    this.top.on('plotly_relayout', (ev) => {
      if (!this.scene || this.syncing) return;
      const keys = Object.keys(ev);
      if (!keys.some((k) => k.startsWith('xaxis') || k.startsWith('yaxis'))) return;
      this.ranges = ev['xaxis.autorange'] || ev['yaxis.autorange'] ? null : shownRanges(this.top);
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

  /** Redraws everything (the rare, slow path); showStep() is the per-frame one. */
  async draw(scene, paths, step, opts) {
    const sceneChanged = !this.drawn || this.scene.key !== scene.key || this.scene.grid !== scene.grid
      || this.opts?.large !== opts.large || this.opts?.equal !== opts.equal;
    if (!this.scene || this.scene.key !== scene.key) this.ranges = null;
    this.scene = scene;
    this.paths = paths;
    this.step = step;
    this.shownStep = step;
    this.opts = opts;
    this.show(true);
    // Plotly.animate applies its data a frame after the call: a frame still on its way was meant for the old
    // traces and must land before they are replaced (13 runs' trace numbers applied to 2 runs' traces threw).
    await this.animating;
    const jobs = [];
    if (sceneChanged) jobs.push(Plotly.react(this.base, [this.contour()], this.layout(false), config(STATIC)));
    const { data, layout } = this.figure();
    jobs.push(Plotly.react(this.top, data, layout, config()));
    await Promise.all(jobs);
    this.drawn = true;
    this.bindZoom();
  }

  narrow() {
    return this.el.clientWidth < 520;
  }

  legendFont() {
    return this.opts.large ? 22 : 14;
  }

  /** Rows the horizontal legend needs, estimated from the names' lengths (Plotly wraps it by itself). */
  legendRows() {
    if (!this.opts.legend) return 0;
    const f = this.legendFont();
    const shown = this.paths.filter((p) => !p.hidden);
    const width = shown.reduce((w, p) => w + 3.4 * f + 0.62 * f * p.name.length, 0);
    return Math.max(1, Math.ceil(width / Math.max(200, this.el.clientWidth - 60)));
  }

  layout(top) {
    const { large, equal } = this.opts;
    const r = this.ranges ?? this.scene.domain;
    const tick = large ? 18 : 13;
    const axis = (title, range) => ({
      range: [...range], autorange: false, title: { text: top ? '' : title }, zeroline: false, showgrid: false,
      showticklabels: !top, ticks: top ? '' : 'outside', showline: !top, linecolor: '#9aa5b1', mirror: !top,
      tickfont: { size: tick }, constrain: 'domain',
    });
    const m = large ? { l: 70, r: 130, b: 60 } : this.narrow() ? { l: 40, r: 52, b: 38 } : { l: 52, r: 84, b: 44 };
    const names = this.scene.axes ?? ['x', 'y']; // model mode's line names them w and b
    const yaxis = axis(names[1], r.y);
    // Equal scale: one unit of y is as long as one of x, so gradients look perpendicular to contours. Both
    // layers get the same constraint and margins, so they shrink their plot areas alike and stay aligned.
    Object.assign(yaxis, equal ? { scaleanchor: 'x', scaleratio: 1 } : { scaleanchor: false });
    return {
      font: { family: FONT, size: tick, color: '#1d2430' },
      paper_bgcolor: 'rgba(0,0,0,0)',
      plot_bgcolor: top ? 'rgba(0,0,0,0)' : '#ffffff',
      margin: { ...m, t: this.legendRows() * Math.round(this.legendFont() * 1.7) + (this.narrow() ? 6 : 8),
        autoexpand: false },
      xaxis: axis(names[0], r.x),
      yaxis,
      hovermode: top ? 'closest' : false,
      hoverlabel: { font: { family: FONT, size: large ? 18 : 13 } },
      // Present and embed modes have no results panel: the figure names its runs in a row above the plot.
      showlegend: top && this.opts.legend,
      legend: { orientation: 'h', x: 0, xanchor: 'left', y: 1, yanchor: 'bottom', font: { size: this.legendFont() },
        itemwidth: 40, tracegroupgap: 0 },
      dragmode: 'zoom',
    };
  }

  contour() {
    const { scene } = this;
    const tf = scene.tf;
    const drawn = scene.grid.z.map((row) => row.map(tf.f));
    // Colours span the 1st to 99th percentile, so one steep corner does not wash out the rest of the plane.
    const [zmin, zmax] = quantiles(drawn, 0.01, 0.99);
    // A pit of the sampled trough floor shallower than a quarter of a contour step is the grid's, not the
    // function's, and a level just above it draws a dash: fill such pits (colours move by less than that).
    const z = fillShallowPits(drawn, ((zmax - zmin) / CONTOURS) * 0.25);
    return {
      type: 'contour', x: scene.grid.x, y: scene.grid.y, z, zmin, zmax, zauto: false,
      colorscale: COLORSCALE, ncontours: CONTOURS, contours: { coloring: 'heatmap', showlines: true },
      // No smoothing: smoothed contour lines overshoot between steep neighbouring cells (grey dashes on Beale).
      line: { width: 0.6, color: 'rgba(40,50,70,0.28)', smoothing: 0 },
      colorbar: colorbar(tf, { narrow: this.narrow(), large: this.opts.large }), hoverinfo: 'skip', showlegend: false,
    };
  }

  figure() {
    const { scene, paths } = this;
    const { large } = this.opts;
    const minimum = templateText(t('plot.minimum'));
    const start = templateText(t('plot.start'));
    const data = [{
      type: 'scatter', mode: 'markers', x: scene.minima.map((m) => m[0]), y: scene.minima.map((m) => m[1]),
      marker: { symbol: 'star', size: large ? 24 : 16, color: '#ffffff', line: { color: '#1d2430', width: 1.5 } },
      name: plotlyText(t('plot.minimum')), hovertemplate: `${minimum} (%{x:.4g}, %{y:.4g})<extra></extra>`,
      showlegend: false,
    }, {
      type: 'scatter', mode: 'markers', x: [scene.start[0]], y: [scene.start[1]],
      marker: { symbol: 'circle-open', size: large ? 22 : 15, color: '#1d2430', line: { width: 2 } },
      name: plotlyText(t('plot.start')), hovertemplate: `${start} (%{x:.4g}, %{y:.4g})<extra></extra>`,
      showlegend: false,
    }];
    this.pathBase = data.length;
    for (const p of paths) {
      const m = at(p, this.step) + 1;
      data.push({
        type: 'scatter', mode: 'lines', x: p.x.slice(0, m), y: p.y.slice(0, m), name: plotlyText(p.name),
        visible: p.hidden ? false : true, line: { color: p.color, dash: p.dash, width: large ? 5 : 2.6 },
        customdata: customData(p), hovertemplate: hoverTemplate(p), legendgroup: `run${p.index}`,
      });
    }
    // Under the heads, so the step's last evaluation (usually the new point) does not hide its head.
    this.evalTraces = [];
    paths.forEach((p, i) => {
      if (!p.evals) return;
      this.evalTraces.push({ run: i, trace: data.length });
      data.push(this.evals(p, this.step));
    });
    this.divergedIndex = data.length;
    data.push(this.diverged(this.step));
    this.headsIndex = data.length;
    data.push(this.heads());
    this.extraIndex = data.length;
    const extra = this.extra?.(this.step) ?? [];
    this.extraCount = extra.length;
    data.push(...extra);
    return { data, layout: this.layout(true) };
  }

  /**
   * The points where L-BFGS evaluated the objective during the step that ended at the head (point k, or the last
   * point once the run has ended), in evaluation order, joined by a dotted line. The first evaluation of a step
   * is always at its start point xy[k-1] (torch's step() calls the closure there first), so the line starts there.
   */
  evalPoints(p, k) {
    const i = at(p, k);
    const pts = (i > 0 && p.evals[i]) || [];
    const x = new Array(pts.length);
    const y = new Array(pts.length);
    const cd = new Array(pts.length);
    for (let j = 0; j < pts.length; j++) {
      x[j] = pts[j]?.[0] ?? null; // a non-finite evaluation comes as null: a gap
      y[j] = pts[j]?.[1] ?? null;
      cd[j] = [j + 1, i];
    }
    return { x, y, customdata: cd };
  }

  evals(p, k) {
    const text = templateText(t('hover.evaluation', { j: '\u0000j', k: '\u0000k' }))
      .replace('\u0000j', '%{customdata[0]}').replace('\u0000k', '%{customdata[1]}');
    return {
      type: 'scatter', mode: 'lines+markers', ...this.evalPoints(p, k), uid: `evals-${p.index}`,
      name: plotlyText(p.name), visible: p.hidden ? false : true, showlegend: false, cliponaxis: true,
      line: { color: p.color, width: 1.2, dash: 'dot' },
      marker: { symbol: 'circle-open', size: 8, color: p.color, line: { width: 1.6 } },
      hovertemplate: `<b>%{fullData.name}</b><br>${text}<br>x %{x:.5g}<br>y %{y:.5g}<extra></extra>`,
    };
  }

  /**
   * A cross where each shown run diverged, once the animation has reached that step. The set of runs is fixed
   * per draw (so colours never change in an animation frame); a cross not reached yet is a null point.
   */
  diverged(k) {
    const gone = this.paths.filter((p) => !p.hidden && p.divergedAt !== null && p.n > 0);
    const label = templateText(t('plot.diverged', { k: '\u0000k' })).replace('\u0000k', '%{customdata}');
    const reached = (p, v) => (k >= p.n - 1 ? v : null);
    return {
      type: 'scatter', mode: 'markers', x: gone.map((p) => reached(p, p.x[p.n - 1])),
      y: gone.map((p) => reached(p, p.y[p.n - 1])), customdata: gone.map((p) => p.divergedAt),
      showlegend: false, cliponaxis: false, hovertemplate: `${label}<extra></extra>`,
      marker: { symbol: 'x-thin-open', size: this.opts.large ? 26 : 18, color: gone.map((p) => p.color),
        line: { width: this.opts.large ? 5 : 3, color: gone.map((p) => p.color) } },
    };
  }

  heads() {
    const shown = this.paths.filter((p) => !p.hidden && p.n > 0);
    const k = this.step;
    const large = this.opts.large;
    return {
      type: 'scatter', mode: 'markers', x: shown.map((p) => p.x[at(p, k)]), y: shown.map((p) => p.y[at(p, k)]),
      hoverinfo: 'skip', showlegend: false,
      marker: { size: large ? 18 : 12, color: shown.map((p) => p.color), symbol: shown.map((p) => p.symbol),
        line: { color: '#ffffff', width: large ? 2.5 : 1.5 } },
    };
  }

  /** The per-frame update: only the paths whose visible part changes, the evaluations, and the heads. */
  showStep(k) {
    if (!this.drawn) return;
    this.step = k;
    const prev = this.shownStep ?? -1;
    const data = [];
    const traces = [];
    this.paths.forEach((p, i) => {
      if (at(p, k) === at(p, prev)) return;
      const m = at(p, k) + 1;
      data.push({ x: p.x.slice(0, m), y: p.y.slice(0, m) });
      traces.push(this.pathBase + i);
    });
    for (const { run, trace } of this.evalTraces) {
      const p = this.paths[run];
      if (at(p, k) === at(p, prev)) continue;
      data.push(this.evalPoints(p, k));
      traces.push(trace);
    }
    const d = this.diverged(k);
    data.push({ x: d.x, y: d.y });
    traces.push(this.divergedIndex);
    const h = this.heads();
    data.push({ x: h.x, y: h.y });
    traces.push(this.headsIndex);
    const extra = this.extraCount ? this.extra?.(k) ?? [] : [];
    if (extra.length === this.extraCount) {
      extra.forEach((e, i) => {
        data.push({ x: e.x, y: e.y });
        traces.push(this.extraIndex + i);
      });
    }
    this.shownStep = k;
    this.animating = Plotly.animate(this.top, { data, traces }, NO_MOTION).catch(() => {});
    return this.animating;
  }

  /** The evaluation traces drawn now, for the debug hook: per L-BFGS run its points and their hover data. */
  evaluations() {
    const d = this.top.data || [];
    return (this.evalTraces ?? []).map(({ run, trace }) => {
      const tr = d[trace] ?? {};
      return { run, uid: tr.uid, visible: tr.visible, x: Array.from(tr.x || []), y: Array.from(tr.y || []),
        customdata: Array.from(tr.customdata || []) };
    });
  }

  plotted() {
    return drawnPaths(this.top.data, this.paths, this.pathBase);
  }

  async purge() {
    await this.animating;
    if (this.drawn) {
      Plotly.purge(this.top);
      Plotly.purge(this.base);
    }
    this.drawn = false;
    this.boundTop = false;
    this.show(false);
  }
}
