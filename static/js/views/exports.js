// Export for slides and notebooks: the current view as PNG or SVG (at the size shown or 1920x1080), the race as a
// WebM video (MediaRecorder over a canvas) or an animated GIF (gifenc, vendored with its licence), both made in
// the browser with a progress bar and a cancel button, every run's data
// as CSV and JSON, an <iframe> snippet for the current link in embed mode, and "Copy as PyTorch", which asks the
// server (POST /api/export/pytorch) for a script that reproduces the paths.

/* global Plotly */

import * as api from '../api.js';
import { t } from '../i18n.js';
import { requestBody, toQuery, fmtNum } from '../state.js';
import { errorWords } from '../errors.js';
import { copyText, setStatus } from './notices.js';
import { GIFEncoder, quantize, applyPalette } from '../../vendor/gifenc/gifenc.esm.js';

const $ = (id) => document.getElementById(id);
const HD = { width: 1920, height: 1080 };
const MAX_FRAMES = 240; // a video samples at most this many steps, so that a 10,000-step race stays short
const GIF_FRAMES = 120; // GIFs are larger per frame: fewer frames,
const GIF_WIDTH = 720; // and at most this wide
const FPS = 30;
const REVOKE_MS = 60_000; // a download link's object URL lives this long
export const EMBED_SIZES = [[640, 400], [800, 500], [960, 540], [1280, 720]];

function save(blob, name) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), REVOKE_MS);
  setStatus(t('export.saved', { name }));
}

function loadImage(url) {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error('image'));
    img.src = url;
  });
}

/** The graphs of the view, stacked into one image: a canvas (PNG, video) or an SVG document. */
export async function composite(graphs, { width, height, format = 'png', scale = 1 }) {
  const urls = [];
  for (const gd of graphs) urls.push(await Plotly.toImage(gd, { format, width, height, scale }));
  if (format === 'svg') {
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('xmlns', ns);
    svg.setAttribute('width', String(width));
    svg.setAttribute('height', String(height));
    svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
    const bg = document.createElementNS(ns, 'rect');
    bg.setAttribute('width', '100%');
    bg.setAttribute('height', '100%');
    bg.setAttribute('fill', '#ffffff');
    svg.append(bg);
    for (const url of urls) {
      const img = document.createElementNS(ns, 'image');
      img.setAttribute('href', url);
      img.setAttribute('width', String(width));
      img.setAttribute('height', String(height));
      svg.append(img);
    }
    return new XMLSerializer().serializeToString(svg);
  }
  const canvas = document.createElement('canvas');
  canvas.width = width * scale;
  canvas.height = height * scale;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  for (const url of urls) ctx.drawImage(await loadImage(url), 0, 0, canvas.width, canvas.height);
  return canvas;
}

