// Model mode's figures. Each takes the server's answer (POST /api/train, docs/api.md) and draws; none computes
// the model: loss and accuracy curves (drawn as often as a live answer grows), a classifier's decision map for
// one run (live, then at one of the answer's frames), and the shared landscape slice with every run's projected
// path. line's (w, b) picture is model-line.js's, on the surfaces page's own figure.

/* global Plotly */

import { t, fmt } from '../i18n.js';
import { defaultColor, dashFor } from '../state.js';

const CONFIG = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ['select2d', 'lasso2d'] };
const MARGIN = { l: 55, r: 15, t: 36, b: 50 };

function colorOf(run, i) {
  return run.color || defaultColor(i);
}

function layout(title, extra = {}) {
  // No Plotly legend: headless Chromium measured its text before the fonts were in and clipped it; the runs'
  // legend is one HTML row above the figures (fillLegend), shared by all of them.
  return { title: { text: title, font: { size: 13 } }, margin: MARGIN, showlegend: false,
    paper_bgcolor: 'rgba(0,0,0,0)', ...extra };
}

const nullable = (a) => a.map((v) => (v === null ? NaN : v));

export function drawLoss(el, answer, runs, labels, xAxis, locale) {
  const per = xAxis === 'epochs' ? answer.steps_per_epoch : 1;
  const traces = [];
  answer.runs.forEach((r, i) => {
    if (runs[i]?.hidden) return;
    const x = r.loss.map((_, k) => k / per);
    traces.push({ x, y: nullable(r.loss), name: labels[i], mode: 'lines', uid: `loss-${i}`,
      line: { color: colorOf(runs[i], i), dash: dashFor(i), width: 2 } });
    if (answer.batch_size !== null) {
      traces.push({ x: r.batch_loss.map((_, k) => k / per), y: nullable(r.batch_loss),
        name: t('model.batchLoss', { label: labels[i] }), mode: 'lines', opacity: 0.15, showlegend: false,
        uid: `batch-${i}`,
        line: { color: colorOf(runs[i], i), width: 1 } });
    }
  });
  const xTitle = t(xAxis === 'epochs' ? 'model.epochsAxis' : 'model.steps');
  // The whole run's width from the start: a live curve grows across a fixed axis.
  const xaxis = { title: { text: xTitle }, range: [0, answer.steps / per] };
  return Plotly.react(el, traces, layout(t('model.lossTitle'), { yaxis: { type: 'log' }, xaxis }),
    { ...CONFIG, locale });
}

export function drawAccuracy(el, answer, runs, labels, xAxis, locale) {
  const per = xAxis === 'epochs' ? answer.steps_per_epoch : 1;
  const traces = answer.runs.filter((r) => r.accuracy).map((r, i) => ({
    x: r.accuracy.map((_, k) => k / per), y: nullable(r.accuracy), name: labels[i], mode: 'lines',
    line: { color: colorOf(runs[i], i), dash: dashFor(i), width: 2 } }));
  const xTitle = t(xAxis === 'epochs' ? 'model.epochsAxis' : 'model.steps');
  return Plotly.react(el, traces, layout(t('model.accTitle'), { yaxis: { range: [0, 1.02] },
    xaxis: { title: { text: xTitle }, range: [0, answer.steps / per] } }),
    { ...CONFIG, locale });
}

function logGrid(z) {
  return z.map((row) => row.map((v) => (v === null || !(v > 0) ? null : Math.log10(v))));
}

function drawMap(el, answer, p, title, locale) {
  const { x, y } = answer.heatmap_axes;
  const pts = answer.points;
  const cls = (c) => pts.X.filter((_, k) => pts.y[k] === c);
  const traces = [
    { type: 'heatmap', x, y, z: p, zmin: 0, zmax: 1, colorscale: [[0, '#f4a582'], [0.5, '#f7f7f7'], [1, '#92c5de']],
      showscale: false, hoverinfo: 'skip', showlegend: false },
    { type: 'contour', x, y, z: p, showscale: false, contours: { start: 0.5, end: 0.5, size: 1, coloring: 'none' },
      line: { color: '#333', width: 2 }, hoverinfo: 'skip', showlegend: false },
  ];
  for (const [c, color] of [[0, '#b2182b'], [1, '#2166ac']]) {
    const q = cls(c);
    traces.push({ x: q.map((v) => v[0]), y: q.map((v) => v[1]), mode: 'markers', name: `y = ${c}`,
      marker: { size: 5, color, line: { color: '#fff', width: 0.5 } } });
  }
  return Plotly.react(el, traces, layout(title, {
    xaxis: { range: [x[0], x[x.length - 1]] }, yaxis: { range: [y[0], y[y.length - 1]], scaleanchor: 'x' } }),
  { ...CONFIG, locale });
}

