"""Adam, AdamW, Adamax, NAdam, RAdam and SparseAdam, line by line with torch 2.13's code.

Where torch's docs box and its code differ, the box follows the code, and a comment says where. Everywhere here,
``m_t <- beta1 m + (1 - beta1) g`` is computed as ``exp_avg.lerp_(grad, 1 - beta1)``, the same value in exact
arithmetic.
"""

from __future__ import annotations

from .box import NONZERO, Box, L, dv, flag, gradient, hy, initialize, inputs, item, keyword, loop, st, step_line


def _moments(exp_avg: str = r"m_t \leftarrow \beta_1 m_{t-1} + (1 - \beta_1) g_t") -> list:
    return [L(exp_avg, 1, None, st("m_t", "exp_avg"), summary=True),
            L(r"v_t \leftarrow \beta_2 v_{t-1} + (1 - \beta_2) g_t^2", 1, None, st("v_t", "exp_avg_sq"), summary=True)]


def _decay(decoupled: str, *, summary: bool = False) -> list:
    """Weight decay as torch 2.13's Adam, NAdam and RAdam do it: ``decoupled`` is "switch" where the optimizer has
    the decoupled_weight_decay flag, "always" for AdamW (torch's AdamW is Adam with the flag set)."""
    wd = {"weight_decay": NONZERO}
    shrink = r"\theta_t \leftarrow \theta_t (1 - \gamma \lambda)"  # param.mul_(1 - lr * weight_decay)
    lines = [L(r"\theta_t \leftarrow \theta_{t-1}", 1), L(r"\textbf{if}\ \lambda \neq 0", 1)]
    if decoupled == "always":
        # torch's AdamW box decays unconditionally; the code skips the multiplication when lambda = 0 (same value)
        return [*lines, L(shrink, 2, wd, dv(r"\theta_t", "decayed_params"), summary=summary)]
    return [
        *lines,
        L(r"\textbf{if}\ " + keyword("decoupled_weight_decay"), 2, wd),
        L(shrink, 3, {**wd, "decoupled_weight_decay": True}, dv(r"\theta_t", "decayed_params"), summary=summary),
        L(r"\textbf{else}", 2, wd),
        L(r"g_t \leftarrow g_t + \lambda \theta_{t-1}", 3, {**wd, "decoupled_weight_decay": False},
          dv("g_t", "decayed_grad"), summary=summary),
    ]


_BETAS = item(r"\beta_1, \beta_2", "betas", (hy(r"\beta_1", "betas", 0), hy(r"\beta_2", "betas", 1)))
_M0 = (r"m_0 \leftarrow 0\ \text{(first moment)}", None, (st("m_0", "exp_avg"),))
_V0 = (r"v_0 \leftarrow 0\ \text{(second moment)}", None, (st("v_0", "exp_avg_sq"),))
_DENOM = dv(r"\sqrt{\hat{v}_t} + \epsilon", "denom")


def _adam(name: str, title: str, decoupled: str) -> Box:
    # torch's Adam box (2.13) has no decoupled_weight_decay branch, which the code has. The code never forms
    # m-hat and v-hat: it folds 1/(1 - beta1^t) into the step size and divides sqrt(v) by sqrt(1 - beta2^t)
    # before adding eps, i.e. param.addcdiv_(exp_avg, sqrt(v) / sqrt(bc2) + eps, value=-lr / bc1). The lines
    # below show m-hat and v-hat as torch's docs do; the kernel follows the code.
    flags = (flag("amsgrad"), flag("maximize")) + ((flag("decoupled_weight_decay"),) if decoupled == "switch" else ())
    return Box(name, title, (
        *inputs(item(r"\gamma", "lr"), _BETAS, item(r"\lambda", "weight_decay"), item(r"\epsilon", "eps"), *flags),
        *initialize(_M0, _V0, (r"v_0^{max} \leftarrow 0", {"amsgrad": True}, (st("v_0^{max}", "max_exp_avg_sq"),))),
        *loop(
            *gradient(), *_decay(decoupled, summary=decoupled == "always"), *_moments(),
            L(r"\hat{m}_t \leftarrow m_t / (1 - \beta_1^t)", 1, None, dv(r"\hat{m}_t", "bias_corrected_exp_avg"),
              summary=True),
            L(r"\textbf{if}\ \textit{amsgrad}", 1),
            L(r"v_t^{max} \leftarrow \max(v_{t-1}^{max}, v_t)", 2, {"amsgrad": True},
              st("v_t^{max}", "max_exp_avg_sq")),
            L(r"\hat{v}_t \leftarrow v_t^{max} / (1 - \beta_2^t)", 2, {"amsgrad": True},
              dv(r"\hat{v}_t", "bias_corrected_exp_avg_sq")),
            L(r"\textbf{else}", 1),
            L(r"\hat{v}_t \leftarrow v_t / (1 - \beta_2^t)", 2, {"amsgrad": False},
              dv(r"\hat{v}_t", "bias_corrected_exp_avg_sq"), summary=True),
            step_line(r"\theta_t \leftarrow \theta_t - \gamma \hat{m}_t / (\sqrt{\hat{v}_t} + \epsilon)", 1, None,
                      _DENOM),
        ),
    ))


