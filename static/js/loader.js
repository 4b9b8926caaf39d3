// The loader: gets what a state needs from the server and keeps it. Grids are cached by surface and size;
// paths come as one JSON answer, or through the SSE stream for long runs, filling `result` as windows arrive.
// Each request has a generation: a newer one aborts the older, and an answer that arrives late is dropped.
// A 503 (the server is busy) is retried once, after the time the server asks for.

import * as api from './api.js';
import { requestBody, clone, STREAM_ABOVE, LIMITS } from './state.js';

const DEBOUNCE_MS = 100; // recompute this long after the last change
const KEEP_GRIDS = 24;
const STREAM_DRAW_MS = 150;

function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(new DOMException('aborted', 'AbortError'));
    }, { once: true });
  });
}

/** Appends a stream window's recorded values (docs/api.md, "inspect") to a run's, as the JSON answer has them. */
function mergeInspect(run, piece) {
  const into = (run.inspect ??= { state: {}, derived: {}, grad: [], update: [], lr: [], momentum: null });
  for (const part of ['state', 'derived']) {
    for (const [k, rows] of Object.entries(piece[part])) for (const v of rows) (into[part][k] ??= []).push(v);
  }
  for (const k of ['grad', 'update', 'lr', 'momentum']) {
    if (piece[k]) for (const v of piece[k]) (into[k] ??= []).push(v);
  }
}

export class Loader {
  /**
   * hooks: loaded() when the state's paths and grid are in; partial() while a stream arrives (throttled);
   * status(kind, vars) for 'computing' | 'streaming' | 'busy' | ''; failed(err, snapshot) for errors.
   */
  constructor(catalog, hooks) {
    this.catalog = catalog;
    this.hooks = hooks;
    this.grids = new Map();
    this.result = null; // {key, runs, complete, start}
    this.timer = 0;
    this.pending = null; // the snapshot a debounced load will ask for
    this.inflight = null;
    this.generation = 0;
    this.busy = 0;
    this.streamDrawAt = 0;
  }

  surfaceKey(s) {
    return s.surface === 'custom' ? `custom|${s.expr}|${s.xr}|${s.yr}` : s.surface;
  }

  /** One grid serves both views (3-D draws a thinned copy): switching views then needs nothing from the server. */
  gridSize() {
    return LIMITS.grid.default;
  }

  // Still keyed by view, so that a switch goes through load() like any change: the page counts as settled only
  // once the new view is drawn. The other view's copy is taken at once (sharedGrid).
  gridKey(s, view = s.view) {
    return `${this.surfaceKey(s)}|${this.gridSize()}|${view === '3d' ? '3d' : '2d'}`;
  }

  sharedGrid(s) {
    return this.grids.get(this.gridKey(s, s.view === '3d' ? '2d' : '3d'));
  }

  computeKey(s) {
    return JSON.stringify(requestBody(s, this.catalog));
  }

  /** True when the drawn result and grid are the state's own. */
  ready(s) {
    return !!this.result && this.result.key === this.computeKey(s) && this.grids.has(this.gridKey(s));
  }

  grid(s) {
    return this.grids.get(this.gridKey(s));
  }

  /** Whether the state needs the server; if so, cancels what is under way and schedules a load. */
  request(s, { urgent = false } = {}) {
    clearTimeout(this.timer);
    this.pending = null;
    const needPaths = !this.result || this.result.key !== this.computeKey(s);
    const needGrid = !this.grids.has(this.gridKey(s));
    if (!needPaths && !needGrid) return false;
    this.cancel(); // what is on its way is already out of date: cancel it now, not when the debounce ends
    this.hooks.status('computing');
    const snapshot = clone(s);
    // Nothing to wait for: the first answer, a switch of view, or a committed change (a typed value, a choice, a
    // slider let go); the debounce is for drags, whose every move would otherwise be a request.
    const now = urgent || !this.result || (!needPaths && this.sharedGrid(s));
    this.pending = snapshot;
    this.timer = setTimeout(() => { this.pending = null; this.load(snapshot); }, now ? 0 : DEBOUNCE_MS);
    return true;
  }

  /** Whether a load waits for its timer (the debounce, or the next task). */
  get scheduled() {
    return this.pending !== null;
  }

  /** A drag ended on the value it last sent: what waits for the debounce is loaded now. */
  flush() {
    if (!this.pending) return;
    clearTimeout(this.timer);
    const snapshot = this.pending;
    this.pending = null;
    this.load(snapshot);
  }

