"""Rprop and L-BFGS, line by line with torch 2.13's code (L-BFGS in outline: its line search is a page of code)."""

from __future__ import annotations

from .box import Box, L, flag, gradient, hy, initialize, inputs, item, keyword, loop, st, step_line, tr

_CLIP = r"\operatorname{clip}(\eta^i_{t-1} {}, \Gamma_{min}, \Gamma_{max})"

# torch's box clips only the growing step at Gamma_max and the shrinking one at Gamma_min, and leaves the third
# branch alone; the code clamps every step size to [Gamma_min, Gamma_max] (step_size.mul_(sign).clamp_(...)),
# which matters when lr lies outside that range. The box also leaves out maximize, which the code applies.
RPROP = Box("rprop", "Rprop", (
    *inputs(item(r"\gamma", "lr"), item(r"\eta_{+/-}", "etas", (hy(r"\eta_-", "etas", 0), hy(r"\eta_+", "etas", 1))),
            item(r"\Gamma_{min/max}", "step_sizes",
                 (hy(r"\Gamma_{min}", "step_sizes", 0), hy(r"\Gamma_{max}", "step_sizes", 1))),
            flag("maximize")),
    *initialize((r"g^{prev}_0 \leftarrow 0", None, (st(r"g^{prev}_0", "prev"),)),
                (r"\eta_0 \leftarrow \gamma\ \text{(step sizes)}", None, (st(r"\eta_0", "step_size"),))),
    *loop(
        *gradient(),
        L(r"\textbf{for}\ i = 0, 1, \ldots, d-1\ \textbf{do}", 1),
        L(r"\textbf{if}\ g^{prev, i} g^i_t > 0", 2),
        L(r"\eta^i_t \leftarrow " + _CLIP.replace("{}", r"\eta_+"), 3, None, st(r"\eta^i_t", "step_size"),
          runtime=r"g^{prev, i} g^i_t > 0", summary=True),
        L(r"\textbf{else if}\ g^{prev, i} g^i_t < 0", 2),
        L(r"\eta^i_t \leftarrow " + _CLIP.replace("{}", r"\eta_-"), 3, None, st(r"\eta^i_t", "step_size"),
          runtime=r"g^{prev, i} g^i_t < 0", summary=True),
        L(r"g^i_t \leftarrow 0", 3, None, runtime=r"g^{prev, i} g^i_t < 0", summary=True),
        L(r"\textbf{else}", 2),
        L(r"\eta^i_t \leftarrow " + _CLIP.replace(" {}", ""), 3, None, st(r"\eta^i_t", "step_size"),
          runtime=r"g^{prev, i} g^i_t = 0"),
        step_line(r"\theta_t \leftarrow \theta_{t-1} - \eta_t \operatorname{sign}(g_t)"),
        L(r"g^{prev} \leftarrow g_t", 1, None, st(r"g^{prev}", "prev")),
    ),
))

