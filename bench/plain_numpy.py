"""The simplest correct plain-NumPy trainer for a Dense stack: the bar actcli's engine is measured against.

float32; every weight in one contiguous buffer (kernels and biases are views) so Adam (Keras's formula)
updates it in place with a few whole-buffer ops; one shuffle gather per epoch, then contiguous slices;
the output gradient fused with the loss (p - y) / batch, valid for sigmoid + BCE and softmax + CCE.
No regularizers, constraints, metrics or callbacks: only what the benchmark's workloads need.
"""

from __future__ import annotations

import math

import numpy as np


def _activate(name: str, z: np.ndarray) -> np.ndarray:
    """Apply the activation to z `(batch, units)` IN PLACE and return it."""
    if name == "relu":
        np.maximum(z, 0, out=z)
    elif name == "sigmoid":  # 1/(1+e^-z) written as (1 + tanh(z/2)) / 2: no overflow for large |z|
        z *= 0.5
        np.tanh(z, out=z)
        z += 1
        z *= 0.5
    elif name == "softmax":
        z -= z.max(axis=1, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=1, keepdims=True)
    else:
        raise ValueError(f"plain_numpy knows relu, sigmoid, softmax; got {name!r}")
    return z


def _backward_through(name: str, a: np.ndarray, g: np.ndarray) -> None:
    """g *= f'(z), in place, computed from the output a = f(z) (hidden activations only)."""
    if name == "relu":
        g *= a > 0
    else:  # sigmoid: a (1 - a)
        g *= a
        g -= g * a


class PlainMLP:
    """Dense layers `dims[0] → … → dims[-1]`: Glorot-uniform kernels `(fan_in, fan_out)`, zero biases."""

    def __init__(self, dims: list[int], acts: list[str], rng: np.random.Generator):
        self.acts = acts
        sizes = [(i * o, o) for i, o in zip(dims[:-1], dims[1:], strict=True)]
        self.params = np.zeros(sum(k + b for k, b in sizes), dtype=np.float32)
        self.grads = np.zeros_like(self.params)
        self.W, self.b, self.gW, self.gb = [], [], [], []
        at = 0
        for (fan_in, fan_out), (k, _) in zip(zip(dims[:-1], dims[1:], strict=True), sizes, strict=True):
            for buf, ws, bs in ((self.params, self.W, self.b), (self.grads, self.gW, self.gb)):
                ws.append(buf[at:at + k].reshape(fan_in, fan_out))
                bs.append(buf[at + k:at + k + fan_out])
            limit = math.sqrt(6.0 / (fan_in + fan_out))
            self.W[-1][...] = rng.uniform(-limit, limit, (fan_in, fan_out))
            at += k + fan_out

    def forward(self, x: np.ndarray) -> list[np.ndarray]:
        """Activations of every layer, input first: [x, a1, ..., output]."""
        outs = [x]
        for W, b, act in zip(self.W, self.b, self.acts, strict=True):
            z = outs[-1] @ W
            z += b
            outs.append(_activate(act, z))
        return outs

    def backward(self, outs: list[np.ndarray], y: np.ndarray) -> None:
        """Fill self.grads for the mean loss; output gradient (p - y) / batch (sigmoid+BCE, softmax+CCE)."""
        g = outs[-1] - y
        g /= len(y)
        for i in range(len(self.W) - 1, -1, -1):
            np.matmul(outs[i].T, g, out=self.gW[i])
            g.sum(axis=0, out=self.gb[i])
            if i:
                g = g @ self.W[i].T
                _backward_through(self.acts[i - 1], outs[i], g)


class Adam:
    """Keras 3's Adam on one flat buffer: alpha = lr sqrt(1-b2^t)/(1-b1^t); p -= alpha m / (sqrt(v) + eps)."""

    def __init__(self, n: int, lr: float, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        self.lr, self.b1, self.b2, self.eps, self.t = lr, beta_1, beta_2, epsilon, 0
        self.m, self.v, self.tmp = (np.zeros(n, np.float32) for _ in range(3))

    def apply(self, p: np.ndarray, g: np.ndarray) -> None:
        self.t += 1
        alpha = self.lr * math.sqrt(1 - self.b2 ** self.t) / (1 - self.b1 ** self.t)
        m, v, tmp = self.m, self.v, self.tmp
        np.subtract(g, m, out=tmp)
        tmp *= 1 - self.b1
        m += tmp
        np.multiply(g, g, out=tmp)
        tmp -= v
        tmp *= 1 - self.b2
        v += tmp
        np.sqrt(v, out=tmp)
        tmp += self.eps
        np.divide(m, tmp, out=tmp)
        tmp *= alpha
        p -= tmp


class SGD:
    """Plain SGD: p -= lr g."""

    def __init__(self, n: int, lr: float):
        self.lr = lr

    def apply(self, p: np.ndarray, g: np.ndarray) -> None:
        p -= self.lr * g


def train_epoch(model: PlainMLP, opt, x: np.ndarray, y: np.ndarray, batch: int, rng: np.random.Generator):
    """One epoch: one shuffle gather, then contiguous mini-batches (the last one may be short)."""
    order = rng.permutation(len(x))
    xs, ys = x[order], y[order]
    for start in range(0, len(x), batch):
        model.backward(model.forward(xs[start:start + batch]), ys[start:start + batch])
        opt.apply(model.params, model.grads)
