"""What is measured while training: per-layer gradient norms, activation saturation, dead units, histograms.

Read from the gradients the engine already computed (no second backward pass during training). Per batch: the
squared norms of every layer's kernel and bias gradient, in two NumPy calls over the flat gradient buffer. Once
per epoch, on a fixed probe batch: activation statistics. At initialisation and at the end: gradients on the
probe batch (without an update) and histograms. Glorot & Bengio (2010) and Nielsen (ch. 5) drew these by hand.
"""

from __future__ import annotations

import math

import numpy as np

from .nn.callbacks import Callback
from .nn.layers import _ones
from .nn.models import Sequential
from .results import LayerInfo, LayerStats, ProbeRecord

SATURATION_MARGIN = 0.01  # "saturated" = within 1% of the output range from a bound
HIST_BINS = 40
BLOCK_ROWS = 64  # batches whose gradients are reduced together (small models)
DOT_THRESHOLD = 50_000  # parameters above which per-array dot products beat copying the gradient into the block
# each row's dot product with itself: NumPy 2's vecdot is ~1.8x faster here than the einsum older NumPy needs
_row_dots = getattr(np, "vecdot", None) or (lambda a, b, out=None: np.einsum("ij,ij->i", a, b, out=out))
EPOCH_SAMPLES = 256  # per-epoch activation statistics: enough rows for a fraction, cheap on a short epoch


def layer_infos(model: Sequential) -> list[LayerInfo]:
    last = len(model.layers) - 1
    return [LayerInfo(name=lay.name, units=lay.output_dim, activation=lay.activation.name, hidden=i < last)
            for i, lay in enumerate(model.layers)]


def activation_stats(layer, y: np.ndarray) -> dict:
    """Mean, std, saturated and dead fractions of one layer's outputs `y` `(batch, units)`."""
    act = layer.activation
    # a plain relu's outputs are never negative, so a column sum is 0 exactly when every output in the column is:
    # one BLAS call (ones @ y) gives both the dead units and the mean
    col_sums = _ones(y.shape[0], y.dtype) @ y if getattr(act, "_plain", False) and y.ndim == 2 else None
    total = np.add.reduce(y, axis=None) if col_sums is None else np.add.reduce(col_sums)
    mean = float(total) / y.size
    centred = y - mean
    out = {"act_mean": mean, "act_std": math.sqrt(float(np.vdot(centred, centred)) / y.size)}
    if act.bounds is not None:
        lo, hi = act.bounds
        margin = SATURATION_MARGIN * (hi - lo)
        out["saturated_fraction"] = np.count_nonzero((y <= lo + margin) | (y >= hi - margin)) / y.size
    if act.relu_like:
        # a unit is dead on this batch when its largest |output| is 0 (one column-wise max: any() is 5x slower)
        peak = col_sums if col_sums is not None else np.maximum.reduce(np.abs(y), axis=0)
        out["dead_fraction"] = float(peak.size - np.count_nonzero(peak)) / y.shape[1]  # NaN is not 0: not dead
    return out


def _hist(values: np.ndarray) -> tuple[list[float], list[float]]:
    v = values[np.isfinite(values)].ravel()
    if v.size == 0:
        return [], []
    counts, edges = np.histogram(v, bins=HIST_BINS)
    return counts.astype(float).tolist(), edges.astype(float).tolist()


# log10|δ| from 1e-12 to 1e2 in quarter decades, the same for every layer and run (values outside go to the ends)
LOG_EDGES = np.arange(-12.0, 2.0 + 1e-9, 0.25)


def _loghist(values: np.ndarray) -> tuple[list[float], list[float]]:
    v = np.abs(values[np.isfinite(values)].ravel())
    v = v[v > 0]
    if v.size == 0:
        return [], []
    logs = np.clip(np.log10(v.astype(np.float64)), LOG_EDGES[0], LOG_EDGES[-1])
    counts, edges = np.histogram(logs, bins=LOG_EDGES)
    return counts.astype(float).tolist(), edges.astype(float).tolist()


def snapshot(model: Sequential, x: np.ndarray, y: np.ndarray, histograms: bool = True) -> list[LayerStats]:
    """Gradients and activations of every layer on one batch, without updating the model.

    `y` are targets prepared by the loss (`model.loss.prepare`). ‖δ‖ is the norm of dL/db, i.e. of δ summed over
    the batch (computed from δ itself so it exists for layers without a bias too).
    """
    with np.errstate(all="ignore"):
        model.backprop(x, y)
        stats = []
        for layer in model.layers:
            delta = layer.delta
            s = LayerStats(grad_norm=float(np.linalg.norm(layer.grad_kernel)),
                           delta_norm=float(np.linalg.norm(delta.sum(axis=0))), **activation_stats(layer, layer.y))
            if histograms:
                s.act_hist = _hist(layer.y)
                s.delta_hist = _hist(delta)
                s.delta_loghist = _loghist(delta)
            stats.append(s)
    return stats


