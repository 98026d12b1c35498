"""Data for the lab: synthetic tasks (binary, multi-class, regression) and CSV files, split and standardised.

Everything is NumPy and deterministic given `seed`. It leaves out images, streaming and missing-value
imputation: a CSV with a gap is refused with the row and column, not silently filled.
"""

from __future__ import annotations

import csv
import io
import math
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .errors import DataError
from .nn._registry import closest, split_config, unknown_name

__all__ = [
    "Dataset", "TaskInfo", "TASKS", "make_task", "load_csv", "load_task", "describe_tasks", "task_names",
    "resolve_params", "grid_2d", "bundled_files", "MAX_CSV_BYTES", "read_features_for", "target_column",
    "csv_file", "pinned_task", "task_kind",
]

MAX_CSV_BYTES = 200 * 1024 * 1024
MAX_VALUES = 20_000_000  # n_samples x features of a synthetic task (160 MB in float64)
CSV_PREFIX = "csv:"


# ----------------------------------------------------------------------------------------------- Dataset

@dataclass
class Dataset:
    """A train/test split. Features are `(n, features)` float32; classification labels `(n,)` int64 in 0..k-1,
    regression targets `(n, 1)` float32. `scaler` is the (mean, std) fitted on the training rows, or None."""

    name: str
    kind: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    n_classes: int
    feature_names: list[str]
    class_names: list[str]
    params: dict
    scaler: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def n_features(self) -> int:
        return int(self.x_train.shape[1])

    def targets(self, loss: Any, split: str = "train") -> np.ndarray:
        """Targets encoded for a Keras loss (a name such as 'categorical_crossentropy' or 'mse', a class name,
        or a loss object with `.name`):

        - multiclass: int labels `(n,)` for sparse_categorical_crossentropy, else one-hot float32 `(n, k)`;
        - binary: int labels `(n,)` for sparse_categorical_crossentropy, one-hot `(n, 2)` for the categorical
          losses (categorical_crossentropy, categorical_focal_crossentropy, categorical_hinge, kl_divergence),
          else `(n, 1)` float32 0/1 (binary_crossentropy, hinge, mse, ...; hinge maps 0/1 to -1/1 itself);
        - regression: `(n, 1)` float32, for regression losses only.
        """
        if split not in ("train", "test"):
            raise ValueError(f"split must be 'train' or 'test', got {split!r}")
        y = self.y_train if split == "train" else self.y_test
        name = _loss_name(loss)
        if self.kind == "regression":
            if name not in _REGRESSION_LOSSES:
                raise DataError(f"loss '{name}' needs class labels but task '{self.name}' is a regression "
                                f"task; use a regression loss such as mean_squared_error")
            return y.astype(np.float32).reshape(-1, 1)
        if name == "sparse_categorical_crossentropy":
            return y.astype(np.int64)
        if self.kind == "binary" and name not in _CATEGORICAL_LOSSES:
            return y.astype(np.float32).reshape(-1, 1)
        return np.eye(self.n_classes, dtype=np.float32)[y]

    def schema(self) -> dict:
        """What a model trained on this data needs to read new rows, without the rows (a run's data.json):
        name, kind, classes, feature and class names, params (the target column among them), the training
        rows' scaler as {"mean": [...], "std": [...]} or None, and the sizes of the two splits."""
        scaler = None
        if self.scaler is not None:
            scaler = {"mean": [float(v) for v in self.scaler[0]], "std": [float(v) for v in self.scaler[1]]}
        return {"name": self.name, "kind": self.kind, "n_classes": self.n_classes,
                "feature_names": list(self.feature_names), "class_names": list(self.class_names),
                "params": dict(self.params), "scaler": scaler,
                "n_train": int(len(self.x_train)), "n_test": int(len(self.x_test))}

    @classmethod
    def from_schema(cls, d: dict) -> "Dataset":
        """The Dataset of `schema()` with no rows: enough to encode labels and scale new rows like the
        training data (`read_features_for`), never to train or to evaluate on its own test split."""
        f = len(d["feature_names"])
        regression = d["kind"] == "regression"
        y = np.zeros((0, 1), dtype=np.float32) if regression else np.zeros(0, dtype=np.int64)
        scaler = None
        if d.get("scaler") is not None:
            # float32 -> JSON (float64 digits) -> float32 is exact: new rows are scaled as at training time
            scaler = (np.array(d["scaler"]["mean"], dtype=np.float32), np.array(d["scaler"]["std"], dtype=np.float32))
        empty = np.zeros((0, f), dtype=np.float32)
        return cls(d["name"], d["kind"], empty, y, empty.copy(), y.copy(), int(d["n_classes"]),
                   list(d["feature_names"]), list(d["class_names"]), dict(d["params"]), scaler)

    def __repr__(self) -> str:
        classes = f", {self.n_classes} classes" if self.n_classes else ""
        return (f"Dataset({self.name}: {self.kind}{classes}, {self.n_features} features, "
                f"{len(self.x_train)} train / {len(self.x_test)} test)")


_CATEGORICAL_LOSSES = {"categorical_crossentropy", "categorical_focal_crossentropy", "categorical_hinge",
                       "kl_divergence"}
