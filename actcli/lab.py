"""Experiments: one training run, a comparison over activations and seeds, a gradient study.

The lab turns a spec into data and a model, trains it with the probes on, and returns `results` dataclasses;
`save_run` writes a run folder. Nothing here prints: progress reaches the caller through callbacks, and a
`threading.Event` (`stop`) asks a training to end early (Ctrl-C).
"""

from __future__ import annotations

import copy
import math
import os
import platform
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from . import __version__, data, runs
from .errors import UserError
from .nn import Dense, Sequential, _kernels, activations, optimizers, set_random_seed
from .nn.callbacks import Callback, EarlyStopping, TerminateOnNaN
from .probes import ProbeRecorder, probe_batch
from .results import RunResult
from .spec import Spec, dump_yaml, spec_from_dict, spec_hash

ProgressFn = Callable[[int, int, dict], None]  # (epoch 1-based, epochs, logs)

RELU_FAMILY = {"relu", "leaky_relu", "relu6", "elu", "celu", "gelu", "silu", "mish", "hard_silu", "softplus",
               "sparse_plus", "squareplus", "exponential", "threshold", "glu"}


def auto_initializer(activation: str) -> str:
    """`--init auto`: He for relu-like activations, LeCun for selu, Glorot for the rest (sigmoid, tanh, ...)."""
    if activation == "selu":
        return "lecun_normal"
    if activation in RELU_FAMILY:
        return "he_normal"
    return "glorot_uniform"


def _act_name(value: Any) -> str:
    if value is None:
        return "linear"
    return value if isinstance(value, str) else str(value.get("name", value.get("class_name", "?")))


def net_description(spec: Spec, lang: str = "en") -> str:
    """The network in words, for a picture's title: 'relu hidden layers, sigmoid head', 'relu, tanh hidden
    layers, softmax head', or for one layer 'a single Dense layer (linear: a linear model)'."""
    from .teach.texts import text

    names = [_act_name(lay["activation"]) for lay in spec.resolved()["model"]["layers"]]
    hidden, head = names[:-1], names[-1]
    if not hidden:
        return text("pictures", "net.single_linear" if head == "linear" else "net.single", lang, head=head)
    return text("pictures", "net.hidden_one" if len(hidden) == 1 else "net.hidden_many", lang,
                acts=", ".join(dict.fromkeys(hidden)), head=head)


# -- building ----------------------------------------------------------------------------------------------

def load_data(spec: Spec, base_dir: Path | None) -> data.Dataset:
    return data.load_task(spec.task.resolved(), base_dir=base_dir)


def build_model(spec: Spec, n_features: int, kind: str | None = None) -> Sequential:
    """The spec's Sequential, weights drawn from the spec's training seed, compiled for a task of `kind`
    (the dataset's; by default what the spec tells, see `data.task_kind`)."""
    resolved = spec.resolved()
    set_random_seed(resolved["training"]["seed"])
    input_dim = resolved["model"]["input_dim"]
    if input_dim is not None and input_dim != n_features:
        raise UserError(f"model.input_dim is {input_dim} but the task has {n_features} features — "
                        f"remove input_dim (it is inferred) or set it to {n_features}")
    model = Sequential(name=resolved["name"])
    for i, layer in enumerate(resolved["model"]["layers"]):
        kwargs = {k: v for k, v in layer.items() if v is not None or k == "activation"}
        if i == 0:
            kwargs["input_dim"] = n_features
        model.add(Dense(**kwargs))
    _compile(model, spec, kind or data.task_kind(resolved["task"]))
    return model


def model_metrics(kind: str | None) -> list[str]:
    """The metrics a model reports besides its loss: accuracy for classification (every table reads it, whatever
    training.metrics says) and none for regression, where accuracy means nothing (its tables show MSE and MAE).
    An unknown kind (a CSV task before it is read) counts as classification until `train_run` knows better."""
    return [] if kind == "regression" else ["accuracy"]


def _compile(model: Sequential, spec: Spec, kind: str | None) -> None:
    tr = spec.resolved()["training"]
    model.compile(optimizer=tr["optimizer"], loss=tr["loss"], metrics=model_metrics(kind))


