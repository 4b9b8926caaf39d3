// The work budget, checked before asking: GET /api/limits states the budget and each optimizer's cost rule,
// and a run's work is steps x (per_step + per_eval x max_eval) x the surface's cost. The server checks again;
// this lets the page say so in plain words as the user types, instead of sending a request it will refuse.

import { LIMITS } from './state.js';

/** The most evaluations one step of this run may make (L-BFGS: max_eval, or torch's max_iter x 5/4, plus the
 * strong-Wolfe search's extra one); 0 for the optimizers that evaluate nothing themselves. */
function maxEval(run, rule) {
  if (!rule.per_eval) return 0;
  const p = run.params;
  let n = p.max_eval ?? Math.floor((p.max_iter * 5) / 4);
  if (p.line_search_fn === 'strong_wolfe') n += rule.line_search_extra_evals ?? 0;
  return n;
}

/**
 * Work units of one step of a run, by the server's rule (docs/api.md, "The work rule"): per_step + per_eval x
 * max_eval, where L-BFGS's per_step is min(max_iter, max_eval) x history_size x per_iteration_pair (the served
 * per_step is that at its defaults).
 */
export function stepCost(run, steps, surfaceCost = 1) {
  const rule = LIMITS.work.cost[run.optimizer] ?? { per_step: 1, per_eval: 0 };
  const evals = maxEval(run, rule);
  const p = run.params;
  const perStep = rule.per_iteration_pair
    ? rule.per_iteration_pair * Math.min(p.max_iter, evals) * p.history_size
    : rule.per_step;
  // a scheduled step costs the scheduler's units too (GET /api/limits: work.scheduler_per_step)
  return (perStep + rule.per_eval * evals) * surfaceCost + (run.scheduler ? LIMITS.work.scheduler_per_step ?? 0 : 0);
}

/** {work, budget, over, maxSteps}: maxSteps is the most steps these runs may take within the budget. */
export function checkWork(state, surfaceCost = 1) {
  // With the inspector open, each run records its state: the server counts inspect_factor x the work.
  const inspect = state.inspect && !state.present && !state.embed ? (LIMITS.work.inspect_factor ?? 1) : 1;
  const perStep = state.runs.reduce((w, r) => w + stepCost(r, state.steps, surfaceCost), 0) * inspect;
  const budget = LIMITS.work.budget;
  const work = Math.ceil(perStep * state.steps);
  const maxSteps = perStep > 0 ? Math.min(LIMITS.steps.max, Math.floor(budget / perStep)) : LIMITS.steps.max;
  return { work, budget, over: work > budget, maxSteps };
}
