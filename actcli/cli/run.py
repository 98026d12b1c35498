"""Commands around one training: train, evaluate, predict, runs, datasets, schema."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from actcli.errors import UserError

from .app import (
    JsonOpt,
    LangOpt,
    PicturesOpt,
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
    _writable_file,
    app,
)


@app.command()
@_guard
def train(
    spec: Annotated[Optional[Path], typer.Argument(
        help="A YAML spec (see configs/). Default: the notes' model, "
             "28 features → 64 relu → 32 relu → 10 softmax.")] = None,
    epochs: Annotated[Optional[int], typer.Option(help="Override training.epochs.")] = None,
    batch_size: Annotated[Optional[int], typer.Option(help="Override training.batch_size.")] = None,
    lr: Annotated[Optional[float], typer.Option(help="Override the optimizer's learning_rate.")] = None,
    seed: Annotated[Optional[int], typer.Option(help="Override training.seed (weights, shuffling).")] = None,
    out: Annotated[Optional[Path], typer.Option(help="Run folder (default: runs/NAME-TIMESTAMP/).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only the results table (and the spec's "
                                                              "warnings, on stderr).")] = False,
    as_json: JsonOpt = False,
    no_plots: Annotated[bool, typer.Option("--no-plots", help="Do not draw loss.png and "
                                                              "decision_boundary.png.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Replace the run already in --out (once the new "
                                                        "one is saved).")] = False,
    fmt: PicturesOpt = "png",
    lang: LangOpt = None,
) -> None:
    """Train a spec and save a run folder (spec, history, metrics, probes, weights, pictures).

    Example: actcli train configs/binary-sigmoid-head.yaml --epochs 20
    """
    from actcli import lab, runs, sweep
    from actcli import spec as specmod

    lang = _lang(lang)
    _need("--epochs", epochs)
    _need("--batch-size", batch_size)
    _need("--lr", lr, 0, exclusive=True, example=0.001)
    _need("--seed", seed, 0)
    fmt = _format(fmt)
    _claim_folder(out, force, move=False)  # before any work: what the folder holds is not lost
    sp, base_dir = _load_spec(spec)
    if any(v is not None for v in (epochs, batch_size, lr, seed)):
        sp = specmod.with_overrides(sp, epochs=epochs, batch_size=batch_size, lr=lr, seed=seed)
    dataset = lab.load_data(sp, base_dir)
    findings = _lint(sp, base_dir, lang, spec)
    lab.check_head(sp, dataset)
    model = lab.build_model(sp, dataset.n_features, dataset.kind)
    existed = out is not None and Path(out).exists()
    run_dir = runs.new_run_dir(sp.name, out)
    console = _console()
    err = _console(stderr=True)
    show = not (quiet or as_json)
    warnings = [f for f in findings if f.level == "warning"]
    if warnings and not as_json:  # advice (info) is for 'actcli check'; warnings are shown, training goes on
        from actcli.report.teach_tables import findings_table

        err.print(findings_table(warnings, lang))
    if show:
        from actcli.report import tables

        console.print(tables.model_summary_table(model.summary_rows(), model.count_params(), sp.name))
    replacing = _claim_folder(out, force)  # --force: the old run moved aside until the new one is saved
    try:
        with _Interrupt(lang) as intr, _progress(console, show, sp.training.epochs) as progress:
            result, art = lab.train_run(sp, base_dir, progress=progress, stop=intr.event, dataset=dataset,
                                        model=model)
            # the pictures in parallel processes, on a machine with two cores or more
            lab.save_run(result, art, run_dir, plots=not no_plots, fmt=fmt, jobs=sweep.cpu_cores(),
                         lang=_picture_lang(lang) if not no_plots else "en")
        kept = _settle(replacing, result.status == "interrupted")
    except BaseException:
        if replacing is not None:
            replacing.restore()
        elif not existed:
            _remove_if_empty(run_dir)
        raise
    if kept:
        result.run_dir = None
    _report_run(result, console, err, quiet, as_json, lang)
    chance = math.log(max(dataset.n_classes, 2)) if dataset.kind != "regression" else None
    overshoot = _overshoot(result.history.get("loss") or [], chance)
    if result.status == "completed" and overshoot:  # finite, so not "diverged", but the lesson is the same
        key, values = overshoot
        _say(_words(f"run.{key}", lang, **values, lr=f"{_smaller_lr(sp):g}"))
    if result.status == "diverged":
        at = result.stopped_at or {}
        _say(_words("run.diverged", lang, epoch=at.get("epoch"), step=at.get("step"), lr=f"{_smaller_lr(sp):g}",
                    path=run_dir))
        raise typer.Exit(1)
    if result.status == "interrupted":
        _say(_words("run.kept" if kept else "run.interrupted", lang, path=run_dir))
        raise typer.Exit(130)


def _overshoot(losses: list, chance: float | None) -> tuple[str, dict] | None:
    """A training loss that ended more than ten times what a blind guess gives (`chance`: ln of the number of
    classes, the cross-entropy of uniform probabilities) or, without one, than its first epoch's: a learning
    rate so large that the steps overshoot, though nothing overflowed. (text key, its values) or None."""
    values = [v for v in losses if v is not None and math.isfinite(v)]
    if not values:
        return None
    last = f"{values[-1]:.4g}"
    if chance is not None and values[-1] > 10 * chance:
        return "huge", {"last": last, "chance": f"{chance:.2f}"}
    if len(values) >= 2 and values[0] > 0 and values[-1] > 10 * values[0]:
        return "grew", {"first": f"{values[0]:.4g}", "last": last}
    return None


def _smaller_lr(sp) -> float:
    opt = sp.resolved()["training"]["optimizer"]
    lr = opt.get("learning_rate", 0.01) if isinstance(opt, dict) else 0.01
    # a tenth of it, but never more than 0.01 (a lr of 1e6 would otherwise suggest 1e5)
    return min(float(lr) / 10, 0.01) if isinstance(lr, (int, float)) else 0.001


def _remove_if_empty(path: Path) -> None:
    try:
        if path.is_dir() and not any(p for p in path.iterdir() if not p.name.startswith(".")):
            for p in path.iterdir():
                p.unlink()
            path.rmdir()
    except OSError:
        pass


def _lint(sp, base_dir, lang, source: Path | None = None):
    """The linter's findings (teach.check). Errors stop here with exit status 2, in one line each."""
    from actcli.teach import check

    findings = check.check_spec(sp, base_dir, lang)
    errors = check.errors_only(findings)
    if errors:
        line = f":{errors[0].line}" if errors[0].line else ""
        where = f"{source}{line}: " if source is not None else ""
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        see = f"actcli check {source}" if source is not None else "actcli check SPEC"
        first = errors[0]
        raise UserError(f"{where}{first.path}: {first.message} — {first.fix.rstrip('.')}{more}; "
                        + _words("run.see", lang, command=see))
    return findings