_REGRESSION_LOSSES = {"mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
                      "mean_squared_logarithmic_error", "huber", "log_cosh", "cosine_similarity", "poisson"}
_LABEL_LOSSES = {"sparse_categorical_crossentropy", "binary_crossentropy", "binary_focal_crossentropy",
                 "hinge", "squared_hinge"}
_KNOWN_LOSSES = sorted(_CATEGORICAL_LOSSES | _REGRESSION_LOSSES | _LABEL_LOSSES)
_LOSS_ALIASES = {"bce": "binary_crossentropy", "kld": "kl_divergence", "mae": "mean_absolute_error",
                 "mse": "mean_squared_error", "mape": "mean_absolute_percentage_error",
                 "msle": "mean_squared_logarithmic_error"}
# Keras accepts 'CategoricalCrossentropy' and 'KLDivergence' too: compare names without case and underscores.
_LOSS_KEYS = {n.replace("_", ""): n for n in _KNOWN_LOSSES} | _LOSS_ALIASES


def _loss_name(loss: Any) -> str:
    if isinstance(loss, (str, dict)):
        raw = split_config(loss)[0]
    else:
        raw = getattr(loss, "name", None) or getattr(loss, "__name__", None) or type(loss).__name__
    key = str(raw).replace("_", "").lower()
    if key not in _LOSS_KEYS:
        raise DataError(unknown_name("loss", str(raw), _KNOWN_LOSSES))
    return _LOSS_KEYS[key]


# ---------------------------------------------------------------------------------- task registry and params

@dataclass(frozen=True)
class TaskInfo:
    """A synthetic task: its kind at the default parameters, a one-line description, and those defaults.
    `two_d` means the inputs are 2-D points (at the defaults), so a decision surface can be drawn."""

    name: str
    kind: str
    description: str
    defaults: dict
    two_d: bool


TASKS: dict[str, TaskInfo] = {}
_GENERATORS: dict[str, Callable[[np.random.Generator, dict], tuple[np.ndarray, np.ndarray]]] = {}
_COMMON = {"test_size": 0.2, "seed": 0, "standardize": True}


def _task(name: str, kind: str, description: str, two_d: bool = True, **defaults: Any):
    """Register a generator `fn(rng, params) -> (x (n, f) float64, y)`; y is int labels or float targets."""

    def deco(fn):
        TASKS[name] = TaskInfo(name, kind, description, {**defaults, **_COMMON}, two_d)
        _GENERATORS[name] = fn
        return fn

    return deco


# name -> (type, valid(value), what a valid value is, what it means)
_PARAMS: dict[str, tuple[type, Callable[[Any], bool], str, str]] = {
    "n_samples": (int, lambda v: 10 <= v <= 1_000_000, "an integer from 10 to 1000000", "number of samples"),
    "noise": (float, lambda v: 0 <= v <= 10, "a number from 0 to 10", "noise level (see the task)"),
    "classes": (int, lambda v: 2 <= v <= 100, "an integer from 2 to 100", "number of classes"),
    "features": (int, lambda v: 1 <= v <= 10_000, "an integer from 1 to 10000", "number of input features"),
    "informative": (int, lambda v: 1 <= v <= 100, "an integer from 1 to 100",
                    "features that carry the class; the rest are mixtures of them or pure noise"),
    "factor": (float, lambda v: 0 < v < 1, "a number between 0 and 1 (exclusive)",
               "radius of the inner circle relative to the outer one"),
    "test_size": (float, lambda v: 0 < v < 1, "a number between 0 and 1 (exclusive), e.g. 0.2",
                  "fraction of samples held out for testing"),
    "seed": (int, lambda v: 0 <= v < 2**63, "an integer >= 0", "random seed: same seed, same data"),
    "standardize": (bool, lambda v: True, "true or false",
                    "scale features to mean 0, std 1 (fitted on the training rows)"),
}
PARAMETER_HELP = {name: spec[3] for name, spec in _PARAMS.items()}


def _coerce(task: str, key: str, value: Any) -> Any:
    kind, valid, what, _ = _PARAMS[key]
    bad = DataError(f"task '{task}': {key} must be {what}, got {value!r}; fix the value of '{key}'")
    if kind is bool:
        if not isinstance(value, (bool, np.bool_)):
            raise bad
        return bool(value)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise bad
    if not math.isfinite(float(value)):
        raise bad
    if kind is int:
        if float(value) != int(value):
            raise bad
        value = int(value)
    else:
        value = float(value)
    if not valid(value):
        raise bad
    return value


