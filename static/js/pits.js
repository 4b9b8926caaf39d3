// Shallow pits of a sampled surface, filled for display. A grid samples a narrow trough (Rosenbrock's valley,
// Beale's arms) at nodes that sit now nearer, now farther from its floor, so the sampled floor goes up and down
// where the true one is smooth. Each dip is a local minimum of the grid that the function does not have: a
// contour level just above one draws a short closed loop (Beale's grey dashes near (0, ±2.3)), and in 3-D the
// dips are a row of spikes along the valley. fillShallowPits removes every minimum shallower than `depth`
// (the h-minima transform of mathematical morphology, then a reconstruction from the minima that are kept), so
// values change by less than `depth` and only inside such pits; real minima deeper than that stay as they are.

/** A binary min-heap of grid indices keyed by a Float64Array, with lazy deletion (stale entries are skipped). */
class Heap {
  constructor() {
    this.key = [];
    this.idx = [];
  }

  get size() {
    return this.key.length;
  }

  push(k, i) {
    const { key, idx } = this;
    let c = key.length;
    key.push(k);
    idx.push(i);
    while (c > 0) {
      const p = (c - 1) >> 1;
      if (key[p] <= k) break;
      key[c] = key[p]; idx[c] = idx[p];
      c = p;
    }
    key[c] = k; idx[c] = i;
  }

  pop() {
    const { key, idx } = this;
    const top = [key[0], idx[0]];
    const k = key.pop();
    const i = idx.pop();
    const n = key.length;
    if (n) {
      let c = 0;
      for (;;) {
        let m = 2 * c + 1;
        if (m >= n) break;
        if (m + 1 < n && key[m + 1] < key[m]) m++;
        if (key[m] >= k) break;
        key[c] = key[m]; idx[c] = idx[m];
        c = m;
      }
      key[c] = k; idx[c] = i;
    }
    return top;
  }
}

// Water flows to the 4 side neighbours only: a contour tracer (marching squares) splits two cells that touch at
// a corner when the cell between them is higher, and a pit that drains only through a corner is drawn as one.
const STEPS = [[-1, 0], [1, 0], [0, -1], [0, 1]];

/**
 * Morphological reconstruction by erosion of `marker` (>= f) over f: each cell gets the lowest level at which
 * water poured from some cell's marker reaches it from its side neighbours (a priority flood, lowest first).
 * Cells whose value is not finite are holes: they keep their marker and let nothing through.
 */
function reconstruct(f, marker, rows, cols) {
  const g = Float64Array.from(marker);
  const heap = new Heap();
  for (let i = 0; i < g.length; i++) if (Number.isFinite(g[i])) heap.push(g[i], i);
  while (heap.size) {
    const [v, c] = heap.pop();
    if (v > g[c]) continue; // stale
    const r = (c / cols) | 0;
    const q = c - r * cols;
    for (let k = 0; k < 4; k++) {
      const rr = r + STEPS[k][0];
      const qq = q + STEPS[k][1];
      if (rr < 0 || rr >= rows || qq < 0 || qq >= cols) continue;
      const n = rr * cols + qq;
      if (!Number.isFinite(f[n])) continue;
      const w = Math.max(v, f[n]);
      if (w < g[n]) {
        g[n] = w;
        heap.push(w, n);
      }
    }
  }
  return g;
}

/**
 * z (rows of numbers or null) with every local minimum shallower than `depth` filled up to its spill height.
 * The box's edge and cells beside a hole (null) are outlets: a trough that leaves the box drains there. Returns
 * new rows; z is not written to.
 */
export function fillShallowPits(z, depth) {
  const rows = z.length;
  const cols = rows ? z[0].length : 0;
  if (rows < 3 || cols < 3 || !(depth > 0)) return z.map((row) => row.slice());
  const f = new Float64Array(rows * cols);
  const outlet = new Uint8Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let q = 0; q < cols; q++) {
      const v = z[r][q];
      f[r * cols + q] = v === null || !Number.isFinite(v) ? NaN : v;
    }
  }
  for (let r = 0; r < rows; r++) {
    for (let q = 0; q < cols; q++) {
      const c = r * cols + q;
      if (Number.isNaN(f[c])) continue;
      let edge = r === 0 || q === 0 || r === rows - 1 || q === cols - 1;
      for (let dr = -1; dr <= 1 && !edge; dr++) {
        for (let dq = -1; dq <= 1; dq++) if (Number.isNaN(f[(r + dr) * cols + q + dq])) edge = true;
      }
      outlet[c] = edge ? 1 : 0;
    }
  }
  // h-minima: raise everything by depth but the outlets, and let it sink back to f wherever it can drain. A
  // minimum at least `depth` deep keeps a floor exactly `depth` above f; a shallower one is flooded over.
  const raised = f.map((v, c) => (outlet[c] ? v : v + depth));
  const hmin = reconstruct(f, raised, rows, cols);
  // The minima kept are those floors; rebuilding from them (and the outlets) fills every other pit, even one
  // nested inside a deep basin, to its own spill height.
  const tol = depth * 1e-9;
  const marker = f.map((v, c) => (outlet[c] || hmin[c] - v >= depth - tol ? v : Infinity));
  const g = reconstruct(f, marker, rows, cols);
  const out = new Array(rows);
  for (let r = 0; r < rows; r++) {
    const row = new Array(cols);
    for (let q = 0; q < cols; q++) {
      const v = g[r * cols + q];
      row[q] = Number.isFinite(v) ? v : z[r][q] ?? null;
    }
    out[r] = row;
  }
  return out;
}