class _progress:
    """Live loss/accuracy: a Rich progress bar on a terminal, plain lines otherwise, nothing when quiet."""

    def __init__(self, console, show: bool, epochs: int):
        self.console, self.show, self.epochs = console, show, epochs
        self.bar = None

    def __enter__(self):
        if self.show and self.console.is_terminal:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.bar = Progress(TextColumn("epoch"), MofNCompleteColumn(), BarColumn(),
                                TextColumn("{task.fields[m]}"), TimeElapsedColumn(), console=self.console,
                                transient=False)
            self.bar.start()
            self.task = self.bar.add_task("train", total=self.epochs, m="")
        return self if self.show else None

    def __call__(self, epoch: int, epochs: int, logs: dict) -> None:
        shown = "  ".join(f"{k} {v:.4f}" for k, v in logs.items() if isinstance(v, float))
        if self.bar is not None:
            self.bar.update(self.task, completed=epoch, m=shown)
        else:
            self.console.print(f"epoch {epoch}/{epochs}  {shown}", markup=False, highlight=False)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.stop()
        return False


def _report_run(result, console, err, quiet: bool, as_json: bool, lang: str = "en") -> None:
    if as_json:
        _print_json(result.metrics())
        return
    from actcli.report import tables

    console.print(tables.run_results_table(result, lang))
    if result.probes is not None and not quiet:
        console.print(tables.layer_gradients_table(result.probes, lang))
    if not quiet and result.run_dir:
        console.print(_words("run.folder", lang, path=result.run_dir), markup=False, highlight=False)


