"""The actcli command line (Typer): parse options, call the lab, hand results to the report. No math here.

Every mistake a user can make ends in one line on stderr and exit status 2 (`UserError`, an unknown name,
a bad option); Ctrl-C stops a training within a second, keeps what is finished and exits 130.
"""

from __future__ import annotations

import json
import math
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Annotated, Any, Literal, Optional

import typer
from typer.core import TyperGroup

try:  # Typer ≥ 0.20 vendors click as typer._click; older versions use click itself
    from typer import _click as click
except ImportError:  # pragma: no cover
    import click

from . import __version__
from .errors import UserError

_ABORTS = tuple({mod.Abort for mod in (click.exceptions, typer, click) if hasattr(mod, "Abort")})


class _Group(TyperGroup):
    """Turns usage errors and user errors into one clean line and exit status 2."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.NoArgsIsHelpError as exc:
            sys.stdout.write(exc.ctx.get_help() + "\n")
            sys.exit(0)
        except click.exceptions.UsageError as exc:
            cmd = exc.ctx.command_path if exc.ctx else "actcli"
            message = exc.format_message().replace("Value error, ", "")
            _fail(f"{message} — see '{cmd} --help'")
        except _ABORTS:
            sys.exit(130)
        except click.exceptions.ClickException as exc:
            _fail(exc.format_message())
        sys.exit(rv if isinstance(rv, int) else 0)


app = typer.Typer(cls=_Group, no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                  rich_markup_mode=None,
                  help="actcli — a lab for seeing how activation functions shape a neural network.")

FORMATS = ("png", "svg", "pdf")
# Names shown in --help without importing the engine (which would make --help slow); tests/test_cli.py
# checks each list against its registry, so they cannot drift.
ACTIVATION_NAMES = ("linear", "relu", "sigmoid", "tanh", "softmax", "leaky_relu", "relu6", "threshold",
                    "hard_sigmoid", "hard_silu", "hard_tanh", "hard_shrink", "soft_shrink", "sparse_sigmoid",
                    "sparse_plus", "elu", "selu", "celu", "exponential", "softplus", "softsign", "squareplus",
                    "silu", "gelu", "mish", "log_sigmoid", "tanh_shrink", "log_softmax", "sparsemax", "glu")
TASK_NAMES = ("moons", "circles", "xor", "gaussians", "spiral", "checkerboard", "blobs", "gaussian_quantiles",
              "classification", "plane", "sine")
EXAMPLE_NAMES = ("binary-sigmoid-head", "circles-relu", "deep-relu", "deep-sigmoid", "digits-deep-sigmoid",
                 "notes-sigmoid-head", "notes-softmax-head", "regression-linear", "spiral3-softmax")
LangOpt = Annotated[Optional[str], typer.Option("--lang", help="Language of explanations: en or ko "
                                                               "(default: from LANG).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout and nothing else.")]


# -- helpers ---------------------------------------------------------------------------------------------

def _fail(message: str, code: int = 2) -> None:
    sys.stderr.write(f"error: {message}\n")
    sys.stderr.flush()
    sys.exit(code)


def _say(message: str) -> None:
    """A plain line on stderr (not through Rich, which would wrap it at the console width)."""
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def _console(stderr: bool = False):
    from rich.console import Console

    console = Console(stderr=stderr, highlight=False, soft_wrap=False)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console.width = 140  # piped or captured output: wide enough for the comparison table
    return console


def _lang(lang: str | None) -> str:
    from .teach.texts import current_lang

    try:
        return current_lang(lang)
    except ValueError as exc:
        raise UserError(f"{exc}") from None


def _guard(fn):
    """Run a command body: user errors → one line, exit 2."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from .nn._registry import UnknownNameError

        try:
            return fn(*args, **kwargs)
        except UserError as exc:
            _fail(str(exc))
        except UnknownNameError as exc:
            _fail(str(exc))

    return wrapper


def _need(name: str, value: Any, minimum: float = 1, exclusive: bool = False, example: float | None = None) -> None:
    if value is None:
        return
    bad = value <= minimum if exclusive else value < minimum
    if bad:
        word = "greater than" if exclusive else "at least"
        example = example if example is not None else (minimum + 1 if exclusive else minimum)
        raise UserError(f"{name} must be {word} {minimum:g}, got {value:g} — e.g. {name} {example:g}")


