"""Many trainings of one experiment: `compare` (activations × seeds) and the gradient study.

Each training runs with BLAS pinned to one thread, in this process (`jobs=1`) or in a pool of worker
processes, so the numbers are the same for any number of jobs. A stop event (Ctrl-C) reaches every worker;
finished runs are kept and unfinished ones come back marked 'interrupted'.
"""

from __future__ import annotations

import dataclasses
import math
import multiprocessing as mp
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, Callable

import numpy as np

from . import lab
from .errors import UserError
from .nn import _kernels
from .results import ActivationSummary, Comparison, GradientStudy, ProbeRecord, RunResult
from .spec import Spec, spec_from_dict

# The default lesson: a deep stack on two circles, plain SGD (nothing rescales the gradient), seconds to run.
COMPARE_DEFAULT = {
    "name": "compare",
    "description": "Five hidden layers of 32 units on two circles, plain SGD.",
    "task": {"dataset": "circles", "n_samples": 1000, "noise": 0.1, "test_size": 0.2, "seed": 0},
    "model": {"layers": [{"units": 32, "activation": "relu"}] * 5 + [{"units": 1, "activation": "sigmoid"}]},
    "training": {"loss": "binary_crossentropy", "optimizer": {"name": "sgd", "learning_rate": 0.1},
                 "epochs": 20, "batch_size": 32, "seed": 0, "metrics": ["accuracy"]},
}
STUDY_DEPTH = 6


def study_spec() -> Spec:
    """The gradient study's default: the notes' task (28 features, 10 classes), 10 epochs."""
    from .spec import default_spec as notes_spec

    d = notes_spec().resolved()
    d["name"] = "gradients"
    d["training"]["epochs"] = 10
    return spec_from_dict(d, source="<gradient study default>")

_WORKER_STOP: Any = None


def default_spec() -> Spec:
    return spec_from_dict(COMPARE_DEFAULT, source="<compare default>")


def _init_worker(stop_event, kernel_saving: float = 0.0) -> None:
    global _WORKER_STOP
    _WORKER_STOP = stop_event
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides; the event tells us to stop
    lab.pin_blas_threads(1)
    _kernels.prepare(kernel_saving)  # this worker's share of the sweep's gain (a no-op if inherited by fork)


def _train_job(job: dict) -> dict | None:
    """Train one spec (in a worker or in-process) and save its run folder; returns RunResult.to_dict()."""
    stop = job.pop("_stop", None) or _WORKER_STOP
    if stop is not None and stop.is_set():
        return None  # Ctrl-C came before this job started (it was already queued): skip it, leave no folder
    spec = spec_from_dict(job["spec"], source=job["source"])
    result, art = lab.train_run(spec, base_dir=job["base_dir"], stop=stop)
    if job.get("run_dir"):
        lab.save_run(result, art, Path(job["run_dir"]), plots=job.get("plots", True), fmt=job.get("fmt", "png"),
                     lang=job.get("lang", "en"))
    if job.get("summary_only") and result.probes is not None:
        result.probes = _summary_probes(result.probes)
    return result.to_dict()


def _summary_probes(record: ProbeRecord) -> ProbeRecord:
    """What a comparison needs of a run's probes: the layers at init and at the end, without histograms or the
    per-epoch series (those stay in the run folder's probes.json, and the per-epoch norms in its history)."""
    def bare(stats):
        return None if stats is None else [dataclasses.replace(s, act_hist=None, delta_hist=None, delta_loghist=None)
                                           for s in stats]

    last = [] if record.final is not None or not record.epochs else [record.epochs[-1]]
    return ProbeRecord(layers=record.layers, init=bare(record.init), epochs=last, final=bare(record.final),
                       probe_samples=record.probe_samples)


