// The one place that reads Plotly's private internals (`_fullLayout`, an axis's `_offset`, `_length`, `p2c`,
// `l2p`). Plotly offers no public pixel <-> data mapping, and the views need one: a click sets the start point,
// the loss chart's "now" line is placed over the chart without redrawing it. If a Plotly upgrade renames these,
// this file is all that changes; every function answers null when the graph is not drawn (yet).

/* global Plotly */

import { PLOTLY_ZH } from './i18n-tables.js';

/**
 * Plotly arrives as an async classic script; everything but drawing can start before it has run. That script is
 * plotly.js's cartesian bundle, which draws every view but the 3-D one (see plotlyFull).
 */
export function plotlyReady() {
  if (window.Plotly) return Promise.resolve();
  const script = document.getElementById('plotly-script');
  return new Promise((resolve, reject) => {
    script.addEventListener('load', resolve, { once: true });
    script.addEventListener('error', () => reject(new Error(`${script.src} did not load`)), { once: true });
  });
}

let full = null;

function fullSrc() {
  return document.getElementById('plotly-script').src.replace(/[^/]*$/, 'plotly.min.js');
}

/**
 * Asks the browser to download the full bundle into its cache, at low priority and without running it: a switch
 * to 3-D then spends no time on the network. Called once the first path is drawn, so it never delays that.
 */
export function prefetchFull() {
  if (full || document.getElementById('plotly-full-prefetch')) return;
  const link = document.createElement('link');
  link.id = 'plotly-full-prefetch';
  link.rel = 'prefetch';
  link.as = 'script';
  link.href = fullSrc();
  document.head.append(link);
}

/**
 * The full bundle (the plotly wheel's, same plotly.js version), loaded once, when 3-D is first asked for. It
 * takes window.Plotly's place, so from then on every view calls it: the graphs the cartesian bundle drew are
 * plain state on their elements, which the same version's full bundle reads and updates as its own.
 */
export function plotlyFull() {
  full ??= plotlyReady().then(() => new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = fullSrc();
    script.id = 'plotly-full-script';
    script.addEventListener('load', () => {
      // Plotly's own UI strings in Chinese: registered on this instance too (registering does not switch to it).
      window.Plotly.register({ moduleType: 'locale', name: 'zh-CN', dictionary: PLOTLY_ZH });
      resolve();
    }, { once: true });
    script.addEventListener('error', () => {
      full = null; // a later 3-D request tries again
      reject(new Error(`${script.src} did not load`));
    }, { once: true });
    document.head.append(script);
  }));
  return full;
}

function axes(gd) {
  const full = gd?._fullLayout;
  if (!full || !full.xaxis || !full.yaxis) return null;
  return [full.xaxis, full.yaxis];
}

/** The data point under a client (viewport) position, or null when it is outside the plot area. */
export function clientToData(gd, clientX, clientY) {
  const a = axes(gd);
  if (!a) return null;
  const [xa, ya] = a;
  const box = gd.getBoundingClientRect();
  const px = clientX - box.left - xa._offset;
  const py = clientY - box.top - ya._offset;
  if (px < 0 || py < 0 || px > xa._length || py > ya._length) return null;
  return [xa.p2c(px), ya.p2c(py)];
}

/** The x and y ranges the graph shows now (after a zoom they are the zoomed box). */
export function shownRanges(gd) {
  const a = axes(gd);
  return a ? { x: [...a[0].range], y: [...a[1].range] } : null;
}

/**
 * The plot area in graph pixels and the mapping of data to it: {left, top, width, height, x(v), y(v)}, where
 * y(v) takes the axis's own linear value (log10 of the value on a log axis), as Plotly's l2p does.
 */
export function plotArea(gd) {
  const a = axes(gd);
  if (!a) return null;
  const [xa, ya] = a;
  return { left: xa._offset, top: ya._offset, width: xa._length, height: ya._length,
    x: (v) => xa.l2p(v), y: (v) => ya.l2p(v) };
}

/** Resizes a drawn graph whose size is no longer its box's (it was out of sight when the box changed). */
export function followSize(gd) {
  const full = gd?._fullLayout;
  if (!full) return;
  if (Math.round(full.width) !== gd.clientWidth || Math.round(full.height) !== gd.clientHeight) {
    Plotly.Plots.resize(gd).catch?.(() => {});
  }
}

/** Calls Plotly's resize on each graph that has been drawn. */
export function resizeGraphs(graphs) {
  for (const gd of graphs) if (gd?._fullLayout && !gd.hidden) Plotly.Plots.resize(gd).catch?.(() => {});
}