def _format(fmt: str) -> str:
    fmt = fmt.lower().lstrip(".")
    if fmt not in FORMATS:
        raise UserError(f"--format must be one of {', '.join(FORMATS)}, got '{fmt}'")
    return fmt


def _activations(value: str) -> list[str]:
    from .nn import activations
    from .nn._registry import closest

    items = [v.strip() for v in value.split(",")]
    if not value.strip() or any(not v for v in items):
        raise UserError(f"--activations '{value}' has an empty item — give names separated by commas, "
                        "e.g. --activations relu,sigmoid")
    out = []
    for item in items:
        if item not in activations.REGISTRY:
            hint = closest(item, activations.names())
            hint = f" — did you mean '{hint}'?" if hint else ""
            raise UserError(f"--activations: unknown activation '{item}'{hint} "
                            f"Valid: {', '.join(activations.names())}")
        name = activations.REGISTRY.canonical(item)
        try:
            activations.get(name)
        except (TypeError, ValueError) as exc:
            raise UserError(f"--activations: '{item}' needs parameters ({exc}) — use it in a spec instead"
                            ) from None
        if name in out:
            raise UserError(f"--activations: '{item}' is listed twice — give each activation once")
        out.append(name)
    return out


class _Interrupt:
    """First Ctrl-C: ask the training to stop and keep what is finished. Second: leave at once."""

    def __init__(self):
        self.event = threading.Event()
        self._old = None

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self._old = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum, frame):
        if self.event.is_set():
            os._exit(130)
        self.event.set()
        sys.stderr.write("\nstopping after this batch, saving what is finished "
                         "(Ctrl-C again to quit at once)\n")

    def __exit__(self, *exc):
        if self._old is not None:
            signal.signal(signal.SIGINT, self._old)
        return False


def _load_spec(path: Path | None, default=None):
    from . import spec as specmod

    if path is None:
        return (default or specmod.default_spec)(), None
    return specmod.load_spec(path), Path(path).resolve().parent


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(_finite(data), indent=2, ensure_ascii=False, allow_nan=False) + "\n")


def _finite(data: Any) -> Any:
    """JSON has no inf or NaN: a non-finite number becomes null (e.g. exponential's unbounded slope)."""
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {k: _finite(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [_finite(v) for v in data]
    return data


# -- root ------------------------------------------------------------------------------------------------

def _version(value: bool) -> None:
    if value:
        typer.echo(f"actcli {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[Optional[bool], typer.Option("--version", callback=_version, is_eager=True,
                                                    help="Show the version and exit.")] = None,
) -> None:
    """actcli — a lab for seeing how activation functions shape a neural network.

    Start with 'actcli train' (the notes' model), 'actcli compare --activations relu,sigmoid' and
    'actcli plot-gradients'.
    """


# -- train ------------------------------------------------------------------------------------------------

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
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only the results table.")] = False,
    as_json: JsonOpt = False,
    no_plots: Annotated[bool, typer.Option("--no-plots", help="Do not draw loss.png and "
                                                              "decision_boundary.png.")] = False,
    lang: LangOpt = None,
) -> None:
    """Train a spec and save a run folder (spec, history, metrics, probes, weights, pictures).

    Example: actcli train configs/binary-sigmoid-head.yaml --epochs 20
    """
    from . import lab, runs
    from . import spec as specmod

    lang = _lang(lang)
    _need("--epochs", epochs)
    _need("--batch-size", batch_size)
    _need("--lr", lr, 0, exclusive=True, example=0.001)
    _need("--seed", seed, 0)
    sp, base_dir = _load_spec(spec)
    if any(v is not None for v in (epochs, batch_size, lr, seed)):
        sp = specmod.with_overrides(sp, epochs=epochs, batch_size=batch_size, lr=lr, seed=seed)
    dataset = lab.load_data(sp, base_dir)
    findings = _lint(sp, base_dir, lang, spec)
    lab.check_head(sp, dataset)
    model = lab.build_model(sp, dataset.n_features)
    existed = out is not None and Path(out).exists()
    run_dir = runs.new_run_dir(sp.name, out)
    console = _console()
    err = _console(stderr=True)
    show = not (quiet or as_json)
    warnings = [f for f in findings if f.level == "warning"]
    if warnings and not as_json:  # advice (info) is for 'actcli check'; warnings are shown, training goes on
        from .report.teach_tables import findings_table

        err.print(findings_table(warnings, lang))
    if show:
        from .report import tables

        console.print(tables.model_summary_table(model.summary_rows(), model.count_params(), sp.name))
    try:
        with _Interrupt() as intr, _progress(console, show, sp.training.epochs) as progress:
            result, art = lab.train_run(sp, base_dir, progress=progress, stop=intr.event, dataset=dataset,
                                        model=model)
            lab.save_run(result, art, run_dir, plots=not no_plots)
    except BaseException:
        if not existed:
            _remove_if_empty(run_dir)
        raise
    _report_run(result, console, err, quiet, as_json)
    if result.status == "diverged":
        at = result.stopped_at or {}
        _say(f"training diverged at epoch {at.get('epoch')}, step {at.get('step')}: the loss or the weights "
             f"stopped being finite — try a smaller learning rate (e.g. --lr {_smaller_lr(sp):g}). "
             f"History so far is in {run_dir}")
        raise typer.Exit(1)
    if result.status == "interrupted":
        _say(f"interrupted: what was finished is saved in {run_dir}")
        raise typer.Exit(130)


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
    from .teach import check

    findings = check.check_spec(sp, base_dir, lang)
    errors = check.errors_only(findings)
    if errors:
        where = f"{source}: " if source is not None else ""
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        see = f"actcli check {source}" if source is not None else "actcli check SPEC"
        first = errors[0]
        raise UserError(f"{where}{first.path}: {first.message} — {first.fix}{more}; see '{see}'")
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


