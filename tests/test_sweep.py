"""The sweep runner: job order, Ctrl-C before a job starts, and the summary probes handed back by workers."""

from __future__ import annotations

import threading

import numpy as np

from actcli import sweep
from actcli.spec import spec_from_dict

TINY = {"name": "tiny", "task": {"dataset": "moons", "n_samples": 60, "seed": 0},
        "model": {"layers": [{"units": 4, "activation": "relu"}, {"units": 4, "activation": "relu"},
                             {"units": 1, "activation": "sigmoid"}]},
        "training": {"loss": "binary_crossentropy", "epochs": 2, "batch_size": 16, "metrics": ["accuracy"]}}


def _jobs(tmp_path, seeds=(0, 1)):
    out = []
    for s in seeds:
        d = {**TINY, "name": f"tiny-{s}", "training": {**TINY["training"], "seed": s}}
        out.append({"spec": spec_from_dict(d).resolved(), "source": "<test>", "base_dir": None,
                    "run_dir": str(tmp_path / f"run{s}"), "plots": False, "summary_only": True})
    return out


def test_jobs_stopped_before_they_start_are_skipped_and_leave_no_folder(tmp_path):
    stop = threading.Event()
    stop.set()
    for n_jobs in (1, 2):
        results = sweep.run_jobs(_jobs(tmp_path / "runs"), n_jobs, stop)
        assert results == [None, None]
    assert not (tmp_path / "runs").exists()


class _StopDuringSecondJob(threading.Event):
    """Ctrl-C while the second job trains, without timing: once armed (the first job is done), it reads as set
    from the `after`-th time it is asked (run_jobs and the job ask twice before training starts, then every
    batch asks)."""

    def __init__(self, after: int):
        super().__init__()
        self.armed, self.asked, self.after = False, 0, after

    def is_set(self) -> bool:
        if self.armed:
            self.asked += 1
            if self.asked >= self.after:
                self.set()
        return super().is_set()


def test_a_job_stopped_midway_comes_back_interrupted_and_the_finished_one_completed(tmp_path):
    jobs = _jobs(tmp_path / "runs")
    for job in jobs:
        job["spec"]["training"]["epochs"] = 3
    stop = _StopDuringSecondJob(after=6)  # 2 checks before it trains, then 3 batches an epoch: epoch 2's first
    done = []
    results = sweep.run_jobs(jobs, 1, stop, on_done=lambda i, d: (done.append(i), setattr(stop, "armed", True)))
    assert done == [0, 1]
    assert results[0]["status"] == "completed" and results[0]["epochs"] == 3
    assert results[1]["status"] == "interrupted"
    assert results[1]["stopped_at"] == {"epoch": 2, "step": 1}
    assert (tmp_path / "runs" / "run1" / "metrics.json").is_file()  # kept, and marked interrupted on disk


def test_results_keep_the_jobs_order_and_repeat_across_job_counts(tmp_path):
    one = sweep.run_jobs(_jobs(tmp_path / "a", seeds=(0, 1, 2)), 1, threading.Event())
    two = sweep.run_jobs(_jobs(tmp_path / "b", seeds=(0, 1, 2)), 2, threading.Event())
    assert [r["seed"] for r in one] == [r["seed"] for r in two] == [0, 1, 2]
    for a, b in zip(one, two):
        assert a["history"]["loss"] == b["history"]["loss"]


def test_workers_hand_back_summary_probes_and_keep_the_full_ones_on_disk(tmp_path):
    (result,) = sweep.run_jobs(_jobs(tmp_path, seeds=(0,)), 1, threading.Event())
    probes = result["probes"]
    assert probes["epochs"] == [] and probes["final"] is not None
    assert all(s["act_hist"] is None for s in probes["init"])
    import json

    on_disk = json.loads((tmp_path / "run0" / "probes.json").read_text())
    assert len(on_disk["epochs"]) == 2 and on_disk["init"][0]["act_hist"] is not None
    assert np.isclose(on_disk["init"][0]["delta_norm"], probes["init"][0]["delta_norm"])