  /** Stops what is pending without asking for anything new (a state the page will not send). */
  cancel() {
    clearTimeout(this.timer);
    this.pending = null;
    this.inflight?.abort();
    this.generation++;
  }

  async load(snapshot) {
    const my = ++this.generation;
    this.inflight?.abort();
    const abort = new AbortController();
    this.inflight = abort;
    const { signal } = abort;
    this.busy++;
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          await this.fetchAll(snapshot, signal, my);
          break;
        } catch (err) {
          if (err.name === 'AbortError' || my !== this.generation) return;
          if (!(err instanceof api.ApiError && err.status === 503 && attempt === 0)) throw err;
          this.hooks.status('busy', { s: err.retryAfter });
          await sleep(err.retryAfter * 1000, signal);
        }
      }
      if (my !== this.generation) return;
      this.hooks.status('');
      await this.hooks.loaded();
    } catch (err) {
      if (err.name === 'AbortError' || my !== this.generation) return;
      this.hooks.failed(err, snapshot);
    } finally {
      this.busy--;
      if (this.inflight === abort) this.inflight = null;
    }
  }

  async fetchAll(snapshot, signal, my) {
    const gKey = this.gridKey(snapshot);
    const cKey = this.computeKey(snapshot);
    const shared = this.sharedGrid(snapshot);
    const keep = (g) => {
      this.grids.set(gKey, g);
      if (this.grids.size > KEEP_GRIDS) this.grids.delete(this.grids.keys().next().value);
    };
    const gridPromise = this.grids.has(gKey) ? Promise.resolve()
      : (shared ? Promise.resolve(shared) : this.fetchGrid(snapshot, signal)).then(keep);
    gridPromise.catch(() => {}); // reported below, once
    if (!this.result || this.result.key !== cKey) {
      const body = requestBody(snapshot, this.catalog);
      if (body.steps > STREAM_ABOVE) {
        await this.loadStream(body, cKey, snapshot, signal, my);
      } else {
        const res = await api.postTrajectories(body, signal);
        if (my !== this.generation) return;
        this.result = { key: cKey, runs: res.runs, complete: true, start: res.start };
      }
    }
    await gridPromise;
  }

  async loadStream(body, cKey, snapshot, signal, my) {
    const partial = { key: cKey, complete: false, start: body.start,
      runs: body.runs.map((r) => ({ optimizer: r.optimizer, params: r.params, xy: [], loss: [], grad: [], evals: null,
        status: 'ok', diverged_at: null })) };
    await api.streamTrajectories(body, {
      meta: (d) => d.runs.forEach((r, i) => { if (partial.runs[i]) partial.runs[i].params = r.params; }),
      points: (d) => {
        const run = partial.runs[d.run];
        if (!run) return;
        for (const p of d.xy) run.xy.push(p);
        for (const l of d.loss) run.loss.push(l);
        for (const g of d.grad ?? []) run.grad.push(g);
        for (const key of ['lr', 'momentum']) { // scheduled runs: the lr (and cycled momentum) of each step
          if (!d[key]) continue;
          run[key] ??= [];
          for (const v of d[key]) run[key].push(v);
        }
        if (d.inspect) mergeInspect(run, d.inspect); // "inspect": true, windowed like the points
        if (d.evals) { // L-BFGS only; other runs keep evals null, as in the JSON answer
          run.evals ??= [];
          for (const e of d.evals) run.evals.push(e);
        }
        if (my !== this.generation) return;
        this.result = partial;
        const received = Math.max(...partial.runs.map((r) => r.loss.length));
        this.hooks.status('streaming', { k: Math.max(0, received - 1), n: body.steps });
        const now = performance.now();
        if (this.grids.has(this.gridKey(snapshot)) && now - this.streamDrawAt > STREAM_DRAW_MS) {
          this.streamDrawAt = now;
          this.hooks.partial();
        }
      },
      done: (d) => {
        d.runs.forEach((r, i) => Object.assign(partial.runs[i], r));
        partial.complete = true;
      },
    }, signal);
    if (my === this.generation) this.result = partial;
  }

  fetchGrid(s, signal) {
    const n = this.gridSize(s);
    return s.surface === 'custom' ? api.getCustomGrid(s.expr, s.xr, s.yr, n, signal)
      : api.getGrid(s.surface, n, signal);
  }
}