def _report_run(result, console, err, quiet: bool, as_json: bool) -> None:
    if as_json:
        _print_json(result.metrics())
        return
    from .report import tables

    console.print(tables.run_results_table(result))
    if result.probes is not None and not quiet:
        console.print(tables.layer_gradients_table(result.probes))
    if not quiet:
        console.print(f"run folder: {result.run_dir}", markup=False, highlight=False)


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
    """Reload a run's weights and report loss and accuracy on its test data (or on --data).

    Example: actcli evaluate --run runs/moons-sigmoid-head-20260101-120000
    """
    model, sp, dataset = _trained_model(run)
    loss = model.loss.name
    if data is None:
        x, y, where = dataset.x_test, dataset.targets(loss, "test"), "its test split"
    else:
        x, labels = _csv_for_run(data, sp, dataset, need_target=True)
        y, where = _encode_like(dataset, labels, loss), str(data)
    import math

    import numpy as np

    with np.errstate(all="ignore"):
        res = model.evaluate(x, y, return_dict=True)
    metrics = {k: (float(v) if math.isfinite(float(v)) else None) for k, v in res.items()}
    out = {"run_dir": str(run), "data": where, "samples": int(len(x)), **metrics}
    if dataset.kind == "regression":
        out.pop("accuracy", None)
    if as_json:
        _print_json(out)
        return
    from rich.table import Table

    table = Table()
    table.add_column("metric")
    table.add_column("value", justify="right")
    for k in ("loss", "accuracy"):
        if k in out:
            v = out[k]
            table.add_row(k, "not finite" if v is None else (f"{v:.4f}" if k == "loss" else f"{v:.1%}"))
    table.add_row("samples", str(len(x)))
    console = _console()
    console.print(f"{sp.name} on {where}", markup=False, highlight=False)
    console.print(table)


def _trained_model(run: Path):
    """(model, spec, dataset) of a run folder; a run whose weights are not finite (diverged) is refused."""
    from . import lab
    from .errors import RunError

    model, sp, dataset = lab.rebuild_model(run)
    import numpy as np

    with np.errstate(all="ignore"):
        finite = model.weights_finite()
    if not finite:
        raise RunError(f"{run}: the run's weights are not finite (training diverged) — train it again with a "
                       "smaller learning rate (actcli train SPEC --lr ...)")
    return model, sp, dataset