def check_head(spec: Spec, dataset: data.Dataset) -> None:
    """Errors that stop training: the head cannot produce what the task and loss need."""
    resolved = spec.resolved()
    layers = resolved["model"]["layers"]
    head = layers[-1]
    units = head["units"]
    from .nn import activations as acts

    out = acts.get(head["activation"]).output_units(units)
    loss = _act_name(resolved["training"]["loss"])
    if dataset.kind == "regression":
        return
    expected = dataset.targets(loss, "test").shape[1] if loss != "sparse_categorical_crossentropy" else None
    if expected is None:
        if out != dataset.n_classes:
            raise UserError(f"the head has {out} units but task '{dataset.name}' has {dataset.n_classes} classes — "
                            f"set model.layers[{len(layers) - 1}].units to {dataset.n_classes}")
    elif out != expected:
        fix = (f"set model.layers[{len(layers) - 1}].units to {expected}")
        raise UserError(f"the head has {out} units but loss '{loss}' on task '{dataset.name}' needs {expected} — {fix}")


# -- one run ----------------------------------------------------------------------------------------------

class _EpochHook(Callback):
    """Test metrics after every epoch (for epochs-to-target), progress, and Ctrl-C."""

    def __init__(self, model, dataset, loss, progress: ProgressFn | None, stop: threading.Event | None,
                 epochs: int, test_each_epoch: bool):
        self.model, self.dataset, self.progress, self.stop = model, dataset, progress, stop
        self.epochs = epochs
        self.x_test = dataset.x_test
        self.y_test = dataset.targets(loss, "test")
        self.test_each_epoch = test_each_epoch
        self.interrupted_at: tuple[int, int] | None = None
        self._epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.stop is not None and self.stop.is_set():
            self.interrupted_at = (self._epoch, batch)
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        if self.test_each_epoch and logs is not None and self.model.weights_finite():
            with np.errstate(all="ignore"):
                res = self.model.evaluate(self.x_test, self.y_test, return_dict=True)
            for key, value in res.items():
                logs["test_" + key] = value
        if self.progress is not None:
            self.progress(epoch + 1, self.epochs, dict(logs or {}))


def kernel_saving(r: dict) -> float:
    """Seconds the compiled kernels would save on the training of a resolved spec (`Spec.resolved()`), estimated
    from its sizes alone, so a sweep can decide before it trains whether loading numba pays (see nn._kernels)."""
    task, tr, layers = r["task"], r["training"], r["model"]["layers"]
    n = (task.get("n_samples") or 1000) * (1 - (task.get("test_size") or 0.0)) * (1 - tr["validation_split"])
    batch = min(tr["batch_size"], max(int(n), 1))
    units = [r["model"].get("input_dim") or 2] + [lay["units"] for lay in layers]
    params = sum((a + 1) * b for a, b in zip(units, units[1:]))
    hidden = [(_kernels.hidden_kernel(activations.get(lay["activation"]), lay["use_bias"]), batch * lay["units"])
              for lay in layers[:-1]]
    return _kernels.estimated_saving(tr["epochs"] * math.ceil(n / batch), optimizers.get(tr["optimizer"]).kernel_name,
                                     params, hidden)


def provenance(seed: int) -> dict:
    try:
        from threadpoolctl import threadpool_info

        blas = [{"api": i.get("internal_api"), "version": i.get("version"), "threads": i.get("num_threads")}
                for i in threadpool_info() if i.get("user_api") == "blas"]
        blas.sort(key=lambda b: (str(b["api"]), str(b["version"])))  # the order differs between processes
    except Exception:  # threadpoolctl is optional at run time; provenance is best effort
        blas = []
    return {"actcli": __version__, "numpy": np.__version__, "python": platform.python_version(),
            "platform": sys.platform, "blas": blas, "kernels": _kernels.describe(), "seed": seed}


@dataclass
class RunArtifacts:
    """What a run leaves besides its results: the trained model and its data (for the pictures)."""

    model: Sequential
    dataset: data.Dataset
    spec: Spec
    extra: dict = field(default_factory=dict)