def resolve_params(name: str, params: dict | None = None) -> dict:
    """The task's parameters with defaults filled in and every value checked; raises DataError.

    Cheap (no data is generated), so a spec validator can call it.
    """
    if name not in TASKS:
        hint = closest(name, task_names())
        hint = f" — did you mean '{hint}'?" if hint else ""
        raise DataError(f"unknown task '{name}'{hint} Valid tasks: {', '.join(task_names())} "
                        f"(or csv:PATH for a CSV file)")
    info = TASKS[name]
    params = dict(params or {})
    for key in params:
        if key not in info.defaults:
            hint = closest(key, list(info.defaults))
            hint = f" — did you mean '{hint}'?" if hint else ""
            raise DataError(f"task '{name}' has no parameter '{key}'{hint} "
                            f"Valid: {', '.join(info.defaults)}; remove or rename '{key}'")
    out = {key: _coerce(name, key, params.get(key, default)) for key, default in info.defaults.items()}
    size = out["n_samples"] * out.get("features", 2)
    if size > MAX_VALUES:
        raise DataError(f"task '{name}': n_samples x features = {size} values is more than the "
                        f"{MAX_VALUES} allowed; lower n_samples or features")
    if "classes" in out and out["n_samples"] < 2 * out["classes"]:
        raise DataError(f"task '{name}': 'n_samples' ({out['n_samples']}) must be at least twice 'classes' "
                        f"({out['classes']}) so every class is in both splits; "
                        f"raise n_samples or lower classes")
    if name == "classification":
        _check_classification(out)
    return out


def _check_classification(p: dict) -> None:
    k, f, m = p["classes"], p["features"], p["informative"]
    if m > f:
        raise DataError(f"task 'classification': 'informative' ({m}) must not exceed 'features' ({f}); "
                        f"lower informative or raise features")
    if m < math.log2(2 * k):
        raise DataError(f"task 'classification': 'classes' ({k}) x 2 clusters need 2**informative "
                        f">= {2 * k}; raise 'informative' to at least {math.ceil(math.log2(2 * k))}")
    if p["noise"] > 1:
        raise DataError(f"task 'classification': 'noise' is the fraction of labels shuffled and must be "
                        f"from 0 to 1, got {p['noise']}")


def task_names() -> list[str]:
    return list(TASKS)


def describe_tasks() -> list[dict]:
    """One JSON-ready dict per task for `actcli datasets`: name, kind, description, two_d, parameters
    (name -> default) and parameter_help; a last entry describes `csv:PATH` and the bundled CSV files."""
    out = [{"name": t.name, "kind": t.kind, "description": t.description, "two_d": t.two_d,
            "parameters": dict(t.defaults), "parameter_help": {k: PARAMETER_HELP[k] for k in t.defaults}}
           for t in TASKS.values()]
    files = ", ".join(f["name"] for f in bundled_files())
    out.append({"name": "csv:PATH", "kind": "from the file", "two_d": False,
                "description": "a CSV file with a header row; PATH is relative to the spec's folder. "
                               f"Bundled: {files}. Classification unless the target is numeric with "
                               f"non-integer or more than {_MAX_CLASSES_AUTO} distinct values.",
                "parameters": {"target": None, "kind": None, **_COMMON},
                "parameter_help": {"target": "the target column (default: the last column)",
                                   "kind": "binary, multiclass, classification or regression "
                                           "(default: decided from the target)",
                                   **{k: PARAMETER_HELP[k] for k in _COMMON}}})
    return out


# -------------------------------------------------------------------------------------------- the tasks

