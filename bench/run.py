"""The benchmark runner (`make bench`): seconds per training epoch of actcli and its peers, into RESULTS.md.

Data is generated once per workload and shared; each contender runs in its own process, one at a time, with
BLAS threads left at the machine default. Peers (torch, keras, sklearn) may run under another interpreter
(`--peer-python`). Also times `actcli --help` and `actcli compare --jobs 1` vs `--jobs 2`. See README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from workloads import WORKLOADS, save_data

HERE = Path(__file__).resolve().parent
MARK = "BENCH_RESULT "
LOCAL = ["actcli", "actcli+probes", "actcli-numpy+probes", "numpy"]
PEERS = ["torch", "keras", "sklearn"]
ORDER = [*LOCAL, *PEERS, "matmul-bound"]


# the close contenders: several rounds each
ROUNDED = {"actcli", "actcli+probes", "actcli-numpy+probes", "numpy", "torch"}


def run_contender(python: str, name: str, workload: str, data: Path, repeats: int, epochs: int,
                  timeout: float) -> dict:
    """Run one contender in a fresh process; its `BENCH_RESULT` line, or an error record."""
    cmd = [python, str(HERE / "contenders.py"), name, workload, str(data), str(repeats),
           "--epochs", str(epochs)]
    env = {**os.environ, "KERAS_BACKEND": os.environ.get("KERAS_BACKEND", "torch")}
    base = {"contender": name, "workload": workload}
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {**base, "status": "error", "note": f"timed out after {timeout:.0f} s"}
    except OSError as e:
        return {**base, "status": "n/a", "note": f"cannot start {python}: {e}"}
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(MARK)]
    if not lines:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1][:200]
        return {**base, "status": "error", "note": f"exit {proc.returncode}: {tail}"}
    result = json.loads(lines[-1][len(MARK):])
    if result.get("status") == "error" and proc.stderr.strip():
        sys.stderr.write(proc.stderr)
    return result


def seconds_per_epoch(result: dict) -> float | None:
    """Median over every timed epoch of every repeat (robust to a slow first epoch and to noise)."""
    if result.get("status") != "ok":
        return None
    return statistics.median(t for run in result["epoch_seconds"] for t in run)


# ------------------------------------------------------------------------------------------- machine facts


def _peer_versions(python: str) -> dict[str, str]:
    code = (
        "import json, os, importlib\n"
        "os.environ.setdefault('KERAS_BACKEND', 'torch')\n"
        "out = {}\n"
        "for name in ('numpy', 'torch', 'keras', 'sklearn'):\n"
        "    try:\n"
        "        out[name] = importlib.import_module(name).__version__\n"
        "    except Exception:\n"
        "        out[name] = 'not installed'\n"
        "print(json.dumps(out))\n"
    )
    try:
        proc = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=300)
        return json.loads(proc.stdout.strip().splitlines()[-1])
    except (OSError, subprocess.TimeoutExpired, IndexError, json.JSONDecodeError):
        return {}


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _blas() -> str:
    try:
        from threadpoolctl import threadpool_info

        libs = [f"{i.get('internal_api')} {i.get('version')} ({i.get('num_threads')} threads, "
                f"{i.get('architecture', '?')})" for i in threadpool_info() if i.get("user_api") == "blas"]
        if libs:
            return "; ".join(libs)
    except ImportError:
        pass
    import numpy as np

    blas = np.show_config(mode="dicts").get("Build Dependencies", {}).get("blas", {})
    return f"{blas.get('name', '?')} {blas.get('version', '')}".strip()


def machine(peer_python: str) -> list[str]:
    import numpy as np

    peers = _peer_versions(peer_python)
    return [
        f"- CPU: {_cpu_model()}, {os.cpu_count()} logical cores (os.cpu_count); {platform.platform()}",
        f"- BLAS (numpy, threadpoolctl): {_blas()}",
        f"- Python {platform.python_version()} ({sys.executable}), numpy {np.__version__}",
        f"- Peers run with `{peer_python}`: " + ", ".join(f"{k} {v}" for k, v in peers.items()),
    ]


def _load() -> float:
    try:
        return os.getloadavg()[0]
    except (OSError, AttributeError):
        return float("nan")


# ------------------------------------------------------------------------------------------- the CLI itself


def _actcli_exe() -> str | None:
    exe = Path(sys.executable).parent / "actcli"
    return str(exe) if exe.exists() else shutil.which("actcli")


def _wall(cmd: list[str], timeout: float) -> tuple[float, subprocess.CompletedProcess]:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    return time.perf_counter() - t0, proc


def cli_section(quick: bool) -> list[str]:
    exe = _actcli_exe()
    if exe is None:
        return ["- `actcli` executable not found: n/a"]
    times = [_wall([exe, "--help"], 60)[0] for _ in range(5)]
    lines = [f"- `actcli --help`: {statistics.median(times):.3f} s wall (median of 5; "
             f"min {min(times):.3f}, max {max(times):.3f})"]
    _, compare_help = _wall([exe, "compare", "--help"], 60)
    if compare_help.returncode != 0:
        return [*lines, "- `actcli compare --jobs 1` vs `--jobs 2`: n/a (no `compare` command yet)"]
    if "--jobs" not in compare_help.stdout:
        return [*lines, "- `actcli compare --jobs 1` vs `--jobs 2`: n/a (`compare` has no `--jobs` yet)"]
    # Eight trainings of a few seconds each (the setting): 4 activations x 2 seeds, 1000 epochs of the
    # default 5x32 net on circles (about 3.5 s a job with its run folder and pictures). Process start-up and the
    # final pictures are the serial part. Two alternating rounds; the faster wall time of each counts, because
    # a background process on a 2-core machine slows whichever run it lands on.
    sweep = ["compare", "--activations", "relu,sigmoid,tanh,elu", "--seeds", "2"]
    if "--epochs" in compare_help.stdout:
        sweep += ["--epochs", "3" if quick else "1000"]
    walls: dict[int, list[float]] = {1: [], 2: []}
    with tempfile.TemporaryDirectory(prefix="actcli-bench-") as tmp:
        for round_ in range(1 if quick else 2):
            for jobs in (1, 2):
                cmd = [exe, *sweep, "--jobs", str(jobs)]
                if "--out" in compare_help.stdout:
                    cmd += ["--out", str(Path(tmp) / f"jobs{jobs}-{round_}")]
                try:
                    wall, proc = _wall(cmd, 1800)
                except subprocess.TimeoutExpired:
                    return [*lines, f"- `{' '.join(cmd[1:])}`: timed out"]
                if proc.returncode != 0:
                    err = (proc.stderr.strip().splitlines() or ["?"])[-1][:200]
                    return [*lines, f"- `actcli {' '.join(cmd[1:])}` failed (exit {proc.returncode}): {err}"]
                walls[jobs].append(wall)
    shown = " ".join(sweep)
    one, two = min(walls[1]), min(walls[2])
    every = ", ".join(f"{a:.2f} / {b:.2f} s" for a, b in zip(walls[1], walls[2]))
    return [*lines, f"- `actcli {shown}` (8 trainings): `--jobs 1` {one:.2f} s, `--jobs 2` {two:.2f} s wall "
                    f"(faster of {len(walls[1])} alternating rounds; every round, jobs 1 / jobs 2: {every}): "
                    f"speed-up {one / two:.2f}x"]


# ------------------------------------------------------------------------------------------- the report


def _fmt_s(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    return f"{seconds * 1e3:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def workload_table(name: str, results: dict[str, dict], epochs: int) -> list[str]:
    w = WORKLOADS[name]
    base = seconds_per_epoch(results.get("actcli", {}))
    lines = [f"### {name}: {w.describe()}, {epochs} epochs", "",
             "| contender | s / epoch | × actcli's time | train acc | notes |", "|---|---:|---:|---:|---|"]
    for c in ORDER:
        r = results.get(c)
        if r is None:
            continue
        s = seconds_per_epoch(r)
        ratio = f"{s / base:.2f}" if s is not None and base else "—"
        acc = r.get("train_accuracy")
        acc_s = f"{acc:.3f}" if isinstance(acc, float) and acc == acc else "—"
        note = r.get("note", "") if r.get("status") == "ok" else f"{r.get('status')}: {r.get('note', '')}"
        note = note if len(note) <= 160 else note[:157] + "..."
        lines.append(f"| {c} | {_fmt_s(s)} | {ratio} | {acc_s} | {note.replace('|', '/')} |")
    on, off = seconds_per_epoch(results.get("actcli+probes", {})), base
    if on is not None and off:
        lines += ["", f"Probes on / off: {on / off:.2f}x the time per epoch."]
    numpy_only = seconds_per_epoch(results.get("actcli-numpy+probes", {}))
    if on is not None and numpy_only is not None:
        lines += [f"Without numba (NumPy only, probes on) / with: {numpy_only / on:.2f}x."]
    return [*lines, ""]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workloads", default=",".join(WORKLOADS), help=f"from {', '.join(WORKLOADS)}")
    p.add_argument("--contenders", default=",".join(ORDER), help=f"comma-separated: {', '.join(ORDER)}")
    p.add_argument("--repeats", type=int, default=3, help="fresh models trained per contender (default 3)")
    p.add_argument("--rounds", type=int, default=5,
                   help="interleaved rounds for actcli (three ways), numpy and torch (default 5; the slower "
                        "peers run once)")
    p.add_argument("--quick", action="store_true", help="a fifth of the epochs: a smoke run")
    p.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    p.add_argument("--peer-python", default=os.environ.get("ACTCLI_BENCH_PEER_PYTHON", sys.executable),
                   help="interpreter for torch/keras/sklearn (default: $ACTCLI_BENCH_PEER_PYTHON, else this)")
    p.add_argument("--no-cli", action="store_true", help="skip timing `actcli --help` and `actcli compare`")
    args = p.parse_args(argv)
    workloads = [s.strip() for s in args.workloads.split(",") if s.strip()]
    contenders = [s.strip() for s in args.contenders.split(",") if s.strip()]
    bad = [n for n in workloads if n not in WORKLOADS] + [c for c in contenders if c not in ORDER]
    if bad or args.repeats < 1:
        p.error(f"unknown workload/contender {bad}; valid: {', '.join(WORKLOADS)} / {', '.join(ORDER)}"
                if bad else "--repeats must be at least 1")

    started, load0 = dt.datetime.now().astimezone(), _load()
    report = [
        "# actcli benchmark: seconds per training epoch", "",
        f"{started:%Y-%m-%d %H:%M %Z}. Command: `python bench/run.py {' '.join(argv or sys.argv[1:])}`", "",
    ]
    if args.quick:
        report += ["**Quick smoke run (`--quick`): few epochs, not a measurement.**", ""]
    report += ["## Machine", "", *machine(args.peer_python), "",
               f"Each number is the median over every epoch of {args.repeats} repeat(s) (fresh models), "
               f"training only; actcli (three ways), numpy and torch run in {args.rounds} interleaved rounds (a "
               "fresh process each, in reversed order every other round) and every round's epochs count; Keras "
               "and scikit-learn run once. "
               "`× actcli's time` > 1 means slower than actcli. "
               "Each contender runs alone in its own process on the same data. See bench/README.md for what "
               "each contender is.", ""]
    with tempfile.TemporaryDirectory(prefix="actcli-bench-data-") as tmp:
        for name in workloads:
            w = WORKLOADS[name]
            data = save_data(w, Path(tmp))
            epochs = w.epochs_for(args.quick)
            results = {}
            # actcli with and without probes, the plain loop and torch are compared to a few percent, which is
            # less than one process's luck on a shared 2-core machine (timings move 5-10 % from one process to
            # the next): they run in several interleaved rounds, each in a fresh process, and every epoch of
            # every round counts. Keras and scikit-learn, several times slower, run once. The order reverses
            # every other round, so no contender always runs right after the same neighbour: the machine's state
            # after a process showed as an order effect (actcli+probes over actcli on `small`: 1.09x with the
            # two alone, 1.20x in the full rounds where it always ran second).
            for r in range(args.rounds):
                for c in (contenders if r % 2 == 0 else contenders[::-1]):
                    if r > 0 and c not in ROUNDED:
                        continue
                    python = args.peer_python if c in PEERS else sys.executable
                    print(f"[bench] {name:5s} {c:14s} round {r + 1} ...", end=" ", flush=True, file=sys.stderr)
                    res = run_contender(python, c, name, data, args.repeats, epochs, timeout=3600)
                    if c in results and results[c].get("status") == "ok" and res.get("status") == "ok":
                        results[c]["epoch_seconds"] += res["epoch_seconds"]
                    elif c not in results or res.get("status") != "ok":
                        results[c] = res
                    s = seconds_per_epoch(res)
                    print(_fmt_s(s) if s is not None else f"{res['status']}: {res.get('note')}", file=sys.stderr)
            report += workload_table(name, results, epochs)
    if not args.no_cli:
        print("[bench] actcli --help / compare ...", file=sys.stderr)
        report += ["## The command line", "", *cli_section(args.quick), ""]
    report[report.index("## Machine") + 2:report.index("## Machine") + 2] = [
        f"- Load average (1 min) at start: {load0:.2f}. Above ~0.5 other processes compete for the BLAS "
        "threads; on 2 cores that can slow GEMMs several-fold, so the numbers are unreliable."]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp_out = args.out.with_suffix(".md.tmp")
    tmp_out.write_text("\n".join(report).rstrip() + "\n")
    tmp_out.replace(args.out)
    print(f"[bench] wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
