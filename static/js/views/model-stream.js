// Model mode's live answer: POST /api/train/stream read through the page's one SSE reader (api.js streamEvents),
// gathered into an object of the same shape as POST /api/train's JSON answer (docs/api.md), so that every figure
// draws a half-trained answer exactly as a finished one. `meta` opens it, each `points` event appends one run's
// window of losses (and, where the server sends them, its (w, b) path rows, decision map and lr/momentum
// series), and `done` adds the pictures that need every run's end. Concatenated, the events are the JSON answer.

import { streamEvents } from '../api.js';

/** Writes `values` into `series` from index `offset` on (a window may start before the series' end: overwrite). */
function put(series, offset, values) {
  if (!Array.isArray(values)) return;
  series.length = Math.min(series.length, offset);
  while (series.length < offset) series.push(null);
  for (const v of values) series.push(v);
}

function liveRun(head) {
  return { ...head, loss: [], batch_loss: [], accuracy: null, weights: [], weight_steps: [], path: null,
    path_steps: null, heatmaps: null, live_heatmap: null, status: 'ok', diverged_at: null };
}

/** Appends rows whose step is beyond the last one kept: windows may repeat the path so far, or send only news. */
function appendPath(run, weights, steps) {
  if (!Array.isArray(weights) || !Array.isArray(steps)) return;
  const last = run.weight_steps.length ? run.weight_steps[run.weight_steps.length - 1] : -1;
  steps.forEach((k, j) => {
    if (k > last) {
      run.weights.push(weights[j]);
      run.weight_steps.push(k);
    }
  });
}

/**
 * Trains through the stream. hooks.meta(answer) once the answer exists, hooks.update(answer, runIndex) after each
 * window; resolves with the finished answer (answer.complete is true). Rejects with AbortError when aborted.
 */
export async function trainLive(body, signal, hooks) {
  let answer = null;
  await streamEvents('api/train/stream', body, {
    meta(m) {
      answer = { ...m, complete: false, runs: m.runs.map(liveRun) };
      hooks.meta?.(answer);
    },
    points(ev) {
      const r = answer.runs[ev.run];
      put(r.loss, ev.offset, ev.loss);
      put(r.batch_loss, ev.batch_offset, ev.batch_loss);
      if (Array.isArray(ev.accuracy)) {
        r.accuracy ??= [];
        put(r.accuracy, ev.offset, ev.accuracy);
      }
      for (const k of ['lr', 'momentum']) {
        if (Array.isArray(ev[k])) {
          r[k] ??= [];
          put(r[k], ev.offset, ev[k]);
        }
      }
      appendPath(r, ev.weights, ev.weight_steps);
      if (ev.heatmap) r.live_heatmap = ev.heatmap;
      hooks.update?.(answer, ev.run);
    },
    done(d) {
      for (const [k, v] of Object.entries(d)) if (k !== 'runs') answer[k] = v;
      d.runs.forEach((end, i) => Object.assign(answer.runs[i], end));
      answer.complete = true;
    },
  }, signal);
  return answer;
}

/** How many full-batch loss points run i has so far, and how many it will have. */
export function progress(answer) {
  const total = answer.steps + 1;
  const have = answer.runs.reduce((n, r) => n + r.loss.length, 0);
  return { have, total: total * answer.runs.length };
}