def _class_counts(n: int, k: int) -> np.ndarray:
    """Balanced class sizes: n // k each, one more for the first n % k classes."""
    return np.array([n // k + (1 if j < n % k else 0) for j in range(k)])


def _balanced_labels(n: int, k: int) -> np.ndarray:
    return np.repeat(np.arange(k, dtype=np.int64), _class_counts(n, k))


@_task("moons", "binary", "two interleaving half circles (like sklearn's make_moons)",
       n_samples=1000, noise=0.2)
def _moons(rng, p):
    y = _balanced_labels(p["n_samples"], 2)
    n0, n1 = np.bincount(y)
    t0, t1 = np.linspace(0, np.pi, n0), np.linspace(0, np.pi, n1)
    x = np.concatenate([np.c_[np.cos(t0), np.sin(t0)], np.c_[1 - np.cos(t1), 0.5 - np.sin(t1)]])
    return x + rng.normal(0.0, p["noise"], x.shape), y


@_task("circles", "binary", "a circle inside a ring; factor = inner radius / outer radius",
       n_samples=1000, noise=0.1, factor=0.5)
def _circles(rng, p):
    y = _balanced_labels(p["n_samples"], 2)
    n0, n1 = np.bincount(y)
    t0, t1 = np.linspace(0, 2 * np.pi, n0, endpoint=False), np.linspace(0, 2 * np.pi, n1, endpoint=False)
    x = np.concatenate([np.c_[np.cos(t0), np.sin(t0)], p["factor"] * np.c_[np.cos(t1), np.sin(t1)]])
    return x + rng.normal(0.0, p["noise"], x.shape), y


@_task("xor", "binary", "points in [-1, 1]^2, class 1 where x0 and x1 have opposite signs; "
       "noise jitters them", n_samples=1000, noise=0.1)
def _xor(rng, p):
    y = _balanced_labels(p["n_samples"], 2)
    u = rng.uniform(0.0, 1.0, (len(y), 2))
    s = rng.choice([-1.0, 1.0], len(y))
    x = np.c_[s * u[:, 0], np.where(y == 0, s, -s) * u[:, 1]]
    return x + rng.normal(0.0, p["noise"], x.shape), y


@_task("gaussians", "binary", "two Gaussian blobs at (-1, -1) and (1, 1); noise = their standard deviation",
       n_samples=1000, noise=0.6)
def _gaussians(rng, p):
    y = _balanced_labels(p["n_samples"], 2)
    centers = np.array([[-1.0, -1.0], [1.0, 1.0]])
    return centers[y] + rng.normal(0.0, p["noise"], (len(y), 2)), y


@_task("spiral", "binary", "interleaved spiral arms, one per class (2 arms: binary; "
       "classes >= 3: multiclass); noise jitters the points", n_samples=1000, noise=0.05, classes=2)
def _spiral(rng, p):
    k = p["classes"]
    y = _balanced_labels(p["n_samples"], k)
    r = rng.uniform(0.05, 1.0, len(y))
    theta = 2 * np.pi * (1.5 * r + y / k)  # 1.5 turns per arm; arm j starts at angle 2*pi*j/k
    x = r[:, None] * np.c_[np.cos(theta), np.sin(theta)]
    return x + rng.normal(0.0, p["noise"], x.shape), y


@_task("checkerboard", "binary", "a 4 x 4 checkerboard on [-1, 1]^2, class = colour of the square; "
       "noise jitters the points", n_samples=1000, noise=0.0)
def _checkerboard(rng, p):
    y = _balanced_labels(p["n_samples"], 2)
    # each point goes into a random square of its colour: (row + col) % 2 == class
    row = rng.integers(0, 4, len(y))
    col = 2 * rng.integers(0, 2, len(y)) + (row + y) % 2
    x = -1.0 + 0.5 * (np.c_[col, row] + rng.uniform(0.0, 1.0, (len(y), 2)))
    return x + rng.normal(0.0, p["noise"], x.shape), y


@_task("blobs", "multiclass", "Gaussian blobs, one per class, centres evenly on a circle of radius 3 "
       "(extra features: random centre offsets); noise = their standard deviation",
       n_samples=1000, noise=1.0, classes=3, features=2)
def _blobs(rng, p):
    k, f = p["classes"], p["features"]
    y = _balanced_labels(p["n_samples"], k)
    angle = 2 * np.pi * np.arange(k) / k + rng.uniform(0, 2 * np.pi)
    ring = 3.0 * np.c_[np.cos(angle), np.sin(angle)]
    centers = np.concatenate([ring, rng.normal(0.0, 1.0, (k, max(f - 2, 0)))], axis=1)[:, :f]
    return centers[y] + rng.normal(0.0, p["noise"], (len(y), f)), y


@_task("gaussian_quantiles", "multiclass", "one standard Gaussian cut into nested shells of equal size, "
       "one class per shell (like sklearn's make_gaussian_quantiles)", n_samples=1000, classes=3, features=2)
def _gaussian_quantiles(rng, p):
    x = rng.normal(0.0, 1.0, (p["n_samples"], p["features"]))
    y = np.empty(len(x), dtype=np.int64)
    y[np.argsort((x * x).sum(axis=1), kind="stable")] = _balanced_labels(len(x), p["classes"])
    return x, y


@_task("classification", "multiclass",
       "a high-dimensional task like sklearn's make_classification: two Gaussian clusters per class on the "
       "corners of a hypercube in the informative features, as many redundant mixtures, the rest pure noise; "
       "noise = fraction of labels shuffled", two_d=False,
       n_samples=5000, noise=0.05, classes=10, features=28, informative=8)
def _classification(rng, p):
    k, f, m = p["classes"], p["features"], p["informative"]
    clusters = 2 * k
    n = p["n_samples"]
    y = _balanced_labels(n, k)
    cluster = y + k * (np.arange(n) % 2)  # the two clusters of a class take turns
    # distinct hypercube corners as cluster centres; at +-2 (sklearn's class_sep=2) a 28-64-32-10 relu net
    # reaches about 80% test accuracy with the defaults: well above chance, well below 100%
    corners: set[tuple] = set()
    while len(corners) < clusters:
        corners.add(tuple(rng.integers(0, 2, m) * 4 - 2))
    centers = np.array(sorted(corners), dtype=float)[rng.permutation(clusters)]
    x = np.empty((n, f))
    z = rng.normal(0.0, 1.0, (n, m))
    for c in range(clusters):  # a random covariance per cluster
        rows = cluster == c
        z[rows] = z[rows] @ (2 * rng.uniform(size=(m, m)) - 1) + centers[c]
    redundant = min(m, f - m)
    x[:, :m] = z
    x[:, m:m + redundant] = z @ (2 * rng.uniform(size=(m, redundant)) - 1)
    x[:, m + redundant:] = rng.normal(0.0, 1.0, (n, f - m - redundant))
    x = x[:, rng.permutation(f)]
    # label noise that keeps the classes balanced: shuffle the labels of a random `noise` fraction of rows
    picked = rng.permutation(n)[: int(round(p["noise"] * n))]
    y[picked] = rng.permutation(y[picked])
    return x, y


@_task("plane", "regression", "y = x . w + b + Gaussian noise, with x uniform in [-1, 1] and w, b "
       "fixed by seed", n_samples=1000, noise=0.1, features=2)
def _plane(rng, p):
    x = rng.uniform(-1.0, 1.0, (p["n_samples"], p["features"]))
    w, b = rng.uniform(-2.0, 2.0, p["features"]), rng.uniform(-1.0, 1.0)
    return x, (x @ w + b + rng.normal(0.0, p["noise"], len(x)))[:, None]


@_task("sine", "regression", "y = sin(x) + Gaussian noise, one feature x uniform in [-pi, pi]", two_d=False,
       n_samples=1000, noise=0.1)
def _sine(rng, p):
    x = rng.uniform(-np.pi, np.pi, (p["n_samples"], 1))
    return x, np.sin(x) + rng.normal(0.0, p["noise"], x.shape)


def make_task(name: str, **params: Any) -> Dataset:
    """Generate task `name` (see `TASKS`), split it (stratified for classes) and standardise it."""
    p = resolve_params(name, params)
    rng = np.random.default_rng(p["seed"])
    x, y = _GENERATORS[name](rng, p)
    names = [f"x{i}" for i in range(x.shape[1])]
    if TASKS[name].kind == "regression":
        return _finish(name, "regression", x, y, 0, names, [], p, rng)
    k = int(y.max()) + 1
    kind = "binary" if k == 2 else "multiclass"
    return _finish(name, kind, x, y, k, names, [str(c) for c in range(k)], p, rng)


# ------------------------------------------------------------------------------------ split and scaling

def _split_indices(y: np.ndarray, test_size: float, stratify: bool, rng: np.random.Generator):
    """Shuffled train/test row indices. The test split has round(n * test_size) rows (at least 1); when
    stratified, each class gives its proportional share (largest remainders, ties broken at random)."""
    n = len(y)
    n_test = min(max(int(round(n * test_size)), 1), n - 1)
    if not stratify:
        order = rng.permutation(n)
        return order[n_test:], order[:n_test]
    classes, inverse, counts = np.unique(y, return_inverse=True, return_counts=True)
    exact = counts * n_test / n
    take = np.floor(exact).astype(int)
    tie_break = rng.permutation(len(classes))
    order = np.lexsort((tie_break, -(exact - take)))
    take[order[: n_test - take.sum()]] += 1
    take = np.minimum(take, counts - 1)  # keep every class in the training split
    train, test = [], []
    for c in range(len(classes)):
        rows = rng.permutation(np.flatnonzero(inverse == c))
        test.append(rows[: take[c]])
        train.append(rows[take[c]:])
    return rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))


