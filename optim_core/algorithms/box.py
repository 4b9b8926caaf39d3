"""The algorithm box as data: lines of LaTeX with their indentation, condition and the symbols they define.

One box per optimizer is the single statement of its algorithm. The class docstring (:func:`text`), the one-line
summary served as ``latex`` (:meth:`Box.summary`) and the page's rendered box with live values all come from it.

A line's ``when`` names the hyperparameter values under which it runs: ``{"amsgrad": True}``,
``{"weight_decay": "nonzero"}``, ``{"line_search_fn": "strong_wolfe"}``; all entries must hold. A line inside a
branch that depends on the run itself (``t > 1``, ``rho_t > 5``, the sign of ``g_prev * g``) carries that test,
as LaTeX, in ``runtime``. ``if``/``else`` header lines carry the condition of the block they sit in, so that the
headers of an inactive branch still show.

Each :class:`Symbol` says where the page finds the value of what a line defines:

- ``state``: a key of torch's ``optimizer.state[p]`` (``exp_avg``, ``momentum_buffer``, ``step``...);
- ``trace``: a per-step array of the Trajectory (``grad``, the gradient the optimizer received; ``update``, the
  change of the parameters; ``lr``, the learning rate in effect; ``params``, the point after the step);
- ``hyperparameter``: a constructor keyword (``index`` picks an element of a pair such as ``betas``);
- ``derived``: a per-step quantity that torch computes but does not keep (``bias_corrected_exp_avg``, ``denom``);
  :data:`DERIVED` describes each one in English and Chinese.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Source = Literal["state", "trace", "hyperparameter", "derived"]
Part = Literal["input", "initialize", "loop", "return"]

TRACE = ("grad", "update", "lr", "params")

# Conditions that are not plain equality; a number hyperparameter is tested with these.
NONZERO, POSITIVE, ZERO = "nonzero", "positive", "zero"

DERIVED: dict[str, tuple[str, str]] = {
    "decayed_grad": ("the gradient with the L2 term added", "加上 L2 项之后的梯度"),
    "decayed_params": ("the parameters after decoupled weight decay", "解耦权重衰减之后的参数"),
    "nesterov_grad": ("the Nesterov look-ahead direction g + momentum * buffer", "Nesterov 预看方向 g + 动量 * 缓冲"),
    "clr": ("this step's learning rate: Adagrad's after lr_decay, Adamax's over the bias correction",
            "本步的学习率：Adagrad 为经 lr_decay 衰减后，Adamax 为除以偏差修正后"),
    "delta": ("Adadelta's step before lr: its units are those of the parameters",
              "乘 lr 之前的 Adadelta 步，量纲与参数相同"),
    "centered_square_avg": ("v minus the square of the running mean of g", "v 减去 g 滑动均值的平方"),
    "bias_corrected_exp_avg": ("the first moment divided by 1 - beta1^t", "一阶矩除以 1 - beta1^t"),
    "bias_corrected_exp_avg_sq": ("the second moment divided by 1 - beta2^t", "二阶矩除以 1 - beta2^t"),
    "denom": ("the denominator of the step", "步长的分母"),
    "mu": ("NAdam's momentum coefficient at step t", "NAdam 第 t 步的动量系数"),
    "mu_next": ("NAdam's momentum coefficient at step t + 1", "NAdam 第 t + 1 步的动量系数"),
    "rho_inf": ("RAdam's largest length of the approximated moving average", "RAdam 近似滑动平均的最大长度"),
    "rho_t": ("RAdam's length of the approximated moving average at step t", "RAdam 第 t 步近似滑动平均的长度"),
    "adaptive_lr": ("RAdam's adaptive factor sqrt(1 - beta2^t) / (sqrt(v) + eps)",
                    "RAdam 的自适应因子 sqrt(1 - beta2^t) / (sqrt(v) + eps)"),
    "rect": ("RAdam's variance rectification factor", "RAdam 的方差修正因子"),
    "active": ("the coordinates whose gradient is not zero", "梯度不为零的坐标"),
}


# The boxes' words, in Chinese: the text runs of the LaTeX (``\text{...}``, ``\textbf{...}``) are swapped whole, so
# the math of a line is the same in both languages. Pseudo-code keywords (for, if, else, return), hyperparameter
# names and state names stay as they are, as in torch's Chinese docs.
PHRASES_ZH = {
    "input": "输入", "initialize": "初始化", "(params)": "（参数）", "(objective)": "（目标函数）",
    "(step size)": "（步长）", "(step sizes)": "（各坐标的步长）", "(averaging weight)": "（平均权重）",
    "(average)": "（平均值）", "(square average)": "（平方的滑动平均）",
    "(accumulated updates)": "（更新量平方的滑动平均）",
    "(buffer)": "（动量缓冲）", "(first moment)": "（一阶矩）", "(second moment)": "（二阶矩）",
    "(infinity norm)": "（无穷范数）", "(running product)": "（累积乘积）",
    "(the other coordinates keep their values)": "（其余坐标保持不变）", "(iterations)": "（迭代次数）",
    "(evaluations)": "（求值次数）", "forget all pairs": "清空历史对", "push ": "存入 ", " (at most ": "（至多 ",
    " pairs)": " 对）", "newest": "最新", "oldest": "最旧", "strong Wolfe search along ": "沿方向 ",
    " from ": " 做强 Wolfe 线搜索，初始步长 ", "cubic interpolation, at most ": "三次插值，至多 ",
    " evaluations": " 次求值", "add the search's evaluations to ": "把线搜索的求值次数加到 ", " and ": " 和 ",
    " or ": " 或 ", "if ": "若 ",
}
TEXT_RUN = re.compile(r"\\(text|textbf)\{([^{}]*)\}")


def localize(latex: str, lang: str = "en") -> str:
    """The line in ``lang`` ("en" or "zh"): only its text runs change."""
    if lang == "en":
        return latex
    if lang != "zh":
        raise ValueError(f"Invalid lang: {lang!r} (lang must be 'en' or 'zh')")
    return TEXT_RUN.sub(lambda m: f"\\{m.group(1)}{{{PHRASES_ZH.get(m.group(2), m.group(2))}}}", latex)


@dataclass(frozen=True)
class Symbol:
    """What a line defines, written as ``latex``, and where its live value is found."""

    latex: str
    key: str
    source: Source
    index: int | None = None

    def to_dict(self) -> dict[str, Any]:
        d = {"latex": self.latex, "key": self.key, "source": self.source}
        if self.index is not None:
            d["index"] = self.index
        return d


@dataclass(frozen=True)
class Line:
    latex: str
    indent: int = 0
    when: Mapping[str, Any] = field(default_factory=dict)
    symbols: tuple[Symbol, ...] = ()
    part: Part = "loop"
    runtime: str | None = None
    summary: bool = False  # part of the one-line summary

    def applies(self, hyperparameters: Mapping[str, Any]) -> bool:
        """Whether this line runs for these hyperparameters (run-time branches aside)."""
        return holds(self.when, hyperparameters)

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        return {"latex": localize(self.latex, lang), "indent": self.indent, "when": dict(self.when), "part": self.part,
                "runtime": self.runtime, "symbols": [s.to_dict() for s in self.symbols]}


def holds(when: Mapping[str, Any], hyperparameters: Mapping[str, Any]) -> bool:
    for name, want in when.items():
        have = hyperparameters[name]
        if want == NONZERO:
            ok = have != 0
        elif want == POSITIVE:
            ok = have > 0
        elif want == ZERO:
            ok = have == 0
        elif isinstance(want, bool):
            ok = isinstance(have, bool) and have == want  # so that False does not match a number 0
        else:
            ok = have == want
        if not ok:
            return False
    return True


@dataclass(frozen=True)
class Box:
    name: str  # the optimizer's key in OPTIMIZERS
    title: str  # torch's class name
    lines: tuple[Line, ...]

    def applying(self, hyperparameters: Mapping[str, Any]) -> tuple[Line, ...]:
        return tuple(line for line in self.lines if line.applies(hyperparameters))

    def symbols(self) -> tuple[Symbol, ...]:
        return tuple(s for line in self.lines for s in line.symbols)

    def summary(self, lang: str = "en") -> str:
        """The one-line ``latex``: the box's key lines joined, each conditional one with its condition."""
        parts = []
        for line in self.lines:
            if line.summary:
                cond = ",\\ ".join(_condition_latex(k, v) for k, v in line.when.items())
                if line.runtime:
                    cond = ",\\ ".join(filter(None, (cond, line.runtime)))
                parts.append(line.latex + (f"\\ \\ (\\text{{if }} {cond})" if cond else ""))
        return localize(";\\quad ".join(parts), lang)

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        """JSON-ready, in ``lang``; ``derived`` words each derived quantity the box shows, in English and Chinese."""
        derived = {s.key: {"en": DERIVED[s.key][0], "zh": DERIVED[s.key][1]}
                   for s in self.symbols() if s.source == "derived"}
        return {"name": self.name, "title": self.title, "lines": [line.to_dict(lang) for line in self.lines],
                "derived": derived}


