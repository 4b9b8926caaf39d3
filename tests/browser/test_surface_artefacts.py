"""Issue 10: the spikes along Rosenbrock's valley in 3-D and the grey dashes near (0, ±2.3) on Beale's contours.

Both came from the grid, not the function: a sampled trough floor goes up and down, and each dip is a local
minimum the function does not have. Drawn, a dip is a spike of the 3-D surface, and a contour level just above
one is a short closed loop: a dash. The tests look at what Plotly was given and drew.
"""

from __future__ import annotations

# The drawn surface's strict local minima (lower than all 8 neighbours by more than a hair), with their depth
# below the lowest neighbour as a share of the height range.
SURFACE_MINIMA = """() => {
  const tr = document.querySelector('#plot .plot-3d').data[0];
  const z = tr.z;
  let lo = Infinity, hi = -Infinity;
  for (const row of z) for (const v of row) if (v !== null) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  const out = [];
  for (let j = 1; j < z.length - 1; j++) {
    for (let i = 1; i < z[j].length - 1; i++) {
      const v = z[j][i];
      if (v === null) continue;
      let m = Infinity;
      for (let a = -1; a <= 1; a++) for (let b = -1; b <= 1; b++) {
        if (a || b) m = Math.min(m, z[j + a][i + b] ?? Infinity);
      }
      if (m - v > 1e-9 * (hi - lo)) out.push({x: tr.x[i], y: tr.y[j], depth: (m - v) / (hi - lo)});
    }
  }
  return out;
}"""

# Every piece of contour line Plotly drew on the 2-D view: its length and the thinner side of its box in
# pixels, and where it starts in data coordinates.
CONTOUR_PIECES = """() => {
  const gd = document.querySelector('#plot .plot-layer');
  const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
  const probe = document.createElementNS('http://www.w3.org/2000/svg', 'path');
  gd.querySelector('svg').append(probe);
  const out = [];
  for (const p of gd.querySelectorAll('.contourlevel path')) {
    for (const sub of (p.getAttribute('d') || '').split('M').filter(Boolean)) {
      probe.setAttribute('d', 'M' + sub);
      const at = probe.getPointAtLength(0);
      const box = probe.getBBox();
      out.push({length: probe.getTotalLength(), thin: Math.min(box.width, box.height),
                x: xa.p2c(at.x), y: ya.p2c(at.y)});
    }
  }
  probe.remove();
  return out;
}"""


def test_10_rosenbrock_3d_valley_has_no_spikes(open_page):
    p = open_page("?preset=rosenbrock&view=3d")
    p.wait("document.querySelector('#plot .plot-3d')?.data?.[0]?.type === 'surface'")
    minima = p.js(SURFACE_MINIMA)
    # The function has one minimum, at (1, 1); a dip of the sampled valley floor anywhere else is a spike. (At
    # (1, 1) the drawn floor may be a flat pool instead of a single lowest node.)
    spikes = [m for m in minima if abs(m["x"] - 1) > 0.1 or abs(m["y"] - 1) > 0.1]
    assert spikes == [], f"{len(spikes)} spikes on the drawn surface, e.g. {spikes[:5]}"
    assert len(minima) <= 1
    assert p.console_errors == [] and p.page_errors == []
    p.shot("rosenbrock-3d-valley")


def test_11_beale_contours_have_no_dashes_near_the_y_axis(open_page):
    p = open_page("?surface=beale")
    pieces = p.js(CONTOUR_PIECES)
    assert len(pieces) > 40, "the contour lines were not found where Plotly draws them"
    # A dash: a piece of contour line that is short or thin (a loop whose two sides touch), away from the box's
    # edge (where a level cutting a corner is short for a good reason).
    inside = [c for c in pieces if abs(c["x"]) < 4.4 and abs(c["y"]) < 4.4]
    dashes = [c for c in inside if c["length"] < 15 or c["thin"] < 3]
    assert dashes == [], f"{len(dashes)} contour dashes, e.g. {dashes[:5]}"
    assert p.console_errors == [] and p.page_errors == []
    p.shot("beale-contours")
