"""Activation functions, Keras 3's full set, each with its forward and its derivative side by side.

`get(identifier)` works like `keras.activations.get`: a name, a mapping `{name: ..., **params}`, an
`Activation`, or None (linear). Every activation is an `Activation` object: calling it applies it, and
`backward(x, y, grad_y)` gives the gradient with respect to its input. Teaching texts live elsewhere
(data files); only the math and its one-line formula live here.

Numerics: float32 in gives float32 out. Saturating functions take exp of non-positive arguments only
(or of an overflow that is harmless and silenced), log1p, or a clip, so that inputs up to ±1e30 give
finite results without NumPy warnings. The one exception is `exponential`, which overflows to inf above
about 88 (float32) exactly as Keras does, silently. Derivatives at kinks follow torch's autograd
convention (relu'(0) = 0). Hot paths avoid np.where (slow) and scipy ufuncs (not vectorised for float32).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._registry import Registry, split_config
from ._scipy import special

REGISTRY: Registry[type["Activation"]] = Registry("activation")


class _Required:
    """Marks a parameter Keras gives no default (threshold's `threshold` and `default_value`)."""

    def __repr__(self) -> str:
        return "<required>"


REQUIRED: Any = _Required()


class Activation:
    """Base class. Subclasses set the class attributes below and implement `forward` and `derivative`
    (element-wise ones) or `backward` (row-wise ones such as softmax).

    Shapes: `x` and `y` are `(batch, units)`; `backward` returns an array shaped like `x`. Neither
    `forward` nor `backward` modifies its arguments. Attributes that depend on parameters
    (`max_derivative`, `bounds`, `relu_like`) are set per instance in `_check`.
    """

    name: str = ""
    formula: str = ""  # one line, e.g. "relu(x) = max(x, 0)"
    derivative_formula: str = ""
    output_range: str = ""  # e.g. "(0, 1)", "[0, inf)"
    max_derivative: float = float("nan")  # largest |f'(x)| over x (sigmoid: 0.25)
    elementwise: bool = True
    bounds: tuple[float, float] | None = None  # finite output bounds, used to measure saturation
    relu_like: bool = False  # outputs exactly 0 over a half-line: units can die
    params: dict[str, Any] = {}  # parameter names and Keras defaults (REQUIRED: no default)

    def __init__(self, **params: Any):
        unknown = set(params) - set(self.params)
        if unknown:
            valid = ", ".join(self.params) or "none"
            raise TypeError(
                f"activation '{self.name}' got unknown parameter(s) {sorted(unknown)}; valid: {valid}"
            )
        missing = [k for k, v in self.params.items() if v is REQUIRED and k not in params]
        if missing:
            example = {"name": self.name, **{k: 0.0 for k in self.params}}
            raise TypeError(
                f"activation '{self.name}' needs parameter(s) {', '.join(repr(k) for k in missing)} "
                f"(Keras gives no default); e.g. {example}"
            )
        self.config = {**self.params, **params}
        for key, value in self.config.items():
            setattr(self, key, value)
        self._check()

    def _check(self) -> None:
        """Validate parameters and set parameter-dependent attributes (subclasses override)."""

    def _number(self, key: str, low: float | None = None, strict: bool = False) -> float:
        """The parameter `key` as a float, checked against a lower limit; raises TypeError/ValueError."""
        value = self.config[key]
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise TypeError(f"activation '{self.name}': {key} must be a number, got {value!r}")
        if not math.isfinite(value):
            raise ValueError(f"activation '{self.name}': {key} must be finite, got {value!r}")
        if low is not None and (value <= low if strict else value < low):
            op = ">" if strict else ">="
            raise ValueError(f"activation '{self.name}': {key} must be {op} {low}, got {value!r}")
        setattr(self, key, float(value))  # a Python float: a NumPy float64 scalar would upcast float32 math
        return float(value)

    def __call__(self, x: Any, **params: Any) -> np.ndarray:
        x = np.asarray(x)
        if not np.issubdtype(x.dtype, np.floating):  # like Keras: ints and bools become float32
            x = x.astype(np.float32)
        if params:  # keras style: activations.leaky_relu(x, negative_slope=0.1)
            return type(self)(**{**self.config, **params}).forward(x)
        return self.forward(x)

    def forward(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def derivative(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """f'(x), element-wise; `y = f(x)` is given so it can be reused (sigmoid: y(1-y))."""
        raise NotImplementedError

    def backward(self, x: np.ndarray, y: np.ndarray, grad_y: np.ndarray) -> np.ndarray:
        """dL/dx from dL/dy. Element-wise activations multiply by the derivative."""
        d = self.derivative(x, y)
        d *= grad_y
        return d

    def backward_into(self, x: np.ndarray, y: np.ndarray, grad_y: np.ndarray) -> np.ndarray:
        """Like `backward`, but may overwrite `grad_y` (a buffer the caller owns) to save an allocation."""
        return self.backward(x, y, grad_y)

    @property
    def has_kernel(self) -> bool:
        """Whether `compiled` gives this activation's training step as compiled loops: where a class defines it."""
        return type(self).compiled is not Activation.compiled

    def compiled(self, kernels: Any, dtype: np.dtype) -> tuple[Any, Any] | None:
        """With the compiled kernels (`_kernels.get()`), a training step's two operations in fewer passes:
        `forward(z, bias)`, which returns y = forward(z + bias) and leaves in z's buffer what the backward needs
        (y itself, written over z, when the derivative needs only y: relu, sigmoid, tanh; else z + bias: elu), and
        `backward_into(x, y, grad_y)`, with x that buffer. The same bits as `z += bias; y = forward(z)` and
        `backward_into(z, y, grad_y)`; numba loops around NumPy's own exp, expm1 and tanh. None where no kernel
        applies."""
        return None

    def output_units(self, units: int) -> int:
        """Width of the output for `units` inputs (glu halves it)."""
        return units

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, **self.config}

    def __repr__(self) -> str:
        """The name, plus parameters that differ from Keras's defaults: `leaky_relu(negative_slope=0.1)`."""
        changed = {k: v for k, v in self.config.items() if self.params[k] is REQUIRED or v != self.params[k]}
        if not changed:
            return self.name
        return f"{self.name}({', '.join(f'{k}={v!r}' for k, v in changed.items())})"

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


def _mask(condition: np.ndarray, dtype: np.dtype, scale: float = 1.0) -> np.ndarray:
    """A 0/1 mask as a float array of `dtype`, optionally times `scale` (a piecewise-constant f')."""
    out = condition.astype(dtype)
    if scale != 1.0:
        out *= scale
    return out


_SIGMOID_CLIP_BELOW = 8192


def _sigmoid(x: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-x)), keeping x's dtype. exp(-x) may overflow to inf, giving exactly 0, which is
    right; this is about 3x faster than scipy's expit, which is not vectorised for float32."""
    e = np.negative(x)
    # exp(-x) overflows to inf for x < -88 (float32), and 1 / (1 + inf) = 0 is then the right answer: only the
    # warning must go. On a small array a clipping pass is cheaper than switching NumPy's error state; on a
    # large one (a deep net's 256 x 128 batch) the clip costs 7 µs and the switch 1.5 µs.
    if e.size < _SIGMOID_CLIP_BELOW:
        np.minimum(e, 88.0, out=e)  # exp(88) is the largest float32 power of e below overflow
        np.exp(e, out=e)
    else:
        with np.errstate(over="ignore"):
            np.exp(e, out=e)
    e += 1
    return np.divide(1.0, e, out=e)


def _log1p_exp_neg_abs(x: np.ndarray) -> np.ndarray:
    """log(1 + exp(-|x|)), the bounded part of softplus(x) = max(x, 0) + log(1 + exp(-|x|)).

    Never overflows, and is about 10x faster than np.logaddexp or scipy's log_expit in float32.
    """
    a = np.abs(x)
    np.negative(a, out=a)
    np.exp(a, out=a)
    return np.log1p(a, out=a)


def _check_axis(act: Activation) -> None:
    if isinstance(act.axis, bool) or not isinstance(act.axis, (int, np.integer)):
        raise TypeError(f"activation '{act.name}': axis must be an int, got {act.axis!r}")


# --------------------------------------------------------------------------------------------------
# The core five.


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

    Keras's optional parameters, applied in Keras's order: with a `threshold` t, x is kept where x > t
    and zeroed elsewhere; `max_value` then clips to [0, max_value]; `negative_slope` s finally adds
    s * (x - t) where x < t (a leaky relu). With t != 0 the function jumps at t.
    """

    formula = "relu(x) = max(x, 0)"
    derivative_formula = "1 if x > 0 else 0"
    output_range = "[0, inf)"
    max_derivative = 1.0
    relu_like = True
    params = {"negative_slope": 0.0, "max_value": None, "threshold": 0.0}

    def _check(self):
        slope = self._number("negative_slope")
        self._number("threshold")
        if self.max_value is not None:
            self.bounds = (0.0, self._number("max_value", low=0.0)) if slope == 0 else None
        self.max_derivative = max(1.0, abs(slope))
        self.relu_like = slope == 0
        self._plain = slope == 0 and self.max_value is None and self.threshold == 0

    def forward(self, x):
        if self._plain:
            return np.maximum(x, 0)
        t, s, m = self.threshold, self.negative_slope, self.max_value
        y = np.where(x > t, x, 0) if t != 0 else np.maximum(x, 0)
        if m is not None:
            np.clip(y, 0, m, out=y)
        if s != 0:
            y -= s * np.maximum(t - x, 0)
        return y

    def derivative(self, x, y):
        t, s, m = self.threshold, self.negative_slope, self.max_value
        keep = x > t
        if m is not None:
            keep &= (x > 0) & (x < m)
        d = keep.astype(x.dtype)
        if s != 0:
            d += _mask(x < t, x.dtype, s)
        return d

    def backward(self, x, y, grad_y):
        if self._plain:
            return grad_y * (x > 0)
        return super().backward(x, y, grad_y)

    def backward_into(self, x, y, grad_y):
        if self._plain:
            return np.multiply(grad_y, x > 0, out=grad_y)
        return super().backward(x, y, grad_y)

    @property
    def has_kernel(self):
        return self._plain

    def compiled(self, kernels, dtype):
        if not self.has_kernel:
            return None
        bias_relu, relu_backward, zero = kernels.bias_relu, kernels.relu_backward, dtype.type(0)

        def forward(z, bias):
            bias_relu(z, bias, zero)
            return z

        def backward_into(x, y, grad_y):
            relu_backward(grad_y, y, zero)
            return grad_y

        return forward, backward_into


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
        return _sigmoid(x)

    def derivative(self, x, y):
        d = 1 - y
        d *= y
        return d

    def compiled(self, kernels, dtype):
        bias_negate, finish, back = kernels.bias_negate, kernels.reciprocal_one_plus, kernels.sigmoid_backward
        exp = np.exp
        one, cap, no_cap = dtype.type(1), dtype.type(88), dtype.type(np.inf)

        def forward(z, bias):  # _sigmoid's operations, its size rule included, in z's buffer
            if z.size < _SIGMOID_CLIP_BELOW:
                bias_negate(z, bias, cap)
                exp(z, out=z)
            else:
                bias_negate(z, bias, no_cap)
                with np.errstate(over="ignore"):
                    exp(z, out=z)
            finish(z, one)
            return z

        def backward_into(x, y, grad_y):
            back(grad_y, y, one)
            return grad_y

        return forward, backward_into


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
        d = y * y
        np.subtract(1, d, out=d)
        return d

    def compiled(self, kernels, dtype):
        back, one = kernels.tanh_backward, dtype.type(1)

        def forward(z, bias):  # in z's buffer: the backward reads only y
            np.add(z, bias, out=z)
            return np.tanh(z, out=z)

        def backward_into(x, y, grad_y):
            back(grad_y, y, one)
            return grad_y

        return forward, backward_into


@register("softmax")
class Softmax(Activation):
    """softmax(x)_i = exp(x_i) / sum_j exp(x_j) along `axis`: a probability distribution (rows sum to 1).

    The head for a multi-class task. Row-wise, so its backward is a vector-Jacobian product:
    dL/dx = y * (g - sum(g * y)).
    """

    formula = "softmax(x)_i = exp(x_i) / sum_j exp(x_j)"
    derivative_formula = "d softmax_i / d x_j = s_i (δ_ij - s_j)"
    output_range = "(0, 1), each row sums to 1"
    max_derivative = 0.25
    elementwise = False
    bounds = (0.0, 1.0)
    params = {"axis": -1}

    def _check(self):
        _check_axis(self)

    def forward(self, x):
        if x.ndim == 2 and self.axis in (-1, 1) and x.shape[1] <= 64:
            # A batch of a few classes: NumPy reduces a short last axis element by element, but the rows of
            # the transpose at once (a 32 x 10 batch: 2.5 µs for the max, 0.9 µs transposed). The result is
            # the transpose's view: the same values, in column-major order.
            e = np.array(x.T, order="C")
            e -= np.maximum.reduce(e, axis=0)
            np.exp(e, out=e)
            e /= np.add.reduce(e, axis=0)
            return e.T
        e = x - np.maximum.reduce(x, axis=self.axis, keepdims=True)
        np.exp(e, out=e)
        e /= np.add.reduce(e, axis=self.axis, keepdims=True)
        return e

    def backward(self, x, y, grad_y):
        out = grad_y - (grad_y * y).sum(axis=self.axis, keepdims=True)
        out *= y
        return out


# --------------------------------------------------------------------------------------------------
# The relu family: piecewise linear, cheap, exactly zero (or a constant) on part of the line.


@register("leaky_relu")
class LeakyReLU(Activation):
    """leaky_relu(x) = x if x > 0 else negative_slope * x. A relu whose negative side still passes a
    gradient, so units cannot die. Keras's default slope is 0.2 (PyTorch's is 0.01)."""

    formula = "leaky_relu(x) = x if x > 0 else negative_slope * x"
    derivative_formula = "1 if x > 0 else negative_slope"
    output_range = "(-inf, inf)"
    max_derivative = 1.0
    params = {"negative_slope": 0.2}

    def _check(self):
        self.max_derivative = max(1.0, abs(self._number("negative_slope")))

    def forward(self, x):
        s = self.negative_slope
        if 0 <= s <= 1:
            return np.maximum(x, s * x)
        return np.where(x > 0, x, s * x)

    def derivative(self, x, y):
        s = self.negative_slope
        d = _mask(x > 0, x.dtype, 1 - s)
        d += s
        return d


@register("relu6")
class ReLU6(Activation):
    """relu6(x) = min(max(x, 0), 6). A relu capped at 6, so outputs stay small enough for low-precision
    arithmetic (MobileNet); it saturates on both sides."""

    formula = "relu6(x) = min(max(x, 0), 6)"
    derivative_formula = "1 if 0 < x < 6 else 0"
    output_range = "[0, 6]"
    max_derivative = 1.0
    bounds = (0.0, 6.0)
    relu_like = True

    def forward(self, x):
        return np.clip(x, 0, 6)

    def derivative(self, x, y):
        return _mask((x > 0) & (x < 6), x.dtype)


@register("threshold")
class Threshold(Activation):
    """threshold(x) = x if x > threshold else default_value. Both parameters are required, as in Keras.

    A step-and-identity: it jumps at `threshold` unless default_value == threshold.
    """

    formula = "threshold(x) = x if x > threshold else default_value"
    derivative_formula = "1 if x > threshold else 0"
    output_range = "{default_value} ∪ (threshold, inf)"
    max_derivative = 1.0
    params = {"threshold": REQUIRED, "default_value": REQUIRED}

    def _check(self):
        self._number("threshold")
        self.relu_like = self._number("default_value") == 0

    def forward(self, x):
        return np.where(x > self.threshold, x, self.default_value).astype(x.dtype, copy=False)

    def derivative(self, x, y):
        return _mask(x > self.threshold, x.dtype)


@register("hard_sigmoid")
class HardSigmoid(Activation):
    """hard_sigmoid(x) = relu6(x + 3) / 6. A piecewise-linear sigmoid, cheap to compute (Keras 3's
    definition; Keras 2 used 0.2x + 0.5 clipped). Exactly 0 for x <= -3 and 1 for x >= 3."""

    formula = "hard_sigmoid(x) = relu6(x + 3) / 6"
    derivative_formula = "1/6 if -3 < x < 3 else 0"
    output_range = "[0, 1]"
    max_derivative = 1 / 6
    bounds = (0.0, 1.0)
    relu_like = True

    def forward(self, x):
        y = x + 3
        np.clip(y, 0, 6, out=y)
        y /= 6
        return y

    def derivative(self, x, y):
        return _mask((x > -3) & (x < 3), x.dtype, 1 / 6)


@register("hard_silu", "hard_swish")
class HardSiLU(Activation):
    """hard_silu(x) = x * relu6(x + 3) / 6. A piecewise-quadratic silu (MobileNetV3's hard swish):
    0 for x <= -3, x for x >= 3, x(x + 3)/6 between."""

    formula = "hard_silu(x) = x * relu6(x + 3) / 6"
    derivative_formula = "0 if x < -3, 1 if x > 3, else (2x + 3) / 6"
    output_range = "[-3/8, inf)"
    max_derivative = 1.5  # at x = 3 from the left
    relu_like = True

    def forward(self, x):
        y = x + 3
        np.clip(y, 0, 6, out=y)
        y *= x
        y /= 6
        return y

    def derivative(self, x, y):
        d = x / 3
        d += 0.5
        d *= (x >= -3) & (x <= 3)  # mask arithmetic: several times faster than np.where or indexing
        d += x > 3
        return d


@register("hard_tanh")
class HardTanh(Activation):
    """hard_tanh(x) = clip(x, -1, 1). A piecewise-linear tanh: identity in [-1, 1], flat outside."""

    formula = "hard_tanh(x) = max(-1, min(x, 1))"
    derivative_formula = "1 if -1 < x < 1 else 0"
    output_range = "[-1, 1]"
    max_derivative = 1.0
    bounds = (-1.0, 1.0)

    def forward(self, x):
        return np.clip(x, -1, 1)

    def derivative(self, x, y):
        return _mask(np.abs(x) < 1, x.dtype)


@register("hard_shrink")
class HardShrink(Activation):
    """hard_shrink(x) = x if |x| > threshold else 0. Zeroes small values (a sparsity operator from
    signal denoising); it jumps at ±threshold."""

    formula = "hard_shrink(x) = x if |x| > threshold else 0"
    derivative_formula = "1 if |x| > threshold else 0"
    output_range = "{0} ∪ |y| > threshold"
    max_derivative = 1.0
    params = {"threshold": 0.5}

    def _check(self):
        self._number("threshold", low=0.0)

    def forward(self, x):
        return x * (np.abs(x) > self.threshold)  # exact: the zeroed entries are finite

    def derivative(self, x, y):
        return _mask(np.abs(x) > self.threshold, x.dtype)


@register("soft_shrink")
class SoftShrink(Activation):
    """soft_shrink(x) = sign(x) * max(|x| - threshold, 0). Soft thresholding, the proximal operator of
    the L1 norm: moves every value `threshold` toward 0 and zeroes the small ones. Continuous."""

    formula = "soft_shrink(x) = x - clip(x, -threshold, threshold)"
    derivative_formula = "1 if |x| > threshold else 0"
    output_range = "(-inf, inf)"
    max_derivative = 1.0
    params = {"threshold": 0.5}

    def _check(self):
        self._number("threshold", low=0.0)

    def forward(self, x):
        return x - np.clip(x, -self.threshold, self.threshold)

    def derivative(self, x, y):
        return _mask(np.abs(x) > self.threshold, x.dtype)


@register("sparse_sigmoid")
class SparseSigmoid(Activation):
    """sparse_sigmoid(x) = clip((x + 1) / 2, 0, 1). A sigmoid that reaches exactly 0 and 1 (the
    two-class case of sparsemax, Blondel et al. 2019)."""

    formula = "sparse_sigmoid(x) = clip((x + 1) / 2, 0, 1)"
    derivative_formula = "1/2 if -1 < x < 1 else 0"
    output_range = "[0, 1]"
    max_derivative = 0.5
    bounds = (0.0, 1.0)
    relu_like = True

    def forward(self, x):
        y = np.clip(x, -1, 1)
        y += 1
        y *= 0.5
        return y

    def derivative(self, x, y):
        return _mask(np.abs(x) < 1, x.dtype, 0.5)


@register("sparse_plus")
class SparsePlus(Activation):
    """sparse_plus(x) = 0 if x <= -1, (x + 1)^2 / 4 if -1 < x < 1, x if x >= 1. A softplus that is
    exactly 0 on the left and exactly linear on the right; its derivative is sparse_sigmoid."""

    formula = "sparse_plus(x) = 0 | (x + 1)^2 / 4 | x  for x <= -1 | -1 < x < 1 | x >= 1"
    derivative_formula = "clip((x + 1) / 2, 0, 1)"
    output_range = "[0, inf)"
    max_derivative = 1.0
    relu_like = True

    def forward(self, x):
        q = np.clip(x, -1, 1)
        q += 1
        q *= q
        q *= 0.25
        # (x + 1)^2 / 4 - x = (x - 1)^2 / 4 >= 0, so the max picks q below 1 and x from 1 on, exactly
        return np.maximum(x, q, out=q)

    def derivative(self, x, y):
        d = np.clip(x, -1, 1)
        d += 1
        d *= 0.5
        return d


# --------------------------------------------------------------------------------------------------
# The exponential family: smooth, negative values saturate at a constant.


@register("elu")
class ELU(Activation):
    """elu(x) = x if x > 0 else alpha * (exp(x) - 1). Smooth on the left and saturating at -alpha, so
    mean activations sit nearer zero than relu's (Clevert et al. 2016)."""

    formula = "elu(x) = x if x > 0 else alpha * (exp(x) - 1)"
    derivative_formula = "1 if x > 0 else alpha * exp(x) = elu(x) + alpha"
    output_range = "(-alpha, inf)"
    max_derivative = 1.0
    params = {"alpha": 1.0}

    def _check(self):
        self.max_derivative = max(1.0, abs(self._number("alpha")))

    def forward(self, x):
        y = np.minimum(x, 0)
        np.expm1(y, out=y)
        y *= self.alpha
        y += np.maximum(x, 0)  # one side is exactly 0: no np.where needed (it is slow)
        return y

    def derivative(self, x, y):
        d = np.minimum(x, 0)
        np.exp(d, out=d)
        d *= self.alpha
        if self.alpha != 1:
            d += _mask(x > 0, x.dtype, 1 - self.alpha)
        return d

    def compiled(self, kernels, dtype):
        pre, finish, back = kernels.bias_negative_part, kernels.elu_finish, kernels.elu_backward
        zero, alpha = dtype.type(0), dtype.type(self.alpha)
        shift = self.alpha != 1
        above = dtype.type(1 - self.alpha)  # _mask's (x > 0)·(1 - alpha) where x > 0, and where not:
        below = dtype.type(0) * above  # 0·(1 - alpha), which is -0 for alpha > 1

        def forward(z, bias):  # z keeps z + bias: the backward reads it
            e = np.empty_like(z)
            pre(z, bias, e, zero)
            np.expm1(e, out=e)
            finish(e, z, alpha, zero)
            return e

        def backward_into(x, y, grad_y):
            d = np.minimum(x, 0)  # derivative()'s own first two steps
            np.exp(d, out=d)
            back(grad_y, d, x, alpha, above, below, shift)
            return grad_y

        return forward, backward_into


@register("selu")
class SELU(Activation):
    """selu(x) = scale * elu(x, alpha) with alpha ≈ 1.6733 and scale ≈ 1.0507. Self-normalising: with
    lecun_normal weights, activations keep mean 0 and variance 1 through a deep stack
    (Klambauer et al. 2017)."""

    ALPHA = 1.6732632423543772848170429916717
    SCALE = 1.0507009873554804934193349852946
    formula = "selu(x) = scale * (x if x > 0 else alpha * (exp(x) - 1))"
    derivative_formula = "scale if x > 0 else scale * alpha * exp(x) = selu(x) + scale * alpha"
    output_range = "(-scale * alpha, inf) ≈ (-1.7581, inf)"
    max_derivative = ALPHA * SCALE  # ≈ 1.7581, at x -> 0 from the left

    def forward(self, x):
        y = np.minimum(x, 0)
        np.expm1(y, out=y)
        y *= self.ALPHA
        y += np.maximum(x, 0)
        y *= self.SCALE
        return y

    def derivative(self, x, y):
        d = np.minimum(x, 0)
        np.exp(d, out=d)
        d *= self.SCALE * self.ALPHA
        d += _mask(x > 0, x.dtype, self.SCALE - self.SCALE * self.ALPHA)
        return d


@register("celu")
class CELU(Activation):
    """celu(x) = max(x, 0) + alpha * (exp(min(x, 0) / alpha) - 1). An elu whose derivative is
    continuous at 0 for every alpha (Barron 2017)."""

    formula = "celu(x) = max(x, 0) + alpha * (exp(min(x, 0) / alpha) - 1)"
    derivative_formula = "1 if x > 0 else exp(x / alpha)"
    output_range = "(-alpha, inf)"
    max_derivative = 1.0
    params = {"alpha": 1.0}

    def _check(self):
        self._number("alpha", low=0.0, strict=True)

    def forward(self, x):
        neg = np.minimum(x, 0)
        neg /= self.alpha
        np.expm1(neg, out=neg)
        neg *= self.alpha
        neg += np.maximum(x, 0)
        return neg

    def derivative(self, x, y):
        neg = np.minimum(x, 0)
        neg /= self.alpha
        return np.exp(neg, out=neg)


@register("exponential")
class Exponential(Activation):
    """exponential(x) = exp(x). Positive and unbounded: for a rate or a scale head (Poisson counts).

    Like Keras it overflows to inf for x above ~88.7 (float32) or ~709.8 (float64); it does so
    silently (no RuntimeWarning), and the inf is what a learner should see.
    """

    formula = "exponential(x) = exp(x)"
    derivative_formula = "exp(x)"
    output_range = "(0, inf)"
    max_derivative = math.inf

    def forward(self, x):
        with np.errstate(over="ignore"):
            return np.exp(x)

    def derivative(self, x, y):
        return y.copy()

    def backward(self, x, y, grad_y):
        with np.errstate(over="ignore", invalid="ignore"):  # 0 * inf is nan, as in torch
            return grad_y * y


# --------------------------------------------------------------------------------------------------
# Smooth relus and gates: x times a soft switch, or a smooth max(x, 0).


@register("softplus")
class Softplus(Activation):
    """softplus(x) = log(1 + exp(x)). A smooth relu, always positive; its derivative is the sigmoid."""

    formula = "softplus(x) = log(1 + exp(x))"
    derivative_formula = "sigmoid(x) = 1 - exp(-softplus(x))"
    output_range = "(0, inf)"
    max_derivative = 1.0

    def forward(self, x):
        y = _log1p_exp_neg_abs(x)
        y += np.maximum(x, 0)
        return y

    def derivative(self, x, y):
        d = np.negative(y)
        np.expm1(d, out=d)
        np.negative(d, out=d)
        return d


@register("softsign")
class Softsign(Activation):
    """softsign(x) = x / (1 + |x|). A tanh-like squashing into (-1, 1) whose tails decay polynomially,
    not exponentially, so it saturates more gently."""

    formula = "softsign(x) = x / (1 + |x|)"
    derivative_formula = "1 / (1 + |x|)^2 = (1 - |softsign(x)|)^2"
    output_range = "(-1, 1)"
    max_derivative = 1.0
    bounds = (-1.0, 1.0)

    def forward(self, x):
        d = np.abs(x)
        d += 1
        np.divide(x, d, out=d)
        return d

    def derivative(self, x, y):
        d = np.abs(y)
        np.subtract(1, d, out=d)
        d *= d
        return d


@register("squareplus")
class Squareplus(Activation):
    """squareplus(x) = (x + sqrt(x^2 + b)) / 2. A softplus made of a square root only (no exp, no
    log); `b` sets how round the corner at 0 is, b = 0 gives relu (Barron 2021)."""

    formula = "squareplus(x) = (x + sqrt(x^2 + b)) / 2"
    derivative_formula = "(1 + x / sqrt(x^2 + b)) / 2 = squareplus(x) / sqrt(x^2 + b)"
    output_range = "(0, inf)"
    max_derivative = 1.0
    params = {"b": 4}

    def _check(self):
        self.relu_like = self._number("b", low=0.0) == 0

    def forward(self, x):
        # s = (sqrt(x^2 + b) + |x|) / 2 without overflow; for x < 0 use the equal b / (4 s), which
        # avoids the cancellation in x + sqrt(x^2 + b) (float32 gives 0 at x = -1e4; the true value is 1e-4).
        if self.b == 0:
            return np.maximum(x, 0)
        r = self._root(x)
        r *= 0.5
        s = np.abs(x)
        s *= 0.5
        s += r  # s = (sqrt(x^2 + b) + |x|) / 2 >= sqrt(b) / 2 > 0
        pos = x >= 0
        y = np.divide(0.25 * self.b, s)
        y *= ~pos
        s *= pos
        y += s  # a blend of two finite values, exact (np.where is several times slower)
        return y

    def _root(self, x):
        """sqrt(x^2 + b) without overflow: past |x| = 2^60 it equals |x| to float precision."""
        r = np.clip(x, -(2.0**60), 2.0**60)
        r *= r
        r += self.b
        np.sqrt(r, out=r)
        return np.maximum(r, np.abs(x), out=r)

    def derivative(self, x, y):
        if self.b == 0:
            return _mask(x > 0, x.dtype)
        r = self._root(x)
        return np.divide(y, r, out=r)


@register("silu", "swish")
class SiLU(Activation):
    """silu(x) = x * sigmoid(x), also called swish. A smooth, non-monotonic relu found by search
    (Ramachandran et al. 2017); dips to about -0.278 near x = -1.28."""

    formula = "silu(x) = x * sigmoid(x)"
    derivative_formula = "sigmoid(x) * (1 + x * (1 - sigmoid(x))) = s + y * (1 - s)"
    output_range = "[-0.2785, inf)"
    max_derivative = 1.0998393201  # at x ≈ 2.3994

    def forward(self, x):
        y = _sigmoid(x)
        y *= x
        return y

    def derivative(self, x, y):
        s = _sigmoid(x)
        d = 1 - s
        d *= y
        d += s
        return d


@register("gelu")
class GELU(Activation):
    """gelu(x) = x * Φ(x), Φ the standard normal CDF: x weighted by how likely it is to be positive
    (Hendrycks & Gimpel 2016; used in transformers). `approximate=True` gives the tanh form
    0.5 x (1 + tanh(sqrt(2/π) (x + 0.044715 x^3)))."""

    formula = "gelu(x) = x * Φ(x) = x * (1 + erf(x / sqrt(2))) / 2"
    derivative_formula = "Φ(x) + x * φ(x)"
    output_range = "[-0.17, inf)"
    max_derivative = 1.1289041452  # at x = sqrt(2)
    params = {"approximate": False}
    _C = math.sqrt(2 / math.pi)
    _K = 0.044715

    def _check(self):
        if not isinstance(self.approximate, (bool, np.bool_)):
            raise TypeError(f"activation 'gelu': approximate must be True or False, got {self.approximate!r}")
        if self.approximate:
            self.max_derivative = 1.1289930687  # at x ≈ 1.4185

    def _inner_tanh(self, x):
        # beyond |x| = 10 the tanh is exactly ±1 in float64; clipping keeps x^3 from overflowing
        xc = np.clip(x, -10, 10)
        t = xc * xc
        t *= self._K
        t += 1
        t *= xc
        t *= self._C
        return xc, np.tanh(t, out=t)

    def forward(self, x):
        if self.approximate:
            _, t = self._inner_tanh(x)
            t += 1
            t *= x
            t *= 0.5
            return t
        y = special().ndtr(x)
        y *= x
        return y

    def derivative(self, x, y):
        if self.approximate:
            xc, t = self._inner_tanh(x)
            d = xc * xc
            d *= 3 * self._K
            d += 1
            d *= (0.5 * self._C) * xc
            d *= 1 - t * t
            d += 0.5 * (1 + t)
            return d
        xc = np.clip(x, -40, 40)  # φ(40) is 0 in float64; the clip keeps x^2 finite
        d = xc * xc
        d *= -0.5
        np.exp(d, out=d)
        d *= xc
        d *= 1 / math.sqrt(2 * math.pi)
        d += special().ndtr(x)
        return d


@register("mish")
class Mish(Activation):
    """mish(x) = x * tanh(softplus(x)). A smooth, non-monotonic relu like silu, slightly more curved
    (Misra 2019)."""

    formula = "mish(x) = x * tanh(log(1 + exp(x)))"
    derivative_formula = "tanh(sp) + x * (1 - tanh(sp)^2) * sigmoid(x),  sp = softplus(x)"
    output_range = "[-0.3088, inf)"
    max_derivative = 1.0884981613  # at x ≈ 1.4906

    @staticmethod
    def _parts(x):
        """e = exp(x) and n = e (e + 2), so tanh(softplus(x)) = n / (n + 2), sigmoid(x) = e / (1 + e).

        Past x = 20, n / (n + 2) is 1 to float64 precision, so x is clipped there and nothing overflows.
        """
        e = np.minimum(x, 20)
        np.exp(e, out=e)
        n = e + 2
        n *= e
        return e, n

    def forward(self, x):
        _, n = self._parts(x)
        y = n + 2
        np.divide(n, y, out=y)
        y *= x
        return y

    def derivative(self, x, y):
        # 1 - tanh(sp)^2 = 4 (n + 1) / (n + 2)^2, which has no cancellation as tanh -> 1
        e, n = self._parts(x)
        n2 = n + 2
        d = n + 1
        d *= 4
        d /= n2
        d /= n2
        d *= x
        d *= e
        d /= e + 1
        n /= n2
        d += n
        return d


@register("log_sigmoid")
class LogSigmoid(Activation):
    """log_sigmoid(x) = log(sigmoid(x)) = -softplus(-x). The log-probability of a binary head, computed
    without forming the sigmoid (which would round to 0 and give log 0 = -inf)."""

    formula = "log_sigmoid(x) = log(1 / (1 + exp(-x)))"
    derivative_formula = "1 - sigmoid(x) = -expm1(log_sigmoid(x))"
    output_range = "(-inf, 0)"
    max_derivative = 1.0

    def forward(self, x):
        y = _log1p_exp_neg_abs(x)
        np.subtract(np.minimum(x, 0), y, out=y)
        return y

    def derivative(self, x, y):
        d = np.expm1(y)
        np.negative(d, out=d)
        return d


@register("tanh_shrink")
class TanhShrink(Activation):
    """tanh_shrink(x) = x - tanh(x). Near 0 it is flat (≈ x^3 / 3), far out it is x ∓ 1: it suppresses
    small values smoothly."""

    formula = "tanh_shrink(x) = x - tanh(x)"
    derivative_formula = "tanh(x)^2"
    output_range = "(-inf, inf)"
    max_derivative = 1.0

    def forward(self, x):
        return x - np.tanh(x)

    def derivative(self, x, y):
        # tanh(x)^2, recomputed: (x - y)^2 would round to 0 for |x| > ~1e7 in float32
        t = np.tanh(x)
        t *= t
        return t


# --------------------------------------------------------------------------------------------------
# Row-wise: each output depends on the whole row, so backward is a vector-Jacobian product.


@register("log_softmax")
class LogSoftmax(Activation):
    """log_softmax(x)_i = x_i - log(sum_j exp(x_j)) along `axis`: log-probabilities, computed without
    forming softmax (no log of 0). Pairs with a negative log-likelihood loss."""

    formula = "log_softmax(x)_i = x_i - log(sum_j exp(x_j))"
    derivative_formula = "d y_i / d x_j = δ_ij - softmax(x)_j;  dL/dx = g - softmax(x) * sum(g)"
    output_range = "(-inf, 0], logsumexp of each row is 0"
    max_derivative = 1.0
    elementwise = False
    params = {"axis": -1}

    def _check(self):
        _check_axis(self)

    def forward(self, x):
        y = x - x.max(axis=self.axis, keepdims=True)
        lse = np.exp(y)
        lse = np.log(lse.sum(axis=self.axis, keepdims=True))
        y -= lse
        return y

    def backward(self, x, y, grad_y):
        p = np.exp(y)
        p *= grad_y.sum(axis=self.axis, keepdims=True)
        return np.subtract(grad_y, p, out=p)


@register("sparsemax")
class Sparsemax(Activation):
    """sparsemax(x)_i = max(x_i - τ(x), 0), τ chosen so each row sums to 1: the Euclidean projection onto
    the probability simplex (Martins & Astudillo 2016). Like softmax, but small entries are exactly 0.

    τ = (sum of the k largest x_j - 1) / k, where k is the size of the support. Keras 3.15.1's own
    sparsemax sums the wrong quantity when k > 1 (keras-team/keras#23425, fixed upstream in #23469);
    this is the paper's definition, which Keras matches when k = 1.
    """

    formula = "sparsemax(x)_i = max(x_i - τ(x), 0),  sum_i sparsemax(x)_i = 1"
    derivative_formula = "on the support S: dL/dx = g - mean_S(g); 0 off the support"
    output_range = "[0, 1], each row sums to 1"
    max_derivative = 1.0
    elementwise = False
    bounds = (0.0, 1.0)
    params = {"axis": -1}

    def _check(self):
        _check_axis(self)

    def forward(self, x):
        ax = self.axis
        x = x - x.max(axis=ax, keepdims=True)  # τ is shift-equivariant; working near 0 keeps float32 exact
        z = np.flip(np.sort(x, axis=ax), axis=ax)
        cs = np.cumsum(z, axis=ax)
        shape = [1] * x.ndim
        shape[ax] = x.shape[ax]
        r = np.arange(1, x.shape[ax] + 1, dtype=x.dtype).reshape(shape)
        z *= r
        z += 1
        k = (z > cs).sum(axis=ax, keepdims=True)  # the support size, always >= 1
        tau = np.take_along_axis(cs, k - 1, axis=ax)
        tau -= 1
        tau /= k.astype(x.dtype)
        x -= tau
        np.maximum(x, 0, out=x)
        return x

    def backward(self, x, y, grad_y):
        support = y > 0
        k = support.sum(axis=self.axis, keepdims=True).astype(grad_y.dtype)
        g = grad_y * support
        mean = g.sum(axis=self.axis, keepdims=True)
        mean /= k
        g -= mean
        g *= support
        return g


@register("glu")
class GLU(Activation):
    """glu(x) = a * sigmoid(b), where a and b are the two halves of x along `axis`. A gated linear unit
    (Dauphin et al. 2017): half the units decide how much of the other half passes. Halves the width."""

    formula = "glu([a, b]) = a * sigmoid(b)"
    derivative_formula = "dL/da = g * sigmoid(b);  dL/db = g * a * sigmoid(b) * (1 - sigmoid(b))"
    output_range = "(-inf, inf)"
    max_derivative = math.inf  # d/db = a * sigmoid'(b) grows with |a|; d/da is at most 1
    elementwise = False
    params = {"axis": -1}

    def _check(self):
        _check_axis(self)

    def output_units(self, units: int) -> int:
        if units % 2:
            raise ValueError(f"glu splits its input in two halves: units must be even, got {units}")
        return units // 2

    def _halves(self, x):
        n = x.shape[self.axis]
        if n % 2:
            raise ValueError(f"glu splits its input in two halves: axis {self.axis} must have even size, "
                             f"got shape {x.shape}")
        return np.split(x, 2, axis=self.axis)

    def forward(self, x):
        a, b = self._halves(x)
        y = _sigmoid(b)
        y *= a
        return y

    def backward(self, x, y, grad_y):
        a, b = self._halves(x)
        s = _sigmoid(b)
        grad_a = grad_y * s
        grad_b = 1 - s
        grad_b *= grad_a
        grad_b *= a
        return np.concatenate([grad_a, grad_b], axis=self.axis)
