// What the 2-D and 3-D views share: fonts and colours, the value-to-colour transform, the colour bar, hover
// texts, and pathsFrom(), which turns the API's runs into the arrays the views draw. Views read paths and never
// write to them.

import { t, fmt, runLabels } from './i18n.js';
import { effectiveStart, domainOf, defaultColor, dashFor, symbolFor, symbol3dFor } from './state.js';

export const FONT = 'system-ui, -apple-system, "Segoe UI", "Noto Sans CJK SC", "Noto Sans SC", "PingFang SC", sans-serif';
// A pale blue-to-sand scale, so that paths in the palette's colours stay the strongest marks on the plot.
export const COLORSCALE = [
  [0, '#9ecae1'], [0.15, '#c6dbef'], [0.35, '#e3edf5'], [0.55, '#f4f2ea'], [0.8, '#f6e3c6'], [1, '#eccaa0'],
];
// No button that reaches a third party (Plotly's cloud links), none that resets to a box we did not choose.
export const MODEBAR_REMOVE = ['lasso2d', 'select2d', 'toImage', 'autoScale2d', 'sendDataToCloud',
  'editInChartStudio', 'zoom3d', 'tableRotation', 'resetCameraLastSave3d', 'hoverClosest3d'];
export function config(extra = {}) {
  return { displaylogo: false, showSendToCloud: false, showEditInChartStudio: false, showLink: false,
    modeBarButtonsToRemove: MODEBAR_REMOVE, locale: plotlyLocale(), ...extra };
}

let locale = 'en';
/** The Plotly locale the graphs use ('zh-CN' once i18n.js has registered it), set by the controller. */
export function setPlotlyLocale(name) {
  locale = name;
}
function plotlyLocale() {
  return locale;
}

const SUPERSCRIPT = { '-': '⁻', 0: '⁰', 1: '¹', 2: '²', 3: '³', 4: '⁴', 5: '⁵', 6: '⁶', 7: '⁷', 8: '⁸', 9: '⁹' };

/** Text handed to Plotly as layout text (titles), which understands a few tags: escape them. */
export function plotlyText(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * A hover template's own words, escaped for Plotly's template syntax too: "%{" in a word would otherwise be read
 * as a field. Run names never go into a template at all: they are data (`%{fullData.name}`).
 */
export function templateText(s) {
  return plotlyText(s).replace(/%/g, '&#37;');
}

export function pow10Label(k) {
  return `10${String(k).split('').map((c) => SUPERSCRIPT[c] ?? c).join('')}`;
}

/**
 * How surface values become colours: log10(f - f_min + eps) when the surface spans decades, else f itself.
 * eps is a millionth of the range (about six decades show); `floor` raises it for 3-D, where a coarse grid's
 * cells near a zero-valued valley would otherwise stand out as spikes of log(~0).
 */
export function makeTransform(z, logScale, floor = 1e-6) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const row of z) for (const v of row) if (v !== null && Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  if (!Number.isFinite(lo)) { lo = 0; hi = 1; }
  if (!logScale) return { log: false, f: (v) => v, lo, hi, tlo: lo, thi: hi };
  const eps = Math.max((hi - lo) * floor, 1e-12);
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
    return Object.freeze({ ...styles[i], x, y, loss: r.loss, n, grad: r.grad ?? null, evals: r.evals ?? null,
      status: r.status, divergedAt: r.diverged_at ?? null, statusSteps: r.status_steps ?? null,
      runStatus: r.run_status ?? null });
  });
}

export function quantiles(z, a, b) {
  const v = [];
  for (const row of z) for (const e of row) if (e !== null && Number.isFinite(e)) v.push(e);
  if (!v.length) return [0, 1];
  v.sort((p, q) => p - q);
  const at = (f) => v[Math.min(v.length - 1, Math.max(0, Math.round(f * (v.length - 1))))];
  const lo = at(a);
  const hi = at(b);
  return hi > lo ? [lo, hi] : [v[0], v[v.length - 1] > v[0] ? v[v.length - 1] : v[0] + 1];
}

/** The colour bar: powers of ten on a log scale; tick sizes follow the axis font (present mode is large). */
export function colorbar(tf, { narrow = false, large = false } = {}) {
  const tick = large ? 18 : narrow ? 10 : 12;
  const bar = { thickness: large ? 18 : narrow ? 8 : 12, len: 1, x: 1.012, xanchor: 'left', y: 0.5, outlinewidth: 0,
    tickfont: { size: tick },
    title: { text: narrow ? '' : plotlyText(t(tf.log ? 'plot.colorLog' : 'plot.color')), side: 'right',
      font: { size: large ? 18 : 12 } } };
  if (tf.log) {
    const vals = [];
    for (let k = Math.ceil(tf.tlo); k <= Math.floor(tf.thi); k++) vals.push(k);
    bar.tickvals = vals;
    bar.ticktext = vals.map(pow10Label);
  }
  return bar;
}

// Hover: run name (as data), step (the point's index), x, y, loss, and the gradient when the API sends one.
// customdata stays a flat list of numbers when there is no gradient: cheaper for every animation frame.
export function hoverTemplate(p) {
  const loss = p.grad ? '%{customdata[0]:.5g}' : '%{customdata:.5g}';
  const grad = p.grad ? `<br>${templateText(t('hover.grad'))} %{customdata[1]}` : '';
  return `<b>%{fullData.name}</b><br>${templateText(t('hover.step'))} %{pointNumber}<br>x %{x:.5g}<br>y %{y:.5g}`
    + `<br>${templateText(t('hover.loss'))} ${loss}${grad}<extra></extra>`;
}

export function customData(p) {
  if (!p.grad) return p.loss;
  const g = (k) => (p.grad[k] ? `(${fmt(p.grad[k][0])}, ${fmt(p.grad[k][1])})` : '');
  return p.loss.map((l, k) => [l, g(k)]);
}

/** The index of the step a path shows at animation step k: its last point once it has ended. */
export function at(p, k) {
  return Math.min(k, p.n - 1);
}

/** Decides whether typed surfaces get a log colour scale: when most of the box sits far below its top. */
export function spansDecades(z) {
  const v = [];
  for (const row of z) for (const e of row) if (e !== null && Number.isFinite(e)) v.push(e);
  if (v.length < 4) return false;
  v.sort((a, b) => a - b);
  const lo = v[0];
  const hi = v[v.length - 1];
  return hi - lo > 8 * (v[v.length >> 1] - lo) && hi > lo;
}

/** What a view needs to draw a state's surface: {key, view, grid, logScale, domain, minima, start}. */
export function sceneOf(state, catalog, grid, key) {
  const info = catalog.surfaces[state.surface];
  return { key, view: state.view, grid, logScale: info ? info.log_scale : spansDecades(grid.z),
    domain: domainOf(state, catalog), minima: info ? info.minima : [], start: effectiveStart(state, catalog) };
}

/** Each run's name, colour, dash, head marker and visibility, by its place in the list. */
export function runStyles(state, catalog) {
  const labels = runLabels(state.runs, catalog.optimizers);
  return state.runs.map((r, i) => ({ index: i, name: labels[i], color: r.color || defaultColor(i), dash: dashFor(i),
    symbol: symbolFor(i), symbol3d: symbol3dFor(i), hidden: r.hidden }));
}

/** Each path as drawn: {name, x, y} read back from the figure's traces (null where a path has no trace yet). */
export function drawnPaths(data, paths, base) {
  const d = data || [];
  return paths.map((p, i) => {
    const tr = d[base + i];
    return tr ? { name: p.name, x: Array.from(tr.x || []), y: Array.from(tr.y || []) } : null;
  });
}