def _finish(name, kind, x, y, n_classes, feature_names, class_names, params, rng) -> Dataset:
    labels = y if n_classes else np.zeros(len(y))
    train, test = _split_indices(labels, params["test_size"], n_classes > 0, rng)
    x_train, x_test = x[train], x[test]
    scaler = None
    if params["standardize"]:
        mean, std = x_train.mean(axis=0), x_train.std(axis=0)
        std = np.where(std > 0, std, 1.0)  # a constant column stays constant (like sklearn's StandardScaler)
        x_train, x_test = (x_train - mean) / std, (x_test - mean) / std
        scaler = (mean.astype(np.float32), std.astype(np.float32))
    cast = (lambda a: a.astype(np.int64)) if n_classes else (lambda a: a.astype(np.float32).reshape(-1, 1))
    return Dataset(name, kind, x_train.astype(np.float32), cast(y[train]), x_test.astype(np.float32),
                   cast(y[test]), n_classes, list(feature_names), list(class_names), params, scaler)


def grid_2d(dataset: Dataset, steps: int = 200, margin: float = 0.5):
    """A grid over a 2-feature dataset for drawing decision surfaces: `(xx, yy, points)` with xx, yy of
    shape `(steps, steps)` and points `(steps * steps, 2)` float32, in the dataset's (standardised) space."""
    if dataset.n_features != 2:
        raise ValueError(f"grid_2d needs 2 features, dataset '{dataset.name}' has {dataset.n_features}")
    x = np.concatenate([dataset.x_train, dataset.x_test])
    lo, hi = x.min(axis=0) - margin, x.max(axis=0) + margin
    xx, yy = np.meshgrid(np.linspace(lo[0], hi[0], steps), np.linspace(lo[1], hi[1], steps))
    return xx, yy, np.c_[xx.ravel(), yy.ravel()].astype(np.float32)


# --------------------------------------------------------------------------------------------- CSV files

_MAX_CLASSES_AUTO = 20
_KINDS = ("binary", "multiclass", "classification", "regression")
_BUNDLED = {"digits.csv": "8x8 hand-written digits, 1797 rows, 64 pixels p0..p63 (0..16) + label 0..9",
            "iris.csv": "Fisher's iris, 150 rows, 4 measurements in cm + species (3 classes)"}


def bundled_files() -> list[dict]:
    """The CSV files shipped with actcli (also in the repo's datasets/ folder): name and description."""
    return [{"name": f"{CSV_PREFIX}{name}", "description": text} for name, text in _BUNDLED.items()]


def _resolve_path(path: str | Path, base_dir: str | Path | None) -> Path:
    """A relative path is taken from `base_dir` (the spec's folder; default: the working directory).
    A bundled name ('digits.csv' or 'datasets/digits.csv') not found there falls back to the packaged copy."""
    given = Path(path).expanduser()
    full = given if given.is_absolute() else Path(base_dir or Path.cwd()) / given
    parts = given.parts
    if not full.exists() and parts and parts[-1] in _BUNDLED and parts[:-1] in ((), ("datasets",)):
        packaged = resources.files("actcli") / "data" / parts[-1]
        if packaged.is_file():
            return Path(str(packaged))
    return full


