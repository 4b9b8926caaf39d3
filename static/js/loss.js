// Loss against step. The curves are drawn once per result; the current step is a line and one dot per run in a
// plain DOM overlay, placed with the chart's own axis mapping (through the adapter), so following the animation
// costs no Plotly work at all.

/* global Plotly */

import { t } from './i18n.js';
import { plotArea } from './plotly-adapter.js';
import { FONT, config, plotlyText, templateText } from './plot-common.js';

export class LossChart {
  constructor(el, overlay) {
    this.el = el;
    this.overlay = overlay;
    this.paths = [];
    this.drawn = false;
    this.step = 0;
    new ResizeObserver(() => {
      if (this.drawn && !this.el.hidden && this.el.offsetParent) Plotly.Plots.resize(this.el).catch?.(() => {});
    }).observe(el);
  }

  /**
   * `rates` (a lesson preset's, see presets.js): [{run, rho, power, label}] adds, per entry, the predicted loss
   * L₀·ρ^(power·t) of that run as a dotted line of its colour (runs use solid and dashed). The error contracts by ρ per step and the loss,
   * quadratic in the error, by ρ², hence power 2.
   */
  async draw(paths, step, domain, rates = []) {
    this.paths = paths;
    this.step = step;
    const shown = paths.filter((p) => !p.hidden);
    let positive = true;
    for (const p of shown) for (const l of p.loss) if (!(l > 0)) { positive = false; break; }
    this.log = positive && shown.length > 0;
    const range = this.onMapRange(shown, domain);
    const data = paths.map((p) => ({
      type: 'scatter', mode: 'lines', x: p.loss.map((_, k) => k), y: p.loss, name: plotlyText(p.name),
      visible: p.hidden ? false : true, line: { color: p.color, dash: p.dash, width: 2 },
      hovertemplate: `<b>%{fullData.name}</b><br>${templateText(t('hover.step'))} %{x}`
        + `<br>${templateText(t('hover.loss'))} %{y:.5g}<extra></extra>`,
    }));
    for (const r of rates) data.push(this.rateTrace(r, paths));
    const layout = {
      font: { family: FONT, size: 12, color: '#1d2430' },
      paper_bgcolor: 'rgba(0,0,0,0)', plot_bgcolor: '#ffffff',
      margin: { l: 56, r: 10, t: 8, b: 38 }, showlegend: false, hovermode: 'closest',
      xaxis: { title: { text: plotlyText(t('loss.x')) }, zeroline: false, gridcolor: '#e6e9ee' },
      yaxis: { title: { text: plotlyText(t('loss.y')) }, type: this.log ? 'log' : 'linear', exponentformat: 'power',
        gridcolor: '#e6e9ee', zeroline: false, ...(range ? { range, autorange: false } : {}),
        // One labelled tick per decade: Plotly's default on a short log range labels 1 2 5 10 2 5. Over dozens
        // of decades (a heavy ball run falls to 1e-47) every few decades, or the labels overlap.
        ...(this.log && this.decades(shown, range) >= 1.5
          ? { dtick: Math.max(1, Math.ceil(this.decades(shown, range) / 8)) } : {}) },
    };
    await Plotly.react(this.el, data, layout, config({ displayModeBar: false }));
    if (!this.bound) {
      this.bound = true;
      this.el.on('plotly_afterplot', () => this.showStep(this.step)); // resizes move the axes
    }
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

  rateTrace(rate, paths) {
    const p = paths.find((q) => q.index === rate.run) ?? paths[rate.run];
    if (!p || p.hidden || !(p.loss[0] > 0)) return { type: 'scatter', x: [], y: [], visible: false };
    const l0 = p.loss[0];
    const x = p.loss.map((_, k) => k);
    return {
      type: 'scatter', mode: 'lines', x, y: x.map((k) => l0 * rate.rho ** (rate.power * k)),
      name: plotlyText(rate.label), line: { color: p.color, dash: 'dot', width: 1.5 }, opacity: 0.85,
      meta: 'rate', hovertemplate: `<b>%{fullData.name}</b><br>${templateText(t('hover.step'))} %{x}`
        + `<br>${templateText(t('hover.loss'))} %{y:.5g}<extra></extra>`,
    };
  }

  /** How many decades the log axis spans: its fixed range, or the shown losses. */
  decades(shown, range) {
    if (range) return range[1] - range[0];
    let lo = Infinity;
    let hi = -Infinity;
    for (const p of shown) for (const l of p.loss) if (l > 0 && Number.isFinite(l)) { lo = Math.min(lo, l); hi = Math.max(hi, l); }
    return hi > lo ? Math.log10(hi) - Math.log10(lo) : 0;
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
    const area = this.drawn && this.line ? plotArea(this.el) : null;
    if (!area) return;
    this.line.style.transform = `translate(${area.left + area.x(k)}px, ${area.top}px)`;
    this.line.style.height = `${area.height}px`;
    for (const [p, d] of this.dots) {
      const i = Math.min(k, p.n - 1);
      const l = p.loss[i];
      const v = this.log ? (l > 0 ? Math.log10(l) : NaN) : l;
      const y = area.y(v);
      const inside = Number.isFinite(y) && y >= 0 && y <= area.height;
      d.hidden = !inside;
      if (inside) d.style.transform = `translate(${area.left + area.x(i)}px, ${area.top + y}px)`;
    }
  }
}