function csvCell(v) {
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export class Exports {
  constructor({ getState, catalog, plot, player, getPaths, getResult }) {
    Object.assign(this, { getState, catalog, plot, player, getPaths, getResult });
    this.recording = null;
    $('export-png').addEventListener('click', () => this.image('png'));
    $('export-svg').addEventListener('click', () => this.image('svg'));
    $('export-csv').addEventListener('click', () => this.data('csv'));
    $('export-json').addEventListener('click', () => this.data('json'));
    $('export-webm').addEventListener('click', () => this.video());
    $('export-gif').addEventListener('click', () => this.gif());
    $('export-cancel').addEventListener('click', () => this.recording?.abort());
    $('export-embed').addEventListener('click', () => this.embed());
    $('export-pytorch').addEventListener('click', () => this.pytorch());
    $('embed-size').replaceChildren(...EMBED_SIZES.map(([w, h]) => {
      const o = document.createElement('option');
      o.value = `${w}x${h}`;
      o.textContent = `${w} × ${h}`;
      return o;
    }));
  }

  size() {
    if ($('export-size').value === 'hd') return HD;
    const box = this.plot.el.getBoundingClientRect();
    return { width: Math.round(box.width), height: Math.round(box.height) };
  }

  async image(format) {
    try {
      const { width, height } = this.size();
      const out = await composite(this.plot.graphs, { width, height, format });
      const name = `optimizer-playground.${format}`;
      if (format === 'svg') save(new Blob([out], { type: 'image/svg+xml' }), name);
      else save(await new Promise((r) => out.toBlob(r, 'image/png')), name);
    } catch (err) {
      setStatus(t('export.failed', { msg: errorWords(err) }), true);
    }
  }

  /** Every run's points, losses and hyperparameters. */
  table() {
    const result = this.getResult();
    const paths = this.getPaths();
    const s = this.getState();
    return {
      body: requestBody(s, this.catalog),
      runs: (result?.runs ?? []).map((r, i) => ({ name: paths[i]?.name ?? r.optimizer, optimizer: r.optimizer,
        params: s.runs[i]?.params ?? r.params, status: r.status, diverged_at: r.diverged_at, xy: r.xy, loss: r.loss })),
    };
  }

  data(format) {
    const table = this.table();
    if (format === 'json') {
      save(new Blob([JSON.stringify(table, null, 1)], { type: 'application/json' }), 'optimizer-playground.json');
      return;
    }
    const lines = ['run,name,optimizer,params,step,x,y,loss'];
    table.runs.forEach((r, i) => {
      const params = JSON.stringify(r.params);
      r.xy.forEach(([x, y], k) => {
        lines.push([i, r.name, r.optimizer, params, k, fmtNum(x), fmtNum(y), fmtNum(r.loss[k])].map(csvCell).join(','));
      });
    });
    save(new Blob([`${lines.join('\n')}\n`], { type: 'text/csv' }), 'optimizer-playground.csv');
  }

  embedCode() {
    const [w, h] = $('embed-size').value.split('x').map(Number);
    const s = { ...this.getState(), embed: true, present: false };
    const src = `${location.origin}${location.pathname}?${toQuery(s, this.catalog)}`;
    // Built as text from an origin, a path and our own query string: the attribute quotes are escaped anyway.
    const attr = (v) => String(v).replace(/&/g, '&amp;').replace(/"/g, '&quot;');
    return `<iframe src="${attr(src)}" width="${w}" height="${h}" style="border:0" loading="lazy" `
      + `title="${attr(t('app.title'))}"></iframe>`;
  }

  embed() {
    const code = this.embedCode();
    $('embed-code').value = code;
    copyText(code, t('export.embedDone'));
  }

  async pytorch() {
    setStatus(t('export.pytorchBusy'));
    try {
      const text = await api.exportPytorch(requestBody(this.getState(), this.catalog));
      setStatus('');
      await copyText(text, t('export.pytorchDone'));
    } catch (err) {
      setStatus(t('export.failed', { msg: errorWords(err) }), true);
    }
  }

  /**
   * Steps the race from 0 to the end (at most `frames` samples), drawing each frame's view into a canvas of
   * width x height and handing it to `take(canvas, f, n)`. Shows progress; Cancel stops it. Returns whether it
   * ran to the end.
   */
  async frames(width, height, frames, take) {
    const abort = new AbortController();
    this.recording = abort;
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    const bar = $('export-progress');
    bar.value = 0;
    $('export-recording').hidden = false;
    const wasAt = this.player.step;
    this.player.pause();
    const last = this.player.last;
    const n = Math.min(frames, last + 1);
    const shown = this.size();
    try {
      for (let f = 0; f < n; f++) {
        if (abort.signal.aborted) break;
        this.player.seek(n > 1 ? Math.round((f * last) / (n - 1)) : 0);
        await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        const frame = await composite(this.plot.graphs, shown);
        ctx.drawImage(frame, 0, 0, width, height);
        await take(canvas, ctx, f, n);
        bar.value = (f + 1) / n;
        $('export-progress-text').textContent = t('export.progress', { k: f + 1, n });
      }
    } finally {
      $('export-recording').hidden = true;
      this.recording = null;
      this.player.seek(wasAt);
    }
    if (abort.signal.aborted) setStatus(t('export.cancelled'));
    return !abort.signal.aborted;
  }

  /** The race as WebM: MediaRecorder over a canvas whose frames are the view's images. */
  async video() {
    if (this.recording) return;
    const probe = document.createElement('canvas');
    if (!window.MediaRecorder || !probe.captureStream) {
      setStatus(t('export.noVideo'), true);
      return;
    }
    const { width, height } = this.size();
    let rec = null;
    let track = null;
    const chunks = [];
    let stopped = null;
    try {
      const done = await this.frames(width, height, MAX_FRAMES, async (canvas) => {
        if (!rec) {
          const stream = canvas.captureStream(0);
          track = stream.getVideoTracks()[0];
          const type = ['video/webm;codecs=vp9', 'video/webm;codecs=vp8', 'video/webm']
            .find((m) => MediaRecorder.isTypeSupported(m));
          rec = new MediaRecorder(stream, type ? { mimeType: type } : {});
          rec.ondataavailable = (e) => { if (e.data.size) chunks.push(e.data); };
          stopped = new Promise((r) => { rec.onstop = r; });
          rec.start();
        }
        track.requestFrame();
        await new Promise((r) => setTimeout(r, 1000 / FPS));
      });
      rec?.stop();
      await stopped;
      if (done && chunks.length) save(new Blob(chunks, { type: 'video/webm' }), 'optimizer-playground.webm');
    } catch (err) {
      if (rec?.state === 'recording') rec.stop();
      setStatus(t('export.failed', { msg: errorWords(err) }), true);
    }
  }

  /** The race as an animated GIF, 256 colours a frame, encoded here by gifenc. */
  async gif() {
    if (this.recording) return;
    const shown = this.size();
    const scale = Math.min(1, GIF_WIDTH / shown.width);
    const width = Math.round(shown.width * scale);
    const height = Math.round(shown.height * scale);
    const gif = GIFEncoder();
    try {
      const done = await this.frames(width, height, GIF_FRAMES, (canvas, ctx) => {
        const { data } = ctx.getImageData(0, 0, width, height);
        const palette = quantize(data, 256);
        gif.writeFrame(applyPalette(data, palette), width, height, { palette, delay: 1000 / FPS * 2 });
      });
      if (!done) return;
      gif.finish();
      save(new Blob([gif.bytes()], { type: 'image/gif' }), 'optimizer-playground.gif');
    } catch (err) {
      setStatus(t('export.failed', { msg: errorWords(err) }), true);
    }
  }
}
