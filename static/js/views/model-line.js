// line's (w, b) picture on the surfaces page's own figure (plots.js MainPlot: the 2-D contour and the 3-D
// surface, with the same switch). The scene is the answer's full-batch `surface` grid; each run's (w, b) rows
// are its path, at the full-batch loss of its step. The first minibatch's own loss surface is drawn faintly over
// the contour through Plot2D's extra-trace hook (setExtra), so the jitter of a minibatch path can be read against
// it.
//
// Before `done` there is no grid: its box is chosen to hold every path and the fit, which only the end knows.
// So while training runs the paths grow on a plain scatter of their own (drawLivePaths), and MainPlot takes
// over when `done` brings the grid. A second request for a provisional grid would cost work the budget counts.

/* global Plotly */

import { MainPlot, pathsFrom } from '../plots.js';
import { runStyles, config, plotlyText, FONT } from '../plot-common.js';
import { t } from '../i18n.js';

function logGrid(z) {
  return z.map((row) => row.map((v) => (v === null || !(v > 0) ? null : Math.log10(v))));
}

/** Each run as plot-common's pathsFrom reads it: (w, b) rows as xy, with the full-batch loss of each row's step. */
export function lineRuns(answer) {
  return answer.runs.map((r) => ({
    xy: r.weights.map((p) => [p[0], p[1]]),
    loss: r.weight_steps.map((k) => r.loss[k] ?? null),
    status: r.status, diverged_at: r.diverged_at,
  }));
}

export class LineView {
  constructor(box) {
    this.box = box;
    this.plot = null;
    this.live = false;
    this.batchSurface = null;
  }

  /** Plot2D calls this for its extra traces: the minibatch's surface as faint contour lines. */
  extra() {
    const s = this.batchSurface;
    if (!s) return [];
    return [{ type: 'contour', x: s.w, y: s.b, z: logGrid(s.batch_loss), showscale: false, ncontours: 18,
      contours: { coloring: 'none' }, line: { color: 'rgba(29,36,48,0.35)', width: 1, dash: 'dot', smoothing: 0 },
      hoverinfo: 'skip', showlegend: false, name: plotlyText(t('model.minibatch')) }];
  }

  ensurePlot() {
    if (this.live) {
      Plotly.purge(this.box);
      this.box.replaceChildren();
      this.live = false;
    }
    if (!this.plot) {
      this.plot = new MainPlot(this.box);
      this.plot.view2d.setExtra(() => this.extra());
    }
    return this.plot;
  }

  /** The finished answer on MainPlot, in view '2d' or '3d'; every path drawn to its end. */
  async draw(answer, state, catalog, view) {
    const s = answer.surface;
    const plot = this.ensurePlot();
    this.batchSurface = s.batch_loss ? s : null;
    const paths = pathsFrom(lineRuns(answer), runStyles(state, catalog));
    const first = answer.runs[0].weights[0];
    const scene = { key: `line|${answer.key}`, view, axes: ['w', 'b'], grid: { x: s.w, y: s.b, z: s.loss }, logScale: true,
      domain: { x: [s.w[0], s.w[s.w.length - 1]], y: [s.b[0], s.b[s.b.length - 1]] }, minima: [s.fit],
      start: first ? [first[0], first[1]] : s.fit };
    const last = Math.max(0, ...paths.map((p) => p.n - 1));
    await plot.draw(scene, paths, last, { legend: false, large: false, equal: false });
  }

  /** While training: the paths so far on plain axes (no grid yet). */
  async drawLive(answer, state, catalog) {
    if (this.plot) {
      await this.plot.current?.purge();
      this.plot.observer.disconnect();
      this.plot = null;
      this.box.replaceChildren();
    }
    this.live = true;
    const styles = runStyles(state, catalog);
    const traces = answer.runs.map((r, i) => ({
      type: 'scatter', mode: 'lines+markers', x: r.weights.map((p) => p[0]), y: r.weights.map((p) => p[1]),
      name: plotlyText(styles[i].name), visible: styles[i].hidden ? false : true,
      marker: { size: 3, color: styles[i].color }, line: { color: styles[i].color, dash: styles[i].dash, width: 2.6 } }));
    await Plotly.react(this.box, traces, {
      font: { family: FONT, size: 13 }, paper_bgcolor: 'rgba(0,0,0,0)', plot_bgcolor: '#ffffff', showlegend: false,
      margin: { l: 52, r: 20, t: 10, b: 44 }, xaxis: { title: { text: 'w' }, zeroline: false },
      yaxis: { title: { text: 'b' }, zeroline: false } }, config());
  }

  /** The drawn paths, for tests: [{name, x, y}] per run. */
  plotted() {
    if (this.live) return (this.box.data ?? []).map((d) => ({ name: d.name, x: Array.from(d.x), y: Array.from(d.y) }));
    return this.plot?.plotted() ?? [];
  }

  get view() {
    if (this.live) return 'live';
    if (!this.plot?.current) return null;
    return this.plot.current === this.plot.view3d ? '3d' : '2d';
  }
}
