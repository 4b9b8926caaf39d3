"""SGD, ASGD, Adagrad, Adadelta and RMSprop, line by line with torch 2.13's ``_single_tensor_*`` code.

torch's docs boxes for Adagrad, Adadelta and RMSprop leave out ``maximize``, which the code applies first, as it
does everywhere; the boxes here include it. ASGD has no box in torch's docs: its box is read off the code.
"""

from __future__ import annotations

from .box import (
    NONZERO,
    POSITIVE,
    ZERO,
    Box,
    L,
    dv,
    flag,
    gradient,
    initialize,
    inputs,
    item,
    l2,
    loop,
    st,
    step_line,
)

SGD = Box("sgd", "SGD", (
    *inputs(item(r"\gamma", "lr"), item(r"\lambda", "weight_decay"), item(r"\mu", "momentum"),
            item(r"\tau", "dampening"), flag("nesterov"), flag("maximize")),
    # torch keeps no step count for SGD: the buffer's absence marks the first step.
    *loop(
        *gradient(), *l2(),
        L(r"\textbf{if}\ \mu \neq 0", 1),
        L(r"\textbf{if}\ t > 1", 2, {"momentum": NONZERO}),
        L(r"\mathbf{b}_t \leftarrow \mu \mathbf{b}_{t-1} + (1-\tau) g_t", 3, {"momentum": NONZERO},
          st(r"\mathbf{b}_t", "momentum_buffer"), runtime="t > 1", summary=True),
        L(r"\textbf{else}", 2, {"momentum": NONZERO}),
        L(r"\mathbf{b}_t \leftarrow g_t", 3, {"momentum": NONZERO}, st(r"\mathbf{b}_t", "momentum_buffer"),
          runtime="t = 1"),
        L(r"\textbf{if}\ \textit{nesterov}", 2, {"momentum": NONZERO}),
        L(r"g_t \leftarrow g_t + \mu \mathbf{b}_t", 3, {"momentum": NONZERO, "nesterov": True},
          dv("g_t", "nesterov_grad"), summary=True),
        L(r"\textbf{else}", 2, {"momentum": NONZERO}),
        L(r"g_t \leftarrow \mathbf{b}_t", 3, {"momentum": NONZERO, "nesterov": False}),
        step_line(r"\theta_t \leftarrow \theta_{t-1} - \gamma g_t"),
        step=False,
    ),
))

# torch.optim.asgd._single_tensor_asgd. eta and mu are updated after the parameters, from the new step count, so
# step t uses eta_{t-1} and mu_{t-1}. The average ax never feeds back into the parameters.
ASGD = Box("asgd", "ASGD", (
    *inputs(item(r"\gamma", "lr"), item(r"\lambda_d", "lambd"), item(r"\alpha", "alpha"), item("t_0", "t0"),
            item(r"\lambda", "weight_decay"), flag("maximize")),
    *initialize((r"\eta_0 \leftarrow \gamma\ \text{(step size)}", None, (st(r"\eta_0", "eta"),)),
                (r"\mu_0 \leftarrow 1\ \text{(averaging weight)}", None, (st(r"\mu_0", "mu"),)),
                (r"a_0 \leftarrow 0\ \text{(average)}", None, (st("a_0", "ax"),))),
    *loop(
        *gradient(), *l2(),
        L(r"\theta_t \leftarrow \theta_{t-1} (1 - \lambda_d \eta_{t-1})", 1, None, dv(r"\theta_t", "decayed_params"),
          summary=True),
        step_line(r"\theta_t \leftarrow \theta_t - \eta_{t-1} g_t"),
        L(r"\textbf{if}\ \mu_{t-1} \neq 1", 1),
        L(r"a_t \leftarrow a_{t-1} + \mu_{t-1} (\theta_t - a_{t-1})", 2, None, st("a_t", "ax"),
          runtime=r"\mu_{t-1} \neq 1"),
        L(r"\textbf{else}", 1),
        L(r"a_t \leftarrow \theta_t", 2, None, st("a_t", "ax"), runtime=r"\mu_{t-1} = 1"),
        L(r"\eta_t \leftarrow \gamma / (1 + \lambda_d \gamma t)^{\alpha}", 1, None, st(r"\eta_t", "eta"),
          summary=True),
        L(r"\mu_t \leftarrow 1 / \max(1, t - t_0)", 1, None, st(r"\mu_t", "mu")),
    ),
))

