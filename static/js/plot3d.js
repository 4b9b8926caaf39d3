// The 3-D view: the surface (translucent), the minima on its floor, and each run's path riding above it at
// height transform(loss), with a drop line from each head to the floor so that a path hidden by a fold of the
// surface is still found. 3-D scenes cannot use the 2-D view's cheap animate path: paths are restyled, at most
// 30 times a second.

/* global Plotly */

import { t } from './i18n.js';
import { FONT, COLORSCALE, config, plotlyText, colorbar, hoverTemplate, customData, drawnPaths } from './plot-common.js';
import { fillShallowPits } from './pits.js';
import { followSize } from './plotly-adapter.js';

const RESTYLE_MS = 33;
// Pits of the sampled valley floor shallower than this share of the height range are filled (pits.js): they
// are the grid's, and drawn they are a row of spikes along Rosenbrock's valley.
const PIT_DEPTH = 0.02;
// The surface is drawn from at most this many of the grid's nodes a side: WebGL in software redraws every
// triangle on each frame of a race, and a surface needs less detail than contours do.
const SURFACE_NODES = 80;

/** Indices of m nodes out of n, spread evenly and keeping both ends. */
function thin(n, m) {
  if (n <= m) return Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: m }, (_, k) => Math.round((k * (n - 1)) / (m - 1)));
}

export class Plot3D {
  constructor(el, { onPick } = {}) {
    this.el = el;
    this.gd = document.createElement('div');
    this.gd.className = 'plot-layer plot-3d';
    this.gd.hidden = true;
    el.append(this.gd);
    this.onPick = onPick;
    this.scene = null;
    this.paths = [];
    this.cut = []; // per run: how many of its points stay inside the box (computed here, never stored on a path)
    this.step = 0;
    this.drawn = false;
    this.lastRestyle = 0;
  }

  get graphs() {
    return [this.gd];
  }

  bind() {
    if (this.bound || typeof this.gd.on !== 'function') return;
    this.bound = true;
    this.gd.on('plotly_click', (ev) => {
      const p = ev.points?.[0];
      if (p && p.data?.type === 'surface') this.onPick?.([p.x, p.y]);
    });
  }

  /**
   * Draws the figure. With `prepare`, it is drawn out of sight (laid out, so WebGL gets its real size): the page
   * does that once while idle in 2-D, so that a later switch to 3-D finds its WebGL context, compiled shaders
   * and scene made, and only updates them.
   */
  async draw(scene, paths, step, opts, { prepare = false } = {}) {
    this.scene = scene;
    this.paths = paths;
    this.step = step;
    this.opts = opts;
    this.cut = paths.map((p) => this.visible(p));
    const wasHidden = this.gd.hidden || this.gd.style.visibility === 'hidden';
    this.gd.hidden = false;
    this.gd.style.visibility = prepare ? 'hidden' : '';
    const { data, layout } = this.figure();
    await Plotly.react(this.gd, data, layout, config());
    if (wasHidden && !prepare) followSize(this.gd); // the box may have changed while it was out of sight
    this.drawn = true;
    this.bind();
  }

  lift() {
    const tf = this.scene.tf3d;
    return (tf.thi - tf.tlo) * 0.03;
  }

