"""The actcli application: the Typer app, its error handling and the helpers every command shares.

Every mistake a user can make ends in one line on stderr and exit status 2 (`UserError`, an unknown name,
a bad option); Ctrl-C stops a training within a second, keeps what is finished and exits 130.
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from typer.core import TyperGroup

try:  # Typer ≥ 0.20 vendors click as typer._click; older versions use click itself
    from typer import _click as click
except ImportError:  # pragma: no cover
    import click

from actcli import __version__
from actcli.errors import UserError

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
                  rich_markup_mode=None, context_settings={"help_option_names": ["-h", "--help"]},
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
LangOpt = Annotated[Optional[str], typer.Option("--lang", metavar="en|ko", help="Language of explanations and "
                                                                               "tables: en or ko (default: from "
                                                                               "LANG).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout and nothing else.")]
JobsOpt = Annotated[int | None, typer.Option(
    "--jobs", help="Trainings in parallel (processes). Default: one per CPU core; the results are the same for any N.")]
PicturesOpt = Annotated[str, typer.Option("--format", metavar="png|svg|pdf", help="Pictures as png, svg or pdf.")]


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
    from actcli.teach.texts import current_lang

    try:
        return current_lang(lang)
    except ValueError as exc:
        raise UserError(f"{exc}") from None


def _check_environment() -> None:
    """The environment variables actcli reads, checked before a command runs."""
    kernels = os.environ.get("ACTCLI_KERNELS", "").strip().lower()
    if kernels not in ("", "auto", "numba", "numpy"):
        raise UserError(f"ACTCLI_KERNELS must be numba, numpy or auto, got '{os.environ['ACTCLI_KERNELS']}' — "
                        "e.g. ACTCLI_KERNELS=numpy, or unset it")
    if kernels == "numba":
        import importlib.util

        try:
            found = importlib.util.find_spec("numba") is not None
        except (ImportError, ValueError):  # a broken or blocked install
            found = False
        if not found:
            raise UserError("ACTCLI_KERNELS=numba, but numba is not installed — pip install 'actcli[fast]', "
                            "or unset ACTCLI_KERNELS")


def _guard(fn):
    """Run a command body: user errors → one line, exit 2."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from actcli.nn._registry import UnknownNameError

        try:
            _check_environment()
            return fn(*args, **kwargs)
        except UserError as exc:
            _fail(str(exc))
        except UnknownNameError as exc:
            _fail(str(exc))
        except MemoryError as exc:  # NumPy says how much it wanted: "Unable to allocate 191. GiB for ..."
            detail = str(exc).strip().rstrip(".")
            _fail(f"not enough memory{': ' + detail[0].lower() + detail[1:] if detail else ''} — make the "
                  "network smaller (fewer or narrower layers), the batch size or the dataset smaller")

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
    from actcli.nn import activations
    from actcli.nn._registry import unknown_name

    items = [v.strip() for v in value.split(",")]
    if not value.strip() or any(not v for v in items):
        raise UserError(f"--activations '{value}' has an empty item — give names separated by commas, "
                        "e.g. --activations relu,sigmoid")
    out = []
    for item in items:
        if item not in activations.REGISTRY:
            raise UserError("--activations: " + unknown_name("activation", item, activations.names()))
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


# run by a second Ctrl-C before it leaves at once: a --force replacement puts the old output back
_QUIT_HOOKS: list = []


class _Interrupt:
    """First Ctrl-C: ask the training to stop and keep what is finished. Second: leave at once (after
    _QUIT_HOOKS)."""

    def __init__(self, lang: str = "en"):
        from actcli.teach.texts import text

        self.event = threading.Event()
        self._old = None
        self._message = "\n" + text("tables", "run.stopping", lang) + "\n"  # looked up now, not in the handler

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self._old = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum, frame):
        if self.event.is_set():
            for hook in list(_QUIT_HOOKS):
                with contextlib.suppress(Exception):
                    hook()
            os._exit(130)
        self.event.set()
        sys.stderr.write(self._message)

    def __exit__(self, *exc):
        if self._old is not None:
            signal.signal(signal.SIGINT, self._old)
        return False


def _load_spec(path: Path | None, default=None):
    from actcli import spec as specmod

    if path is None:
        return (default or specmod.default_spec)(), None
    return specmod.load_spec(path), Path(path).resolve().parent


def _words(key: str, lang: str, **values) -> str:
    """A line of the terminal's words (texts/*/tables.yaml), looked up when needed: `actcli --help` stays fast."""
    from actcli.teach.texts import text

    return text("tables", key, lang, **values)


def _picture_lang(lang: str) -> str:
    """The pictures' language: Korean needs an installed font with Hangul; without one, English and a line on
    stderr saying how to get Korean pictures. (Only `lang="ko"` looks at the fonts, importing matplotlib's.)"""
    if lang != "ko":
        return "en"
    from actcli.report import plots
    from actcli.teach.texts import text

    if plots.picture_lang(lang) == "ko":
        return "ko"
    _say(text("pictures", "no_font", lang))
    return "en"


def _print_json(data: Any) -> None:
    from actcli import runs

    sys.stdout.write(runs.dumps_json(_finite(data)) + "\n")  # laid out as the run folders' JSON files


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


