"""`actcli activations` and `actcli explain NAME`: what each activation is, when to use it, what goes wrong.

The math (formula, derivative, range, largest slope) comes from the registry in `actcli.nn.activations`; the
prose from `actcli/data/texts/<lang>/{activations,explain}.yaml`. Plain data only: no Rich, no drawing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from actcli.lab import auto_initializer
from actcli.nn import activations as acts

from .texts import text

# Where each activation is typically used (structure, not prose; the labels are in explain.yaml `role`).
ROLES: dict[str, tuple[str, ...]] = {
    "linear": ("regression_head",),
    "relu": ("hidden",),
    "sigmoid": ("binary_head",),
    "tanh": ("hidden",),
    "softmax": ("multiclass_head",),
    "leaky_relu": ("hidden",),
    "relu6": ("hidden",),
    "threshold": ("special",),
    "hard_sigmoid": ("hidden", "binary_head"),
    "hard_silu": ("hidden",),
    "hard_tanh": ("hidden",),
    "hard_shrink": ("special",),
    "soft_shrink": ("special",),
    "sparse_sigmoid": ("binary_head",),
    "sparse_plus": ("hidden",),
    "elu": ("hidden",),
    "selu": ("hidden",),
    "celu": ("hidden",),
    "exponential": ("regression_head",),
    "softplus": ("hidden", "regression_head"),
    "softsign": ("hidden",),
    "squareplus": ("hidden",),
    "silu": ("hidden",),
    "gelu": ("hidden",),
    "mish": ("hidden",),
    "log_sigmoid": ("binary_head",),
    "tanh_shrink": ("special",),
    "log_softmax": ("multiclass_head",),
    "sparsemax": ("multiclass_head",),
    "glu": ("hidden",),
}

SOFTMAX_LOGITS = (2.0, 1.0, 0.1)  # the classic worked example
TEN_LOGITS = (2.0, 1.0, 0.1, -0.5, 0.3, 1.5, -1.0, 0.0, 0.8, -2.0)  # a 10-class head's raw outputs
DEEP_LAYERS = 10  # "after 10 layers the gradient is at most max_derivative ** 10"


def make(name: str) -> acts.Activation:
    """The activation `name` with Keras's defaults; required parameters (threshold's) get 0.0."""
    cls = acts.REGISTRY[name]
    needed = {k: 0.0 for k, v in cls.params.items() if v is acts.REQUIRED}
    return cls(**needed)


def aliases_of(name: str) -> list[str]:
    return sorted(a for a, target in acts.REGISTRY.aliases().items() if target == name)


def fmt_derivative(value: float) -> str:
    """0.25 -> '0.25', 1/6 -> '0.167', 1.7581 -> '1.76', inf -> '∞'."""
    if math.isinf(value):
        return "∞"
    return f"{value:.3g}"


def role_labels(name: str, lang: str) -> list[str]:
    return [text("explain", f"role.{r}", lang) for r in ROLES.get(name, ("special",))]


def activation_rows(lang: str = "en") -> list[dict[str, Any]]:
    """One row per registered activation, in registry order: what `actcli activations` shows.

    Keys: name, aliases, formula, output_range, max_derivative (float), max_derivative_text, shrinks
    (max |f'| < 1: each layer can only shrink the gradient), roles (labels), use, pitfalls.
    """
    rows = []
    for name in acts.names():
        act = make(name)
        rows.append(
            {
                "name": name,
                "aliases": aliases_of(name),
                "formula": act.formula,
                "output_range": act.output_range,
                "max_derivative": float(act.max_derivative),
                "max_derivative_text": fmt_derivative(act.max_derivative),
                "shrinks": act.max_derivative < 1,
                "roles": role_labels(name, lang),
                "use": text("activations", f"{name}.use", lang),
                "pitfalls": text("activations", f"{name}.pitfalls", lang),
            }
        )
    return rows


def curve(
    name: str, lo: float = -5.0, hi: float = 5.0, n: int = 401
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x, f(x), f'(x)) on `n` points of [lo, hi], float64, from the activation's own forward and backward.

    Row-wise activations are shown on a two-entry row: softmax, log_softmax and sparsemax on [x, 0] (first
    entry, and its derivative with respect to x); glu on [x, x], i.e. x * sigmoid(x), with the total
    derivative.
    """
    act = make(acts.REGISTRY.canonical(name))
    x = np.linspace(lo, hi, n)
    if act.elementwise:
        col = x[:, None]
        y = act.forward(col)
        dy = act.backward(col, y, np.ones_like(col))
        return x, y[:, 0], dy[:, 0]
    if act.name == "glu":
        rows = np.c_[x, x]
        y = act.forward(rows)
        grad = act.backward(rows, y, np.ones_like(y))
        return x, y[:, 0], grad.sum(axis=1)
    rows = np.c_[x, np.zeros_like(x)]
    y = act.forward(rows)
    g = np.zeros_like(rows)
    g[:, 0] = 1.0
    return x, y[:, 0], act.backward(rows, y, g)[:, 0]


@dataclass
class WorkedSoftmax:
    """softmax of a few logits (sums to 1) and, for ten logits, softmax next to ten independent sigmoids."""

    logits: list[float]
    probabilities: list[float]
    total: float
    logits10: list[float]
    softmax10: list[float]
    softmax10_total: float
    sigmoid10: list[float]
    sigmoid10_total: float


def softmax_example() -> WorkedSoftmax:
    softmax, sigmoid = acts.get("softmax"), acts.get("sigmoid")
    three = softmax(np.array([SOFTMAX_LOGITS], dtype=np.float64))[0]
    ten = np.array([TEN_LOGITS], dtype=np.float64)
    soft10, sig10 = softmax(ten)[0], sigmoid(ten)[0]
    return WorkedSoftmax(
        list(SOFTMAX_LOGITS),
        three.tolist(),
        float(three.sum()),
        list(TEN_LOGITS),
        soft10.tolist(),
        float(soft10.sum()),
        sig10.tolist(),
        float(sig10.sum()),
    )


@dataclass
class Explanation:
    """Everything `actcli explain NAME` shows; texts are already in the chosen language."""

    name: str
    lang: str
    aliases: list[str]
    formula: str
    derivative_formula: str
    output_range: str
    max_derivative: float
    roles: list[str]
    use: str
    avoid: str
    pitfalls: str
    deep: str  # what happens in a deep stack, with the numbers filled in
    initializer: str  # the Keras name that suits it (as `--init auto` picks)
    initializer_why: str
    x: np.ndarray = field(repr=False)
    y: np.ndarray = field(repr=False)
    dy: np.ndarray = field(repr=False)
    notes: list[str] = field(default_factory=list)  # captions (sigmoid's 1/4, ...)
    worked: WorkedSoftmax | None = None  # softmax only

    @property
    def picture_title(self) -> str:
        """English only: pictures have no Hangul font."""
        return f"{self.name}: {self.formula}"

    def to_dict(self) -> dict[str, Any]:
        d = {
            k: getattr(self, k)
            for k in (
                "name",
                "lang",
                "aliases",
                "formula",
                "derivative_formula",
                "output_range",
                "roles",
                "use",
                "avoid",
                "pitfalls",
                "deep",
                "initializer",
                "initializer_why",
                "notes",
            )
        }
        d["max_derivative"] = self.max_derivative if math.isfinite(self.max_derivative) else None
        d["worked"] = None if self.worked is None else dict(vars(self.worked))
        return d


def _deep_text(act: acts.Activation, lang: str) -> str:
    m = act.max_derivative
    if act.name in ("softmax", "log_softmax", "sparsemax"):
        return text("explain", "deep.head_only", lang)
    if m < 1:
        return text(
            "explain",
            "deep.shrinks",
            lang,
            max=fmt_derivative(m),
            n=DEEP_LAYERS,
            bound=f"{m**DEEP_LAYERS:.1e}",
        )
    if act.relu_like:
        return text("explain", "deep.dead", lang)
    if act.bounds is not None:
        return text("explain", "deep.saturates", lang)
    if m > 1:
        return text("explain", "deep.grows", lang, max=fmt_derivative(m))
    return text("explain", "deep.keeps", lang)


def _init_key(init: str) -> str:
    return init.split("_")[0]  # he / glorot / lecun


def explain(name: str, lang: str = "en") -> Explanation:
    """The explanation of one activation (aliases accepted). Unknown names raise `UnknownNameError`."""
    canonical = acts.REGISTRY.canonical(name)
    act = make(canonical)
    x, y, dy = curve(canonical)
    init = auto_initializer(canonical)
    notes = []
    if act.max_derivative < 1 and act.elementwise:
        notes.append(
            text("explain", "note.small_slope", lang, name=canonical, max=fmt_derivative(act.max_derivative))
        )
    worked = softmax_example() if canonical == "softmax" else None
    return Explanation(
        name=canonical,
        lang=lang,
        aliases=aliases_of(canonical),
        formula=act.formula,
        derivative_formula=act.derivative_formula,
        output_range=act.output_range,
        max_derivative=float(act.max_derivative),
        roles=role_labels(canonical, lang),
        use=text("activations", f"{canonical}.use", lang),
        avoid=text("activations", f"{canonical}.avoid", lang),
        pitfalls=text("activations", f"{canonical}.pitfalls", lang),
        deep=_deep_text(act, lang),
        initializer=init,
        initializer_why=text("explain", f"init.{_init_key(init)}", lang, init=init),
        x=x,
        y=y,
        dy=dy,
        notes=notes,
        worked=worked,
    )