def _read_rows(full: Path, shown: str, relative_to: str = "the spec's folder"
               ) -> tuple[list[str], list[list[str]], list[int]]:
    """Header, data rows and their line numbers; every structural problem is a DataError."""
    if not full.exists():
        raise DataError(f"data file '{shown}' not found (looked for {full}); check the path — "
                        f"a relative path is read from {relative_to}")
    if full.is_dir():
        raise DataError(f"data file '{shown}' is a directory, not a CSV file; give the path of a .csv file")
    size = full.stat().st_size
    if size > MAX_CSV_BYTES:
        raise DataError(f"data file '{shown}' is too big ({size / 2**20:.1f} MB; the limit is "
                        f"{MAX_CSV_BYTES / 2**20:g} MB); use a sample of its rows")
    try:
        text = full.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(f"data file '{shown}' is not UTF-8 text ({exc.reason} at byte {exc.start}); "
                        f"save it as UTF-8 CSV") from None
    header: list[str] | None = None
    rows, lines = [], []
    reader = csv.reader(io.StringIO(text))
    try:
        for record in reader:
            if not record or all(not cell.strip() for cell in record):
                continue  # blank line
            if header is None:
                header = [cell.strip() for cell in record]
                continue
            rows.append(record)
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise DataError(f"data file '{shown}' is not valid CSV at line {reader.line_num}: {exc}; "
                        f"fix the quoting on that line") from None
    if header is None:
        raise DataError(f"data file '{shown}' is empty; it needs a header row and data rows")
    if len(header) == 1 and ";" in header[0]:
        raise DataError(f"data file '{shown}' looks separated by ';' (header {header[0]!r}); actcli reads "
                        f"comma-separated files — save it with ',' between values")
    if not rows:
        raise DataError(f"data file '{shown}' has a header but no data rows; add rows below the header")
    for i, name in enumerate(header):
        if not name:
            raise DataError(f"data file '{shown}': column {i + 1} of the header has no name; "
                            f"name every column")
        if name in header[:i]:
            raise DataError(f"data file '{shown}': column name '{name}' appears twice in the header; "
                            f"give each column its own name")
    for row_no, (record, line) in enumerate(zip(rows, lines, strict=True), start=1):
        if len(record) != len(header):
            raise DataError(f"data file '{shown}': row {row_no} (line {line}) has {len(record)} values but "
                            f"the header has {len(header)} columns; make every row match the header")
    return header, rows, lines


def _parse_number(cell: str) -> float | None:
    try:
        return float(cell)
    except ValueError:
        return None


def load_csv(path: str | Path, target: str | None = None, test_size: float = 0.2, seed: int = 0,
             standardize: bool = True, base_dir: str | Path | None = None,
             kind: str | None = None) -> Dataset:
    """Read a CSV with a header row: every column but `target` (default: the last) is a numeric feature.

    The target is label-encoded (sorted unique values -> 0..k-1; `class_names` keep the original strings).
    Kind, unless `kind` says: classification when any target value is not a number, or when all are integers
    with at most 20 distinct values; otherwise regression. Binary means exactly 2 classes.
    """
    shown = str(path)
    name = f"{CSV_PREFIX}{shown}"
    params = {"target": target, "kind": kind, "test_size": test_size, "seed": seed,
              "standardize": standardize}
    common = {k: _coerce(name, k, v) for k, v in params.items() if k in _COMMON}
    if kind is not None and kind not in _KINDS:
        raise DataError(f"{name}: " + unknown_name("kind", str(kind), _KINDS))
    header, rows, lines = _read_rows(_resolve_path(path, base_dir), shown)
    target = header[-1] if target is None else str(target)
    if target not in header:
        hint = closest(target, header)
        hint = f" — did you mean '{hint}'?" if hint else ""
        cols = ", ".join(header) if len(header) <= 12 else ", ".join(header[:6] + ["..."] + header[-3:])
        raise DataError(f"data file '{shown}' has no target column '{target}'{hint} Columns: {cols}")
    t = header.index(target)
    features = [c for i, c in enumerate(header) if i != t]
    if not features:
        raise DataError(f"data file '{shown}' has only the target column '{target}'; add feature columns")
    x = _feature_matrix(rows, lines, header, t, shown)
    y, n_classes, class_names, kind = _encode_target([r[t].strip() for r in rows], lines, target, kind, shown)
    if n_classes:
        counts = np.bincount(y, minlength=n_classes)
        if counts.min() < 2:
            rare = class_names[int(counts.argmin())]
            raise DataError(f"data file '{shown}': class '{rare}' of '{target}' has only {counts.min()} row; "
                            f"a stratified split needs at least 2 rows per class — "
                            f"add rows or drop that class")
    params.update(common, kind=kind, target=target, path=shown)
    return _finish(name, kind, x, y, n_classes, features, class_names, params,
                   np.random.default_rng(common["seed"]))


def _feature_matrix(rows, lines, header, t, shown) -> np.ndarray:
    return _columns(rows, lines, header, [i for i in range(len(header)) if i != t], shown)