ADAM = _adam("adam", "Adam", "switch")
ADAMW = _adam("adamw", "AdamW", "always")

ADAMAX = Box("adamax", "Adamax", (
    *inputs(item(r"\gamma", "lr"), _BETAS, item(r"\lambda", "weight_decay"), item(r"\epsilon", "eps"),
            flag("maximize")),
    *initialize(_M0, (r"u_0 \leftarrow 0\ \text{(infinity norm)}", None, (st("u_0", "exp_inf"),))),
    *loop(
        *gradient(),
        L(r"\textbf{if}\ \lambda \neq 0", 1),
        L(r"g_t \leftarrow g_t + \lambda \theta_{t-1}", 2, {"weight_decay": NONZERO}, dv("g_t", "decayed_grad")),
        L(r"m_t \leftarrow \beta_1 m_{t-1} + (1 - \beta_1) g_t", 1, None, st("m_t", "exp_avg"), summary=True),
        L(r"u_t \leftarrow \max(\beta_2 u_{t-1}, |g_t| + \epsilon)", 1, None, st("u_t", "exp_inf"), summary=True),
        step_line(r"\theta_t \leftarrow \theta_{t-1} - \frac{\gamma}{1 - \beta_1^t} \frac{m_t}{u_t}", 1, None,
                  dv(r"\frac{\gamma}{1 - \beta_1^t}", "clr")),
    ),
))

# torch's NAdam box folds both terms into one m-hat and updates theta once; the code adds the gradient term and
# the momentum term to the parameters in two addcdiv_ calls (two roundings), and writes the product of the
# mu's, kept in state as mu_product, as pi_t here. The box follows the code.
NADAM = Box("nadam", "NAdam", (
    *inputs(item(r"\gamma", "lr"), _BETAS, item(r"\lambda", "weight_decay"), item(r"\psi", "momentum_decay"),
            item(r"\epsilon", "eps"), flag("decoupled_weight_decay"), flag("maximize")),
    *initialize(_M0, _V0, (r"\pi_0 \leftarrow 1\ \text{(running product)}", None,
                           (st(r"\pi_0", "mu_product"),))),
    *loop(
        *gradient(), *_decay("switch"),
        L(r"\mu_t \leftarrow \beta_1 (1 - \tfrac{1}{2} 0.96^{t \psi})", 1, None, dv(r"\mu_t", "mu"), summary=True),
        L(r"\mu_{t+1} \leftarrow \beta_1 (1 - \tfrac{1}{2} 0.96^{(t+1) \psi})", 1, None, dv(r"\mu_{t+1}", "mu_next")),
        L(r"\pi_t \leftarrow \pi_{t-1} \mu_t", 1, None, st(r"\pi_t", "mu_product"), summary=True),
        *_moments(),
        L(r"\hat{v}_t \leftarrow v_t / (1 - \beta_2^t)", 1, None, dv(r"\hat{v}_t", "bias_corrected_exp_avg_sq")),
        L(r"\theta_t \leftarrow \theta_t - \gamma \frac{1 - \mu_t}{1 - \pi_t} \frac{g_t}{\sqrt{\hat{v}_t} + \epsilon}",
          1, None, _DENOM, summary=True),
        step_line(r"\theta_t \leftarrow \theta_t - \gamma \frac{\mu_{t+1}}{1 - \pi_t \mu_{t+1}} "
                  r"\frac{m_t}{\sqrt{\hat{v}_t} + \epsilon}"),
    ),
))

