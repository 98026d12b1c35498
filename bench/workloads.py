"""The four benchmark workloads: net shape, loss, optimizer, data size, batch and epochs, and their data.

Every contender reads the same .npz written once by `save_data` (fixed seed). What is timed, and how,
lives in contenders.py; this module only says what is trained.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

SEED = 1234


@dataclass(frozen=True)
class Workload:
    """One benchmark row of the brief's table.

    `hidden` is [(units, activation), ...]; the head is `classes` units (1 for a binary task) with
    sigmoid (binary cross-entropy) or softmax (categorical cross-entropy on one-hot labels).
    """

    name: str
    n_features: int
    hidden: tuple[tuple[int, str], ...]
    classes: int  # 2 = binary (one sigmoid unit), else softmax over `classes`
    optimizer: str  # "adam" | "sgd" (plain SGD, no momentum)
    learning_rate: float
    n_samples: int
    batch_size: int
    epochs: int

    @property
    def binary(self) -> bool:
        return self.classes == 2

    @property
    def out_units(self) -> int:
        return 1 if self.binary else self.classes

    @property
    def out_activation(self) -> str:
        return "sigmoid" if self.binary else "softmax"

    @property
    def loss(self) -> str:
        return "binary_crossentropy" if self.binary else "categorical_crossentropy"

    @property
    def dims(self) -> list[int]:
        """Layer widths from input to output, e.g. [2, 64, 32, 1]."""
        return [self.n_features, *(u for u, _ in self.hidden), self.out_units]

    def epochs_for(self, quick: bool) -> int:
        """Epochs to train; `--quick` cuts them to a fifth (at least 1) for a smoke run."""
        return max(1, self.epochs // 5) if quick else self.epochs

    def describe(self) -> str:
        layers, runs = [*self.hidden, (self.out_units, self.out_activation)], []
        for layer in layers:  # group repeats: 20-(128 sigmoid)x8-1 sigmoid
            if runs and runs[-1][0] == layer:
                runs[-1][1] += 1
            else:
                runs.append([layer, 1])
        net = "-".join(f"({u} {a})x{n}" if n > 1 else f"{u} {a}" for (u, a), n in runs)
        opt = f"{'Adam' if self.optimizer == 'adam' else 'SGD'} {self.learning_rate:g}"
        loss = "BCE" if self.binary else "CCE"
        return (f"{self.n_features}-{net}, {loss}, {opt}, "
                f"{self.n_samples:,} samples, batch {self.batch_size}")


WORKLOADS: dict[str, Workload] = {
    w.name: w
    for w in [
        Workload("small", 2, ((64, "relu"), (32, "relu")), 2, "adam", 0.01, 2_000, 32, 20),
        Workload("seed", 28, ((64, "relu"), (32, "relu")), 10, "adam", 0.001, 10_000, 32, 10),
        Workload("deep", 20, ((128, "sigmoid"),) * 8, 2, "sgd", 0.1, 20_000, 256, 5),
        Workload("wide", 784, ((512, "relu"), (512, "relu")), 10, "adam", 0.001, 20_000, 256, 2),
    ]
}


def make_data(w: Workload, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian inputs `(n, features)` float32 and integer labels `(n,)` from a fixed random teacher net.

    The teacher (one tanh layer) makes the task learnable but not linear; binary labels are split at
    the median so the classes are balanced.
    """
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((w.n_samples, w.n_features)).astype(np.float32)
    w1 = rng.standard_normal((w.n_features, 32)) / np.sqrt(w.n_features)
    h = np.tanh(2.0 * x @ w1)
    if w.binary:
        score = h @ rng.standard_normal(32)
        y = (score > np.median(score)).astype(np.int64)
    else:
        y = np.argmax(h @ rng.standard_normal((32, w.classes)), axis=1).astype(np.int64)
    return x, y


def save_data(w: Workload, folder: Path) -> Path:
    """Write the workload's data to `folder/<name>.npz` (keys x, y) and return the path."""
    x, y = make_data(w)
    path = Path(folder) / f"{w.name}.npz"
    np.savez(path, x=x, y=y)
    return path


def load_data(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    with np.load(path) as f:
        return np.ascontiguousarray(f["x"], dtype=np.float32), f["y"].astype(np.int64)


def targets(w: Workload, y: np.ndarray) -> np.ndarray:
    """Float32 targets for the Keras-style losses: `(n, 1)` 0/1 for binary, one-hot `(n, classes)` else."""
    if w.binary:
        return y.astype(np.float32).reshape(-1, 1)
    return np.eye(w.classes, dtype=np.float32)[y]