def _csv_for_run(path: Path, sp, dataset, need_target: bool):
    """Read a CSV with the run's feature columns (and target), scaled like the training data."""
    from . import data as datamod

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
) -> None:
    """Predict with a trained run: one row per input row (class and probabilities, or the value).

    Example: actcli predict new_points.csv --run runs/moons-sigmoid-head-20260101-120000 --out preds.csv
    """
    from . import runs

    if out is not None:
        _writable_file(out, force=True)
    model, sp, dataset = _trained_model(run)
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
        _console().print(f"{len(rows)} predictions written to {out}", markup=False)
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
    from . import runs
    from .report import tables

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
    fmt: Annotated[str, typer.Option("--format", help="png, svg or pdf.")] = "png",
    as_json: JsonOpt = False,
) -> None:
    """List the synthetic tasks and their parameters, or draw one (actcli datasets moons --plot)."""
    from . import data as datamod
    from . import runs
    from .report import tables

    rows = datamod.describe_tasks()
    if name is not None:
        ds = datamod.make_task(name)
        rows = [r for r in rows if r["name"] == name]
        if plot:
            if ds.n_features != 2:
                two_d = ", ".join(t for t, info in datamod.TASKS.items() if info.two_d)
                raise UserError(f"task '{name}' has {ds.n_features} features; --plot draws 2-D tasks "
                                f"({two_d})")
            from .report import plots

            runs.prepare_dir(out)
            import numpy as np

            path = plots.plot_dataset(np.concatenate([ds.x_train, ds.x_test]),
                                      np.concatenate([ds.y_train, ds.y_test]),
                                      f"{name}: {len(ds.x_train) + len(ds.x_test)} samples",
                                      Path(out) / f"{name}.{_format(fmt)}")
            rows = [{**r, "file": str(path)} for r in rows]
    if as_json:
        _print_json(rows)
        return
    _console().print(tables.datasets_table(rows))
    for r in rows:
        if "file" in r:
            _console().print(f"saved {r['file']}", markup=False)


@app.command()
@_guard
def schema() -> None:
    """Print the JSON Schema of a spec (for editors that complete and check YAML)."""
    from .spec import json_schema

    _print_json(json_schema())


# -- compare -------------------------------------------------------------------------------------------------

def _study_out(out: Optional[Path], name: str) -> Path:
    from . import runs

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
    jobs: Annotated[int, typer.Option(help="Trainings in parallel (processes).")] = 1,
    out: Annotated[Optional[Path], typer.Option(help="Output folder (default: runs/compare-TIMESTAMP/).")
                   ] = None,
    fmt: Annotated[str, typer.Option("--format", help="Pictures as png, svg or pdf.")] = "png",
    as_json: JsonOpt = False,
    lang: LangOpt = None,
) -> None:
    """Train the same network once per hidden activation (and seed) and compare them.

    Example: actcli compare --activations relu,sigmoid,tanh --seeds 3 --jobs 2
    """
    from . import lab, sweep

    lang = _lang(lang)
    fmt = _format(fmt)
    acts = _activations(activations)
    for name, value in (("--depth", depth), ("--width", width), ("--epochs", epochs), ("--seeds", seeds),
                        ("--jobs", jobs)):
        _need(name, value)
    if not (0 < target <= 1):
        raise UserError(f"--target must be an accuracy between 0 and 1, got {target:g} — e.g. --target 0.9")
    if init not in ("auto", "keep"):
        raise UserError(f"--init must be auto or keep, got '{init}'")
    base, base_dir = _load_spec(spec, sweep.default_spec)
    if task is not None:
        base = _with_task(base, task)
    # Check everything that can be known before any training: data, head, the variants themselves.
    dataset = lab.load_data(base, base_dir)
    lab.check_head(base, dataset)
    for act in acts:
        lab.vary(base, act, init, depth, width, epochs)
    folder = _study_out(out, "compare")
    console = _console()
    show = not as_json

    def done(i, total, run):
        if show:
            state = run.status if run.status != "completed" else f"test accuracy {run.test_accuracy or 0:.1%}"
            console.print(f"[{i + 1}/{total}] {run.hidden_activation} seed {run.seed}: {state}", markup=False,
                          highlight=False)

    with _Interrupt() as intr:
        cmp = sweep.compare(base, acts, seeds=seeds, depth=depth, width=width, epochs=epochs, target=target,
                            init_mode=init, jobs=jobs, out=folder, base_dir=base_dir, fmt=fmt,
                            stop=intr.event, on_done=done)
    files = _save_comparison(cmp, folder, fmt, jobs)
    if as_json:
        _print_json({"results": cmp.to_dict(with_runs=False)["results"], "files": [str(f) for f in files],
                     "out": str(folder)})
    else:
        from .report import tables
        from .teach.narrate import compare_sentences

        console.print(tables.comparison_table(cmp, lang))
        for sentence in compare_sentences(cmp, lang):
            console.print(sentence, markup=False, highlight=False)
        console.print(f"saved: {', '.join(str(f) for f in files)}", markup=False, highlight=False)
    if intr.event.is_set():
        raise typer.Exit(130)