  /** Points up to the first that leaves the box (or whose height is off the scale) are drawn. */
  visible(p) {
    const { scene } = this;
    const tf = scene.tf3d;
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

  slice(i, k) {
    const p = this.paths[i];
    const m = Math.min(k + 1, this.cut[i]);
    const lift = this.lift();
    const f = this.scene.tf3d.f;
    return [p.x.slice(0, m), p.y.slice(0, m), p.loss.slice(0, m).map((l) => f(l) + lift)];
  }

  figure() {
    const { scene, paths } = this;
    const tf = scene.tf3d;
    const { large } = this.opts;
    const narrow = this.el.clientWidth < 520;
    const { x, y, z } = this.surface();
    const data = [{
      type: 'surface', x, y, z, colorscale: COLORSCALE, opacity: 0.72,
      showscale: !narrow, colorbar: { ...colorbar(tf, { narrow, large }), x: 1, len: 0.8 }, hoverinfo: 'skip',
      showlegend: false, contours: { z: { show: true, usecolormap: false, color: 'rgba(40,50,70,0.25)', width: 1 } },
      lighting: { ambient: 0.75, diffuse: 0.5, specular: 0.05 },
    }, {
      type: 'scatter3d', mode: 'markers', x: scene.minima.map((m) => m[0]), y: scene.minima.map((m) => m[1]),
      z: scene.minima.map(() => tf.tlo), hoverinfo: 'skip', showlegend: false,
      marker: { symbol: 'diamond', size: 6, color: '#ffffff', line: { color: '#1d2430', width: 2 } },
    }];
    this.pathBase = data.length;
    paths.forEach((p, i) => {
      const [x, y, zz] = this.slice(i, this.step);
      data.push({
        type: 'scatter3d', mode: 'lines', x, y, z: zz, name: plotlyText(p.name), visible: p.hidden ? false : true,
        line: { color: p.color, dash: p.dash, width: large ? 12 : 9 }, customdata: customData(p),
        hovertemplate: hoverTemplate(p),
      });
    });
    data.push(this.heads(), this.drops());
    const tick = large ? 18 : narrow ? 10 : 12;
    const axis = (title, range) => ({ title: { text: narrow ? '' : title }, range, backgroundcolor: '#ffffff',
      gridcolor: '#dde3ea', tickfont: { size: tick }, nticks: narrow ? 4 : 6 });
    const layout = {
      font: { family: FONT, size: large ? 18 : 13, color: '#1d2430' },
      paper_bgcolor: 'rgba(0,0,0,0)',
      hoverlabel: { font: { family: FONT } },
      showlegend: this.opts.legend,
      legend: { bgcolor: 'rgba(255,255,255,0.88)', x: 0.01, y: 0.99, font: { size: large ? 22 : 14 } },
      uirevision: scene.key,
      scene: {
        xaxis: axis(scene.axes?.[0] ?? 'x', [...scene.domain.x]), yaxis: axis(scene.axes?.[1] ?? 'y', [...scene.domain.y]),
        zaxis: axis(plotlyText(t(tf.log ? 'plot.zlog' : 'plot.z')), [tf.tlo - 0.05 * (tf.thi - tf.tlo), tf.thi + this.lift()]),
        aspectmode: 'manual', aspectratio: { x: 1, y: 1, z: 0.7 },
        camera: { eye: { x: 1.55, y: -1.55, z: 0.95 } },
      },
      margin: { l: 0, r: 0, t: 0, b: 0 },
    };
    return { data, layout };
  }

  /** The drawn surface {x, y, z}: the grid thinned, heights transformed; worked out once per grid. */
  surface() {
    const { grid, tf3d: tf } = this.scene;
    if (this.drawnFor?.grid !== grid || this.drawnFor?.tf !== tf) {
      const ix = thin(grid.x.length, SURFACE_NODES);
      const iy = thin(grid.y.length, SURFACE_NODES);
      const z = iy.map((j) => ix.map((i) => tf.f(grid.z[j][i])));
      this.drawnFor = { grid, tf, x: ix.map((i) => grid.x[i]), y: iy.map((j) => grid.y[j]),
        z: fillShallowPits(z, PIT_DEPTH * (tf.thi - tf.tlo)) };
    }
    return this.drawnFor;
  }

  shownRuns() {
    return this.paths.map((p, i) => i).filter((i) => !this.paths[i].hidden && this.cut[i] > 0);
  }

  heads() {
    const shown = this.shownRuns();
    const lift = this.lift();
    const f = this.scene.tf3d.f;
    const idx = (i) => Math.min(this.step, this.cut[i] - 1);
    return {
      type: 'scatter3d', mode: 'markers', x: shown.map((i) => this.paths[i].x[idx(i)]),
      y: shown.map((i) => this.paths[i].y[idx(i)]), z: shown.map((i) => f(this.paths[i].loss[idx(i)]) + lift),
      hoverinfo: 'skip', showlegend: false,
      marker: { size: this.opts.large ? 16 : 9, color: shown.map((i) => this.paths[i].color),
        symbol: shown.map((i) => this.paths[i].symbol3d), line: { color: '#ffffff', width: 1 } },
    };
  }

  /** Vertical lines from each head down to the floor of the box: where a run is, even behind the surface. */
  drops() {
    const h = this.heads();
    const floor = this.scene.tf3d.tlo - 0.05 * (this.scene.tf3d.thi - this.scene.tf3d.tlo);
    const x = [];
    const y = [];
    const z = [];
    const color = [];
    h.x.forEach((xv, j) => {
      x.push(xv, xv, null);
      y.push(h.y[j], h.y[j], null);
      z.push(floor, h.z[j], null);
      color.push(h.marker.color[j], h.marker.color[j], '#000000');
    });
    return { type: 'scatter3d', mode: 'lines', x, y, z, hoverinfo: 'skip', showlegend: false,
      line: { color, width: this.opts.large ? 4 : 2 } };
  }

  showStep(k) {
    if (!this.drawn) return undefined;
    this.step = k;
    const now = performance.now();
    clearTimeout(this.trailing);
    if (now - this.lastRestyle < RESTYLE_MS) {
      // Too soon for another restyle; the last frame asked for still gets drawn, a moment later.
      this.trailing = setTimeout(() => this.showStep(this.step), RESTYLE_MS);
      return undefined;
    }
    this.lastRestyle = now;
    const xs = [];
    const ys = [];
    const zs = [];
    this.paths.forEach((_, i) => {
      const [x, y, z] = this.slice(i, k);
      xs.push(x); ys.push(y); zs.push(z);
    });
    const h = this.heads();
    const d = this.drops();
    xs.push(h.x, d.x); ys.push(h.y, d.y); zs.push(h.z, d.z);
    const idx = this.paths.map((_, i) => this.pathBase + i);
    idx.push(this.pathBase + this.paths.length, this.pathBase + this.paths.length + 1);
    return Plotly.restyle(this.gd, { x: xs, y: ys, z: zs }, idx).catch(() => {});
  }

  plotted() {
    return drawnPaths(this.gd.data, this.paths, this.pathBase);
  }

  /** Out of sight, WebGL scene kept: switching back to 3-D updates it instead of building a new one. */
  async purge() {
    clearTimeout(this.trailing);
    this.gd.hidden = true;
  }
}