def run_jobs(jobs: list[dict], n_jobs: int, stop: threading.Event,
             on_done: Callable[[int, dict], None] | None = None) -> list[dict | None]:
    """Run every job; results come back in the jobs' order whatever the pool's finishing order, None for a
    job that Ctrl-C kept from starting."""
    out: list[dict | None] = [None] * len(jobs)
    # numba's kernels cost a process ~0.35 s to load: worth it when this process's share of the sweep gains more
    saving = sum(lab.kernel_saving(job["spec"]) for job in jobs)  # the jobs carry resolved specs
    if n_jobs <= 1 or len(jobs) == 1:
        _kernels.prepare(saving)
        limiter = lab.pin_blas_threads(1)
        try:
            for i, job in enumerate(jobs):
                if stop.is_set():
                    break
                out[i] = _train_job({**job, "_stop": stop})
                if on_done:
                    on_done(i, out[i])
        finally:
            if limiter is not None:
                limiter.unregister()
        return out
    ctx = _pool_context()
    share = saving / min(n_jobs, len(jobs))
    if ctx.get_start_method() == "fork":
        _kernels.prepare(share)  # loaded once here, every worker inherits it
    event = ctx.Event()  # the workers' view of `stop`, set by _as_completed within 0.2 s of it
    if stop.is_set():
        event.set()
    with ProcessPoolExecutor(max_workers=n_jobs, mp_context=ctx, initializer=_init_worker,
                             initargs=(event, share)) as pool:
        futures = {pool.submit(_train_job, job): i for i, job in enumerate(jobs)}
        try:
            for fut in _as_completed(futures, stop, event):
                i = futures[fut]
                out[i] = fut.result()
                if on_done and out[i] is not None:
                    on_done(i, out[i])
        finally:
            if stop.is_set():
                event.set()
                for fut in futures:
                    fut.cancel()
    return out


def _call(fn_args):
    fn, args = fn_args
    return fn(*args)


def _init_drawer() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; a picture is finished


def draw_all(calls: list[tuple[Callable, tuple]], jobs: int = 1,
             meanwhile: Callable[[], Any] | None = None, preload: bool = True) -> list[Any]:
    """Run drawing calls `(function, args)`, in parallel processes when `jobs` > 1; results in order.
    `meanwhile()`, if given, runs in this process while they draw (after them when `jobs` is 1). With
    `preload=False` this process does not import matplotlib before forking: each worker imports it, in parallel
    (for a process that draws nothing else, such as `train`'s)."""
    if jobs <= 1 or len(calls) < 2:
        out = [fn(*args) for fn, args in calls]
        if meanwhile is not None:
            meanwhile()
        return out
    ctx = _pool_context(preload)
    with ProcessPoolExecutor(max_workers=min(jobs, len(calls)), mp_context=ctx,
                             initializer=_init_drawer) as pool:
        futures = [pool.submit(_call, call) for call in calls]
        if meanwhile is not None:
            meanwhile()
        return [f.result() for f in futures]


