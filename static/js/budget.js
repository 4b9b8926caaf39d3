// The work budget, checked before asking: GET /api/limits states the budget and each optimizer's cost rule,
// and a run's work is steps x (per_step + per_eval x max_eval) x the surface's cost. The server checks again;
// this lets the page say so in plain words as the user types, instead of sending a request it will refuse.

import { LIMITS } from './state.js';

/** The most evaluations one step of this run may make (L-BFGS: max_eval, or torch's max_iter x 5/4). */
function maxEval(run, rule) {
  if (!rule.per_eval) return 0;
  const p = run.params;
  let n = p.max_eval ?? (p.max_iter !== undefined ? Math.floor((p.max_iter * 5) / 4) : 1);
  if (p.line_search_fn && rule.line_search_extra) n += rule.line_search_extra;
  return n;
}

/**
 * Work units of one step of a run. An optional `per_iteration_pair` (L-BFGS) adds that much per inner iteration
 * and stored history pair, as the server's estimate does: min(max_iter, max_eval) x min(history_size, steps x
 * max_iter).
 */
export function stepCost(run, steps, surfaceCost = 1) {
  const rule = LIMITS.work.cost[run.optimizer] ?? { per_step: 1, per_eval: 0 };
  const evals = maxEval(run, rule);
  let history = 0;
  if (rule.per_iteration_pair) {
    const p = run.params;
    history = rule.per_iteration_pair * Math.min(p.max_iter, evals) * Math.min(p.history_size, steps * p.max_iter);
  }
  return Math.ceil((rule.per_step + rule.per_eval * evals + history) * surfaceCost);
}

/** {work, budget, over, maxSteps}: maxSteps is the most steps these runs may take within the budget. */
export function checkWork(state, surfaceCost = 1) {
  const perStep = state.runs.reduce((w, r) => w + stepCost(r, state.steps, surfaceCost), 0);
  const budget = LIMITS.work.budget;
  const work = Math.ceil(perStep * state.steps);
  const maxSteps = perStep > 0 ? Math.min(LIMITS.steps.max, Math.floor(budget / perStep)) : LIMITS.steps.max;
  return { work, budget, over: work > budget, maxSteps };
}