def _columns(rows, lines, header, keep: list[int], shown) -> np.ndarray:
    """The columns `keep` (indices into `header`) as a finite float64 `(n, len(keep))` matrix."""
    cells = [[r[i] for i in keep] for r in rows]
    cols = [header[i] for i in keep]
    try:
        x = np.array(cells, dtype=np.float64)
    except ValueError:
        for row_no, (record, line) in enumerate(zip(cells, lines, strict=True), start=1):
            for col, cell in zip(cols, record, strict=True):
                if _parse_number(cell) is None:
                    what = "is empty" if not cell.strip() else f"is not a number ({cell.strip()!r})"
                    raise DataError(f"data file '{shown}': column '{col}', row {row_no} (line {line}) "
                                    f"{what}; features must be numbers — fix or remove that row") from None
        raise  # pragma: no cover - numpy refused a value float() accepts
    bad = ~np.isfinite(x)
    if bad.any():
        r, c = map(int, np.argwhere(bad)[0])
        raise DataError(f"data file '{shown}': column '{cols[c]}', row {r + 1} (line {lines[r]}) is "
                        f"{cells[r][c].strip()!r}; NaN and infinite values are not "
                        f"allowed — fix or remove that row")
    return x


def _encode_target(values: list[str], lines: list[int], target: str, kind: str | None, shown: str):
    """-> (y, n_classes, class_names, kind): labels 0..k-1 for classification, floats for regression."""
    numbers = [_parse_number(v) for v in values]
    for row, num in enumerate(numbers):
        if num is not None and not math.isfinite(num):
            raise DataError(f"data file '{shown}': target '{target}', row {row + 1} (line {lines[row]}) is "
                            f"{values[row]!r}; NaN and infinite values are not allowed — "
                            f"fix or remove that row")
    numeric = all(v is not None for v in numbers)
    if kind is None:
        integral = numeric and all(float(v).is_integer() for v in numbers)
        many = len(set(numbers if numeric else values)) > _MAX_CLASSES_AUTO
        kind = "regression" if numeric and (not integral or many) else "classification"
    if kind == "regression":
        if not numeric:
            row = next(i for i, v in enumerate(numbers) if v is None)
            raise DataError(f"data file '{shown}': target '{target}', row {row + 1} (line {lines[row]}) is "
                            f"{values[row]!r}, not a finite number; a regression target must be numeric")
        return np.array(numbers, dtype=np.float64), 0, [], "regression"
    if any(not v for v in values):
        row = values.index("")
        raise DataError(f"data file '{shown}': target '{target}', row {row + 1} (line {lines[row]}) is "
                        f"empty; every row needs a label")
    if numeric:  # sort numerically (so '10' comes after '9'); the first spelling seen names the class
        first = {}
        for v, num in zip(values, numbers, strict=True):
            first.setdefault(num, v)
        keys = sorted(first)
        names = [first[k] for k in keys]
        y = np.searchsorted(np.array(keys), np.array(numbers))
    else:
        names = sorted(set(values))
        y = np.searchsorted(np.array(names), np.array(values))
    k = len(names)
    if k < 2:
        raise DataError(f"data file '{shown}': target '{target}' has one class only ({names[0]!r}); "
                        f"classification needs at least 2 classes")
    if kind == "binary" and k != 2:
        raise DataError(f"data file '{shown}': kind binary needs 2 classes but '{target}' has {k}; "
                        f"use kind: multiclass")
    if kind == "multiclass" and k == 2:
        raise DataError(f"data file '{shown}': kind multiclass needs 3 or more classes but '{target}' has 2; "
                        f"use kind: binary")
    return y.astype(np.int64), k, names, "binary" if k == 2 else "multiclass"


def load_task(config: dict, base_dir: str | Path | None = None) -> Dataset:
    """A task from a spec's `task:` mapping: `{dataset: moons, noise: 0.3, ...}`, or a CSV file as
    `{dataset: csv:PATH, target: label}`, `{dataset: csv, path: PATH}` or `{dataset: PATH.csv}`."""
    params = dict(config or {})
    if "dataset" not in params:
        raise DataError(f"the task needs a 'dataset' key (one of: {', '.join(task_names())}, or csv:PATH)")
    name = str(params.pop("dataset"))
    path = _task_csv(name, params)
    if name == "csv":
        del params["path"]
    if path is None:
        return make_task(name, **params)
    allowed = ["target", "kind", *_COMMON]
    for key in params:
        if key not in allowed:
            hint = closest(key, allowed)
            hint = f" — did you mean '{hint}'?" if hint else ""
            raise DataError(f"a CSV task has no parameter '{key}'{hint} Valid: {', '.join(allowed)}")
    return load_csv(path, base_dir=base_dir, **params)


def _task_csv(name: str, params: dict) -> str | None:
    """The CSV path of a task named `name` with `params` (`csv:PATH`, `csv` with a 'path', `PATH.csv`), or None."""
    if name.startswith(CSV_PREFIX):
        return name[len(CSV_PREFIX):]
    if name == "csv":
        if "path" not in params:
            raise DataError("dataset 'csv' needs a 'path' key, "
                            "e.g. {dataset: csv, path: ../datasets/digits.csv}")
        return str(params["path"])
    return name if name.lower().endswith(".csv") else None