# -- evaluate / predict / runs -------------------------------------------------------------------------------

RunOpt = Annotated[Path, typer.Option("--run", help="A run folder written by 'actcli train'.")]


@app.command()
@_guard
def evaluate(
    run: RunOpt,
    data: Annotated[Optional[Path], typer.Option(
        "--data", help="A CSV with the run's feature columns and its target (y for a synthetic task); "
                       "default: the run's own test split.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Reload a run's weights; report loss and accuracy (MAE for regression) on its test data or on --data.

    Example: actcli evaluate --run runs/moons-sigmoid-head-20260101-120000
    """
    from actcli import lab

    # its own test split is rebuilt from the training data; --data needs only data.json (features, scaling)
    model, sp, dataset = lab.trained_model(run, rows=data is None)
    loss = model.loss.name
    if data is None:
        x, y, where = dataset.x_test, dataset.targets(loss, "test"), "its test split"
    else:
        x, labels = _csv_for_run(data, sp, dataset, need_target=True)
        y, where = _encode_like(dataset, labels, loss), str(data)

    import numpy as np

    with np.errstate(all="ignore"):
        res = model.evaluate(x, y, return_dict=True)  # a regression model reports no accuracy
        if dataset.kind == "regression":
            res["mae"] = float(np.abs(model.predict(x) - y).mean())
    metrics = {k: (float(v) if math.isfinite(float(v)) else None) for k, v in res.items()}
    out = {"run_dir": str(run), "data": where, "samples": int(len(x)), **metrics}
    if as_json:
        _print_json(out)
        return
    from rich.table import Table

    table = Table()
    table.add_column("metric")
    table.add_column("value", justify="right")
    for k in ("loss", "accuracy", "mae"):
        if k in out:
            v = out[k]
            table.add_row(k, "not finite" if v is None else (f"{v:.1%}" if k == "accuracy" else f"{v:.4f}"))
    table.add_row("samples", str(len(x)))
    console = _console()
    console.print(f"{sp.name} on {where}", markup=False, highlight=False)
    console.print(table)


def _csv_for_run(path: Path, sp, dataset, need_target: bool):
    """Read a CSV with the run's feature columns (and target), scaled like the training data."""
    from actcli import data as datamod

    return datamod.read_features_for(path, dataset, need_target=need_target)


def _encode_like(dataset, labels, loss: str):
    import dataclasses

    fake = dataclasses.replace(dataset, y_test=labels)
    return fake.targets(loss, "test")


@app.command()
@_guard
def predict(
    file: Annotated[Path, typer.Argument(help="A CSV with the run's feature columns (others are ignored).")],
    run: RunOpt,
    out: Annotated[Optional[Path], typer.Option("--out", help="Write predictions to this CSV "
                                                              "(default: print them).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite the --out file if it exists.")] = False,
) -> None:
    """Predict with a trained run: one row per input row (class and probabilities, or the value).

    Example: actcli predict new_points.csv --run runs/moons-sigmoid-head-20260101-120000 --out preds.csv
    """
    from actcli import lab, runs

    if out is not None:
        if Path(out).resolve() == Path(file).resolve():  # --force would replace the rows by their predictions
            raise UserError(f"{out}: is the input file itself — write the predictions elsewhere, "
                            "e.g. --out predictions.csv")
        _writable_file(out, force, example="predictions.csv")
    model, sp, dataset = lab.trained_model(run, rows=False)  # the run's data.json, not its training data
    x, _ = _csv_for_run(file, sp, dataset, need_target=False)
    import numpy as np

    with np.errstate(all="ignore"):
        p = model.predict(x)
    if dataset.kind == "regression":
        header, rows = ["prediction"], [[float(v)] for v in p[:, 0]]
    elif p.shape[1] == 1:
        header = ["class", "probability"]
        rows = [[dataset.class_names[int(v > 0.5)], float(v)] for v in p[:, 0]]
    else:
        header = ["class", *[f"p_{c}" for c in dataset.class_names]]
        rows = [[dataset.class_names[int(np.argmax(r))], *map(float, r)] for r in p]
    if out is not None:
        runs.write_csv(out, header, rows)
        _console().print(f"{len(rows)} prediction{'s' if len(rows) != 1 else ''} written to {out}", markup=False)
        return
    import csv

    w = csv.writer(sys.stdout, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)


@app.command("runs")
@_guard
def runs_cmd(
    folder: Annotated[Path, typer.Option("--dir", help="Where the runs are.")] = Path("runs"),
    as_json: JsonOpt = False,
) -> None:
    """List the run folders: name, date, task, status and test metric."""
    from actcli import runs
    from actcli.report import tables

    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise UserError(f"{folder}: is a file, not a folder of runs — give --dir the folder that holds them")
    if not folder.exists() and folder != Path("runs"):
        raise UserError(f"{folder}: no such folder — runs are kept in runs/ unless train --out put them "
                        "elsewhere")
    rows = runs.list_runs(folder)
    if as_json:
        _print_json(rows)
        return
    if not rows:
        _console().print(f"no runs in {folder}/ yet — try: actcli train", markup=False)
        return
    _console().print(tables.runs_table(rows))


# -- datasets / schema ---------------------------------------------------------------------------------------

@app.command()
@_guard
def datasets(
    name: Annotated[Optional[str], typer.Argument(help="A task to show (omit to list them all).")] = None,
    plot: Annotated[bool, typer.Option("--plot", help="Save a scatter picture of a 2-D task.")] = False,
    out: Annotated[Path, typer.Option("--out", help="Folder for the picture.")] = Path("."),
    fmt: PicturesOpt = "png",
    as_json: JsonOpt = False,
    lang: LangOpt = None,
) -> None:
    """List the synthetic tasks and their parameters, or draw one (actcli datasets moons --plot)."""
    from actcli import data as datamod
    from actcli import runs
    from actcli.report import tables
    from actcli.teach.texts import text

    lang = _lang(lang)
    rows = [{**r, "description": text("tasks", r["name"], lang)} if r["name"] in datamod.TASKS else r
            for r in datamod.describe_tasks()]
    if name is not None:
        ds = datamod.make_task(name)
        rows = [r for r in rows if r["name"] == name]
        if plot:
            if ds.n_features > 2:
                two_d = ", ".join(t for t, info in datamod.TASKS.items() if info.two_d)
                raise UserError(f"task '{name}' has {ds.n_features} features; --plot draws tasks of one or two "
                                f"({two_d}, sine)")
            from actcli.report import plots

            runs.prepare_dir(out)
            import numpy as np

            drawn_in = _picture_lang(lang)
            path = plots.plot_dataset(np.concatenate([ds.x_train, ds.x_test]),
                                      np.concatenate([ds.y_train, ds.y_test]),
                                      text("pictures", "points.samples", drawn_in, name=name,
                                           n=len(ds.x_train) + len(ds.x_test)),
                                      Path(out) / f"{name}.{_format(fmt)}", drawn_in)
            rows = [{**r, "file": str(path)} for r in rows]
    if as_json:
        _print_json(rows)
        return
    _console().print(tables.datasets_table(rows, lang))
    for r in rows:
        if "file" in r:
            _console().print(_words("run.saved_file", lang, path=r["file"]), markup=False)


@app.command()
@_guard
def schema() -> None:
    """Print the JSON Schema of a spec (for editors that complete and check YAML)."""
    from actcli.spec import json_schema

    _print_json(json_schema())


# -- compare -------------------------------------------------------------------------------------------------
