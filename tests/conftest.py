"""Shared test set-up: every test runs in its own empty working folder (so a stray `runs/` never lands in the
repo) with a fixed terminal width and English texts, so Rich output is the same on every machine.

Fixtures for the command-line tests: `cli` (runs `actcli ...` in-process with Typer's CliRunner) and
`tiny_spec` (writes a small spec that trains in well under a second). Nothing here trains by itself.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

TINY = {
    "name": "tiny",
    "task": {"dataset": "moons", "n_samples": 200, "noise": 0.1, "seed": 0},
    "model": {"layers": [{"units": 8, "activation": "relu"}, {"units": 1, "activation": "sigmoid"}]},
    "training": {
        "loss": "binary_crossentropy",
        "optimizer": {"name": "adam", "learning_rate": 0.01},
        "epochs": 3,
        "batch_size": 32,
        "validation_split": 0.2,
        "seed": 0,
    },
}


@pytest.fixture(autouse=True)
def _isolated_cwd(tmp_path, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.setenv("LINES", "50")
    for var in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    return work


@pytest.fixture
def cli():
    """`cli("train", "spec.yaml", ...)` → Click's Result: exit_code, stdout, stderr (kept apart), output."""
    from typer.testing import CliRunner

    from actcli.cli import app

    runner = CliRunner()

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(app, [str(a) for a in args], input=input, catch_exceptions=True)

    return invoke


def _merge(base: dict, changes: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


@pytest.fixture
def tiny_spec():
    """`tiny_spec("name.yaml", training={"epochs": 2}, ...)` writes TINY with the changes merged in; returns
    its Path. Lists (such as model.layers) are replaced whole."""

    def write(name: str = "tiny.yaml", **changes) -> Path:
        path = Path(name)
        path.write_text(yaml.safe_dump(_merge(TINY, changes), sort_keys=False), encoding="utf-8")
        return path

    return write


@pytest.fixture(params=["numba", "numpy"])
def kernels(request):
    """Runs a test twice: with the compiled element-wise kernels (skipped when numba is not installed) and with
    the NumPy code they replace. The value is the name of the path taken."""
    from actcli.nn import _kernels

    if request.param == "numba":
        pytest.importorskip("numba")
    _kernels.set_enabled(request.param == "numba")
    yield request.param
    _kernels.reset()