def cpu_cores() -> int:
    """The CPU cores this process may run on (a container's share, not the host's): `--jobs`'s default."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def _pool_context(preload: bool = True):
    """How workers start. On Linux with Python < 3.12, fork: a worker inherits this process's imports (the
    lab, NumPy, and with `preload` matplotlib) and starts at once. Newer Pythons warn about fork in a process
    with threads (BLAS has some), so there, and on macOS, workers fork from a server that imported the lab once."""
    methods = mp.get_all_start_methods()
    if sys.platform.startswith("linux") and sys.version_info < (3, 12) and "fork" in methods:
        if preload:
            from .report import plots

            plots._pyplot()  # import matplotlib before forking, so no worker imports it again
        return mp.get_context("fork")
    if "forkserver" in methods:
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["actcli.sweep", "actcli.report.plots", "matplotlib"])
        return ctx
    return mp.get_context("spawn")  # pragma: no cover - platforms without fork


def _as_completed(futures, stop: threading.Event, event):
    """Finished futures as they come; on `stop`, tell the workers (`event`) and collect the running ones."""
    from concurrent.futures import FIRST_COMPLETED, wait

    pending = set(futures)
    while pending:
        done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
        yield from (f for f in futures if f in done)
        if stop.is_set():
            event.set()  # running trainings stop at their next batch and return their partial results
            done, _ = wait({f for f in pending if f.running()}, timeout=30)
            yield from (f for f in futures if f in done)
            return


# -- compare ------------------------------------------------------------------------------------------------

def _geomean(values: list[float]) -> float | None:
    vals = [v for v in values if v is not None and v > 0 and math.isfinite(v)]
    return float(np.exp(np.mean(np.log(vals)))) if vals else None


def _mean(values: list[float | None]) -> float | None:
    vals = [v for v in values if v is not None and math.isfinite(v)]
    return float(np.mean(vals)) if vals else None


def _hidden_fraction(run: RunResult, key: str) -> float | None:
    rec = run.probes
    if rec is None:
        return None
    stats = rec.final or (rec.epochs[-1] if rec.epochs else rec.init)
    vals = [getattr(stats[i], key) for i in rec.hidden_indices()]
    return _mean([v for v in vals if v is not None])


def summarize(activation: str, runs: list[RunResult], target: float, init: str) -> ActivationSummary:
    accs = [r.test_accuracy for r in runs if r.status != "diverged" and r.test_accuracy is not None]
    epochs_hit = []
    for r in runs:
        acc = r.history.get("test_accuracy", [])
        hit = next((i + 1 for i, v in enumerate(acc) if v is not None and v >= target), None)
        if hit is not None:
            epochs_hit.append(hit)
    dead = _mean([_hidden_fraction(r, "dead_fraction") for r in runs])
    sat = _mean([_hidden_fraction(r, "saturated_fraction") for r in runs])
    return ActivationSummary(
        activation=activation, seeds=len(runs),
        test_accuracy_mean=_mean(accs), test_accuracy_std=float(np.std(accs)) if accs else None,
        test_loss_mean=_mean([r.test_loss for r in runs if r.status != "diverged"]),
        epochs_to_target=_mean(epochs_hit), reached_target=len(epochs_hit),
        grad_ratio_init=_geomean([r.probes.grad_ratio("init") for r in runs if r.probes]),
        grad_ratio_final=_geomean([r.probes.grad_ratio("final") for r in runs if r.probes]),
        dead_fraction=dead, saturated_fraction=sat,
        diverged=sum(r.status == "diverged" for r in runs),
        seconds=round(float(sum(r.seconds for r in runs)), 4), init=init)


def compare(base: Spec, activations: list[str], seeds: int = 3, depth: int | None = None,
            width: int | None = None, epochs: int | None = None, target: float = 0.9, init_mode: str = "auto",
            jobs: int = 1, out: Path | None = None, base_dir: Path | None = None, fmt: str = "png",
            stop: threading.Event | None = None,
            on_done: Callable[[int, int, RunResult], None] | None = None, lang: str = "en") -> Comparison:
    """Train `base` once per hidden activation and seed; each run's folder goes under `out/runs/` (its pictures
    in `lang`, as `plots.picture_lang` allows)."""
    stop = stop or threading.Event()
    t0 = time.perf_counter()
    base_seed = base.training.seed
    jobs_list, keys = [], []
    variants = {}
    for act in activations:
        for s in range(seeds):
            spec = lab.vary(base, act, init_mode, depth, width, epochs, seed=base_seed + s,
                            name=f"{base.name}-{act}-seed{base_seed + s}")
            variants.setdefault(act, spec)
            job = {"spec": spec.resolved(), "source": f"<{spec.name}>", "base_dir": base_dir,
                   "run_dir": str(out / "runs" / spec.name) if out else None, "fmt": fmt, "summary_only": True,
                   "lang": lang}
            jobs_list.append(job)
            keys.append(act)
    total = len(jobs_list)

    def done(i, d):
        if on_done:
            on_done(i, total, RunResult.from_dict(d))

    results = run_jobs(jobs_list, jobs, stop, done)
    by_act: dict[str, list[RunResult]] = {a: [] for a in activations}
    for act, d in zip(keys, results):
        if d is not None:
            by_act[act].append(RunResult.from_dict(d))
    summaries = []
    for act in activations:
        if by_act[act]:
            layers = variants[act].resolved()["model"]["layers"]
            init = layers[0].get("kernel_initializer") if len(layers) > 1 else ""
            init = init if isinstance(init, str) else str(init.get("name", init))
            summaries.append(summarize(act, by_act[act], target, init))
    first = next(iter(variants.values()))
    layers = first.resolved()["model"]["layers"]
    kind = next((r.kind for rs in by_act.values() for r in rs), "")
    task = next((r.task for rs in by_act.values() for r in rs), str(first.task.dataset))
    return Comparison(task=task, kind=kind, depth=len(layers) - 1, width=layers[0]["units"] if len(layers) > 1 else 0,
                      epochs=first.training.epochs, target=target, init_mode=init_mode, results=summaries,
                      runs=by_act, seconds=round(time.perf_counter() - t0, 3))


# -- the gradient study -----------------------------------------------------------------------------------------

def gradient_study(base: Spec, activations: list[str] | None, depth: int | None = None,
                   width: int | None = None, epochs: int | None = None, init_mode: str = "auto", jobs: int = 1,
                   out: Path | None = None, base_dir: Path | None = None,
                   stop: threading.Event | None = None) -> GradientStudy:
    """One training per activation with the probes on; the study keeps their ProbeRecords.

    `activations=None` studies `base` as written (only --depth/--width/--epochs apply, if given).
    """
    stop = stop or threading.Event()
    jobs_list, variants = [], {}
    if activations is None:
        own = lab.hidden_activation_name(base)
        variants[own] = (lab.vary(base, None, "keep", depth, width, epochs, name=f"{base.name}-{own}")
                         if depth or width or epochs else base)
        activations = [own]
    for act in activations:
        if act in variants:
            continue
        spec = lab.vary(base, act, init_mode, depth, width, epochs, name=f"{base.name}-{act}")
        variants[act] = spec
    for act in activations:
        spec = variants[act]
        jobs_list.append({"spec": spec.resolved(), "source": f"<{spec.name}>", "base_dir": base_dir,
                          "run_dir": str(out / "runs" / spec.name) if out else None, "plots": False})
    done = [(act, d) for act, d in zip(activations, run_jobs(jobs_list, jobs, stop)) if d is not None]
    results = [RunResult.from_dict(d) for _, d in done]
    activations = [act for act, _ in done]
    first = next(iter(variants.values())).resolved()
    layers = first["model"]["layers"]
    inits = {}
    for act, spec in variants.items():
        k = spec.resolved()["model"]["layers"][0].get("kernel_initializer")
        inits[act] = k if isinstance(k, str) else str((k or {}).get("name", k))
    return GradientStudy(task=results[0].task if results else str(base.task.dataset), depth=len(layers) - 1,
                         width=layers[0]["units"], epochs=first["training"]["epochs"], init_mode=init_mode,
                         probes={a: r.probes for a, r in zip(activations, results) if r.probes is not None},
                         inits=inits)


def study_from_run(result: RunResult) -> GradientStudy:
    """A study of one finished run (`plot-gradients --run DIR`), from its saved probes alone."""
    if result.probes is None:
        raise UserError(f"{result.run_dir}: the run has no probes.json — train it again with probes on")
    layers = result.probes.layers
    hidden = [lay for lay in layers if lay.hidden]
    return GradientStudy(task=result.task, depth=len(hidden), width=hidden[0].units if hidden else 0,
                         epochs=result.epochs, init_mode="keep",
                         probes={result.hidden_activation: result.probes}, inits={})