# torch's LBFGS has no box; this outline follows LBFGS.step and _strong_wolfe. One step() is one call with the
# closure and runs up to max_iter iterations; the state below persists between calls. torch keeps the y's in
# state["old_dirs"] and the s's in state["old_stps"].
_WHEN_WOLFE, _WHEN_FIXED = {"line_search_fn": "strong_wolfe"}, {"line_search_fn": None}
LBFGS = Box("lbfgs", "LBFGS", (
    *inputs(item(r"\gamma", "lr"), item(r"k_{max}", "max_iter"), item(r"e_{max}", "max_eval"),
            item(r"\epsilon_g", "tolerance_grad"), item(r"\epsilon_f", "tolerance_change"),
            item("m", "history_size"),
            (keyword("line_search_fn"), "", (hy(keyword("line_search_fn"), "line_search_fn"),))),
    *initialize((r"n \leftarrow 0\ \text{(iterations)},\ e \leftarrow 0\ \text{(evaluations)}", None,
                 (st("n", "n_iter"), st("e", "func_evals"))),
                (r"e_{max} \leftarrow \lfloor 5 k_{max} / 4 \rfloor", {"max_eval": None},
                 (hy(r"e_{max}", "max_eval"),))),
    *loop(
        L(r"f, g \leftarrow f(\theta), \nabla_{\theta} f(\theta);\ c \leftarrow 1;\ e \leftarrow e + 1", 1, None,
          tr("g", "grad"), st("e", "func_evals")),
        L(r"\textbf{if}\ \max_i |g^i| \leq \epsilon_g:\ \textbf{return}\ \theta", 1),
        L(r"\textbf{for}\ k = 1\ \textbf{to}\ k_{max}\ \textbf{do}", 1),
        L(r"n \leftarrow n + 1", 2, None, st("n", "n_iter")),
        L(r"\textbf{if}\ n = 1", 2),
        L(r"d \leftarrow -g;\ H \leftarrow 1;\ \text{forget all pairs}", 3, None, st("d", "d"), st("H", "H_diag"),
          runtime="n = 1"),
        L(r"\textbf{else}", 2),
        L(r"y \leftarrow g - g^{prev};\ s \leftarrow \tau d", 3, None, runtime="n > 1"),
        L(r"\textbf{if}\ y^\top s > 10^{-10}", 3),
        L(r"\text{push } (s, y, \rho = 1 / y^\top s)\text{ (at most } m \text{ pairs)};\ "
          r"H \leftarrow y^\top s / y^\top y", 4, None, st("s_i", "old_stps"), st("y_i", "old_dirs"),
          st(r"\rho_i", "ro"), st("H", "H_diag"), runtime=r"y^\top s > 10^{-10}"),
        L(r"q \leftarrow -g;\ \textbf{for}\ i = \text{newest} \ldots \text{oldest}:\ "
          r"\alpha_i \leftarrow \rho_i s_i^\top q,\ q \leftarrow q - \alpha_i y_i", 3, None,
          st(r"\alpha_i", "al"), runtime="n > 1", summary=True),
        L(r"r \leftarrow H q;\ \textbf{for}\ i = \text{oldest} \ldots \text{newest}:\ "
          r"r \leftarrow r + (\alpha_i - \rho_i y_i^\top r) s_i", 3, None, runtime="n > 1", summary=True),
        L(r"d \leftarrow r", 3, None, st("d", "d"), runtime="n > 1"),
        L(r"g^{prev} \leftarrow g;\ f^{prev} \leftarrow f", 2, None, st(r"g^{prev}", "prev_flat_grad"),
          st(r"f^{prev}", "prev_loss")),
        L(r"\tau \leftarrow \min(1, 1 / \|g\|_1) \gamma\ \textbf{if}\ n = 1\ \textbf{else}\ \gamma", 2, None,
          st(r"\tau", "t")),
        L(r"\textbf{if}\ g^\top d > -\epsilon_f:\ \textbf{break}", 2),
        L(r"\textbf{if}\ " + keyword("line_search_fn") + " = " + keyword("strong_wolfe", r"\text", "\"\""), 2),
        L(r"f, g, \tau \leftarrow \text{strong Wolfe search along } d \text{ from } \tau", 3, _WHEN_WOLFE,
          st(r"\tau", "t"), summary=True),
        L(r"\quad (c_1 = 10^{-4},\ c_2 = 0.9,\ \text{cubic interpolation, at most } e_{max} - c "
          r"\text{ evaluations})", 3, _WHEN_WOLFE),
        L(r"\theta \leftarrow \theta + \tau d;\ \text{add the search's evaluations to } c \text{ and } e", 3,
          _WHEN_WOLFE, st("e", "func_evals")),
        L(r"\textbf{else}", 2),
        L(r"\theta \leftarrow \theta + \tau d", 3, _WHEN_FIXED, summary=True),
        L(r"\textbf{if}\ k < k_{max}:\ f, g \leftarrow f(\theta), \nabla_{\theta} f(\theta);\ "
          r"c \leftarrow c + 1;\ e \leftarrow e + 1", 3, _WHEN_FIXED, st("e", "func_evals")),
        L(r"\textbf{break if}\ k = k_{max},\ c \geq e_{max},\ \max_i |g^i| \leq \epsilon_g,", 2),
        L(r"\quad \max_i |\tau d^i| \leq \epsilon_f \text{ or } |f - f^{prev}| < \epsilon_f", 2),
        L(r"\theta_t \leftarrow \theta", 1, None, tr(r"\theta_t", "params"), tr(r"\Delta\theta_t", "update")),
        step=False, head=r"\textbf{for each}\ \texttt{step(closure)},\ t = 1, 2, \ldots\ \textbf{do}",
    ),
))

BOXES = (RPROP, LBFGS)
