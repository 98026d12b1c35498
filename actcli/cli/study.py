"""Commands that train many networks and compare them: compare and plot-gradients."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Optional

import typer

from actcli.errors import UserError

from .app import (
    JobsOpt,
    JsonOpt,
    LangOpt,
    PicturesOpt,
    _activations,
    _claim_folder,
    _console,
    _format,
    _guard,
    _Interrupt,
    _lang,
    _load_spec,
    _need,
    _picture_lang,
    _print_json,
    _say,
    _settle,
    _words,
    app,
)


def _need_hidden_layers(base, depth: int | None, spec: Optional[Path]) -> None:
    """A study varies the hidden activation: a spec without hidden layers has none (unless --depth adds some)."""
    if depth is None and len(base.resolved()["model"]["layers"]) < 2:
        raise UserError(f"{spec or 'the spec'}: has no hidden layer, so there is no hidden activation to vary "
                        "— add hidden layers to the spec, or give --depth, e.g. --depth 3")


def _study_out(out: Optional[Path], name: str) -> Path:
    from actcli import runs

    return runs.new_run_dir(name, out)


@app.command()
@_guard
def compare(
    activations: Annotated[str, typer.Option(help="Hidden activations, comma-separated.")] = "relu,sigmoid",
    spec: Annotated[Optional[Path], typer.Option("--spec", help="Start from this spec (default: 5 hidden "
                                                                "layers "
                                                                "of 32 on two circles, plain SGD).")] = None,
    task: Annotated[Optional[str], typer.Option(help="Use this task instead (see actcli datasets).")] = None,
    depth: Annotated[Optional[int], typer.Option(help="Number of hidden layers.")] = None,
    width: Annotated[Optional[int], typer.Option(help="Units per hidden layer.")] = None,
    epochs: Annotated[Optional[int], typer.Option(help="Epochs per training.")] = None,
    seeds: Annotated[int, typer.Option(help="Trainings per activation, each with its own seed.")] = 3,
    target: Annotated[float, typer.Option(help="Accuracy for 'epochs to target' (0-1).")] = 0.9,
    init: Annotated[str, typer.Option(help="auto: He for relu-like, Glorot for sigmoid/tanh, LeCun for selu; "
                                           "keep: the spec's initializers.")] = "auto",
    jobs: JobsOpt = None,
    out: Annotated[Optional[Path], typer.Option(help="Output folder (default: runs/compare-TIMESTAMP/).")
                   ] = None,
    fmt: PicturesOpt = "png",
    as_json: JsonOpt = False,
    force: Annotated[bool, typer.Option("--force", help="Replace what --out holds already (once the new one "
                                                        "is saved).")] = False,
    lang: LangOpt = None,
) -> None:
    """Train the same network once per hidden activation (and seed) and compare them.

    Example: actcli compare --activations relu,sigmoid,tanh --seeds 3 --jobs 2
    """
    from actcli import lab, sweep

    lang = _lang(lang)
    fmt = _format(fmt)
    acts = _activations(activations)
    for name, value in (("--depth", depth), ("--width", width), ("--epochs", epochs), ("--seeds", seeds),
                        ("--jobs", jobs)):
        _need(name, value)
    jobs = jobs or sweep.cpu_cores()
    if not (0 < target <= 1):
        raise UserError(f"--target must be an accuracy between 0 and 1, got {target:g} — e.g. --target 0.9")
    if init not in ("auto", "keep"):
        raise UserError(f"--init must be auto or keep, got '{init}'")
    _claim_folder(out, force, move=False)  # before any work: what the folder holds is not lost
    base, base_dir = _load_spec(spec, sweep.default_spec)
    if task is not None:
        base = _with_task(base, task)
    _need_hidden_layers(base, depth, spec)
    # Check everything that can be known before any training: data, head, the variants themselves.
    dataset = lab.load_data(base, base_dir)
    lab.check_head(base, dataset)
    for act in acts:
        lab.vary(base, act, init, depth, width, epochs)
    _warn_head_only(acts, lang)
    folder = _study_out(out, "compare")
    drawn_in = _picture_lang(lang)
    console = _console()
    show = not as_json

    def done(i, total, run):
        if show:
            console.print(_progress_line(i, total, run, lang), markup=False, highlight=False)

    replacing = _claim_folder(out, force)  # --force: the old output moved aside until the new one is saved
    kept = False
    try:
        with _Interrupt(lang) as intr:
            cmp = sweep.compare(base, acts, seeds=seeds, depth=depth, width=width, epochs=epochs, target=target,
                                init_mode=init, jobs=jobs, out=folder, base_dir=base_dir, fmt=fmt,
                                stop=intr.event, on_done=done, lang=drawn_in)
        files = _save_comparison(cmp, folder, fmt, jobs, drawn_in)
        kept = _settle(replacing, intr.event.is_set())
    except BaseException:
        if replacing is not None:
            replacing.restore()
        raise
    if kept:
        files = []
    if as_json:
        _print_json({"results": cmp.to_dict(with_runs=False)["results"], "files": [str(f) for f in files],
                     "out": str(folder)})
    else:
        from actcli.report import tables
        from actcli.teach.narrate import compare_sentences

        console.print(tables.comparison_table(cmp, lang))
        for sentence in compare_sentences(cmp, lang):
            console.print(sentence, markup=False, highlight=False)
        if files:
            console.print(_words("compare.saved", lang, files=", ".join(str(f) for f in files)), markup=False,
                          highlight=False)
    if intr.event.is_set() and not as_json:
        _say(_words("compare.kept", lang, path=folder) if kept else _interrupted_line(cmp, acts, seeds, lang))
    if intr.event.is_set():
        raise typer.Exit(130)


def _warn_head_only(acts: list[str], lang: str) -> None:
    """An output-layer activation asked for as a hidden one (softmax): the linter's warning, on stderr; the
    comparison still runs (seeing it fail is a lesson too)."""
    from actcli.teach.check import ROW_HEADS

    for act in acts:
        if act in ROW_HEADS:  # on stderr, so --json's stdout stays one document
            _say(_words("compare.head_only", lang, act=act))


def _interrupted_line(cmp, acts: list[str], seeds: int, lang: str) -> str:
    """What a Ctrl-C left out: the trainings finished, cut short and never started (by activation)."""
    runs = [r for act in acts for r in cmp.runs.get(act, [])]
    finished = sum(r.status != "interrupted" for r in runs)
    missing = [f"{act} ×{seeds - len(cmp.runs.get(act, []))}" for act in acts if len(cmp.runs.get(act, [])) < seeds]
    return _words("compare.interrupted", lang, finished=finished, total=len(acts) * seeds,
                  cut=len(runs) - finished, missing=", ".join(missing) or "–")


def _progress_line(i: int, total: int, run, lang: str) -> str:
    """'[3/6] sigmoid seed 0: test accuracy 50.0%' (test MSE for regression; the status if not completed)."""
    from actcli.report.tables import fmt_loss, fmt_pct

    if run.status != "completed":
        state = _words(f"status.{run.status}", lang)
    elif run.kind == "regression":
        state = _words("compare.mse_state", lang, mse=fmt_loss(run.test_loss), mae=fmt_loss(run.test_mae))
    else:
        state = _words("compare.accuracy_state", lang, acc=fmt_pct(run.test_accuracy))
    return _words("compare.progress", lang, i=i + 1, total=total, act=run.hidden_activation,
                seed=run.seed, state=state)


def _with_task(base, task: str):
    from actcli import data as datamod
    from actcli.spec import spec_from_dict

    if task not in datamod.TASKS:
        from actcli.nn._registry import unknown_name

        raise UserError("--task: " + unknown_name("task", task, datamod.TASKS))
    d = base.resolved()
    d["task"] = {"dataset": task}
    d["model"]["input_dim"] = None
    info = datamod.TASKS[task]
    head = d["model"]["layers"][-1]
    if info.kind == "multiclass":
        head.update(units=int(info.defaults.get("classes", 3)), activation="softmax")
        d["training"]["loss"] = "categorical_crossentropy"
    elif info.kind == "regression":
        head.update(units=1, activation="linear")
        d["training"]["loss"] = "mse"
    else:
        head.update(units=1, activation="sigmoid")
        d["training"]["loss"] = "binary_crossentropy"
    return spec_from_dict(d, source=f"<--task {task}>")


def _save_comparison(cmp, folder: Path, fmt: str, jobs: int = 1, lang: str = "en") -> list[Path]:
    import dataclasses

    from actcli import runs, sweep
    from actcli.report import plots
    from actcli.results import ActivationSummary

    pictures = [folder / f"compare.{fmt}", folder / f"compare_gradients.{fmt}"]
    # results.json names its files relative to its own folder, so it is the same wherever --out points
    cmp.files = [p.name for p in pictures] + ["results.csv", "results.json"]
    text = {}

    def encode():  # while the pictures draw (its ~0.1 s is then free with --jobs 2); written once they are saved
        data = cmp.to_dict()
        for runs_ in data.get("runs", {}).values():  # run folders relative to the comparison's folder
            for r in runs_:
                if r.get("run_dir"):
                    r["run_dir"] = os.path.relpath(r["run_dir"], folder)
        text["json"] = runs.dumps_json(data) + "\n"

    files = [Path(f) for f in sweep.draw_all([(plots.plot_compare, (cmp, pictures[0], lang)),
                                              (plots.plot_compare_gradients, (cmp, pictures[1], lang))], jobs,
                                             meanwhile=encode)]
    header = [f.name for f in dataclasses.fields(ActivationSummary)]
    rows = [[getattr(r, k) for k in header] for r in cmp.results]
    files.append(runs.write_csv(folder / "results.csv", header, rows))
    files.append(runs.write_text(folder / "results.json", text["json"]))
    return files


# -- plot-gradients ------------------------------------------------------------------------------------------

@app.command("plot-gradients")
@_guard
def plot_gradients(
    activations: Annotated[Optional[str], typer.Option(
        help="Hidden activations, comma-separated (default: sigmoid,tanh,relu; with --spec, the spec's own).")
    ] = None,
    spec: Annotated[Optional[Path], typer.Option("--spec", help="Start from this spec (default: the notes' "
                                                                "28-feature, 10-class task, 6 hidden layers "
                                                                "of 64 units).")] = None,
    run: Annotated[Optional[Path], typer.Option("--run", help="Draw a finished train run's probes "
                                                              "(no training).")] = None,
    depth: Annotated[Optional[int], typer.Option(help="Hidden layers (default 6 for the built-in net).")
                     ] = None,
    width: Annotated[Optional[int], typer.Option(help="Units per hidden layer.")] = None,
    epochs: Annotated[Optional[int], typer.Option(help="Epochs of training.")] = None,
    init: Annotated[Optional[str], typer.Option(
        help="auto (He/Glorot/LeCun to suit) or keep (the spec's own). Default: auto, or keep with --spec.")
    ] = None,
    jobs: JobsOpt = None,
    out: Annotated[Optional[Path], typer.Option(help="Output folder (default: runs/gradients-TIMESTAMP/).")
                   ] = None,
    fmt: PicturesOpt = "png",
    as_json: JsonOpt = False,
    force: Annotated[bool, typer.Option("--force", help="Replace what --out holds already (once the new one "
                                                        "is saved).")] = False,
    lang: LangOpt = None,
) -> None:
    """Draw the gradient that reaches each layer, at initialisation and while training.

    With no option: 6 hidden layers on the notes' task, once each with sigmoid, tanh and relu. With --spec and
    no --activations: that spec exactly as written (its activations and initializers).

    Example: actcli plot-gradients --activations sigmoid,relu --depth 8
    """
    from actcli import lab, sweep

    lang = _lang(lang)
    fmt = _format(fmt)
    for name, value in (("--depth", depth), ("--width", width), ("--epochs", epochs), ("--jobs", jobs)):
        _need(name, value)
    jobs = jobs or sweep.cpu_cores()
    init_given = init
    if init is None:
        init = "keep" if spec is not None else "auto"
    if init not in ("auto", "keep"):
        raise UserError(f"--init must be auto or keep, got '{init}'")
    if run is not None and out is not None and Path(out).resolve() == Path(run).resolve():
        out = None  # the run's own folder, where --run writes by default: its run is not replaced
    _claim_folder(out, force, move=False)  # before any work
    if run is not None:
        given = [flag for flag, value in (("--activations", activations), ("--spec", spec), ("--depth", depth),
                                          ("--width", width), ("--epochs", epochs), ("--init", init_given))
                 if value is not None]
        if given:
            raise UserError(f"--run draws a finished run as it was trained, so {', '.join(given)} would be "
                            f"ignored — drop {'it' if len(given) == 1 else 'them'}, or leave out --run to "
                            "train a new study")
        result, _ = lab.load_run(run)
        study = sweep.study_from_run(result)
        folder = _study_out(out, "gradients") if out is not None else Path(run)
        interrupted = False
    else:
        if activations is None and spec is None:
            activations = "sigmoid,tanh,relu"
        acts = _activations(activations) if activations is not None else None
        base, base_dir = _load_spec(spec, sweep.study_spec)
        if spec is None and depth is None:
            depth = sweep.STUDY_DEPTH
        _need_hidden_layers(base, depth, spec)
        dataset = lab.load_data(base, base_dir)
        lab.check_head(base, dataset)
        for act in acts or []:
            lab.vary(base, act, init, depth, width, epochs)
        folder = _study_out(out, "gradients")
    replacing = _claim_folder(out, force) if out is not None else None
    try:
        if run is None:
            with _Interrupt(lang) as intr:
                study = sweep.gradient_study(base, acts, depth=depth, width=width, epochs=epochs, init_mode=init,
                                             jobs=jobs, out=folder, base_dir=base_dir, stop=intr.event)
            interrupted = intr.event.is_set()
        files = _save_study(study, folder, fmt, jobs, _picture_lang(lang))
        kept = _settle(replacing, interrupted)
    except BaseException:
        if replacing is not None:
            replacing.restore()
        raise
    if kept:
        _say(_words("compare.kept", lang, path=folder))
        raise typer.Exit(130)
    if as_json:
        _print_json({"activations": study.layers_json(), "files": [str(f) for f in files],
                     "out": str(folder)})
        return
    from actcli.report import tables
    from actcli.teach.narrate import gradient_sentences

    console = _console()
    console.print(tables.gradient_study_table(study, lang))
    for sentence in gradient_sentences(study, lang):
        console.print(sentence, markup=False, highlight=False)
    console.print(_words("compare.saved", lang, files=", ".join(str(f) for f in files)), markup=False,
                  highlight=False)


def _save_study(study, folder: Path, fmt: str, jobs: int = 1, lang: str = "en") -> list[Path]:
    from actcli import runs, sweep
    from actcli.report import plots

    calls = [(plots.plot_gradient_norms, (study, folder / f"gradient_norms.{fmt}", lang)),
             (plots.plot_gradient_init, (study, folder / f"gradient_init.{fmt}", lang)),
             (plots.plot_gradient_hist, (study, folder / f"gradient_hist.{fmt}", lang)),
             (plots.plot_activation_hist, (study, folder / f"activation_hist.{fmt}", lang))]
    files = [Path(f) for f in sweep.draw_all(calls, jobs)]
    study.files = [Path(f).name for f in files]  # relative to gradients.json's folder
    files.append(runs.write_json(folder / "gradients.json", study.to_dict()))
    return files


# -- teach: activations, explain, check, export, init ------------------------------------------------------
