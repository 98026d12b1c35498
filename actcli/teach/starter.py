"""`actcli init`: a commented starter spec for a task and a head, and the shipped example specs.

The YAML is written as text so that it can carry comments (from `texts/<lang>/starter.yaml`); it always
loads with `spec.load_spec`. It leaves out every optional key that Keras's default already covers.
"""

from __future__ import annotations

import textwrap
from importlib import resources

from actcli import data
from actcli.errors import UserError
from actcli.nn._registry import closest, unknown_name
from actcli.teach.texts import text

HEADS = ("sigmoid", "softmax")


def _comment(line: str, indent: str = "") -> list[str]:
    """A comment wrapped at 100 characters, every line starting with `indent# `."""
    return textwrap.wrap(line, 100, initial_indent=f"{indent}# ", subsequent_indent=f"{indent}# ",
                         break_long_words=False, break_on_hyphens=False)


def _classes(task: str) -> int:
    """Classes of a task at its defaults (0 for regression)."""
    info = data.TASKS[task]
    if info.kind == "regression":
        return 0
    return int(data.resolve_params(task).get("classes", 2))


def _check_task(task: str) -> None:
    if task not in data.TASKS:
        raise UserError(unknown_name("task", task, data.TASKS))


def spec_name(task: str, head: str) -> str:
    """The starter spec's name, and the file `actcli init` writes it to: 'moons-sigmoid', 'gaussian-quantiles-
    softmax'; a regression task's head is always linear ('plane-linear')."""
    return f"{task.replace('_', '-')}-{head if _classes(task) else 'linear'}"


def starter_spec(task: str = "moons", head: str = "sigmoid", lang: str = "en") -> str:
    """A commented YAML spec: relu hidden layers (he_normal), the chosen head with its loss and units.

    sigmoid on a binary task: 1 unit + binary_crossentropy; softmax: one unit per class +
    categorical_crossentropy; sigmoid on a multi-class task: the notes' example (legal; `check` warns).
    A regression task always gets a linear 1-unit head and mean_squared_error (`head` is set aside).
    """
    _check_task(task)
    if head not in HEADS:
        raise UserError(unknown_name("head", head, HEADS))
    t = lambda key, **v: text("starter", key, lang, **v)  # noqa: E731
    k = _classes(task)
    features = int(data.resolve_params(task).get("features", 2))
    width = 64 if features > 8 else 32
    if k == 0:
        head_line = "    - {units: 1}"
        head_note, loss, metrics = t("head.regression"), "mean_squared_error", None
    elif head == "sigmoid" and k == 2:
        head_line = "    - {units: 1, activation: sigmoid}"
        head_note, loss, metrics = t("head.sigmoid_binary"), "binary_crossentropy", "[accuracy]"
    elif head == "sigmoid":
        head_line = f"    - {{units: {k}, activation: sigmoid}}"
        head_note, loss, metrics = t("head.sigmoid_multiclass", k=k), "categorical_crossentropy", "[accuracy]"
    else:
        head_line = f"    - {{units: {k}, activation: softmax}}"
        head_note, loss, metrics = t("head.softmax", k=k), "categorical_crossentropy", "[accuracy]"
    name = spec_name(task, head)
    lines = [
        *_comment(t("title", task=task, head=head if k else "linear")),
        *_comment(t("run", name=name)),
        f"name: {name}",
        *_comment(t("task", description=text("tasks", task, lang))),
        f"task: {{dataset: {task}, seed: 0}}",
        "model:",
        "  layers:",
        *_comment(t("hidden"), "    "),
        f"    - {{units: {width}, activation: relu, kernel_initializer: he_normal}}",
        f"    - {{units: {width}, activation: relu, kernel_initializer: he_normal}}",
        *_comment(head_note, "    "),
        head_line,
        "training:",
        f"  loss: {loss}  # {t('loss')}",
        f"  optimizer: {{name: adam, learning_rate: 0.01}}  # {t('optimizer')}",
        f"  epochs: 30  # {t('epochs')}",
        "  batch_size: 32",
        "  seed: 0",
    ]
    if metrics:
        lines.append(f"  metrics: {metrics}")
    return "\n".join(lines) + "\n"


def _folder():
    return resources.files("actcli") / "data" / "configs"


def example_names() -> list[str]:
    """The shipped example specs (package data `actcli/data/configs/*.yaml`), without the extension."""
    return sorted(p.name[:-5] for p in _folder().iterdir() if p.name.endswith(".yaml"))


def example(name: str) -> str:
    """The text of one shipped example spec (`deep-sigmoid` or `deep-sigmoid.yaml`)."""
    stem = name[:-5] if name.endswith(".yaml") else name
    names = example_names()
    if stem not in names:
        raise UserError(unknown_name("example", name, names, closest(stem, names)))
    return (_folder() / f"{stem}.yaml").read_text(encoding="utf-8")