def train_run(spec: Spec, base_dir: Path | None = None, progress: ProgressFn | None = None,
              stop: threading.Event | None = None, probes: bool = True, test_each_epoch: bool = True,
              dataset: data.Dataset | None = None, model: Sequential | None = None
              ) -> tuple[RunResult, RunArtifacts]:
    """Train one spec. Divergence and Ctrl-C end the run early with status 'diverged' / 'interrupted'.

    `dataset` and `model` may be given when the caller already built them (from this same spec).
    """
    if dataset is None:
        dataset = load_data(spec, base_dir)
        check_head(spec, dataset)
    if model is None:
        model = build_model(spec, dataset.n_features, dataset.kind)
    elif model.metrics != model_metrics(dataset.kind):  # built before its CSV told the kind
        _compile(model, spec, dataset.kind)
    tr = spec.resolved()["training"]
    loss_name = model.loss.name
    x, y = dataset.x_train, dataset.targets(loss_name, "train")
    nan_guard = TerminateOnNaN()
    hook = _EpochHook(model, dataset, loss_name, progress, stop, tr["epochs"], test_each_epoch)
    callbacks: list[Callback] = [nan_guard, hook]
    recorder = None
    if probes:
        px, py = probe_batch(x, y, seed=tr["seed"])
        recorder = ProbeRecorder(model, px, py)
        callbacks.insert(0, recorder)
    if tr["early_stopping"]:
        callbacks.append(EarlyStopping(**tr["early_stopping"]))
    set_random_seed(tr["seed"])  # shuffling repeats whatever the initializers drew
    t0 = time.perf_counter()
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        history = model.fit(x, y, batch_size=tr["batch_size"], epochs=tr["epochs"], verbose=0,
                            validation_split=tr["validation_split"], shuffle=True, callbacks=callbacks)
    seconds = time.perf_counter() - t0
    hist = {k: [float(v) for v in vals] for k, vals in history.history.items()}
    status, stopped = "completed", None
    if nan_guard.stopped_at is not None:
        status = "diverged"
        stopped = {"epoch": nan_guard.stopped_at[0] + 1, "step": nan_guard.stopped_at[1] + 1}
    elif hook.interrupted_at is not None:
        status = "interrupted"
        stopped = {"epoch": hook.interrupted_at[0] + 1, "step": hook.interrupted_at[1] + 1}
    record = recorder.record if recorder is not None else None
    if record is not None:
        # Per-layer gradient norms per epoch go into the history too (history.csv).
        for i, info in enumerate(record.layers):
            hist[f"grad_norm/{info.name}"] = [e[i].grad_norm for e in record.epochs]
            hist[f"delta_norm/{info.name}"] = [e[i].delta_norm for e in record.epochs]
    hidden = [_act_name(lay["activation"]) for lay in spec.resolved()["model"]["layers"][:-1]]
    finite = model.weights_finite()
    # Train metrics are the last epoch's, as fit reports them (Keras's History), so metrics.json and the last
    # row of history.csv agree; test metrics are evaluated once more at the end (= the last test_* row unless
    # early stopping restored earlier weights).
    train_m = {k: v[-1] for k, v in hist.items() if k in ("loss", "accuracy") and v}
    test_m = {}
    if finite:
        with np.errstate(all="ignore"):
            test_m = model.evaluate(dataset.x_test, dataset.targets(loss_name, "test"), return_dict=True)
    kind = dataset.kind
    saved = _pinned(spec, base_dir)
    test_mae = None
    if kind == "regression" and finite:
        test_mae = float(np.abs(model.predict(dataset.x_test) - dataset.y_test).mean())
    result = RunResult(
        name=spec.name, task=dataset.name, kind=kind, hidden_activation=hidden[0] if hidden else "-",
        status=status, epochs=len(hist.get("loss", [])),
        train_loss=_num(train_m.get("loss")),
        train_accuracy=None if kind == "regression" else _num(train_m.get("accuracy")),
        test_loss=_num(test_m.get("loss")),
        test_accuracy=None if kind == "regression" else _num(test_m.get("accuracy")),
        test_mae=test_mae, seconds=round(seconds, 4), history=hist, seed=tr["seed"], stopped_at=stopped,
        probes=record, provenance=provenance(tr["seed"]), spec_hash=spec_hash(saved))
    return result, RunArtifacts(model=model, dataset=dataset, spec=saved)