def csv_file(config: dict, base_dir: str | Path | None = None) -> Path | None:
    """The file a task's CSV is read from (see `load_task`), existing or not; None for a synthetic task."""
    params = dict(config or {})
    path = _task_csv(str(params.pop("dataset", "")), params)
    return None if path is None else _resolve_path(path, base_dir)


def pinned_task(config: dict, base_dir: str | Path | None = None) -> dict:
    """The task mapping with a CSV's relative path made absolute (read from `base_dir`, the spec's folder), so
    it names the same file wherever it is read from (a run folder's spec.yaml). A bundled file found by its
    name alone ('digits.csv') and a synthetic task are returned as they are."""
    config = dict(config or {})
    name = str(config.get("dataset", ""))
    path = _task_csv(name, config)
    if path is None or Path(path).expanduser().is_absolute():
        return config
    given = Path(base_dir or Path.cwd()) / Path(path).expanduser()
    if _resolve_path(path, base_dir) != given:  # the packaged copy of a bundled file: its name finds it anywhere
        return config
    full = os.path.abspath(given)
    if name == "csv":
        config["path"] = full
    else:
        config["dataset"] = f"{CSV_PREFIX}{full}" if name.startswith(CSV_PREFIX) else full
    return config


def task_kind(config: dict) -> str | None:
    """The kind of a task known from its mapping alone — a synthetic task's, or a CSV task's `kind` when given
    ('classification' for binary and multiclass) — else None (decided when the CSV is read)."""
    params = dict(config or {})
    name = str(params.get("dataset", ""))
    if name in TASKS:
        return "regression" if TASKS[name].kind == "regression" else "classification"
    kind = params.get("kind")
    if _task_csv(name, params) is None or kind is None:
        return None
    return "regression" if kind == "regression" else "classification"


# ------------------------------------------------------------------------- new rows for a trained run

SYNTHETIC_TARGET = "y"  # the target column of a synthetic task's rows in a CSV (features are x0, x1, ...)


def target_column(dataset: Dataset) -> str:
    """The target column of a CSV for this dataset: the CSV's own, or 'y' for a synthetic task."""
    return str(dataset.params.get("target") or SYNTHETIC_TARGET)


def read_features_for(path: str | Path, dataset: Dataset, need_target: bool = False
                      ) -> tuple[np.ndarray, np.ndarray | None]:
    """New rows for a model trained on `dataset`: `(x, y)` with x `(n, features)` float32, scaled with the
    training rows' `dataset.scaler`, and y the target encoded like the training labels — int64 `(n,)`
    indices into `dataset.class_names` for classification, float32 `(n, 1)` for regression — or None.

    Columns are found by name (`dataset.feature_names`; extra columns are ignored); a relative path is read
    from the working directory. With `need_target`, the target column (`target_column(dataset)`) must be
    there and every label must be one of the run's classes.
    """
    shown = str(path)
    header, rows, lines = _read_rows(_resolve_path(path, None), shown, relative_to="the working directory")
    target = target_column(dataset)
    missing = [c for c in dataset.feature_names if c not in header]
    if need_target and target not in header:
        missing.append(target)
    if missing:
        want = dataset.feature_names + ([target] if need_target else [])
        raise DataError(f"data file '{shown}' lacks column(s) {', '.join(missing)} that the run's model "
                        f"needs; it has: {', '.join(header)}. Give a header with {', '.join(want)}")
    x = _columns(rows, lines, header, [header.index(c) for c in dataset.feature_names], shown)
    if dataset.scaler is not None:
        mean, std = dataset.scaler
        x = (x - mean) / std
    y = None
    if need_target:
        t = header.index(target)
        y = _labels_like(dataset, [r[t].strip() for r in rows], lines, target, shown)
    return x.astype(np.float32), y


def _labels_like(dataset: Dataset, values: list[str], lines: list[int], target: str,
                 shown: str) -> np.ndarray:
    """Target values encoded with the run's classes (or as regression targets); unknown labels are refused."""
    if dataset.kind == "regression":
        out = []
        for row, v in enumerate(values):
            num = _parse_number(v)
            if num is None or not math.isfinite(num):
                raise DataError(f"data file '{shown}': target '{target}', row {row + 1} (line {lines[row]}) "
                                f"is {v!r}, not a finite number; a regression target must be numeric")
            out.append(num)
        return np.array(out, dtype=np.float32).reshape(-1, 1)
    names = dataset.class_names
    by_name = {n: i for i, n in enumerate(names)}
    by_number = {}
    for i, n in enumerate(names):  # '1' and '1.0' are the same class when the classes are numbers
        num = _parse_number(n)
        if num is not None:
            by_number.setdefault(num, i)
    y = np.empty(len(values), dtype=np.int64)
    for row, v in enumerate(values):
        idx = by_name.get(v)
        if idx is None:
            num = _parse_number(v)
            idx = by_number.get(num) if num is not None and math.isfinite(num) else None
        if idx is None:
            shown_names = ", ".join(names) if len(names) <= 20 else ", ".join(names[:20] + ["..."])
            raise DataError(f"data file '{shown}': target '{target}', row {row + 1} (line {lines[row]}) is "
                            f"{v!r}, not one of the run's classes ({shown_names}); fix or remove that row")
        y[row] = idx
    return y
