// The main figure: a 2-D view (plot2d.js) or a 3-D one (plot3d.js) of the same scene, chosen by scene.view.
// It follows its container's size, not only the window's (a notice above it, or the status below it, changes
// the room it has), and holds per-frame updates back while a redraw is under way: a frame meant for the old
// traces must never reach the new ones.

import { resizeGraphs, plotlyFull, prefetchFull } from './plotly-adapter.js';
import { makeTransform } from './plot-common.js';
import { Plot2D } from './plot2d.js';
import { Plot3D } from './plot3d.js';

export { pathsFrom, plotlyText, makeTransform } from './plot-common.js';

// 3-D colour heights start two decades below the range's top instead of six: on a coarse grid, the cells
// next to a zero-valued valley floor (Rosenbrock's) would otherwise stand out as spikes of log(~0).
const FLOOR_3D = 1e-2;
// A first switch to 3-D runs the full Plotly bundle (~0.8 s, plotly-adapter.js) and builds a WebGL scene in
// software GL (~1 s: context, shaders, axis text). After this long with nothing drawn or animated, both are done
// out of sight, once, so a switch only updates the scene. Not sooner: each is one long task, and a race must
// not stutter.
const PREPARE_3D_IDLE_MS = 1000;

export class MainPlot {
  constructor(el, { onPick } = {}) {
    this.el = el;
    this.view2d = new Plot2D(el, { onPick });
    this.view3d = new Plot3D(el, { onPick });
    this.view2d.show(false);
    this.current = null;
    this.drawing = false;
    this.pendingStep = null;
    this.prepareTimer = 0;
    this.observer = new ResizeObserver(() => this.resized());
    this.observer.observe(el);
  }

  resized() {
    cancelAnimationFrame(this.resizeFrame);
    this.resizeFrame = requestAnimationFrame(() => {
      if (this.current && !this.drawing) resizeGraphs(this.current.graphs);
    });
  }

  /** The paths the current view draws (for the debug hook and tests). */
  get paths() {
    return this.current?.paths ?? [];
  }

  get step() {
    return this.current?.step ?? 0;
  }

  /**
   * scene = {view, grid: {x, y, z}, logScale, domain: {x, y}, minima, start, key}; paths from pathsFrom();
   * opts = {legend, large, equal}. Neither is written to.
   */
  async draw(scene, paths, step, opts = {}) {
    const full = { ...scene };
    if (this.lastGrid !== scene.grid || this.lastLog !== scene.logScale) {
      this.lastGrid = scene.grid;
      this.lastLog = scene.logScale;
      this.tf = makeTransform(scene.grid.z, scene.logScale);
      this.tf3d = makeTransform(scene.grid.z, scene.logScale, FLOOR_3D);
    }
    full.tf = this.tf;
    full.tf3d = this.tf3d;
    const next = scene.view === '3d' ? this.view3d : this.view2d;
    clearTimeout(this.prepareTimer);
    this.drawing = true;
    try {
      if (next === this.view3d) {
        await this.preparing; // one Plotly call at a time on the 3-D graph; a 2-D draw need not wait
        await plotlyFull();
      }
      if (this.current && this.current !== next) await this.current.purge();
      this.current = next;
      await next.draw(full, paths, step, opts);
    } finally {
      this.drawing = false;
    }
    this.lastDraw = { scene: full, paths, opts };
    this.armPrepare();
    this.markFirstPath();
    if (this.pendingStep !== null) {
      const k = this.pendingStep;
      this.pendingStep = null;
      this.showStep(k);
    }
  }

  showStep(k) {
    if (this.drawing) {
      this.pendingStep = k;
      return;
    }
    this.current?.showStep(k);
    this.markFirstPath();
    this.armPrepare();
  }

  /** (Re)starts the wait for an idle moment in which to build the 3-D view, while it has never been built. */
  armPrepare() {
    clearTimeout(this.prepareTimer);
    if (this.view3d.drawn || this.current !== this.view2d) return;
    this.prepareTimer = setTimeout(() => this.prepare3d(), PREPARE_3D_IDLE_MS);
  }

  async prepare3d() {
    if (this.view3d.drawn || this.current !== this.view2d || this.drawing || document.hidden || !this.lastDraw) return;
    const { scene, paths, opts } = this.lastDraw;
    // Only a head start: the switch to 3-D draws the view anyway, and reports what goes wrong then.
    this.preparing = plotlyFull()
      .then(() => this.current === this.view2d && !this.drawing
        && this.view3d.draw({ ...scene, view: '3d' }, paths, this.current.step, opts, { prepare: true }))
      .catch(() => {});
    await this.preparing;
    this.preparing = null;
  }

  /** The benchmark's "first drawn path": the first time a shown path holds two points. */
  markFirstPath() {
    if (this.firstPathMarked || !this.current) return;
    const k = this.current.step;
    if (this.current.paths.some((p) => !p.hidden && Math.min(k, p.n - 1) >= 1)) {
      this.firstPathMarked = true;
      performance.mark('first-path');
      prefetchFull();
    }
  }

  evaluations() {
    return this.current === this.view2d ? this.view2d.evaluations() : [];
  }

  plotted() {
    return this.current?.plotted() ?? [];
  }

  /** The graphs of the view on show, for image export. */
  get graphs() {
    return this.current?.graphs ?? [];
  }
}