def _pinned(spec: Spec, base_dir: Path | None) -> Spec:
    """The spec a run folder keeps: a CSV's relative path made absolute (it was relative to the spec's folder,
    which the run folder is not), so the run can be evaluated and trained again from wherever it is read."""
    task = spec.task.resolved()
    pinned = data.pinned_task(task, base_dir)
    if pinned == task:
        return spec
    return spec_from_dict({**spec.resolved(), "task": pinned}, source=f"<{spec.name}>")


def _num(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if np.isfinite(value) else None


# -- saving a run folder --------------------------------------------------------------------------------

HISTORY_KEYS = ("loss", "accuracy", "val_loss", "val_accuracy", "test_loss", "test_accuracy")


def history_rows(result: RunResult) -> tuple[list[str], list[list[Any]]]:
    """history.csv: the epoch, Keras's keys, other metrics, then the per-layer series ('grad_norm/dense_1')
    grouped by quantity, each in layer order (the probes' order; dense_2 before dense_10 without probes)."""
    hist = result.history
    position = {info.name: i for i, info in enumerate(result.probes.layers)} if result.probes is not None else {}

    def layer_order(key: str) -> tuple:
        quantity, _, layer = key.partition("/")
        return quantity, position.get(layer, len(position)), [int(t) if t.isdigit() else t
                                                              for t in re.split(r"(\d+)", layer)]

    plain = sorted(k for k in hist if k not in HISTORY_KEYS and "/" not in k)
    keys = [k for k in HISTORY_KEYS if k in hist] + plain + sorted((k for k in hist if "/" in k), key=layer_order)
    n = max((len(v) for v in hist.values()), default=0)
    rows = [[e + 1] + [hist[k][e] if e < len(hist[k]) else None for k in keys] for e in range(n)]
    return ["epoch", *keys], rows


def save_run(result: RunResult, art: RunArtifacts, run_dir: Path, plots: bool = True, fmt: str = "png",
             jobs: int = 1, lang: str = "en") -> list[Path]:
    """Write the run folder: spec.yaml, data.json (what new rows need: features, scaling, classes; see
    `Dataset.schema`), history.csv, metrics.json, probes.json, weights.npz, pictures (drawn in `jobs` processes at
    once, see `draw_run`).

    metrics.json is written last, so a folder with metrics.json is a complete run.
    """
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    result.run_dir = str(run_dir)
    files = [runs.write_text(run_dir / "spec.yaml", dump_yaml(art.spec)),
             runs.write_json(run_dir / "data.json", art.dataset.schema())]
    header, rows = history_rows(result)
    files.append(runs.write_csv(run_dir / "history.csv", header, rows))
    if result.probes is not None:
        files.append(runs.write_json(run_dir / "probes.json", result.probes.to_dict()))
    files.append(runs.write_weights(run_dir / "weights.npz", art.model.get_weights()))
    if plots:
        files.extend(draw_run(result, art, run_dir, fmt, jobs, lang))
    result.provenance["finished"] = runs.now_iso()
    files.append(runs.write_json(run_dir / "metrics.json", result.metrics()))
    return files


def draw_run(result: RunResult, art: RunArtifacts, run_dir: Path, fmt: str = "png", jobs: int = 1,
             lang: str = "en") -> list[Path]:
    """loss.png and, for a 2-D classification task, decision_boundary.png. With `jobs` > 1 they are drawn in two
    processes that each import matplotlib (this one only computes the model's probabilities on the grid): for a
    single training, ~0.1 s sooner than importing it here and drawing both in turn. `lang`: the pictures'
    language, as `plots.picture_lang` allows it (the caller decides: Korean needs a Hangul font)."""
    from .report import plots
    from .sweep import draw_all
    from .teach.texts import text

    calls = []
    if result.history.get("loss"):
        calls.append((plots.plot_history, (result, run_dir / f"loss.{fmt}", net_description(art.spec, lang),
                                           lang)))
    ds = art.dataset
    if ds.n_features == 2 and ds.kind != "regression" and art.model.weights_finite():
        xx, yy, points = data.grid_2d(ds, steps=150)
        with np.errstate(all="ignore"):
            prob = art.model.predict(points)
        prob = prob.reshape(xx.shape + (prob.shape[1],))
        if prob.shape[-1] == 1:
            prob = prob[..., 0]
        title = text("pictures", "boundary.title_probability" if prob.ndim == 2 else "boundary.title_class", lang,
                     name=result.name)
        calls.append((plots.plot_decision_boundary, (xx, yy, prob, ds.x_test, ds.y_test, title,
                                                     run_dir / f"decision_boundary.{fmt}", lang)))
    return [Path(f) for f in draw_all(calls, jobs, preload=False)]


def load_run(run_dir: Path) -> tuple[RunResult, Spec]:
    """A finished run folder back as (RunResult with history and probes, Spec)."""
    from .spec import load_spec

    run_dir = runs.require_run(run_dir)
    metrics = runs.load_json(run_dir / "metrics.json")
    spec = load_spec(run_dir / "spec.yaml")
    result = RunResult.from_dict({**metrics, "history": _read_history(run_dir / "history.csv")})
    if (run_dir / "probes.json").is_file():
        from .results import ProbeRecord

        try:
            result.probes = ProbeRecord.from_dict(runs.load_json(run_dir / "probes.json"))
        except (KeyError, TypeError) as exc:
            raise runs.RunError(f"{run_dir / 'probes.json'}: damaged ({exc}) — train the run again") from None
    return result, spec


def _read_history(path: Path) -> dict[str, list[float]]:
    import csv

    if not path.is_file():
        return {}
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    if not rows:
        return {}
    header, body = rows[0], rows[1:]
    out: dict[str, list[float]] = {k: [] for k in header[1:]}
    for row in body:
        for k, v in zip(header[1:], row[1:]):
            out[k].append(float(v) if v != "" else float("nan"))
    return out


def rebuild_model(run_dir: Path, rows: bool = True) -> tuple[Sequential, Spec, data.Dataset]:
    """The trained model of a run folder (weights checked for shapes), its spec and its data.

    `rows=False`: only what new rows need (`Dataset.from_schema` of data.json, no rows), so predicting and
    evaluating on another file do not need the training data. A folder without data.json (written before it
    existed) and `rows=True` read the training data again, checked against data.json when there is one.
    """
    from .spec import load_spec

    run_dir = runs.require_run(run_dir)
    spec = load_spec(run_dir / "spec.yaml")
    schema = runs.load_json(run_dir / "data.json") if (run_dir / "data.json").is_file() else None
    if schema is not None and not rows:
        try:
            dataset = data.Dataset.from_schema(schema)
        except (KeyError, TypeError, ValueError) as exc:
            raise runs.RunError(f"{run_dir / 'data.json'}: damaged ({exc}) — train the run again") from None
    else:
        dataset = _training_data(spec, run_dir, schema, rows)
    model = build_model(spec, dataset.n_features, dataset.kind)
    model.set_weights(runs.read_weights(run_dir / "weights.npz", [w.shape for w in model.weights]))
    return model, spec, dataset


def _training_data(spec: Spec, run_dir: Path, schema: dict | None, rows: bool) -> data.Dataset:
    """The run's data read again. A relative CSV path (older run folders) is read from the run folder."""
    task = spec.task.resolved()
    source = data.csv_file(task, run_dir)
    if source is not None and not source.is_file():
        need = ("evaluating on its own test split rebuilds the split from that file: put the file back, or "
                "evaluate on other rows with --data FILE") if rows else \
            ("this run folder has no data.json, so the features' scaling must be read from that file: put the "
             "file back, or train the run again")
        raise runs.RunError(f"{run_dir}: the run was trained on {source}, which is not there any more — {need}")
    dataset = load_data(spec, base_dir=run_dir)
    if schema is not None:
        changed = _changed(dataset.schema(), schema)
        if changed:
            raise runs.RunError(f"{run_dir}: the run's data {source or dataset.name} has changed since the run "
                                f"was trained ({changed}), so its test split is not the one the run was tested "
                                "on — evaluate on that file with --data FILE, or train the run again")
    return dataset


def _changed(now: dict, then: dict) -> str:
    """What differs between two `Dataset.schema()`s ('' when nothing): names and sizes exactly, the scaler's
    statistics to float32 precision."""
    for key in ("kind", "feature_names", "class_names", "n_train", "n_test"):
        if now.get(key) != then.get(key):
            return f"{key} was {then.get(key)!r}, is {now.get(key)!r}"
    a, b = now.get("scaler"), then.get("scaler")
    if (a is None) != (b is None):
        return "its scaling"
    if a is not None and not all(np.allclose(a[k], b[k], rtol=1e-5, atol=1e-6) for k in ("mean", "std")):
        return "the features' mean or spread"
    return ""


def trained_model(run_dir: Path, rows: bool = True) -> tuple[Sequential, Spec, data.Dataset]:
    """`rebuild_model`, refusing a run whose weights are not finite (it diverged): nothing to predict with."""
    model, spec, dataset = rebuild_model(run_dir, rows)
    with np.errstate(all="ignore"):
        finite = model.weights_finite()
    if not finite:
        raise runs.RunError(f"{run_dir}: the run's weights are not finite (training diverged) — train it again "
                            "with a smaller learning rate (actcli train SPEC --lr ...)")
    return model, spec, dataset


# -- variations of a spec (compare and the gradient study) ---------------------------------------------

def vary(spec: Spec, activation: str, init_mode: str = "auto", depth: int | None = None,
         width: int | None = None, epochs: int | None = None, seed: int | None = None,
         name: str | None = None) -> Spec:
    """The same experiment with every hidden layer using `activation` (the head stays as it is).

    `depth`/`width` rebuild the hidden stack as `depth` layers of `width` units; `init_mode='auto'` picks the
    kernel initializer that suits the activation (He, Glorot or LeCun).
    """
    d = copy.deepcopy(spec.resolved())
    layers = d["model"]["layers"]
    head = layers[-1]
    hidden = layers[:-1]
    template = dict(hidden[0]) if hidden else {"units": width or 32, "activation": "relu", "use_bias": True,
                                                "kernel_initializer": "glorot_uniform", "bias_initializer": "zeros"}
    if depth is not None or width is not None:
        n = depth if depth is not None else len(hidden)
        w = width if width is not None else template["units"]
        hidden = [{**template, "units": w, "name": None} for _ in range(n)]
    for lay in hidden:
        if activation is not None:  # None: keep each layer's own activation
            lay["activation"] = activation
        if init_mode == "auto":
            lay["kernel_initializer"] = auto_initializer(_act_name(lay["activation"]))
    d["model"]["layers"] = [*hidden, head]
    if epochs is not None:
        d["training"]["epochs"] = epochs
    if seed is not None:
        d["training"]["seed"] = seed
    d["name"] = name or f"{spec.name}-{_act_name(activation) if activation is not None else 'own'}"
    return spec_from_dict(d, source=f"<{spec.name} with {activation}>")


def hidden_activation_name(spec: Spec) -> str:
    """The name of the first hidden layer's activation ("linear" when the model has no hidden layer)."""
    layers = spec.resolved()["model"]["layers"]
    return _act_name(layers[0]["activation"]) if len(layers) > 1 else "linear"


def pin_blas_threads(n: int = 1) -> Any:
    """Limit BLAS to `n` threads in this process (so parallel runs do not fight, and results repeat)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl is a dependency
        os.environ["OPENBLAS_NUM_THREADS"] = str(n)
        return None
    return threadpool_limits(limits=n, user_api="blas")
