"""Activation functions, Keras 3's full set, each with its forward and its derivative side by side.

`get(identifier)` works like `keras.activations.get`: a name, a mapping `{name: ..., **params}`, an
`Activation`, or None (linear). Every activation is an `Activation` object: calling it applies it, and
`backward(x, y, grad_y)` gives the gradient with respect to its input. Teaching texts live elsewhere
(data files); only the math and its one-line formula live here.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import special

from ._registry import Registry, split_config

REGISTRY: Registry[type["Activation"]] = Registry("activation")


class Activation:
    """Base class. Subclasses set the class attributes below and implement `forward` and `derivative`
    (element-wise ones) or `backward` (row-wise ones such as softmax).

    Shapes: `x` and `y` are `(batch, units)`; `backward` returns an array shaped like `x`.
    """

    name: str = ""
    formula: str = ""  # one line, e.g. "relu(x) = max(x, 0)"
    derivative_formula: str = ""
    output_range: str = ""  # e.g. "(0, 1)", "[0, inf)"
    max_derivative: float = float("nan")  # largest |f'(x)| over x (sigmoid: 0.25)
    elementwise: bool = True
    bounds: tuple[float, float] | None = None  # finite output bounds, used to measure saturation
    relu_like: bool = False  # outputs exactly 0 over a half-line: units can die
    params: dict[str, Any] = {}  # parameter names and Keras defaults

    def __init__(self, **params: Any):
        unknown = set(params) - set(self.params)
        if unknown:
            valid = ", ".join(self.params) or "none"
            raise TypeError(f"activation '{self.name}' got unknown parameter(s) {sorted(unknown)}; valid: {valid}")
        self.config = {**self.params, **params}
        for key, value in self.config.items():
            setattr(self, key, value)
        self._check()

    def _check(self) -> None:
        """Validate parameters (subclasses override)."""

    def __call__(self, x: Any, **params: Any) -> np.ndarray:
        if params:  # keras style: activations.leaky_relu(x, negative_slope=0.1)
            return type(self)(**{**self.config, **params}).forward(np.asarray(x))
        return self.forward(np.asarray(x))

    def forward(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def derivative(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """f'(x), element-wise; `y = f(x)` is given so it can be reused (sigmoid: y(1-y))."""
        raise NotImplementedError

    def backward(self, x: np.ndarray, y: np.ndarray, grad_y: np.ndarray) -> np.ndarray:
        """dL/dx from dL/dy. Element-wise activations multiply by the derivative."""
        return grad_y * self.derivative(x, y)

    def output_units(self, units: int) -> int:
        """Width of the output for `units` inputs (glu halves it)."""
        return units

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, **self.config}

    def __repr__(self) -> str:
        if not self.config:
            return self.name
        args = ", ".join(f"{k}={v!r}" for k, v in self.config.items())
        return f"{self.name}({args})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Activation) and self.get_config() == other.get_config()

    def __hash__(self) -> int:
        return hash(self.name)


def register(name: str, *aliases: str):
    def deco(cls: type[Activation]) -> type[Activation]:
        cls.name = name
        REGISTRY.add(name, cls, *aliases)
        return cls

    return deco


def get(identifier: Any = None) -> Activation:
    """Like `keras.activations.get`: None → linear; a name; `{name: ..., **params}`; an Activation."""
    if identifier is None:
        return REGISTRY["linear"]()
    if isinstance(identifier, Activation):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Activation):
        return identifier()
    name, params = split_config(identifier)
    return REGISTRY[name](**params)


def names() -> list[str]:
    return REGISTRY.names()


# --------------------------------------------------------------------------------------------------
# The core five. Other activations follow the same pattern below.


@register("linear")
class Linear(Activation):
    """linear(x) = x. The identity: no non-linearity (Dense's default, a regression head)."""

    formula = "linear(x) = x"
    derivative_formula = "1"
    output_range = "(-inf, inf)"
    max_derivative = 1.0

    def forward(self, x):
        return x

    def derivative(self, x, y):
        return np.ones_like(x)

    def backward(self, x, y, grad_y):
        return grad_y