def _with_task(base, task: str):
    from . import data as datamod
    from .spec import spec_from_dict

    if task not in datamod.TASKS:
        from .nn._registry import closest

        hint = closest(task, list(datamod.TASKS))
        hint = f" — did you mean '{hint}'?" if hint else ""
        raise UserError(f"--task: unknown task '{task}'{hint} Valid: {', '.join(datamod.TASKS)}")
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


def _save_comparison(cmp, folder: Path, fmt: str, jobs: int = 1) -> list[Path]:
    import dataclasses

    from . import runs, sweep
    from .report import plots
    from .results import ActivationSummary

    files = [Path(f) for f in sweep.draw_all([(plots.plot_compare, (cmp, folder / f"compare.{fmt}")),
                                              (plots.plot_compare_gradients,
                                               (cmp, folder / f"compare_gradients.{fmt}"))], jobs)]
    header = [f.name for f in dataclasses.fields(ActivationSummary)]
    rows = [[getattr(r, k) for k in header] for r in cmp.results]
    files.append(runs.write_csv(folder / "results.csv", header, rows))
    # results.json names its files relative to its own folder, so it is the same wherever --out points
    cmp.files = [Path(f).name for f in files] + ["results.json"]
    data = cmp.to_dict()
    for runs_ in data.get("runs", {}).values():  # run folders relative to the comparison's folder
        for r in runs_:
            if r.get("run_dir"):
                r["run_dir"] = os.path.relpath(r["run_dir"], folder)
    files.append(runs.write_json(folder / "results.json", data))
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
                                                                "of 32).")] = None,
    run: Annotated[Optional[Path], typer.Option("--run", help="Draw a finished train run's probes "
                                                              "(no training).")] = None,
    depth: Annotated[Optional[int], typer.Option(help="Hidden layers (default 6 for the built-in net).")
                     ] = None,
    width: Annotated[Optional[int], typer.Option(help="Units per hidden layer.")] = None,
    epochs: Annotated[Optional[int], typer.Option(help="Epochs of training.")] = None,
    init: Annotated[Optional[str], typer.Option(
        help="auto (He/Glorot/LeCun to suit) or keep (the spec's own). Default: auto, or keep with --spec.")
    ] = None,
    jobs: Annotated[int, typer.Option(help="Trainings in parallel (processes).")] = 1,
    out: Annotated[Optional[Path], typer.Option(help="Output folder (default: runs/gradients-TIMESTAMP/).")
                   ] = None,
    fmt: Annotated[str, typer.Option("--format", help="Pictures as png, svg or pdf.")] = "png",
    as_json: JsonOpt = False,
    lang: LangOpt = None,
) -> None:
    """Draw the gradient that reaches each layer, at initialisation and while training.

    With no option: 6 hidden layers on the notes' task, once each with sigmoid, tanh and relu. With --spec and
    no --activations: that spec exactly as written (its activations and initializers).

    Example: actcli plot-gradients --activations sigmoid,relu --depth 8
    """
    from . import lab, sweep

    lang = _lang(lang)
    fmt = _format(fmt)
    for name, value in (("--depth", depth), ("--width", width), ("--epochs", epochs), ("--jobs", jobs)):
        _need(name, value)
    if init is None:
        init = "keep" if spec is not None else "auto"
    if init not in ("auto", "keep"):
        raise UserError(f"--init must be auto or keep, got '{init}'")
    if run is not None:
        result, _ = lab.load_run(run)
        study = sweep.study_from_run(result)
        folder = _study_out(out, "gradients") if out is not None else Path(run)
    else:
        if activations is None and spec is None:
            activations = "sigmoid,tanh,relu"
        acts = _activations(activations) if activations is not None else None
        base, base_dir = _load_spec(spec, sweep.study_spec)
        if spec is None and depth is None:
            depth = sweep.STUDY_DEPTH
        dataset = lab.load_data(base, base_dir)
        lab.check_head(base, dataset)
        for act in acts or []:
            lab.vary(base, act, init, depth, width, epochs)
        folder = _study_out(out, "gradients")
        with _Interrupt() as intr:
            study = sweep.gradient_study(base, acts, depth=depth, width=width, epochs=epochs, init_mode=init,
                                         jobs=jobs, out=folder, base_dir=base_dir, stop=intr.event)
    files = _save_study(study, folder, fmt, jobs)
    if as_json:
        _print_json({"activations": study.layers_json(), "files": [str(f) for f in files],
                     "out": str(folder)})
        return
    from .report import tables
    from .teach.narrate import gradient_sentences

    console = _console()
    console.print(tables.gradient_study_table(study))
    for sentence in gradient_sentences(study, lang):
        console.print(sentence, markup=False, highlight=False)
    console.print(f"saved: {', '.join(str(f) for f in files)}", markup=False, highlight=False)


