"""Run folders and their artifacts, written atomically (a temporary name, then a rename).

A run folder holds `spec.yaml`, `history.csv`, `metrics.json`, `probes.json`, `weights.npz` and pictures.
A crash can leave a missing file, never a half-written one that looks whole.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from .errors import RunError, UserError

RUNS_DIR = Path("runs")


def _file_mode() -> int:
    """0666 less the umask, read once at import (os.umask can only be read by setting it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


_FILE_MODE = _file_mode()


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path next to `path`; on success rename it to `path`, on failure remove it."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp" + path.suffix, dir=path.parent)
    os.close(fd)
    os.chmod(tmp, _FILE_MODE)  # mkstemp makes 0600; a run folder's files are as readable as any other
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_text(path: Path, text: str) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


# one line, ", " and ": " between items: json's C encoder (with `indent`, json uses its pure-Python encoder)
_LINE = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(", ", ": "))


def dumps_json(data: Any) -> str:
    """JSON laid out for reading: a dict or list that holds a dict is opened one item per line (indented by two),
    anything else (a number, a per-epoch series, a histogram, a dict of plain values such as one layer's statistics
    in one epoch) is written on one line. The same data as json.dumps; against its `indent=2`, on a 1000-epoch
    compare's results.json: 130,171 lines → 650, 4.1 → 2.6 MB, 96 → 73 ms (writing each float's digits is most of
    what is left)."""
    parts: list[str] = []
    line = _LINE.encode

    def opens(value: Any) -> bool:  # a dict holding any container, or a list holding a dict at any depth
        if isinstance(value, dict):
            return any(isinstance(v, (dict, list, tuple)) for v in value.values())
        return any(isinstance(v, dict) or (isinstance(v, (list, tuple)) and opens(v)) for v in value)

    def walk(value: Any, pad: str) -> None:
        if not isinstance(value, (dict, list, tuple)) or not value or not opens(value):
            parts.append(line(value))
            return
        inner = pad + "  "
        if isinstance(value, dict):
            items = [f"{line(str(k))}: " for k in value]
            values = value.values()
            parts.append("{\n")
        else:
            items, values = [""] * len(value), value
            parts.append("[\n")
        for i, (key, v) in enumerate(zip(items, values)):
            parts.append(inner + key)
            walk(v, inner)
            parts.append(",\n" if i < len(items) - 1 else "\n")
        parts.append(pad + ("}" if isinstance(value, dict) else "]"))

    walk(data, "")
    return "".join(parts)


def write_json(path: Path, data: Any) -> Path:
    return write_text(path, dumps_json(data) + "\n")


