"""Commands that explain: activations, explain, check, export, init."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Literal, Optional

import typer

from .app import (
    ACTIVATION_NAMES,
    EXAMPLE_NAMES,
    TASK_NAMES,
    JsonOpt,
    LangOpt,
    _console,
    _format,
    _guard,
    _lang,
    _load_spec,
    _picture_lang,
    _print_json,
    _words,
    _writable_file,
    app,
)


@app.command()
@_guard
def activations(lang: LangOpt = None, as_json: JsonOpt = False) -> None:
    """A table of every activation: formula, output range, largest derivative, typical use, pitfalls.

    Example: actcli activations --lang ko
    """
    from actcli.teach import explain as ex

    lang = _lang(lang)
    rows = ex.activation_rows(lang)
    if as_json:
        _print_json(rows)
        return
    from actcli.report.teach_tables import activations_table

    _console().print(activations_table(rows, lang))


@app.command()
@_guard
def explain(
    name: Annotated[str, typer.Argument(help=f"An activation: {', '.join(ACTIVATION_NAMES)} "
                                             "(Keras aliases such as swish work too).")],
    lang: LangOpt = None,
    out: Annotated[Path, typer.Option("--out", help="Folder for the picture of f(x) and f'(x).")] = Path("."),
    fmt: Annotated[str, typer.Option("--format", help="Picture as png, svg or pdf.")] = "png",
    no_plot: Annotated[bool, typer.Option("--no-plot", help="Do not save the picture.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Explain one activation: formula, derivative, range, when to use it, what goes wrong in deep stacks.

    Saves a picture of the function and its derivative (OUT/NAME.png) and draws a small one in the terminal.
    Example: actcli explain sigmoid --out pictures
    """
    from actcli.teach import explain as ex

    lang = _lang(lang)
    fmt = _format(fmt)
    expl = ex.explain(name, lang)
    files = []
    if not no_plot:
        from actcli import runs
        from actcli.report import plots

        runs.prepare_dir(out)
        path = Path(out) / f"{expl.name}.{fmt}"
        files.append(Path(plots.plot_activation_function(expl.name, expl.x, expl.y, expl.dy, path,
                                                          expl.picture_title, worked=expl.worked,
                                                          lang=_picture_lang(lang))))
    if as_json:
        _print_json({**expl.to_dict(), "files": [str(f) for f in files]})
        return
    from actcli.report.teach_tables import explanation_renderable

    console = _console()
    console.print(explanation_renderable(expl))
    for f in files:
        console.print(_words("run.saved_file", lang, path=f), markup=False, highlight=False)


@app.command()
@_guard
def check(
    spec: Annotated[Path, typer.Argument(help="The YAML spec to check.")],
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Lint a spec and explain each finding (error, warning, info) with its key path and a fix.

    Exit status: 0 no errors, 1 errors, 2 the spec cannot be read.
    Example: actcli check configs/notes-sigmoid-head.yaml
    """
    from actcli.teach import check as checker

    lang = _lang(lang)
    sp, base_dir = _load_spec(spec)
    findings = checker.check_spec(sp, base_dir, lang)
    counts = {lvl: sum(f.level == lvl for f in findings) for lvl in ("error", "warning", "info")}
    if as_json:
        _print_json({"spec": str(spec), **{f"{k}s": v for k, v in counts.items()},
                     "findings": [f.to_dict() for f in findings]})
    elif findings:
        from actcli.report.teach_tables import findings_table

        _console().print(findings_table(findings, lang))
    else:
        from actcli.teach.texts import text

        _console().print(f"{spec}: {text('check', 'table.clean', lang)}", markup=False, highlight=False)
    if counts["error"]:
        raise typer.Exit(1)


@app.command()
@_guard
def export(
    spec: Annotated[Path, typer.Argument(help="The YAML spec to export.")],
    to: Annotated[Literal["keras", "pytorch"], typer.Option("--to", help="keras or pytorch.")] = "keras",
    out: Annotated[Optional[Path], typer.Option("--out", help="Write the code to this .py file "
                                                              "(default: print it).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite --out if it exists.")] = False,
) -> None:
    """Print runnable Python that builds, compiles and fits the same model in Keras or PyTorch.

    Example: actcli export configs/binary-sigmoid-head.yaml --to keras --out model_keras.py
    """
    from actcli.teach import export as exporter

    sp, base_dir = _load_spec(spec)
    if out is not None:
        _writable_file(out, force, example=f"model_{to}.py")
    code = exporter.export(sp, to, base_dir)
    if out is None:
        sys.stdout.write(code if code.endswith("\n") else code + "\n")
        return
    from actcli import runs

    runs.write_text(out, code)
    _console(stderr=True).print(f"wrote {out}", markup=False, highlight=False)


@app.command("init")
@_guard
def init_cmd(
    task: Annotated[Literal[TASK_NAMES], typer.Option("--task", help="The synthetic task.")] = "moons",
    head: Annotated[Literal["sigmoid", "softmax"], typer.Option("--head", help="The output activation.")
                    ] = "sigmoid",
    example: Annotated[Optional[Literal[EXAMPLE_NAMES]], typer.Option(
        "--example", help="Write one of the shipped lesson specs instead.")] = None,
    out: Annotated[Optional[Path], typer.Option(
        "--out", help="The file to write (default: TASK-HEAD.yaml, or NAME.yaml with --example; "
                      "'-' prints it).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite the file if it exists.")] = False,
    lang: LangOpt = None,
) -> None:
    """Write a commented starter spec to edit and train (or a shipped example with --example).

    Example: actcli init --task spiral --head softmax --out spiral.yaml && actcli train spiral.yaml
    """
    from actcli.teach import starter

    lang = _lang(lang)
    if out is None:  # the name the starter's own comment tells the learner to train
        out = Path(f"{example if example else starter.spec_name(task, head)}.yaml")
    if str(out) != "-":
        _writable_file(out, force)
    text = starter.example(example) if example else starter.starter_spec(task, head, lang)
    if str(out) == "-":
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    from actcli import runs

    runs.write_text(out, text)
    _console().print(_words("run.wrote", lang, path=out), markup=False,
                     highlight=False)