# torch's box computes the decayed lr before the weight decay; the code does it after. The two do not interact.
ADAGRAD = Box("adagrad", "Adagrad", (
    *inputs(item(r"\gamma", "lr"), item(r"\lambda", "weight_decay"), item(r"\tau", "initial_accumulator_value"),
            item(r"\eta", "lr_decay"), item(r"\epsilon", "eps"), flag("maximize")),
    *initialize((r"\text{sum}_0 \leftarrow \tau", None, (st(r"\text{sum}_0", "sum"),))),
    *loop(
        *gradient(), *l2(),
        L(r"\tilde{\gamma} \leftarrow \gamma / (1 + (t-1) \eta)", 1, None, dv(r"\tilde{\gamma}", "clr"),
          summary=True),
        L(r"\text{sum}_t \leftarrow \text{sum}_{t-1} + g_t^2", 1, None, st(r"\text{sum}_t", "sum"), summary=True),
        step_line(r"\theta_t \leftarrow \theta_{t-1} - \tilde{\gamma} \frac{g_t}{\sqrt{\text{sum}_t} + \epsilon}",
                  1, None, dv(r"\sqrt{\text{sum}_t} + \epsilon", "denom")),
    ),
))

ADADELTA = Box("adadelta", "Adadelta", (
    *inputs(item(r"\gamma", "lr"), item(r"\rho", "rho"), item(r"\lambda", "weight_decay"),
            item(r"\epsilon", "eps"), flag("maximize")),
    *initialize((r"v_0 \leftarrow 0\ \text{(square average)}", None, (st("v_0", "square_avg"),)),
                (r"u_0 \leftarrow 0\ \text{(accumulated updates)}", None, (st("u_0", "acc_delta"),))),
    *loop(
        *gradient(), *l2(),
        L(r"v_t \leftarrow v_{t-1} \rho + g_t^2 (1 - \rho)", 1, None, st("v_t", "square_avg"), summary=True),
        L(r"\Delta{}x_t \leftarrow \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}} g_t", 1, None,
          dv(r"\Delta{}x_t", "delta"), summary=True),
        L(r"u_t \leftarrow u_{t-1} \rho + \Delta{}x_t^2 (1 - \rho)", 1, None, st("u_t", "acc_delta"), summary=True),
        step_line(r"\theta_t \leftarrow \theta_{t-1} - \gamma \Delta{}x_t"),
    ),
))

# torch creates momentum_buffer only when momentum > 0 and grad_avg only when centered.
RMSPROP = Box("rmsprop", "RMSprop", (
    *inputs(item(r"\alpha", "alpha"), item(r"\gamma", "lr"), item(r"\lambda", "weight_decay"),
            item(r"\mu", "momentum"), flag("centered"), item(r"\epsilon", "eps"), flag("maximize")),
    *initialize((r"v_0 \leftarrow 0\ \text{(square average)}", None, (st("v_0", "square_avg"),)),
                (r"\mathbf{b}_0 \leftarrow 0\ \text{(buffer)}", {"momentum": POSITIVE},
                 (st(r"\mathbf{b}_0", "momentum_buffer"),)),
                (r"g^{ave}_0 \leftarrow 0", {"centered": True}, (st(r"g^{ave}_0", "grad_avg"),))),
    *loop(
        *gradient(), *l2(),
        L(r"v_t \leftarrow \alpha v_{t-1} + (1 - \alpha) g_t^2", 1, None, st("v_t", "square_avg"), summary=True),
        L(r"\tilde{v}_t \leftarrow v_t", 1),
        L(r"\textbf{if}\ \textit{centered}", 1),
        L(r"g^{ave}_t \leftarrow g^{ave}_{t-1} \alpha + (1 - \alpha) g_t", 2, {"centered": True},
          st(r"g^{ave}_t", "grad_avg")),
        L(r"\tilde{v}_t \leftarrow \tilde{v}_t - (g^{ave}_t)^2", 2, {"centered": True},
          dv(r"\tilde{v}_t", "centered_square_avg"), summary=True),
        L(r"\textbf{if}\ \mu > 0", 1),
        L(r"\mathbf{b}_t \leftarrow \mu \mathbf{b}_{t-1} + g_t / (\sqrt{\tilde{v}_t} + \epsilon)", 2,
          {"momentum": POSITIVE}, st(r"\mathbf{b}_t", "momentum_buffer"), dv(r"\sqrt{\tilde{v}_t} + \epsilon", "denom"),
          summary=True),
        step_line(r"\theta_t \leftarrow \theta_{t-1} - \gamma \mathbf{b}_t", 2, {"momentum": POSITIVE}),
        L(r"\textbf{else}", 1),
        step_line(r"\theta_t \leftarrow \theta_{t-1} - \gamma g_t / (\sqrt{\tilde{v}_t} + \epsilon)", 2,
                  {"momentum": ZERO}, dv(r"\sqrt{\tilde{v}_t} + \epsilon", "denom")),
    ),
))

BOXES = (SGD, ASGD, ADAGRAD, ADADELTA, RMSPROP)
