// The learning rate against step, one line per run, under the loss chart: the scheduler's lr of each step as the
// server computed it (the answer's `lr`), or the run's constant lr when it has no scheduler. Shown when at least
// one run has a scheduler. A view: it draws what it is given and changes nothing.

/* global Plotly */

import { t } from '../i18n.js';
import { FONT, config, plotlyText, templateText } from '../plot-common.js';

/** Each run's (step, lr) points: steps 1..n-1 (no step led to point 0). */
export function lrSeries(results, runs, styles) {
  return results.map((res, i) => {
    const n = res.xy.length;
    const x = [];
    const y = [];
    for (let k = 1; k < n; k++) {
      x.push(k);
      y.push(res.lr ? res.lr[k] : runs[i]?.params.lr ?? null);
    }
    return { x, y, style: styles[i], scheduled: !!res.lr };
  });
}

export class LrChart {
  constructor(panel, el) {
    this.panel = panel;
    this.el = el;
    this.drawn = false;
    new ResizeObserver(() => {
      if (this.drawn && !this.panel.hidden && this.el.offsetParent) Plotly.Plots.resize(this.el).catch?.(() => {});
    }).observe(el);
  }

  /** results: the answer's runs; runs: the state's runs (their lr); styles: runStyles(). */
  async draw(results, runs, styles) {
    const show = runs.some((r) => r.scheduler);
    this.panel.hidden = !show;
    if (!show) {
      if (this.drawn) Plotly.purge(this.el);
      this.drawn = false;
      return;
    }
    const series = lrSeries(results, runs, styles);
    const positive = series.every((s) => s.style.hidden || s.y.every((v) => v === null || v > 0));
    const data = series.map((s) => ({
      type: 'scatter', mode: 'lines', x: s.x, y: s.y, name: plotlyText(s.style.name),
      visible: s.style.hidden ? false : true,
      line: { color: s.style.color, dash: s.style.dash, width: s.scheduled ? 2 : 1, shape: 'hv' },
      hovertemplate: `<b>%{fullData.name}</b><br>${templateText(t('hover.step'))} %{x}`
        + `<br>${templateText(t('lr.y'))} %{y:.4g}<extra></extra>`,
    }));
    const layout = {
      font: { family: FONT, size: 12, color: '#1d2430' },
      paper_bgcolor: 'rgba(0,0,0,0)', plot_bgcolor: '#ffffff',
      margin: { l: 56, r: 10, t: 8, b: 38 }, showlegend: false, hovermode: 'closest',
      xaxis: { title: { text: plotlyText(t('lr.x')) }, zeroline: false, gridcolor: '#e6e9ee' },
      yaxis: { title: { text: plotlyText(t('lr.y')) }, type: positive ? 'log' : 'linear', exponentformat: 'power',
        gridcolor: '#e6e9ee', zeroline: false },
    };
    await Plotly.react(this.el, data, layout, config({ displayModeBar: false }));
    this.drawn = true;
  }

  /** What is drawn, for tests: one {name, n} per visible line. */
  plotted() {
    if (!this.drawn || this.panel.hidden) return [];
    return (this.el.data ?? []).filter((d) => d.visible !== false).map((d) => ({ name: d.name, n: d.x.length,
      first: d.y[0], last: d.y[d.y.length - 1] }));
  }
}