def _writable_file(path: Path, force: bool, example: str = "spec.yaml") -> None:
    """Refuse to overwrite (unless --force) and make sure the folder exists and takes files. `example`: a file
    name of the kind expected, for the hint when `path` is a folder."""
    from actcli import runs

    path = Path(path)
    if path.is_dir():
        raise UserError(f"{path}: is a folder — give a file name, e.g. {path / example}")
    if path.exists() and not force:
        raise UserError(f"{path}: already exists — choose another --out, or add --force to overwrite it")
    runs.prepare_dir(path.parent if str(path.parent) else Path("."), create=False)


# what each command writes into its --out folder (besides runs/<name>/ run folders), pictures in any format
OUTPUT_FILES = {
    "a run": ("spec.yaml", "data.json", "history.csv", "probes.json", "weights.npz", "metrics.json",
              *(f"{stem}.{fmt}" for stem in ("loss", "decision_boundary") for fmt in FORMATS)),
    "a comparison": ("results.json", "results.csv",
                     *(f"{stem}.{fmt}" for stem in ("compare", "compare_gradients") for fmt in FORMATS)),
    "a gradient study": ("gradients.json", *(f"{stem}.{fmt}" for stem in ("gradient_norms", "gradient_init",
                                                                           "gradient_hist", "activation_hist")
                                             for fmt in FORMATS)),
}
BACKUP_PREFIX = ".actcli-replaced-"


def _outputs(out: Path) -> tuple[list[str], list[Path]]:
    """What actcli wrote into `out` before: the kinds found ('a run', ...) and their files and run folders."""
    from actcli import runs

    kinds, found = [], []
    for kind, names in OUTPUT_FILES.items():
        files = [out / name for name in names if (out / name).is_file()]
        if files:
            kinds.append(kind)
            found += files
    sub = out / "runs"
    run_dirs = sorted(d for d in sub.iterdir() if runs.is_run_dir(d)) if sub.is_dir() else []
    if run_dirs and "a comparison" not in kinds and "a gradient study" not in kinds:
        kinds.append(f"runs/ ({len(run_dirs)} run folder{'s' if len(run_dirs) != 1 else ''})")
    return kinds, found + run_dirs


class _Replacement:
    """`--force` into a folder that holds actcli's output: the old output is moved aside into a hidden folder in
    `out` while the new one is made, then deleted (`commit`) — or put back (`restore`) when the new one was
    interrupted or failed, after removing what the new one had written. Other files are never touched."""

    def __init__(self, out: Path, old: list[Path]):
        import tempfile

        self.out, self.old = Path(out), old
        self.backup = Path(tempfile.mkdtemp(prefix=BACKUP_PREFIX, dir=self.out))  # same disk: moves are renames
        for path in old:
            target = self.backup / path.relative_to(self.out)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)
        _QUIT_HOOKS.append(self.restore)

    def _done(self) -> None:
        with contextlib.suppress(ValueError):
            _QUIT_HOOKS.remove(self.restore)

    def commit(self) -> None:
        self._done()
        _remove(self.backup)

    def restore(self) -> None:
        self._done()
        _, new = _outputs(self.out)
        for path in new:
            _remove(path)
        for path in self.old:
            _remove(path)  # a half-written run folder of the new output under the same name
            path.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self.backup / path.relative_to(self.out), path)
        _remove(self.backup)


def _remove(path: Path) -> None:
    import shutil

    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _settle(replacing: _Replacement | None, interrupted: bool) -> bool:
    """--force's end: an interrupted result does not replace a finished one (the old is put back: True), else
    the old output is deleted (False). Nothing to do without --force."""
    if replacing is None:
        return False
    if interrupted:
        replacing.restore()
        return True
    replacing.commit()
    return False


def _claim_folder(out: Path | None, force: bool, move: bool = True) -> _Replacement | None:
    """Refuse an --out folder that holds a run, a comparison or a gradient study (any of them, whatever the command
    writes), unless --force. With --force and `move`, the old output is moved aside (see `_Replacement`): call it
    once without `move` before any work, and with it just before the new output is made."""
    if out is None or not Path(out).is_dir():
        return None
    kinds, old = _outputs(Path(out))
    if not old:
        return None
    if not force:
        raise UserError(f"{out}: already holds {' and '.join(kinds)} — choose another --out, or add --force to "
                        "replace it")
    return _Replacement(Path(out), old) if move else None


def main() -> None:
    """The `actcli` command. When a command is done it leaves with os._exit, after flushing its output and
    running the atexit handlers: Python's own teardown (freeing numba's and matplotlib's objects one by one)
    would add 0.1-0.2 s to every command and gives nothing back, since every file is written and closed by then.
    An unexpected exception still goes through Python's normal exit (its traceback is printed)."""
    try:
        app(prog_name="actcli")
    except SystemExit as exc:
        _leave(exc.code)
    _leave(0)


def _leave(code: Any) -> None:
    """Exit now with `code` as SystemExit would (None → 0, a message → stderr and 1)."""
    import atexit

    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:
        sys.stderr.write(f"{code}\n")
        status = 1
    run_exitfuncs = getattr(atexit, "_run_exitfuncs", None)  # CPython's; elsewhere, the normal (slower) exit
    if run_exitfuncs is None:
        sys.exit(status)
    run_exitfuncs()  # multiprocessing's and logging's handlers, as at a normal exit
    try:
        sys.stdout.flush()
    except (BrokenPipeError, ValueError):  # the reader left early (`actcli activations | head`): nothing to say
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.flush()
    os._exit(status)
