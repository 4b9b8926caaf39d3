// "Tune every optimizer": POST /api/tune/stream tunes each run's lr by the server's stated rule (the same log
// grid of lr for everyone, ties to the larger lr). Each run's objective-vs-lr curve is drawn as it arrives, side
// by side on one chart with its best setting starred, and the rule is written under it in the page's language.
// When a tuning the user asked for ends, the runs take their tuned lr and race. The link keeps `tune` and the
// tuned runs, so it reopens the same chart and the same race (tuning holds every setting but lr fixed, so the
// tuned lr does not change the tuning).

/* global Plotly */

import { t, getLang, runLabels } from '../i18n.js';
import { defaultColor } from '../state.js';
import { FONT, config, plotlyText, templateText } from '../plot-common.js';
import { plotlyReady } from '../plotly-adapter.js';
import { errorWords } from '../errors.js';
import { streamTune } from './map-api.js';

export function tuneRequest(state) {
  const surface = state.surface === 'custom'
    ? { expression: state.expr, domain: { x: state.xr, y: state.yr } } : state.surface;
  return { surface, start: state.start ?? null, steps: state.steps, objective: state.tune || 'final_loss',
    runs: state.runs.map((r) => ({ optimizer: r.optimizer, params: r.params })),
    noise: { std: state.noise, seed: state.seed } };
}

/** What the tuning depends on: everything but each run's lr. */
function tuneKey(state) {
  const body = tuneRequest(state);
  body.runs = body.runs.map((r) => ({ optimizer: r.optimizer, params: { ...r.params, lr: null } }));
  return JSON.stringify(body);
}

export class TunePanel {
  constructor({ panel, chart, rule, status, close, apply }, { getState, change, catalog, debug }) {
    Object.assign(this, { panel, chart, rule, status, getState, change, catalog, debug });
    this.key = null;
    this.curves = [];
    this.sentence = null;
    this.applyOnDone = false;
    this.plotted = false;
    close.addEventListener('click', () => this.change((s) => { s.tune = ''; }, { push: true }));
    apply.addEventListener('click', () => this.apply());
    new ResizeObserver(() => {
      if (this.plotted && this.chart.offsetParent) Plotly.Plots.resize(this.chart);
    }).observe(chart);
  }

  /** The button: tune the runs as they are now, then race the tuned settings. */
  start() {
    this.applyOnDone = true;
    this.key = null;
    this.change((s) => { s.tune = s.tune || 'final_loss'; }, { push: true });
    this.update(this.getState());
  }

  update(state) {
    const on = !!state.tune && !state.embed && !state.present;
    this.panel.hidden = !on;
    if (!on) {
      this.controller?.abort();
      this.key = null;
      return;
    }
    const key = tuneKey(state);
    if (key !== this.key) {
      this.key = key;
      this.load(state, key);
    } else {
      this.draw();
    }
  }

  async load(state, key) {
    this.controller?.abort();
    const controller = new AbortController();
    this.controller = controller;
    this.curves = [];
    this.sentence = null;
    this.rule.textContent = '';
    this.status.textContent = t('tune.computing', { k: 0, n: state.runs.length });
    try {
      await streamTune(tuneRequest(state), {
        curve: (c) => {
          this.curves.push(c);
          this.status.textContent = t('tune.computing', { k: this.curves.length, n: state.runs.length });
          this.draw();
        },
        done: (d) => {
          this.sentence = d.sentence;
          this.status.textContent = '';
          this.draw();
        },
      }, controller.signal);
      if (this.key === key && this.applyOnDone) {
        this.applyOnDone = false;
        this.apply();
      }
    } catch (err) {
      if (err?.name === 'AbortError' || this.key !== key) return;
      this.applyOnDone = false;
      this.status.textContent = t('tune.refused', { msg: errorWords(err) });
      this.key = null;
    }
  }

  /** Every run takes its best lr (runs none of whose settings counted keep theirs) and the race restarts. */
  apply() {
    const best = this.curves.map((c) => c.best?.lr);
    this.change((s) => {
      best.forEach((lr, i) => {
        if (lr !== undefined && s.runs[i]) s.runs[i].params = { ...s.runs[i].params, lr };
      });
      if (s.view === 'map') s.view = '2d';
    }, { push: true, restart: true });
  }

  async draw() {
    await plotlyReady(); // Plotly loads async: a fast curve may arrive first
    const state = this.getState();
    const labels = runLabels(state.runs, this.catalog.optimizers);
    const objective = state.tune === 'steps_to_converge' ? t('tune.steps') : t('tune.loss');
    let positive = true;
    for (const c of this.curves) for (const v of c.objective) if (v !== null && !(v > 0)) positive = false;
    const color = (i) => state.runs[i]?.color || defaultColor(i);
    const data = [];
    for (const c of this.curves) {
      const name = plotlyText(labels[c.run] ?? c.label);
      data.push({ type: 'scatter', mode: 'lines+markers', x: c.lr, y: c.objective, name, connectgaps: false,
        line: { color: color(c.run), width: 2 }, marker: { size: 4 },
        hovertemplate: `<b>%{fullData.name}</b><br>lr %{x:.3g}<br>${templateText(objective)} %{y:.4g}<extra></extra>` });
      if (c.best) {
        data.push({ type: 'scatter', mode: 'markers', x: [c.best.lr], y: [c.best_value], showlegend: false,
          hoverinfo: 'skip', marker: { symbol: 'star', size: 14, color: color(c.run), line: { color: '#111', width: 1 } } });
      }
    }
    const layout = {
      font: { family: FONT, size: 12, color: '#1d2430' }, paper_bgcolor: 'rgba(0,0,0,0)', plot_bgcolor: '#ffffff',
      margin: { l: 56, r: 10, t: 8, b: 40 }, hovermode: 'closest', dragmode: false,
      xaxis: { type: 'log', title: { text: 'lr' }, exponentformat: 'e' },
      yaxis: { type: positive ? 'log' : 'linear', title: { text: plotlyText(objective) }, exponentformat: 'e' },
      legend: { orientation: 'h', y: -0.25 },
    };
    await Plotly.react(this.chart, data, layout, config({ displayModeBar: false }));
    this.plotted = true;
    this.rule.textContent = this.sentence ? this.sentence[getLang()] ?? this.sentence.en : '';
    this.debug.tuneDraws = (this.debug.tuneDraws ?? 0) + 1;
  }
}
