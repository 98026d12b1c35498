"""Dense: `y = activation(x @ kernel + bias)`, with Keras's arguments, defaults and kernel layout.

Forward caches what backward needs (x, z, y); backward leaves the batch's gradients on the layer
(`grad_kernel`, `grad_bias`, and `delta` = dL/dz) where probes can read them. Inside a Sequential, kernel, bias
and their gradients are views into one flat buffer each, so an optimizer step is a few whole-buffer operations.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import activations, constraints, initializers, regularizers

_ONES: dict[tuple[int, np.dtype], np.ndarray] = {}


def _ones(n: int, dtype: np.dtype) -> np.ndarray:
    """A read-only vector of n ones (cached: a batch size recurs every step)."""
    key = (n, dtype)
    ones = _ONES.get(key)
    if ones is None:
        if len(_ONES) > 64:
            _ONES.clear()
        ones = _ONES[key] = np.ones(n, dtype=dtype)
        ones.flags.writeable = False
    return ones


class Dense:
    """A fully connected layer. Shapes: x `(batch, fan_in)`, kernel `(fan_in, units)`, bias `(units,)`,
    output `(batch, units)` — or `(batch, units // 2)` for glu, which halves the width.
    """

    def __init__(self, units: int, activation: Any = None, use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None, activity_regularizer: Any = None,
                 kernel_constraint: Any = None, bias_constraint: Any = None, input_dim: int | None = None,
                 input_shape: tuple | None = None, name: str | None = None, dtype: Any = "float32", **kwargs: Any):
        if kwargs:
            raise TypeError(f"Dense got unknown argument(s) {sorted(kwargs)}")
        if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units <= 0:
            raise ValueError(f"Dense units must be a positive integer, got {units!r}")
        self.units = int(units)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        if input_shape is not None and input_dim is None:
            input_dim = tuple(input_shape)[-1]
        self.input_dim = None if input_dim is None else int(input_dim)
        self.name = name
        self.dtype = np.dtype(dtype)
        self.output_dim = self.activation.output_units(self.units)
        self.kernel: np.ndarray | None = None
        self.bias: np.ndarray | None = None
        self.grad_kernel: np.ndarray | None = None
        self.grad_bias: np.ndarray | None = None
        self.x = self.z = self.y = self.delta = None
        self.activity_loss = 0.0

    # -- building ---------------------------------------------------------------------------------
    @property
    def built(self) -> bool:
        return self.kernel is not None

    def build(self, input_dim: int) -> None:
        """Create the kernel `(input_dim, units)` and bias `(units,)` with the initializers."""
        if self.input_dim is not None and self.input_dim != input_dim:
            raise ValueError(f"{self.name}: expected input_dim {self.input_dim}, got {input_dim}")
        self.input_dim = int(input_dim)
        self.kernel = np.asarray(self.kernel_initializer((self.input_dim, self.units), dtype=self.dtype),
                                 dtype=self.dtype)
        self.bias = (np.asarray(self.bias_initializer((self.units,), dtype=self.dtype), dtype=self.dtype)
                     if self.use_bias else None)

    @property
    def weights(self) -> list[np.ndarray]:
        return [self.kernel, self.bias] if self.use_bias else [self.kernel]

    def count_params(self) -> int:
        if self.input_dim is None:
            return 0
        return self.input_dim * self.units + (self.units if self.use_bias else 0)

    # -- forward and backward ------------------------------------------------------------------------
    def forward(self, x: np.ndarray) -> np.ndarray:
        """y = activation(x @ kernel + bias); caches x, z, y for backward."""
        z = x @ self.kernel
        if self.use_bias:
            z += self.bias
        y = self.activation.forward(z)
        self.x, self.z, self.y = x, z, y
        if self.activity_regularizer is not None:
            self.activity_loss = float(self.activity_regularizer(y)) / x.shape[0]
        return y

    def backward_delta(self, delta: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        """From delta = dL/dz: fill grad_kernel and grad_bias; return dL/dx (or None for the first layer)."""
        self.delta = delta
        x = self.x
        if delta.shape[1] == 1:  # a 1-unit head: a matrix-vector product beats a K=1 matrix multiply
            np.dot(delta[:, 0], x, out=self.grad_kernel[:, 0])
        else:
            np.matmul(x.T, delta, out=self.grad_kernel)
        if self.use_bias:  # the sum over the batch as a matrix-vector product: 2-3x faster than add.reduce
            np.dot(_ones(delta.shape[0], delta.dtype), delta, out=self.grad_bias)
        if self.kernel_regularizer is not None:
            self.grad_kernel += self.kernel_regularizer.gradient(self.kernel)
        if self.use_bias and self.bias_regularizer is not None:
            self.grad_bias += self.bias_regularizer.gradient(self.bias)
        if not need_input_grad:
            return None
        if delta.shape[1] == 1:
            return delta * self.kernel[:, 0]
        return delta @ self.kernel.T

    def backward(self, grad_y: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        """From dL/dy (the gradient of the loss w.r.t. this layer's output): dL/dx."""
        if self.activity_regularizer is not None:
            grad_y = grad_y + self.activity_regularizer.gradient(self.y) / self.y.shape[0]
        delta = self.activation.backward(self.z, self.y, grad_y)
        return self.backward_delta(delta, need_input_grad)

    def regularization_loss(self) -> float:
        """Sum of the kernel and bias penalties at the current weights (activity penalty not included)."""
        total = 0.0
        if self.kernel_regularizer is not None:
            total += float(self.kernel_regularizer(self.kernel))
        if self.use_bias and self.bias_regularizer is not None:
            total += float(self.bias_regularizer(self.bias))
        return total

    def apply_constraints(self) -> None:
        if self.kernel_constraint is not None:
            self.kernel[...] = self.kernel_constraint(self.kernel)
        if self.use_bias and self.bias_constraint is not None:
            self.bias[...] = self.bias_constraint(self.bias)

    def get_config(self) -> dict[str, Any]:
        def cfg(obj):
            return None if obj is None else obj.get_config()

        return {"units": self.units, "activation": self.activation.get_config(), "use_bias": self.use_bias,
                "kernel_initializer": cfg(self.kernel_initializer), "bias_initializer": cfg(self.bias_initializer),
                "kernel_regularizer": cfg(self.kernel_regularizer), "bias_regularizer": cfg(self.bias_regularizer),
                "activity_regularizer": cfg(self.activity_regularizer),
                "kernel_constraint": cfg(self.kernel_constraint), "bias_constraint": cfg(self.bias_constraint),
                "name": self.name}

    def __repr__(self) -> str:
        fan_in = "?" if self.input_dim is None else self.input_dim
        return f"Dense({fan_in}→{self.output_dim}, {self.activation!r})"
