"""The README's commands are real: every lesson and every example in it runs and does what it says."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from actcli.cli import app
from actcli.teach.texts import load

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _console_commands() -> list[str]:
    blocks = re.findall(r"```console\n(.*?)```", README, flags=re.S)
    return [line[2:].strip() for block in blocks for line in block.splitlines() if line.startswith("$ actcli")]


def _lesson_commands() -> list[str]:
    return [entry["command"] for entry in load("lessons", "en").values()]


def test_readme_starts_with_the_two_setup_commands():
    head = README.split("\n## ")[0]
    assert "make demo" in head and "make test" in head
    assert head.index("make demo") < head.index("make test")


def test_every_lesson_is_in_the_readme():
    for command in _lesson_commands():
        assert f"`{command}`" in README, command


@pytest.fixture
def lab_dir(tmp_path, monkeypatch):
    (tmp_path / "configs").symlink_to(ROOT / "actcli" / "data" / "configs")
    monkeypatch.chdir(tmp_path)
    return tmp_path


FAST = {"compare": ["--seeds", "1", "--epochs", "3"], "plot-gradients": ["--epochs", "2"],
        "train": ["--epochs", "3"]}


@pytest.mark.parametrize("command", sorted(set(_console_commands() + _lesson_commands())))
def test_readme_command_runs(command, lab_dir):
    args = shlex.split(command)[1:]
    extra = []
    fast = FAST.get(args[0], [])
    for flag, value in zip(fast[::2], fast[1::2]):  # keep the command, make it quick
        if flag not in args:
            extra += [flag, value]
    result = CliRunner().invoke(app, args + extra + (["--json"] if args[0] in FAST else []))
    assert result.exit_code == 0, (command, result.output)
    if args[0] in FAST:
        data = json.loads(result.stdout)
        if args[0] == "compare":
            assert {r["activation"] for r in data["results"]} >= set(args[args.index("--activations") + 1]
                                                                   .split(","))
        if args[0] == "plot-gradients":
            assert data["activations"] and all(Path(f).is_file() for f in data["files"])
        if args[0] == "train":
            assert data["status"] == "completed" and Path(data["run_dir"], "metrics.json").is_file()
    elif args[0] == "check":
        assert "model.layers[2].activation" in result.output
    elif args[0] == "explain" and "softmax" in args:
        assert "1.0" in result.output


def test_readme_python_snippet_runs():
    code = re.findall(r"```python\n(.*?)```", README, flags=re.S)[0]
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 28)).astype(np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 200)]
    scope = {"x": x, "y": y, "print": lambda *a, **k: None}
    code = code.replace("epochs=10", "epochs=2")
    exec(compile(code, "README.md", "exec"), scope)  # noqa: S102 — the README's own example
    assert set(scope["history"].history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
