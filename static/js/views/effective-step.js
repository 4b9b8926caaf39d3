// The effective step size |Δθ/g| per coordinate over steps, on a log axis: what the optimizer actually multiplied
// the gradient by. Adagrad's falls forever; Adam's stays near lr; plain SGD's is lr, a flat line. Drawn once per
// run and selection; the current step is a plain DOM line placed with the chart's axis mapping (as loss.js does).

/* global Plotly */

import { t } from '../i18n.js';
import { plotArea } from '../plotly-adapter.js';
import { FONT, config, plotlyText, templateText } from '../plot-common.js';

/** |Δθ/g| per coordinate for rows 1..n-1 (row 0 is before the first step): null where g is 0 or unknown. */
export function effectiveSteps(grad, update) {
  const xs = [];
  const ys = [];
  const steps = [];
  for (let k = 1; k < Math.min(grad.length, update.length); k++) {
    const g = grad[k];
    const d = update[k];
    steps.push(k);
    for (const [out, i] of [[xs, 0], [ys, 1]]) {
      const r = g && d && g[i] !== null && d[i] !== null && g[i] !== 0 ? Math.abs(d[i] / g[i]) : null;
      out.push(r !== null && r > 0 && Number.isFinite(r) ? r : null);
    }
  }
  return { steps, x: xs, y: ys };
}

export class EffectiveStepChart {
  constructor(el) {
    this.el = el;
    this.key = null;
    this.step = 0;
    this.line = document.createElement('div');
    this.line.className = 'insp-chart-now';
    this.drawn = false;
    new ResizeObserver(() => {
      if (this.drawn && this.el.offsetParent) Plotly.Plots.resize(this.el).catch?.(() => {});
    }).observe(el);
  }

  async draw(key, series, color, step) {
    this.step = step;
    if (key === this.key && this.drawn) {
      this.showStep(step);
      return;
    }
    this.key = key;
    const hover = `${templateText(t('hover.step'))} %{x}<br>%{fullData.name} %{y:.4g}<extra></extra>`;
    const data = [
      { type: 'scatter', mode: 'lines', x: series.steps, y: series.x, name: 'x', line: { color, width: 2 },
        hovertemplate: hover, connectgaps: false },
      { type: 'scatter', mode: 'lines', x: series.steps, y: series.y, name: 'y',
        line: { color, width: 2, dash: 'dot' }, hovertemplate: hover, connectgaps: false },
    ];
    const layout = {
      font: { family: FONT, size: 11, color: '#1d2430' }, paper_bgcolor: 'rgba(0,0,0,0)', plot_bgcolor: '#ffffff',
      margin: { l: 52, r: 8, t: 6, b: 34 }, hovermode: 'closest',
      showlegend: true, legend: { orientation: 'h', x: 1, xanchor: 'right', y: 1, yanchor: 'bottom', font: { size: 11 } },
      xaxis: { title: { text: plotlyText(t('inspect.chartX')), standoff: 4 }, zeroline: false, gridcolor: '#e6e9ee' },
      yaxis: { title: { text: plotlyText(t('inspect.chartY')) }, type: 'log', exponentformat: 'power',
        gridcolor: '#e6e9ee', zeroline: false },
    };
    await Plotly.react(this.el, data, layout, config({ displayModeBar: false }));
    if (!this.bound) {
      this.bound = true;
      this.el.on('plotly_afterplot', () => this.showStep(this.step));
    }
    this.drawn = true;
    if (!this.line.parentNode) this.el.append(this.line);
    this.showStep(step);
  }

  /** Moves the "now" line to step k (no Plotly work). */
  showStep(k) {
    this.step = k;
    if (!this.drawn) return;
    const area = plotArea(this.el);
    if (!area) return;
    const px = area.x(k);
    this.line.hidden = !Number.isFinite(px) || px < 0 || px > area.width;
    this.line.style.transform = `translate(${area.left + px}px, ${area.top}px)`;
    this.line.style.height = `${area.height}px`;
  }

  purge() {
    if (this.drawn) Plotly.purge(this.el);
    this.drawn = false;
    this.key = null;
    this.line.remove();
  }
}