class ProbeRecorder(Callback):
    """A callback that fills a `ProbeRecord` while `fit` runs.

    `x_probe`, `y_probe`: a fixed batch (raw targets, as given to fit). `every_batch=True` records the per-layer
    gradient norms of every training batch (cheap); the per-epoch activation statistics always use the probe batch.
    """

    def __init__(self, model: Sequential, x_probe: np.ndarray, y_probe: np.ndarray, every_batch: bool = True):
        self.model = model
        self.x_probe = np.ascontiguousarray(np.asarray(x_probe, dtype=model.dtype))
        self.y_raw = np.asarray(y_probe)
        self.every_batch = every_batch
        self.record: ProbeRecord | None = None

    # per layer, where its kernel and bias gradients sit in the flat gradient buffer
    def _layout(self) -> None:
        model = self.model
        starts, owners = [], []
        pos = 0
        for i, layer in enumerate(model.layers):
            for j, w in enumerate(layer.weights):
                starts.append(pos)
                owners.append((i, j))
                pos += w.size
        self._owners = owners
        self._grad = model._flat_grad
        # Large models: one BLAS dot product per weight array reads the gradient once, per batch.
        bounds = [*starts, pos]
        large = self._large()
        self._bounds = list(zip(bounds[:-1], bounds[1:]))
        self._views = [self._grad[a:b] for a, b in self._bounds] if large else None
        # Small models: each batch's gradient is copied into a block (one call), and a full block is reduced
        # to squared norms at once (one call per weight array for up to 64 batches).
        self._block = None if large else np.empty((BLOCK_ROWS, self._grad.size), dtype=self._grad.dtype)
        self._block_rows = None if large else list(self._block)  # row views, made once
        self._k = 0  # rows of the block in use
        self._table = np.empty((64, len(starts)), dtype=self._grad.dtype)  # squared norms per batch; grows
        self._n = 0

    def _large(self) -> bool:
        """Whether the model's gradient is large enough for per-array dot products (see DOT_THRESHOLD)."""
        grad = self.model._flat_grad
        return grad is not None and grad.size > DOT_THRESHOLD

    def _reserve(self, count: int) -> np.ndarray:
        """The next `count` rows of the per-batch table (grown as needed), counted as used."""
        while self._n + count > len(self._table):
            self._table = np.concatenate([self._table, np.empty_like(self._table)])
        rows = self._table[self._n:self._n + count]
        self._n += count
        return rows

    def _flush(self) -> None:
        """Reduce the block's gradients to squared norms per weight array."""
        if self._k:
            rows, block = self._reserve(self._k), self._block[:self._k]
            for j, (a, b) in enumerate(self._bounds):  # one pass per weight array, no squared copy
                part = block[:, a:b]
                _row_dots(part, part, out=rows[:, j])
            self._k = 0

    def _targets(self) -> np.ndarray:
        m = self.model
        return m.loss.prepare(self.y_raw, np.zeros((len(self.x_probe), m.layers[-1].output_dim), dtype=m.dtype))

    def set_model(self, model) -> None:
        # Every batch's gradient norms: a large model's by one dot product per weight array in a per-batch callback;
        # a small model's gradient is copied by fit itself into the rows `gradient_tap` hands out (see
        # on_train_begin), which costs a third of a per-batch call on a net whose whole step takes 30 µs.
        super().set_model(model)
        if self.every_batch and self._large():
            self.on_train_batch_end = self._dot_gradient
        else:
            self.__dict__.pop("on_train_batch_end", None)

    def on_train_begin(self, logs=None):
        self._layout()
        self.gradient_tap = self._free_rows() if self.every_batch and self._block is not None else None
        self.record = ProbeRecord(layers=layer_infos(self.model), init=snapshot(self.model, self.x_probe,
                                                                                 self._targets()),
                                  probe_samples=len(self.x_probe))

    def _free_rows(self):
        """fit's gradient tap: the block's next free row, for each batch's gradient; a full block is reduced first."""
        rows = self._block_rows
        while True:
            k = self._k
            if k == BLOCK_ROWS:
                self._flush()
                k = 0
            self._k = k + 1  # counted now: fit fills the row before anything reads the block
            yield rows[k]

    def on_epoch_begin(self, epoch, logs=None):
        self._n = self._k = 0

    def _dot_gradient(self, batch, logs=None):
        """Large models: the squared norm of every weight array's gradient, one dot product each."""
        row = self._reserve(1)[0]
        for k, v in enumerate(self._views):
            row[k] = np.dot(v, v)

    def on_epoch_end(self, epoch, logs=None):
        model = self.model
        if self._block is not None:
            self._flush()
        n_layers = len(model.layers)
        nan = float("nan")
        k_mean = k_std = b_mean = b_std = [nan] * n_layers
        if self._n:
            norms = np.sqrt(self._table[:self._n])  # (batches, weight arrays)
            mean = np.add.reduce(norms, axis=0) / self._n
            dev = norms - mean
            means, stds = mean.tolist(), np.sqrt(_row_dots(dev.T, dev.T) / self._n).tolist()
            k_mean, k_std, b_mean, b_std = ([nan] * n_layers for _ in range(4))
            for col, (i, j) in enumerate(self._owners):
                if j == 0:
                    k_mean[i], k_std[i] = means[col], stds[col]
                else:
                    b_mean[i], b_std[i] = means[col], stds[col]
        # Activation statistics on (the first EPOCH_SAMPLES rows of) the probe batch: a forward pass only.
        with np.errstate(all="ignore"):
            a = self.x_probe[:EPOCH_SAMPLES]
            stats = []
            for i, layer in enumerate(model.layers):
                a = layer.forward(a)
                stats.append(LayerStats(grad_norm=k_mean[i], grad_norm_std=k_std[i], delta_norm=b_mean[i],
                                        delta_norm_std=b_std[i], **activation_stats(layer, a)))
        self.record.epochs.append(stats)

    def on_train_end(self, logs=None):
        self.gradient_tap = None
        if self.record is not None and self.model.weights_finite():
            self.record.final = snapshot(self.model, self.x_probe, self._targets())


def probe_batch(x: np.ndarray, y: np.ndarray, size: int = 512, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A fixed, repeatable subset of the training data for the probes."""
    if len(x) <= size:
        return x, y
    idx = np.sort(np.random.default_rng(seed).choice(len(x), size, replace=False))
    return x[idx], y[idx]