/** The decision map of one run at one of the finished answer's frames (the replay and the scrub). */
export function drawHeatmap(el, answer, runIndex, frame, labels, locale) {
  const maps = answer.runs[runIndex].heatmaps;
  const f = Math.min(frame, maps.p.length - 1);
  return drawMap(el, answer, maps.p[f], t('model.heatTitle', { label: labels[runIndex], step: maps.steps[f] }), locale);
}

/** The decision map the stream last sent for one run, while training runs. */
export function drawLiveHeatmap(el, answer, runIndex, labels, locale) {
  const live = answer.runs[runIndex].live_heatmap;
  return drawMap(el, answer, live.p, t('model.heatTitle', { label: labels[runIndex], step: live.step }), locale);
}

export function drawSlice(el, answer, runs, labels, locale) {
  const ls = answer.landscape;
  const traces = [{ type: 'contour', x: ls.alpha, y: ls.beta, z: logGrid(ls.loss), colorscale: 'Viridis',
    showscale: false, contours: { coloring: 'heatmap' }, hoverinfo: 'skip', showlegend: false }];
  const lo = ls.alpha[0];
  const hi = ls.alpha[ls.alpha.length - 1];
  answer.runs.forEach((r, i) => {
    if (runs[i]?.hidden) return;
    const pts = r.path.filter((p) => p[0] !== null);
    traces.push({ x: pts.map((p) => p[0]), y: pts.map((p) => p[1]), name: labels[i], mode: 'lines',
      line: { color: colorOf(runs[i], i), dash: dashFor(i), width: 2 } });
  });
  traces.push({ x: [0], y: [0], mode: 'markers', name: t('model.center'), showlegend: false,
    marker: { symbol: 'x', size: 10, color: '#fff', line: { color: '#000', width: 1 } } });
  const c = ls.center;
  const title = c.step === null || c.step === undefined ? t('model.sliceTitle', { label: labels[c.run] })
    : t('model.sliceTitleAt', { label: labels[c.run], step: c.step });
  return Plotly.react(el, traces, layout(title, {
    xaxis: { range: [lo, hi], title: { text: 'α · d₁' } }, yaxis: { range: [lo, hi], title: { text: 'β · d₂' } } }),
  { ...CONFIG, locale });
}

/** The runs' legend: a colour swatch drawn in the run's dash, then its label, as text. */
export function fillLegend(box, runs, labels) {
  box.replaceChildren(...labels.map((label, i) => {
    const item = document.createElement('span');
    item.className = 'model-legend-item';
    const swatch = document.createElement('span');
    swatch.className = 'model-legend-line';
    swatch.style.borderTopColor = colorOf(runs[i], i);
    swatch.style.borderTopStyle = dashFor(i) === 'solid' ? 'solid' : dashFor(i) === 'dot' ? 'dotted' : 'dashed';
    item.append(swatch, document.createTextNode(label));
    return item;
  }));
}

/** The notes' printout: each run's full-batch loss every 10 epochs, as a table of text cells. */
export function fillTable(table, answer, labels) {
  table.replaceChildren();
  const every = Math.max(1, Math.round(answer.epochs / 10));
  const head = table.createTHead().insertRow();
  for (const text of [t('model.epoch'), ...labels]) {
    const th = document.createElement('th');
    th.textContent = text;
    head.appendChild(th);
  }
  const body = table.createTBody();
  for (let e = every; e <= answer.epochs; e += every) {
    const row = body.insertRow();
    row.insertCell().textContent = String(e);
    for (const r of answer.runs) {
      const v = r.loss[e * answer.steps_per_epoch];
      row.insertCell().textContent = v === null || v === undefined ? t('model.diverged') : fmt(v, 6);
    }
  }
}