def _save_study(study, folder: Path, fmt: str, jobs: int = 1) -> list[Path]:
    from . import runs, sweep
    from .report import plots

    calls = [(plots.plot_gradient_norms, (study, folder / f"gradient_norms.{fmt}")),
             (plots.plot_gradient_init, (study, folder / f"gradient_init.{fmt}")),
             (plots.plot_gradient_hist, (study, folder / f"gradient_hist.{fmt}")),
             (plots.plot_activation_hist, (study, folder / f"activation_hist.{fmt}"))]
    files = [Path(f) for f in sweep.draw_all(calls, jobs)]
    study.files = [Path(f).name for f in files]  # relative to gradients.json's folder
    files.append(runs.write_json(folder / "gradients.json", study.to_dict()))
    return files


# -- teach: activations, explain, check, export, init ------------------------------------------------------

@app.command()
@_guard
def activations(lang: LangOpt = None, as_json: JsonOpt = False) -> None:
    """A table of every activation: formula, output range, largest derivative, typical use, pitfalls.

    Example: actcli activations --lang ko
    """
    from .teach import explain as ex

    lang = _lang(lang)
    rows = ex.activation_rows(lang)
    if as_json:
        _print_json(rows)
        return
    from .report.teach_tables import activations_table

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
    from .teach import explain as ex

    lang = _lang(lang)
    fmt = _format(fmt)
    expl = ex.explain(name, lang)
    files = []
    if not no_plot:
        from . import runs
        from .report import plots

        runs.prepare_dir(out)
        path = Path(out) / f"{expl.name}.{fmt}"
        files.append(Path(plots.plot_activation_function(expl.name, expl.x, expl.y, expl.dy, path,
                                                          expl.picture_title)))
    if as_json:
        _print_json({**expl.to_dict(), "files": [str(f) for f in files]})
        return
    from .report.teach_tables import explanation_renderable

    console = _console()
    console.print(explanation_renderable(expl))
    for f in files:
        console.print(f"saved {f}", markup=False, highlight=False)


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
    from .teach import check as checker

    lang = _lang(lang)
    sp, base_dir = _load_spec(spec)
    findings = checker.check_spec(sp, base_dir, lang)
    counts = {lvl: sum(f.level == lvl for f in findings) for lvl in ("error", "warning", "info")}
    if as_json:
        _print_json({"spec": str(spec), **{f"{k}s": v for k, v in counts.items()},
                     "findings": [f.to_dict() for f in findings]})
    elif findings:
        from .report.teach_tables import findings_table

        _console().print(findings_table(findings, lang))
    else:
        from .teach.texts import text

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
    from .teach import export as exporter

    sp, base_dir = _load_spec(spec)
    if out is not None:
        _writable_file(out, force)
    code = exporter.export(sp, to, base_dir)
    if out is None:
        sys.stdout.write(code if code.endswith("\n") else code + "\n")
        return
    from . import runs

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
    from .teach import starter

    lang = _lang(lang)
    if out is None:  # the name the starter's own comment tells the learner to train
        out = Path(f"{example}.yaml" if example else f"{task}-{head}.yaml")
    if str(out) != "-":
        _writable_file(out, force)
    text = starter.example(example) if example else starter.starter_spec(task, head, lang)
    if str(out) == "-":
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    from . import runs

    runs.write_text(out, text)
    _console().print(f"wrote {out} — next: actcli check {out} && actcli train {out}", markup=False,
                     highlight=False)


def _writable_file(path: Path, force: bool) -> None:
    """Refuse to overwrite (unless --force) and make sure the folder exists and takes files."""
    from . import runs

    path = Path(path)
    if path.is_dir():
        raise UserError(f"{path}: is a folder — give a file name, e.g. {path / 'spec.yaml'}")
    if path.exists() and not force:
        raise UserError(f"{path}: already exists — choose another --out, or add --force to overwrite it")
    runs.prepare_dir(path.parent if str(path.parent) else Path("."), create=False)


def main() -> None:
    app(prog_name="actcli")


if __name__ == "__main__":  # python -m actcli.cli (the tests run it so, in a subprocess)
    main()
