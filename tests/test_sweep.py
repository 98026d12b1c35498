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