def _condition_latex(name: str, want: Any) -> str:
    label = keyword(name)
    if want == NONZERO:
        return label + " \\neq 0"
    if want == POSITIVE:
        return label + " > 0"
    if want == ZERO:
        return label + " = 0"
    if want is True:
        return label
    if want is False:
        return "\\textbf{not}\\ " + label
    return label + " = " + (r"\text{None}" if want is None else keyword(str(want), r"\text", '""'))


# ---- builders: the boxes are written with these, so that each reads like torch's docs ----

def st(latex: str, key: str) -> Symbol:
    return Symbol(latex, key, "state")


def tr(latex: str, key: str) -> Symbol:
    return Symbol(latex, key, "trace")


def hy(latex: str, key: str, index: int | None = None) -> Symbol:
    return Symbol(latex, key, "hyperparameter", index)


def dv(latex: str, key: str) -> Symbol:
    if key not in DERIVED:
        raise KeyError(f"describe the derived quantity {key!r} in DERIVED first")
    return Symbol(latex, key, "derived")


def L(latex: str, indent: int = 0, when: Mapping[str, Any] | None = None, *symbols: Symbol,
      runtime: str | None = None, summary: bool = False, part: Part = "loop") -> Line:
    return Line(latex, indent, dict(when or {}), tuple(symbols), part, runtime, summary)


