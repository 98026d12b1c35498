"""Run folders (actcli.runs): atomic writes, safe weight loading, output folders checked before training.

A crash mid-write must leave the old file or no file, never a half-written one under the final name.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from actcli import runs
from actcli.errors import RunError, UserError


class Boom(RuntimeError):
    pass


def test_write_json_that_fails_midway_leaves_no_file_and_no_temporary(monkeypatch):
    real_write_text = Path.write_text

    def half_then_crash(self, text, *a, **k):
        real_write_text(self, text[: len(text) // 2], *a, **k)
        raise Boom("disk full")

    monkeypatch.setattr(Path, "write_text", half_then_crash)
    with pytest.raises(Boom):
        runs.write_json(Path("metrics.json"), {"status": "completed", "values": list(range(100))})
    assert os.listdir(".") == []


def test_a_failed_rewrite_keeps_the_previous_file_whole(monkeypatch):
    runs.write_json(Path("metrics.json"), {"status": "completed"})
    real_write_text = Path.write_text

    def crash(self, text, *a, **k):
        real_write_text(self, text[:3], *a, **k)
        raise Boom("killed")

    monkeypatch.setattr(Path, "write_text", crash)
    with pytest.raises(Boom):
        runs.write_json(Path("metrics.json"), {"status": "interrupted"})
    assert json.loads(Path("metrics.json").read_text()) == {"status": "completed"}
    assert os.listdir(".") == ["metrics.json"]


def test_weights_write_that_fails_midway_leaves_nothing(monkeypatch):
    def crash(fh, **arrays):
        fh.write(b"PK\x03\x04 half a zip")
        raise Boom("killed")

    monkeypatch.setattr(np, "savez", crash)
    with pytest.raises(Boom):
        runs.write_weights(Path("weights.npz"), [np.ones((2, 3), np.float32)])
    assert os.listdir(".") == []


def _no_display(*args, **kwargs):  # module-level: `train` draws in worker processes, which get it by name
    raise Boom("no display")


def test_save_run_that_crashes_in_a_picture_leaves_no_metrics_json(monkeypatch, cli, tiny_spec):
    """metrics.json is written last: a folder without it is not taken for a finished run."""
    from actcli.report import plots

    monkeypatch.setattr(plots, "plot_history", _no_display)
    result = cli("train", tiny_spec(), "--out", "run", "--quiet")
    assert isinstance(result.exception, Boom)
    assert not Path("run/metrics.json").exists()
    assert not runs.is_run_dir(Path("run"))
    assert not [p for p in Path("run").iterdir() if p.name.startswith(".")]


def test_written_files_get_the_usual_permissions():
    runs.write_text(Path("a.txt"), "x")
    mask = os.umask(0)
    os.umask(mask)
    assert Path("a.txt").stat().st_mode & 0o777 == 0o666 & ~mask


def test_write_csv_round_trips_floats_exactly():
    values = [0.1, 1 / 3, 1e-300, 123456789.123456789]
    runs.write_csv(Path("h.csv"), ["epoch", "loss"], [[i + 1, v] for i, v in enumerate(values)] + [[5, None]])
    lines = Path("h.csv").read_text().splitlines()
    assert lines[0] == "epoch,loss"
    assert [float(line.split(",")[1]) for line in lines[1:5]] == values
    assert lines[5] == "5,"


# -- weights -------------------------------------------------------------------------------------------------

SHAPES = [(2, 3), (3,), (3, 1), (1,)]


def _weights() -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [rng.normal(size=s).astype(np.float32) for s in SHAPES]


def test_weights_round_trip_in_keras_order():
    w = _weights()
    runs.write_weights(Path("weights.npz"), w)
    back = runs.read_weights(Path("weights.npz"), SHAPES)
    assert all(np.array_equal(a, b) and a.dtype == b.dtype for a, b in zip(w, back, strict=True))
    with np.load("weights.npz") as data:
        assert data.files == ["w0", "w1", "w2", "w3"]


@pytest.mark.parametrize(
    "damage,words",
    [
        (lambda p: p.write_bytes(p.read_bytes()[:40]), ["damaged"]),
        (lambda p: p.write_bytes(b""), ["weights.npz"]),
        (lambda p: p.unlink(), ["not found"]),
        (lambda p: np.savez(p, w0=np.zeros((2, 3), np.float32)), ["missing array 'w1'"]),
        (
            lambda p: np.savez(
                p, **{f"w{i}": np.zeros(s[::-1] + (1,), np.float32) for i, s in enumerate(SHAPES)}
            ),
            ["shape"],
        ),
        (lambda p: np.savez(p, **{f"w{i}": np.zeros(s, np.int32) for i, s in enumerate(SHAPES)}), ["int32"]),
        (
            lambda p: np.savez(
                p,
                **{
                    f"w{i}": np.array([None] * int(np.prod(s)), dtype=object).reshape(s)
                    for i, s in enumerate(SHAPES)
                },
            ),
            ["pickle"],
        ),
    ],
)
def test_damaged_weights_raise_a_run_error_naming_the_file(damage, words):
    path = Path("weights.npz")
    runs.write_weights(path, _weights())
    damage(path)
    with pytest.raises(RunError) as err:
        runs.read_weights(path, SHAPES)
    for word in words:
        assert word in str(err.value)


def test_pickled_weights_are_never_unpickled(monkeypatch):
    import pickle

    monkeypatch.setattr(pickle, "loads", lambda *a, **k: pytest.fail("unpickled"))
    monkeypatch.setattr(pickle, "load", lambda *a, **k: pytest.fail("unpickled"))
    np.savez("weights.npz", w0=np.array([{"a": 1}], dtype=object))
    with pytest.raises(RunError):
        runs.read_weights(Path("weights.npz"), [(1,)])


# -- folders -------------------------------------------------------------------------------------------------


def test_new_run_dir_default_is_timestamped_under_runs_and_never_reused():
    a = runs.new_run_dir("my run!")
    b = runs.new_run_dir("my run!")
    assert a.parent == b.parent == Path("runs")
    assert a != b and a.name.startswith("my-run-")
    assert a.is_dir() and b.is_dir()


def test_new_run_dir_out_is_used_exactly():
    assert runs.new_run_dir("x", Path("here")) == Path("here")
    assert Path("here").is_dir()


def test_out_needs_an_existing_parent():
    with pytest.raises(UserError, match="parent folder a/b does not exist"):
        runs.new_run_dir("x", Path("a/b/c"))
    assert not Path("a").exists()


def test_out_under_a_file_is_refused():
    Path("f.txt").write_text("x")
    with pytest.raises(UserError, match="is a file, not a folder"):
        runs.prepare_dir(Path("f.txt/sub"))
    with pytest.raises(UserError, match="not a folder"):
        runs.prepare_dir(Path("f.txt"))


def test_prepare_dir_without_create_wants_the_folder_to_exist():
    with pytest.raises(UserError, match="no such folder"):
        runs.prepare_dir(Path("missing"), create=False)
    runs.prepare_dir(Path("."), create=False)


def test_prepare_dir_leaves_no_write_test_file():
    runs.prepare_dir(Path("out"))
    assert os.listdir("out") == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a 0o500 folder anyway")
def test_a_read_only_folder_is_refused():
    Path("ro").mkdir(mode=0o500)
    try:
        with pytest.raises(UserError, match="cannot write"):
            runs.prepare_dir(Path("ro"))
    finally:
        os.chmod("ro", 0o700)


def test_require_run_names_what_is_missing():
    with pytest.raises(RunError, match="no such run folder"):
        runs.require_run(Path("nope"))
    Path("half").mkdir()
    (Path("half") / "spec.yaml").write_text("name: x\n")
    with pytest.raises(RunError, match="not a run folder"):
        runs.require_run(Path("half"))


def test_list_runs_reads_each_run_and_marks_damaged_ones():
    for name, metrics in (
        ("a", '{"name": "a", "status": "completed", "test_accuracy": 0.9}'),
        ("b", "{oops"),
    ):
        Path(f"runs/{name}").mkdir(parents=True)
        Path(f"runs/{name}/spec.yaml").write_text("name: x\n")
        Path(f"runs/{name}/metrics.json").write_text(metrics)
    Path("runs/not-a-run").mkdir()
    rows = runs.list_runs()
    assert [(r["name"], r["status"]) for r in rows] == [("a", "completed"), ("b", "damaged")]
    assert rows[0]["test_accuracy"] == 0.9


# -- JSON files: readable layout, the same data ---------------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_SCALARS = st.none() | st.booleans() | st.integers(-10**12, 10**12) | st.floats(allow_nan=False,
                                                                                 allow_infinity=False) | st.text()
_JSON = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=5)
                     | st.dictionaries(st.text(max_size=8), inner, max_size=5), max_leaves=40)


@settings(max_examples=300, deadline=None)
@given(_JSON)
def test_dumps_json_reads_back_as_the_same_data_as_json_dumps(data):
    text = runs.dumps_json(data)
    assert json.loads(text) == json.loads(json.dumps(data))
    assert text == text.strip()


def test_dumps_json_opens_containers_of_dicts_and_keeps_plain_series_on_one_line():
    data = {"name": "r", "history": {"loss": [0.5, 0.25], "acc": []}, "layers": [{"units": 2, "hidden": True}],
            "hist": [[1.0, 2.0], [0.0, 0.5, 1.0]], "provenance": {"blas": [{"api": "openblas"}]}}
    assert runs.dumps_json(data).splitlines() == [
        "{",
        '  "name": "r",',
        '  "history": {',
        '    "loss": [0.5, 0.25],',
        '    "acc": []',
        "  },",
        '  "layers": [',
        '    {"units": 2, "hidden": true}',
        "  ],",
        '  "hist": [[1.0, 2.0], [0.0, 0.5, 1.0]],',
        '  "provenance": {',
        '    "blas": [',
        '      {"api": "openblas"}',
        "    ]",
        "  }",
        "}",
    ]


def test_dumps_json_refuses_nan_like_json_dumps_without_allow_nan():
    with pytest.raises(ValueError):
        runs.dumps_json({"loss": [float("nan")]})
