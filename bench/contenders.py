"""One contender, one workload, in this process: `python bench/contenders.py NAME WORKLOAD DATA.npz REPEATS`.

Prints one line `BENCH_RESULT {json}` with the seconds of every training epoch of every repeat (a fresh
model per repeat; evaluation is never timed) and the train accuracy reached. A contender whose import
fails reports status "n/a" instead of crashing. Comparing the numbers is run.py's job.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
import warnings

import numpy as np
from workloads import SEED, WORKLOADS, Workload, load_data, targets

MARK = "BENCH_RESULT "


class NotAvailable(Exception):
    """The contender cannot run here (a package is missing); its message is the note in the report."""


def _accuracy(w: Workload, probs: np.ndarray, y: np.ndarray) -> float:
    probs = np.asarray(probs)
    pred = (probs.reshape(-1) > 0.5).astype(np.int64) if w.binary else probs.argmax(axis=1)
    return float((pred == y).mean())


# -------------------------------------------------------------------------------------------------- actcli


def _actcli(w: Workload, x, y, repeats: int, epochs: int, probes: bool, compiled: bool = True):
    try:
        from actcli.nn import Dense, Sequential, _kernels  # noqa: I001 (sorted; ruff misplaces modules not yet written)
        from actcli.nn.callbacks import Callback
        from actcli.nn.optimizers import SGD, Adam
    except ImportError as e:
        raise NotAvailable(f"engine not ready ({e})") from e
    # The steady state: numba's kernels loaded before the clock starts (a fit loads them by itself only when it
    # gains more than their ~0.5 s start-up), or NumPy only, the path a lesson-sized training takes.
    _kernels.set_enabled(compiled)
    if compiled and _kernels.get() is None:
        raise NotAvailable("numba is not installed (pip install 'actcli[fast]')")
    try:
        from actcli.nn.random import set_random_seed
    except ImportError:
        set_random_seed = None
    recorder_cls = None
    t = targets(w, y)
    if probes:
        try:
            from actcli.probes import ProbeRecorder as recorder_cls
        except ImportError as e:
            raise NotAvailable(f"probes not ready ({e})") from e
        try:  # the lab's own probe batch (its default size), else the first 256 samples
            from actcli.probes import probe_batch

            x_probe, y_probe = probe_batch(x, t)
        except ImportError:
            x_probe, y_probe = x[:256], t[:256]

    clock: dict[str, float] = {}
    times: list[float] = []

    class StartClock(Callback):  # first in the list: its epoch begins before any other callback's
        def on_epoch_begin(self, epoch, logs=None):
            clock["t0"] = time.perf_counter()

    class StopClock(Callback):  # last in the list: its epoch ends after every other callback's
        def on_epoch_end(self, epoch, logs=None):
            times.append(time.perf_counter() - clock["t0"])

    runs, acc = [], float("nan")
    for r in range(repeats):
        if set_random_seed:
            set_random_seed(SEED + r)
        model = Sequential()
        for i, (units, act) in enumerate(w.hidden):
            first = {"input_dim": w.n_features} if i == 0 else {}
            model.add(Dense(units, activation=act, **first))
        model.add(Dense(w.out_units, activation=w.out_activation))
        opt = (Adam if w.optimizer == "adam" else SGD)(learning_rate=w.learning_rate)
        model.compile(optimizer=opt, loss=w.loss, metrics=["accuracy"])
        middle = [recorder_cls(model, x_probe, y_probe)] if recorder_cls else []
        times.clear()
        model.fit(x, t, epochs=epochs, batch_size=w.batch_size, shuffle=True, verbose=0,
                  callbacks=[StartClock(), *middle, StopClock()])
        runs.append(list(times))
        acc = _accuracy(w, model.predict(x, verbose=0), y)
    import actcli
    return runs, acc, f"actcli {actcli.__version__}, element-wise updates by {_kernels.describe()}"


# -------------------------------------------------------------------------------------------------- numpy


def _numpy(w: Workload, x, y, repeats: int, epochs: int):
    import plain_numpy as pn

    t = targets(w, y)
    acts = [a for _, a in w.hidden] + [w.out_activation]
    runs, acc = [], float("nan")
    for r in range(repeats):
        rng = np.random.default_rng(SEED + r)
        model = pn.PlainMLP(w.dims, acts, rng)
        opt = (pn.Adam if w.optimizer == "adam" else pn.SGD)(model.params.size, w.learning_rate)
        times = []
        for _ in range(epochs):
            t0 = time.perf_counter()
            pn.train_epoch(model, opt, x, t, w.batch_size, rng)
            times.append(time.perf_counter() - t0)
        runs.append(times)
        acc = _accuracy(w, model.forward(x)[-1], y)
    return runs, acc, f"numpy {np.__version__}"


# -------------------------------------------------------------------------------------------------- torch


def _torch(w: Workload, x, y, repeats: int, epochs: int):
    try:
        import torch
    except ImportError as e:
        raise NotAvailable("not installed") from e
    from torch import nn

    acts = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid}
    xt = torch.from_numpy(x)
    # The head's sigmoid/softmax is fused into the loss (BCEWithLogits, CrossEntropy with class indices):
    # the same function and gradient as sigmoid + BCE / softmax + one-hot CCE, computed the fast way.
    yt = torch.from_numpy(y.astype(np.float32).reshape(-1, 1)) if w.binary else torch.from_numpy(y)
    loss_fn = nn.BCEWithLogitsLoss() if w.binary else nn.CrossEntropyLoss()
    runs, acc = [], float("nan")
    for r in range(repeats):
        torch.manual_seed(SEED + r)
        layers: list[nn.Module] = []
        for fan_in, (units, act) in zip(w.dims, w.hidden, strict=False):
            layers += [nn.Linear(fan_in, units), acts[act]()]
        layers.append(nn.Linear(w.dims[-2], w.out_units))
        model = nn.Sequential(*layers)
        for m in model:
            if isinstance(m, nn.Linear):  # Keras's defaults: glorot_uniform kernel, zero bias
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)
        if w.optimizer == "adam":
            opt = torch.optim.Adam(model.parameters(), lr=w.learning_rate, eps=1e-7)
        else:
            opt = torch.optim.SGD(model.parameters(), lr=w.learning_rate)
        times = []
        for _ in range(epochs):
            t0 = time.perf_counter()
            order = torch.randperm(len(xt))
            xs, ys = xt[order], yt[order]
            for start in range(0, len(xs), w.batch_size):
                opt.zero_grad(set_to_none=True)
                loss = loss_fn(model(xs[start:start + w.batch_size]), ys[start:start + w.batch_size])
                loss.backward()
                opt.step()
            times.append(time.perf_counter() - t0)
        runs.append(times)
        with torch.no_grad():
            logits = model(xt)
            probs = torch.sigmoid(logits) if w.binary else torch.softmax(logits, dim=1)
        acc = _accuracy(w, probs.numpy(), y)
    return runs, acc, f"torch {torch.__version__}, {torch.get_num_threads()} threads"


# -------------------------------------------------------------------------------------------------- keras


def _keras(w: Workload, x, y, repeats: int, epochs: int):
    os.environ.setdefault("KERAS_BACKEND", "torch")
    try:
        import keras
    except ImportError as e:
        raise NotAvailable("not installed") from e

    times: list[float] = []

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.t0 = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            times.append(time.perf_counter() - self.t0)

    t = targets(w, y)
    runs, acc = [], float("nan")
    for r in range(repeats):
        keras.utils.set_random_seed(SEED + r)
        layers = [keras.Input((w.n_features,))]
        layers += [keras.layers.Dense(units, activation=act) for units, act in w.hidden]
        layers.append(keras.layers.Dense(w.out_units, activation=w.out_activation))
        model = keras.Sequential(layers)
        opt = (keras.optimizers.Adam if w.optimizer == "adam" else keras.optimizers.SGD)(w.learning_rate)
        model.compile(optimizer=opt, loss=w.loss, metrics=["accuracy"])
        times.clear()
        model.fit(x, t, epochs=epochs, batch_size=w.batch_size, shuffle=True, verbose=0,
                  callbacks=[EpochTimer()])
        runs.append(list(times))
        acc = _accuracy(w, model.predict(x, verbose=0, batch_size=1024), y)
    return runs, acc, f"keras {keras.__version__} ({keras.backend.backend()} backend)"


# -------------------------------------------------------------------------------------------------- sklearn


def _sklearn(w: Workload, x, y, repeats: int, epochs: int):
    try:
        import sklearn
        from sklearn.neural_network import MLPClassifier
    except ImportError as e:
        raise NotAvailable("not installed") from e

    hidden_acts = {a for _, a in w.hidden}
    if len(hidden_acts) != 1:
        raise NotAvailable("MLPClassifier shares one activation across hidden layers")
    activation = {"relu": "relu", "sigmoid": "logistic"}[hidden_acts.pop()]
    classes = np.arange(w.classes)
    runs, acc = [], float("nan")
    for r in range(repeats):
        clf = MLPClassifier(
            hidden_layer_sizes=tuple(u for u, _ in w.hidden), activation=activation, solver=w.optimizer,
            alpha=0.0, batch_size=w.batch_size, learning_rate_init=w.learning_rate, learning_rate="constant",
            momentum=0.0, nesterovs_momentum=False, epsilon=1e-7, shuffle=True, random_state=SEED + r,
        )
        times = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for _ in range(epochs):  # partial_fit = exactly one pass over the data
                t0 = time.perf_counter()
                clf.partial_fit(x, y, classes=classes)
                times.append(time.perf_counter() - t0)
        runs.append(times)
        acc = float((clf.predict(x) == y).mean())
    return runs, acc, f"scikit-learn {sklearn.__version__} (hidden activation shared: {activation})"


# ---------------------------------------------------------------------------------------------- matmul bound


def _gemm_seconds(a: np.ndarray, b: np.ndarray, out: np.ndarray, budget: float) -> float:
    """Best seconds of `np.matmul(a, b, out=out)` over 7 blocks sized to fill about `budget` seconds.

    The best block, not the median: this is a floor, and interference from other processes only adds time."""
    np.matmul(a, b, out=out)
    t0, n = time.perf_counter(), 0
    while time.perf_counter() - t0 < budget / 10:
        np.matmul(a, b, out=out)
        n += 1
    per_block = max(1, n)
    samples = []
    for _ in range(7):
        t0 = time.perf_counter()
        for _ in range(per_block):
            np.matmul(a, b, out=out)
        samples.append((time.perf_counter() - t0) / per_block)
    return min(samples)


def _step_gemms(dims: list[int], batch: int, budget: float) -> tuple[float, float]:
    """(seconds, flops) of one training step's GEMMs at batch `batch`: per layer the forward x@W, the
    kernel gradient x.T@g and, except for the first layer, the input gradient g@W.T (2 b k m flops each)."""
    rng = np.random.default_rng(0)
    seconds = flops = 0.0
    for i, (k, m) in enumerate(zip(dims[:-1], dims[1:], strict=True)):
        x = rng.standard_normal((batch, k), dtype=np.float32)
        W = rng.standard_normal((k, m), dtype=np.float32)
        g = rng.standard_normal((batch, m), dtype=np.float32)
        shapes = [(x, W, np.empty((batch, m), np.float32)), (x.T, g, np.empty((k, m), np.float32))]
        if i:
            shapes.append((g, W.T, np.empty((batch, k), np.float32)))
        for a, b, out in shapes:
            seconds += _gemm_seconds(a, b, out, budget)
            flops += 2.0 * batch * k * m
    return seconds, flops


def _matmul_bound(w: Workload, x, y, repeats: int, epochs: int):
    full, rest = divmod(w.n_samples, w.batch_size)
    budget = 0.02 if epochs < w.epochs else 0.1  # a lighter measurement for --quick
    runs = []
    for _ in range(repeats):
        s_full, f_full = _step_gemms(w.dims, w.batch_size, budget)
        s_rest, f_rest = _step_gemms(w.dims, rest, budget) if rest else (0.0, 0.0)
        runs.append([full * s_full + s_rest])
    flops = full * f_full + f_rest
    gflops = flops / float(np.median([r[0] for r in runs])) / 1e9
    return runs, float("nan"), f"{flops / 1e9:.3g} GFLOP per epoch at {gflops:.1f} GFLOP/s (sgemm, numpy)"


CONTENDERS = {
    "actcli": lambda *a: _actcli(*a, probes=False),
    "actcli+probes": lambda *a: _actcli(*a, probes=True),
    "actcli-numpy+probes": lambda *a: _actcli(*a, probes=True, compiled=False),
    "numpy": _numpy,
    "torch": _torch,
    "keras": _keras,
    "sklearn": _sklearn,
    "matmul-bound": _matmul_bound,
}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("name", choices=list(CONTENDERS))
    p.add_argument("workload", choices=list(WORKLOADS))
    p.add_argument("data", help="the .npz written by workloads.save_data")
    p.add_argument("repeats", type=int)
    p.add_argument("--epochs", type=int, default=None, help="default: the workload's epochs")
    args = p.parse_args(argv)
    w = WORKLOADS[args.workload]
    epochs = args.epochs or w.epochs
    result = {"contender": args.name, "workload": w.name, "epochs": epochs, "repeats": args.repeats}
    try:
        x, y = load_data(args.data)
        runs, acc, version = CONTENDERS[args.name](w, x, y, args.repeats, epochs)
        result.update(status="ok", epoch_seconds=runs, train_accuracy=acc, note=version)
    except NotAvailable as e:
        result.update(status="n/a", note=str(e))
    except Exception as e:  # a broken contender is reported, never a crash of the whole benchmark
        traceback.print_exc()
        result.update(status="error", note=f"{type(e).__name__}: {e}".splitlines()[0][:200])
    print(MARK + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