def write_csv(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for row in rows:
        w.writerow(["" if v is None else (repr(float(v)) if isinstance(v, float) else v) for v in row])
    return write_text(path, buf.getvalue())


def write_weights(path: Path, weights: list[np.ndarray]) -> Path:
    """weights.npz in Keras's order: arrays named w0, w1, ... ([kernel0, bias0, kernel1, ...])."""
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            np.savez(fh, **{f"w{i}": w for i, w in enumerate(weights)})
    return Path(path)


def read_weights(path: Path, shapes: list[tuple[int, ...]]) -> list[np.ndarray]:
    """Load weights.npz safely (no pickle) and check it holds the expected arrays and shapes."""
    path = Path(path)
    if not path.is_file():
        raise RunError(f"{path}: weights file not found — train the run again (actcli train SPEC --out DIR)")
    try:
        with open(path, "rb") as fh:
            head = fh.read(4)
    except OSError as exc:
        raise RunError(f"{path}: cannot be read ({exc.strerror or exc}) — train the run again") from None
    if head != b"PK\x03\x04":  # else np.load takes any other bytes for a pickle, and says so
        raise RunError(f"{path}: {'empty' if not head else 'not an .npz file'} (actcli writes its weights "
                       "as a zip of arrays) — train the run again")
    try:  # our own file handle: np.load leaks its own when a damaged zip makes it raise
        with open(path, "rb") as fh, np.load(fh, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except ValueError as exc:
        if "pickle" in str(exc).lower():
            raise RunError(f"{path}: holds pickled objects, which actcli refuses to load — "
                           "use a weights.npz written by actcli") from None
        raise RunError(f"{path}: not a readable .npz file ({exc}) — train the run again") from None
    except Exception as exc:  # zipfile.BadZipFile, EOFError, OSError on truncated files
        raise RunError(f"{path}: damaged or truncated ({type(exc).__name__}) — train the run again") from None
    out = []
    for i, shape in enumerate(shapes):
        key = f"w{i}"
        if key not in arrays:
            raise RunError(f"{path}: missing array '{key}' (expected {len(shapes)} arrays) — "
                           "train the run again")
        if tuple(arrays[key].shape) != tuple(shape):
            raise RunError(f"{path}: array '{key}' has shape {arrays[key].shape}, the model needs "
                           f"{tuple(shape)} — the weights do not belong to this spec")
        if not np.issubdtype(arrays[key].dtype, np.floating):
            raise RunError(f"{path}: array '{key}' is {arrays[key].dtype}, not floating point")
        out.append(arrays[key])
    return out


def slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "run"


def new_run_dir(name: str, out: Path | None = None, base: Path | None = None) -> Path:
    """`out` exactly when given (created if its parent folder exists), else runs/<name>-<timestamp>/
    (runs/ is created as needed). Either way the folder is proven writable before anything trains."""
    if out is not None:
        path = Path(out)
        prepare_dir(path)
        return path
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    root = Path(base or RUNS_DIR)
    path = root / f"{slug(name)}-{stamp}"
    i = 1
    while path.exists():
        path = root / f"{slug(name)}-{stamp}-{i}"
        i += 1
    prepare_dir(path, parents=True)
    return path


def prepare_dir(path: Path, create: bool = True, parents: bool = False) -> None:
    """Make sure `path` is a folder that takes files, before any training starts; raises UserError.

    `create`: make the folder when it is missing (its parent must exist unless `parents`). A typo in
    --out then fails at once instead of quietly growing a new tree of folders.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise UserError(f"{path}: exists and is not a folder — choose another --out")
    if not path.exists():
        parent = path.parent
        if not create:
            raise UserError(f"{path}: no such folder — create it first (mkdir -p {path}) "
                            "or choose another --out")
        if not parents and not parent.is_dir():
            if parent.exists():  # mkdir -p would fail on it too
                raise UserError(f"{path}: {parent} is a file, not a folder — choose another --out")
            raise UserError(f"{path}: its parent folder {parent} does not exist — create it first "
                            f"(mkdir -p {parent}) or choose another --out")
    try:
        path.mkdir(parents=parents, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".write-test-"):
            pass
    except OSError as exc:
        raise UserError(f"{path}: cannot write there ({exc.strerror or exc}) — choose another --out"
                        ) from None


def is_run_dir(path: Path) -> bool:
    return (Path(path) / "metrics.json").is_file() and (Path(path) / "spec.yaml").is_file()


def load_json(path: Path) -> dict:
    path = Path(path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RunError(f"{path}: not found — is this a run folder written by actcli train?") from None
    except (OSError, ValueError) as exc:
        raise RunError(f"{path}: unreadable ({exc}) — the run folder is damaged; train again") from None


def require_run(path: Path) -> Path:
    path = Path(path)
    if not path.is_dir():
        raise RunError(f"{path}: {'is a file, not a run folder' if path.is_file() else 'no such run folder'} — "
                       "list runs with 'actcli runs'")
    if not is_run_dir(path):
        raise RunError(f"{path}: not a run folder (no metrics.json and spec.yaml) — "
                       "point --run at a folder written by 'actcli train'")
    return path


def _study_row(path: Path) -> dict | None:
    """A comparison's or a gradient study's folder as a row of `list_runs` (kind, task, the best test accuracy
    for a comparison), or None when `path` is neither."""
    found = next(((name, kind) for name, kind in (("results.json", "comparison"), ("gradients.json", "gradient study"))
                  if (path / name).is_file()), None)
    if found is None:
        return None
    name, kind = found
    row = {"name": path.name, "kind": kind, "run_dir": str(path),
           "date": datetime.fromtimestamp((path / name).stat().st_mtime, timezone.utc).isoformat(timespec="seconds")}
    try:
        data = json.loads((path / name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {**row, "status": "damaged"}
    results = data.get("results") or []
    accuracies = [r.get("test_accuracy_mean") for r in results if r.get("test_accuracy_mean") is not None]
    return {**row, "task": data.get("task"), "status": "completed",
            "activations": [r.get("activation") for r in results] or list(data.get("probes") or {}),
            "test_accuracy": max(accuracies) if accuracies else None, "test_loss": None}


def list_runs(base: Path | None = None) -> list[dict]:
    """One row per run folder under runs/ (kind 'run'), and per comparison or gradient study folder there:
    name, kind, date, task, status, test metrics (a comparison's best accuracy), folder."""
    root = Path(base or RUNS_DIR)
    rows = []
    if not root.is_dir():
        return rows
    for path in sorted(root.iterdir()):
        if not is_run_dir(path):
            study = _study_row(path) if path.is_dir() else None
            if study is not None:
                rows.append(study)
            continue
        try:
            m = json.loads((path / "metrics.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            rows.append({"name": path.name, "kind": "run", "status": "damaged", "run_dir": str(path)})
            continue
        prov = m.get("provenance") or {}
        rows.append({"name": m.get("name", path.name), "kind": "run", "date": prov.get("finished", ""),
                     "task": m.get("task"), "status": m.get("status"),
                     "test_accuracy": m.get("test_accuracy"), "test_loss": m.get("test_loss"),
                     "run_dir": str(path)})
    return rows


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