# torch's RAdam box writes gamma m-hat r_t l_t; the code multiplies m-hat * lr * l_t * r_t, in that order.
RADAM = Box("radam", "RAdam", (
    *inputs(item(r"\gamma", "lr"), _BETAS, item(r"\lambda", "weight_decay"), item(r"\epsilon", "eps"),
            flag("decoupled_weight_decay"), flag("maximize")),
    *initialize(_M0, _V0, (r"\rho_{\infty} \leftarrow 2 / (1 - \beta_2) - 1", None,
                           (dv(r"\rho_{\infty}", "rho_inf"),))),
    *loop(
        *gradient(), *_decay("switch"), *_moments(),
        L(r"\hat{m}_t \leftarrow m_t / (1 - \beta_1^t)", 1, None, dv(r"\hat{m}_t", "bias_corrected_exp_avg"),
          summary=True),
        L(r"\rho_t \leftarrow \rho_{\infty} - 2 t \beta_2^t / (1 - \beta_2^t)", 1, None, dv(r"\rho_t", "rho_t"),
          summary=True),
        L(r"\textbf{if}\ \rho_t > 5", 1),
        L(r"l_t \leftarrow \frac{\sqrt{1 - \beta_2^t}}{\sqrt{v_t} + \epsilon}", 2, None, dv("l_t", "adaptive_lr"),
          runtime=r"\rho_t > 5"),
        L(r"r_t \leftarrow \sqrt{\frac{(\rho_t - 4)(\rho_t - 2) \rho_{\infty}}{(\rho_{\infty} - 4)(\rho_{\infty} - 2) "
          r"\rho_t}}", 2, None, dv("r_t", "rect"), runtime=r"\rho_t > 5"),
        step_line(r"\theta_t \leftarrow \theta_t - \hat{m}_t \gamma l_t r_t", 2, runtime=r"\rho_t > 5"),
        L(r"\textbf{else}", 1),
        step_line(r"\theta_t \leftarrow \theta_t - \hat{m}_t \gamma", 2, runtime=r"\rho_t \leq 5"),
    ),
))

# torch's SparseAdam has no box; this one is read off torch.optim._functional.sparse_adam. A dense gradient
# becomes sparse by dropping its exact zeros, so a coordinate whose gradient is 0 keeps its m, v and value. The
# step count still advances. eps is added to sqrt(v) before the bias correction, which scales the step instead.
SPARSEADAM = Box("sparseadam", "SparseAdam", (
    *inputs(item(r"\gamma", "lr"), _BETAS, item(r"\epsilon", "eps"), flag("maximize")),
    *initialize(_M0, _V0),
    *loop(
        *gradient(),
        L(r"I_t \leftarrow \{ i \mid g^i_t \neq 0 \}", 1, None, dv("I_t", "active"), summary=True),
        L(r"\textbf{for}\ i \in I_t\ \textbf{do}\ \ \text{(the other coordinates keep their values)}", 1),
        L(r"m^i_t \leftarrow m^i_{t-1} + (1 - \beta_1)(g^i_t - m^i_{t-1})", 2, None, st("m_t", "exp_avg"),
          summary=True),
        L(r"v^i_t \leftarrow v^i_{t-1} + (1 - \beta_2)((g^i_t)^2 - v^i_{t-1})", 2, None, st("v_t", "exp_avg_sq"),
          summary=True),
        step_line(r"\theta^i_t \leftarrow \theta^i_{t-1} - \gamma \frac{\sqrt{1 - \beta_2^t}}{1 - \beta_1^t} "
                  r"\frac{m^i_t}{\sqrt{v^i_t} + \epsilon}", 2, None, dv(r"\sqrt{v_t} + \epsilon", "denom")),
    ),
))

BOXES = (ADAM, ADAMW, ADAMAX, NADAM, RADAM, SPARSEADAM)