@register("relu")
class ReLU(Activation):
    """relu(x) = max(x, 0). Cheap, does not saturate for x > 0: the default for hidden layers.

    Keras's optional `negative_slope`, `max_value` and `threshold` are supported.
    """

    formula = "relu(x) = max(x, 0)"
    derivative_formula = "1 if x > 0 else 0"
    output_range = "[0, inf)"
    max_derivative = 1.0
    relu_like = True
    params = {"negative_slope": 0.0, "max_value": None, "threshold": 0.0}

    def _plain(self) -> bool:
        return self.negative_slope == 0.0 and self.max_value is None and self.threshold == 0.0

    def forward(self, x):
        if self._plain():
            return np.maximum(x, 0, dtype=x.dtype)
        y = np.where(x >= self.threshold, x, self.negative_slope * (x - self.threshold)) if self.negative_slope \
            else np.where(x > self.threshold, x, 0).astype(x.dtype)
        if self.max_value is not None:
            y = np.minimum(y, self.max_value)
        return y.astype(x.dtype, copy=False)

    def derivative(self, x, y):
        if self._plain():
            return (x > 0).astype(x.dtype)
        d = np.where(x > self.threshold, 1.0, self.negative_slope if self.negative_slope else 0.0)
        if self.max_value is not None:
            d = np.where(x >= self.max_value, 0.0, d)
        return d.astype(x.dtype)

    def backward(self, x, y, grad_y):
        if self._plain():
            return np.where(x > 0, grad_y, 0).astype(grad_y.dtype, copy=False)
        return grad_y * self.derivative(x, y)


@register("sigmoid")
class Sigmoid(Activation):
    """sigmoid(x) = 1 / (1 + exp(-x)). A probability in (0, 1): the head for a binary task.

    Its derivative y(1 - y) is at most 1/4, so each sigmoid layer shrinks the gradient passing back.
    """

    formula = "sigmoid(x) = 1 / (1 + exp(-x))"
    derivative_formula = "sigmoid(x) * (1 - sigmoid(x))"
    output_range = "(0, 1)"
    max_derivative = 0.25
    bounds = (0.0, 1.0)

    def forward(self, x):
        return special.expit(x)

    def derivative(self, x, y):
        return y * (1 - y)

    def backward(self, x, y, grad_y):
        return grad_y * y * (1 - y)


@register("tanh")
class Tanh(Activation):
    """tanh(x) = (exp(x) - exp(-x)) / (exp(x) + exp(-x)). Zero-centred, saturates at ±1."""

    formula = "tanh(x) = (e^x - e^-x) / (e^x + e^-x)"
    derivative_formula = "1 - tanh(x)^2"
    output_range = "(-1, 1)"
    max_derivative = 1.0
    bounds = (-1.0, 1.0)

    def forward(self, x):
        return np.tanh(x)

    def derivative(self, x, y):
        return 1 - y * y


@register("softmax")
class Softmax(Activation):
    """softmax(x)_i = exp(x_i) / sum_j exp(x_j) along `axis`: a probability distribution (rows sum to 1).

    The head for a multi-class task. Row-wise, so its backward is a Jacobian-vector product:
    dL/dx = y * (g - sum(g * y)).
    """

    formula = "softmax(x)_i = exp(x_i) / sum_j exp(x_j)"
    derivative_formula = "d softmax_i / d x_j = s_i (δ_ij - s_j)"
    output_range = "(0, 1), each row sums to 1"
    max_derivative = 0.25
    elementwise = False
    bounds = (0.0, 1.0)
    params = {"axis": -1}

    def forward(self, x):
        e = np.exp(x - x.max(axis=self.axis, keepdims=True))
        e /= e.sum(axis=self.axis, keepdims=True)
        return e

    def backward(self, x, y, grad_y):
        return y * (grad_y - (grad_y * y).sum(axis=self.axis, keepdims=True))


_ = math  # used by later activations