def inputs(*items: tuple[str, str, tuple[Symbol, ...]]) -> list[Line]:
    """``input: ...`` as torch writes it, three items a line, each ``latex (label)``."""
    items = (item(r"\theta_0", "params", (tr(r"\theta_0", "params"),)), item("f(\\theta)", "objective", ()), *items)
    lines = []
    for i in range(0, len(items), 3):
        chunk = items[i:i + 3]
        text = ",\\ ".join(latex + (r"\ " + keyword(label, r"\text", "()") if label else "")
                           for latex, label, _ in chunk)
        lead = r"\textbf{input}:\ " if i == 0 else ""
        lines.append(Line(lead + text, 0, {}, tuple(s for _, _, syms in chunk for s in syms), "input"))
    return lines


def item(latex: str, label: str, symbols: tuple[Symbol, ...] | None = None) -> tuple[str, str, tuple[Symbol, ...]]:
    """An input item; by default the label is the hyperparameter the symbol shows (lr shows the lr in effect)."""
    if symbols is None:
        symbols = (tr(latex, "lr"),) if label == "lr" else (hy(latex, label),)
    return latex, label, symbols


def flag(name: str) -> tuple[str, str, tuple[Symbol, ...]]:
    """A bool hyperparameter, written in italics as torch's boxes do."""
    latex = keyword(name)
    return latex, "", (hy(latex, name),)


def keyword(name: str, style: str = r"\textit", brackets: str = "") -> str:
    r"""A keyword such as ``weight_decay`` as LaTeX text: ``\_`` between the text runs, since an underscore is
    not allowed in LaTeX's text mode (and latex2mathml would print the backslash of ``\_`` inside one)."""
    runs = (brackets[:1] + name + brackets[1:]).split("_")
    return r"\_".join(style + "{" + run + "}" for run in runs)


def initialize(*entries: tuple[str, Mapping[str, Any] | None, tuple[Symbol, ...]]) -> list[Line]:
    """``initialize: ...``: one line per entry, since some state exists only for some hyperparameters."""
    return [Line((r"\textbf{initialize}:\ " if i == 0 else "") + latex, 0, dict(when or {}), syms, "initialize")
            for i, (latex, when, syms) in enumerate(entries)]


def loop(*body: Line, step: bool = True, head: str = r"\textbf{for}\ t=1\ \textbf{to}\ \ldots\ \textbf{do}",
         result: str = r"\theta_t") -> list[Line]:
    symbols = (st("t", "step"),) if step else ()
    return [Line(head, 0, {}, symbols, "loop"), *body, Line(r"\textbf{return}\ " + result, 0, {}, (), "return")]


def gradient(indent: int = 1) -> list[Line]:
    """torch's first lines: the gradient, negated under maximize."""
    grad = r"\nabla_{\theta} f_t(\theta_{t-1})"
    return [
        L(r"\textbf{if}\ \textit{maximize}:", indent),
        L(r"g_t \leftarrow -" + grad, indent + 1, {"maximize": True}, tr(grad, "grad")),
        L(r"\textbf{else}", indent),
        L(r"g_t \leftarrow " + grad, indent + 1, {"maximize": False}, tr("g_t", "grad")),
    ]


def l2(indent: int = 1, when: Mapping[str, Any] | None = None) -> list[Line]:
    """Weight decay through the gradient (torch's ``grad = grad.add(param, alpha=weight_decay)``)."""
    when = dict(when or {})
    return [
        L(r"\textbf{if}\ \lambda \neq 0", indent, when),
        L(r"g_t \leftarrow g_t + \lambda \theta_{t-1}", indent + 1, {**when, "weight_decay": NONZERO},
          dv("g_t", "decayed_grad")),
    ]


def step_line(latex: str, indent: int = 1, when: Mapping[str, Any] | None = None, *extra: Symbol,
              runtime: str | None = None, summary: bool = True) -> Line:
    """The line that moves the parameters: θ_t is the new point, Δθ_t the update the Trajectory records."""
    return L(latex, indent, when, *extra, tr(r"\theta_t", "params"), tr(r"\Delta\theta_t", "update"),
             runtime=runtime, summary=summary)
