"""Synthetic tasks, the split and scaling, target encodings, and CSV files (good ones and each bad case)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actcli import data
from actcli.data import TASKS, Dataset, describe_tasks, grid_2d, load_csv, load_task, make_task, task_names
from actcli.errors import DataError

REPO = Path(__file__).resolve().parents[1]
CLASSIFICATION = [n for n, t in TASKS.items() if t.kind != "regression"]
REGRESSION = [n for n, t in TASKS.items() if t.kind == "regression"]


def all_labels(ds: Dataset) -> np.ndarray:
    return np.concatenate([ds.y_train, ds.y_test])


# ------------------------------------------------------------------------------------------ every task

def test_registry_has_the_briefed_tasks():
    assert set(task_names()) == {"moons", "circles", "xor", "gaussians", "spiral", "checkerboard", "blobs",
                                 "gaussian_quantiles", "classification", "plane", "sine"}


@pytest.mark.parametrize("name", task_names())
def test_task_shapes_and_dtypes(name):
    ds = make_task(name, n_samples=200)
    info = TASKS[name]
    assert ds.name == name and ds.kind == info.kind
    assert ds.x_train.dtype == np.float32 and ds.x_test.dtype == np.float32
    assert ds.x_train.shape == (160, ds.n_features) and ds.x_test.shape == (40, ds.n_features)
    assert len(ds.feature_names) == ds.n_features
    assert (ds.n_features == 2) == info.two_d
    if info.kind == "regression":
        assert ds.y_train.dtype == np.float32 and ds.y_train.shape == (160, 1) and ds.y_test.shape == (40, 1)
        assert ds.n_classes == 0 and ds.class_names == []
    else:
        assert ds.y_train.dtype == np.int64 and ds.y_train.shape == (160,) and ds.y_test.shape == (40,)
        assert ds.n_classes == (2 if info.kind == "binary" else info.defaults["classes"])
        assert ds.class_names == [str(c) for c in range(ds.n_classes)]
    assert np.isfinite(ds.x_train).all() and np.isfinite(ds.x_test).all()
    json.dumps(ds.params)  # the resolved parameters must serialise as they are
    assert set(ds.params) == set(info.defaults)


@pytest.mark.parametrize("name", CLASSIFICATION)
def test_classes_are_balanced_to_within_one(name):
    ds = make_task(name, n_samples=301)
    counts = np.bincount(all_labels(ds), minlength=ds.n_classes)
    assert counts.sum() == 301 and counts.max() - counts.min() <= 1


@pytest.mark.parametrize("name", task_names())
def test_same_seed_same_data_other_seed_other_data(name):
    a, b, c = make_task(name, seed=3), make_task(name, seed=3), make_task(name, seed=4)
    for field in ("x_train", "y_train", "x_test", "y_test"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
    assert not np.array_equal(a.x_train, c.x_train)


@pytest.mark.parametrize("name", CLASSIFICATION)
def test_split_is_stratified(name):
    ds = make_task(name, n_samples=500, test_size=0.3)
    assert len(ds.y_test) == 150 and len(ds.y_train) == 350
    n_c = np.bincount(all_labels(ds))
    test_c = np.bincount(ds.y_test, minlength=ds.n_classes)
    assert np.all(np.abs(test_c - 0.3 * n_c) <= 1)


def test_regression_split_sizes_follow_test_size():
    ds = make_task("sine", n_samples=101, test_size=0.25)
    assert len(ds.y_test) == 25 and len(ds.y_train) == 76  # round(101 * 0.25) = 25


@pytest.mark.parametrize("name", task_names())
def test_standardised_on_train_rows(name):
    ds = make_task(name, n_samples=400)
    np.testing.assert_allclose(ds.x_train.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(ds.x_train.std(axis=0), 1.0, atol=1e-4)
    mean, std = ds.scaler
    raw = make_task(name, n_samples=400, standardize=False)
    assert raw.scaler is None
    np.testing.assert_allclose(raw.x_train.mean(axis=0), mean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose((raw.x_test - mean) / std, ds.x_test, rtol=1e-4, atol=1e-5)


# ------------------------------------------------------------------------------------- task geometry

def test_circles_inner_radius_is_factor():
    ds = make_task("circles", noise=0.0, factor=0.3, standardize=False)
    r = np.linalg.norm(np.concatenate([ds.x_train, ds.x_test]), axis=1)
    y = all_labels(ds)
    np.testing.assert_allclose(r[y == 0], 1.0, rtol=1e-6)
    np.testing.assert_allclose(r[y == 1], 0.3, rtol=1e-6)


def test_moons_without_noise_lie_on_their_arcs():
    ds = make_task("moons", noise=0.0, standardize=False)
    x, y = ds.x_train, ds.y_train
    np.testing.assert_allclose(np.linalg.norm(x[y == 0], axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(x[y == 1] - [1.0, 0.5], axis=1), 1.0, rtol=1e-6)


def test_xor_label_is_opposite_signs():
    ds = make_task("xor", noise=0.0, standardize=False)
    np.testing.assert_array_equal(ds.y_train, (ds.x_train[:, 0] * ds.x_train[:, 1] < 0).astype(int))


def test_checkerboard_label_is_square_colour():
    ds = make_task("checkerboard", standardize=False)
    cell = np.floor((ds.x_train + 1.0) / 0.5).astype(int)
    assert cell.min() == 0 and cell.max() == 3
    np.testing.assert_array_equal(ds.y_train, cell.sum(axis=1) % 2)


def test_gaussian_quantiles_shells_are_nested():
    ds = make_task("gaussian_quantiles", classes=4, features=3, standardize=False)
    r = np.linalg.norm(ds.x_train, axis=1)
    for j in range(3):
        assert r[ds.y_train == j].max() <= r[ds.y_train == j + 1].min()


def test_spiral_with_more_arms_is_multiclass():
    ds = make_task("spiral", classes=4)
    assert ds.kind == "multiclass" and ds.n_classes == 4


def test_blobs_with_two_classes_is_binary():
    assert make_task("blobs", classes=2).kind == "binary"


def test_sine_noise_is_the_residual_std():
    ds = make_task("sine", n_samples=5000, noise=0.2, standardize=False)
    residual = ds.y_train[:, 0] - np.sin(ds.x_train[:, 0])
    assert abs(residual.std() - 0.2) < 0.01 and abs(ds.x_train).max() <= np.pi


def test_plane_is_linear_plus_noise():
    ds = make_task("plane", n_samples=4000, noise=0.3, features=3, standardize=False)
    a = np.c_[ds.x_train, np.ones(len(ds.x_train))]
    coef, *_ = np.linalg.lstsq(a, ds.y_train[:, 0], rcond=None)
    assert abs((ds.y_train[:, 0] - a @ coef).std() - 0.3) < 0.02


def test_classification_is_learnable_but_not_trivial():
    ds = make_task("classification")
    assert ds.n_features == 28 and ds.n_classes == 10 and len(ds.x_train) == 4000
    # a linear least-squares classifier: far above chance (10%), far from perfect
    a = np.c_[ds.x_train, np.ones(len(ds.x_train))]
    w, *_ = np.linalg.lstsq(a, ds.targets("categorical_crossentropy"), rcond=None)
    acc = (np.argmax(np.c_[ds.x_test, np.ones(len(ds.x_test))] @ w, axis=1) == ds.y_test).mean()
    assert 0.25 < acc < 0.9


def test_classification_label_noise_keeps_balance():
    def rows_and_labels(ds):
        x, y = np.concatenate([ds.x_train, ds.x_test]), all_labels(ds)
        order = np.lexsort(x.T)
        return x[order], y[order]

    raw = {"n_samples": 1000, "standardize": False}
    x_clean, y_clean = rows_and_labels(make_task("classification", noise=0.0, **raw))
    x_noisy, y_noisy = rows_and_labels(make_task("classification", noise=0.5, **raw))
    assert np.bincount(y_noisy).tolist() == [100] * 10
    np.testing.assert_array_equal(x_clean, x_noisy)  # same points, only labels shuffled
    assert 0.3 < (y_clean != y_noisy).mean() < 0.5  # half are shuffled, a tenth of those keep their label


# ------------------------------------------------------------------------------------------ targets()

def test_targets_multiclass():
    ds = make_task("blobs", classes=4)
    onehot = ds.targets("categorical_crossentropy")
    assert onehot.dtype == np.float32 and onehot.shape == (len(ds.y_train), 4)
    np.testing.assert_array_equal(onehot.argmax(axis=1), ds.y_train)
    np.testing.assert_array_equal(onehot.sum(axis=1), 1.0)
    sparse = ds.targets("sparse_categorical_crossentropy", split="test")
    assert sparse.dtype == np.int64 and sparse.shape == ds.y_test.shape
    np.testing.assert_array_equal(sparse, ds.y_test)
    # every other loss takes one-hot rows, e.g. binary_crossentropy for the notes' sigmoid head on 10 classes
    for loss in ("binary_crossentropy", "mse", "kl_divergence", "categorical_hinge", "KLDivergence"):
        np.testing.assert_array_equal(ds.targets(loss), onehot)


def test_targets_binary():
    ds = make_task("moons")
    for loss in ("binary_crossentropy", "bce", "BinaryCrossentropy", "hinge", "squared_hinge", "mse",
                 "binary_focal_crossentropy", {"name": "binary_crossentropy", "from_logits": True}):
        t = ds.targets(loss)
        assert t.dtype == np.float32 and t.shape == (len(ds.y_train), 1)
        np.testing.assert_array_equal(t[:, 0], ds.y_train)
    two = ds.targets("categorical_crossentropy")
    assert two.shape == (len(ds.y_train), 2)
    np.testing.assert_array_equal(two[:, 1], ds.y_train)
    np.testing.assert_array_equal(ds.targets("sparse_categorical_crossentropy"), ds.y_train)


def test_targets_regression():
    ds = make_task("sine")
    for loss in ("mean_squared_error", "mae", "huber", "log_cosh", "MeanSquaredError"):
        t = ds.targets(loss, "test")
        assert t.dtype == np.float32 and t.shape == (len(ds.y_test), 1)
        np.testing.assert_array_equal(t, ds.y_test)
    with pytest.raises(DataError, match="regression task.*mean_squared_error"):
        ds.targets("binary_crossentropy")


def test_targets_accepts_a_loss_object_with_a_name():
    class FakeLoss:
        name = "sparse_categorical_crossentropy"

    ds = make_task("blobs")
    np.testing.assert_array_equal(ds.targets(FakeLoss()), ds.y_train)


def test_targets_unknown_loss_suggests_one():
    with pytest.raises(DataError, match="did you mean 'categorical_crossentropy'"):
        make_task("blobs").targets("categorical_crossentropi")
    with pytest.raises(ValueError, match="split"):
        make_task("blobs").targets("mse", split="validation")


# --------------------------------------------------------------------------------- parameter errors

def test_unknown_task_lists_valid_and_closest():
    with pytest.raises(DataError) as err:
        make_task("moon")
    msg = str(err.value)
    assert "'moon'" in msg and "did you mean 'moons'" in msg and "circles" in msg and "csv:PATH" in msg


def test_unknown_parameter_names_it_and_the_closest():
    with pytest.raises(DataError) as err:
        make_task("moons", nosie=0.1)
    msg = str(err.value)
    assert "'nosie'" in msg and "did you mean 'noise'" in msg and "n_samples" in msg


def test_parameter_that_does_not_apply_is_refused():
    with pytest.raises(DataError, match="task 'moons' has no parameter 'classes'"):
        make_task("moons", classes=3)


@pytest.mark.parametrize("params, words", [
    ({"n_samples": 5}, "n_samples must be an integer from 10"),
    ({"n_samples": 100.5}, "n_samples must be an integer"),
    ({"n_samples": "1000"}, "n_samples must be an integer"),
    ({"n_samples": True}, "n_samples must be an integer"),
    ({"noise": -0.1}, "noise must be a number from 0"),
    ({"noise": float("nan")}, "noise must be"),
    ({"test_size": 1.0}, "test_size must be a number between 0 and 1"),
    ({"seed": -1}, "seed must be an integer >= 0"),
    ({"standardize": "yes"}, "standardize must be true or false"),
])
def test_out_of_range_values_name_the_parameter(params, words):
    with pytest.raises(DataError, match=words):
        make_task("moons", **params)


def test_integral_floats_are_accepted_as_integers():
    assert make_task("moons", n_samples=100.0).params["n_samples"] == 100


@pytest.mark.parametrize("name, params, words", [
    ("circles", {"factor": 1.0}, "factor must be a number between 0 and 1"),
    ("blobs", {"classes": 1}, "classes must be an integer from 2"),
    ("blobs", {"n_samples": 10, "classes": 6}, "at least twice 'classes'"),
    ("classification", {"informative": 30}, "informative"),
    ("classification", {"informative": 3}, "raise 'informative' to at least 5"),
    ("classification", {"features": 4, "informative": 5}, "must not exceed 'features'"),
    ("classification", {"noise": 1.5}, "fraction of labels"),
    ("plane", {"n_samples": 1_000_000, "features": 100}, "lower n_samples or features"),
])
def test_task_specific_limits(name, params, words):
    with pytest.raises(DataError, match=words):
        make_task(name, **params)
    with pytest.raises(DataError, match=words):  # found without generating data, e.g. by the spec validator
        data.resolve_params(name, params)


# ------------------------------------------------------------------------------------- properties

@settings(max_examples=40, deadline=None)
@given(n=st.integers(10, 400), k=st.integers(2, 8), seed=st.integers(0, 2**32),
       name=st.sampled_from(["blobs", "spiral", "gaussian_quantiles"]))
def test_any_size_and_class_count_gives_balanced_labels_in_range(n, k, name, seed):
    if n < 2 * k:
        with pytest.raises(DataError):
            make_task(name, n_samples=n, classes=k, seed=seed)
        return
    ds = make_task(name, n_samples=n, classes=k, seed=seed)
    y = all_labels(ds)
    assert y.min() == 0 and y.max() == k - 1
    counts = np.bincount(y)
    assert counts.max() - counts.min() <= 1
    assert set(ds.y_train) == set(range(k))  # every class is in the training split


@settings(max_examples=40, deadline=None)
@given(n=st.integers(10, 300), test_size=st.floats(0.01, 0.8), seed=st.integers(0, 1000))
def test_split_partitions_the_samples(n, test_size, seed):
    ds = make_task("moons", n_samples=n, test_size=test_size, seed=seed, standardize=False)
    assert len(ds.y_test) == max(round(n * test_size), 1)
    assert len(ds.y_train) + len(ds.y_test) == n
    both = np.concatenate([ds.x_train, ds.x_test])
    assert len(np.unique(both, axis=0)) == n  # nothing duplicated, nothing lost


# ------------------------------------------------------------------------------- describe and grid

def test_describe_tasks_is_json_ready_and_complete():
    rows = describe_tasks()
    json.dumps(rows)
    names = [r["name"] for r in rows]
    assert names[:-1] == task_names() and names[-1] == "csv:PATH"
    moons = rows[0]
    assert moons["parameters"] == {"n_samples": 1000, "noise": 0.2, "test_size": 0.2, "seed": 0,
                                   "standardize": True}
    assert set(moons["parameter_help"]) == set(moons["parameters"])
    assert "digits.csv" in rows[-1]["description"]


def test_grid_2d_covers_the_points():
    ds = make_task("moons", n_samples=100)
    xx, yy, pts = grid_2d(ds, steps=30)
    assert xx.shape == yy.shape == (30, 30) and pts.shape == (900, 2) and pts.dtype == np.float32
    assert pts[:, 0].min() < ds.x_train[:, 0].min() and pts[:, 1].max() > ds.x_train[:, 1].max()
    with pytest.raises(ValueError, match="2 features"):
        grid_2d(make_task("classification", n_samples=100))


# ---------------------------------------------------------------------------------------- CSV files

def write(tmp_path: Path, text: str, name: str = "d.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


GOOD = "a,b,kind\n" + "".join(f"{i},{i * 0.5},{'cat' if i % 3 else 'dog'}\n" for i in range(30))


def test_good_csv_loads_with_string_classes(tmp_path):
    write(tmp_path, GOOD)
    ds = load_csv("d.csv", target="kind", base_dir=tmp_path)
    assert ds.name == "csv:d.csv" and ds.kind == "binary" and ds.n_classes == 2
    assert ds.class_names == ["cat", "dog"] and ds.feature_names == ["a", "b"]
    assert ds.x_train.dtype == np.float32 and ds.x_train.shape == (24, 2) and ds.x_test.shape == (6, 2)
    assert np.bincount(all_labels(ds)).tolist() == [20, 10]
    assert np.bincount(ds.y_test).tolist() == [4, 2]  # stratified
    np.testing.assert_allclose(ds.x_train.mean(axis=0), 0.0, atol=1e-6)
    assert ds.params == {"target": "kind", "kind": "binary", "test_size": 0.2, "seed": 0, "standardize": True,
                         "path": "d.csv"}
    raw = load_csv(tmp_path / "d.csv", target="kind", standardize=False)
    row = raw.x_train[0]
    assert row[1] == row[0] * 0.5  # the values are the file's own
    assert raw.y_train[0] == (0 if int(row[0]) % 3 else 1)


def test_csv_target_defaults_to_last_column_and_numbers_sort_as_numbers(tmp_path):
    write(tmp_path, "x,y\n" + "".join(f"{i},{[2, 10, 9][i % 3]}\n" for i in range(30)))
    ds = load_csv(tmp_path / "d.csv")
    assert ds.class_names == ["2", "9", "10"] and ds.kind == "multiclass"
    assert ds.y_train[ds.x_train[:, 0] == ds.x_train[:, 0].min()].item() in (0, 1, 2)


def test_csv_float_target_is_regression_and_kind_overrides(tmp_path):
    write(tmp_path, "x,y\n" + "".join(f"{i},{i * 0.37:.2f}\n" for i in range(40)))
    ds = load_csv(tmp_path / "d.csv")
    assert ds.kind == "regression" and ds.y_train.shape == (32, 1) and ds.y_train.dtype == np.float32
    write(tmp_path, "x,y\n" + "".join(f"{i},{i % 4}\n" for i in range(40)), "ints.csv")
    assert load_csv(tmp_path / "ints.csv").kind == "multiclass"
    assert load_csv(tmp_path / "ints.csv", kind="regression").kind == "regression"
    with pytest.raises(DataError, match="kind binary needs 2 classes"):
        load_csv(tmp_path / "ints.csv", kind="binary")
    with pytest.raises(DataError, match="did you mean 'regression'"):
        load_csv(tmp_path / "ints.csv", kind="regresion")
    assert load_csv(tmp_path / "ints.csv", kind="classification").n_classes == 4
    write(tmp_path, "x,y\n" + "".join(f"{i},{'ab'[i % 2]}\n" for i in range(10)), "text.csv")
    with pytest.raises(DataError, match="target 'y', row 1 .* 'a', not a finite number"):
        load_csv(tmp_path / "text.csv", kind="regression")


@pytest.mark.parametrize("text, words", [
    ("", ["d.csv", "empty"]),
    ("\n\n", ["d.csv", "empty"]),
    ("a,b,label\n", ["d.csv", "header but no data rows"]),
    ("a,b,label\n1,2,0\n3,4\n", ["d.csv", "row 2", "line 3", "2 values", "3 columns"]),
    ("a,b,label\n1,2,0\n3,x7,1\n", ["d.csv", "column 'b'", "row 2", "not a number", "'x7'"]),
    ("a,b,label\n1,2,0\n3,,1\n", ["d.csv", "column 'b'", "row 2", "is empty"]),
    ("a,b,label\n1,2,0\n3,4,1\nnan,4,1\n", ["d.csv", "column 'a'", "row 3", "'nan'", "NaN"]),
    ("a,b,label\n1,inf,0\n3,4,1\n", ["d.csv", "column 'b'", "row 1", "'inf'", "infinite"]),
    ("a,b,label\n1,2,0\n3,4,0\n5,6,0\n", ["d.csv", "one class only", "'0'"]),
    ("a,b,label\n1,2,0\n3,4,0\n5,6,1\n", ["d.csv", "class '1'", "only 1 row"]),
    ("a,a,label\n1,2,0\n", ["d.csv", "'a' appears twice"]),
    ("a;b;label\n1;2;0\n3;4\n", ["d.csv", "separated by ';'", "save it with ','"]),
    ("label\n0\n1\n", ["d.csv", "only the target column"]),
    ("a,b,label\n1,2,0\n3,4,\n", ["d.csv", "target 'label'", "row 2", "empty"]),
    ("a,b,label\n1,2,0\n3,4,NaN\n", ["d.csv", "target 'label'", "row 2", "'NaN'"]),
])
def test_bad_csv_says_file_row_and_column(tmp_path, text, words):
    write(tmp_path, text)
    with pytest.raises(DataError) as err:
        load_csv(tmp_path / "d.csv", target="label")
    msg = str(err.value)
    assert "\n" not in msg
    for word in words:
        assert word in msg, (word, msg)


def test_csv_missing_target_lists_columns_and_closest(tmp_path):
    write(tmp_path, "alpha,beta,labels\n1,2,0\n3,4,1\n")
    with pytest.raises(DataError) as err:
        load_csv(tmp_path / "d.csv", target="label")
    msg = str(err.value)
    assert "no target column 'label'" in msg and "did you mean 'labels'" in msg
    assert "Columns: alpha, beta, labels" in msg


def test_csv_missing_file_and_directory(tmp_path):
    with pytest.raises(DataError, match=r"data file 'nope\.csv' not found .*" + str(tmp_path)):
        load_csv("nope.csv", base_dir=tmp_path)
    (tmp_path / "folder.csv").mkdir()
    with pytest.raises(DataError, match="'folder.csv' is a directory"):
        load_csv("folder.csv", base_dir=tmp_path)


def test_csv_too_big_is_refused_before_reading(tmp_path, monkeypatch):
    write(tmp_path, GOOD)
    monkeypatch.setattr(data, "MAX_CSV_BYTES", 100)
    with pytest.raises(DataError, match=r"d\.csv' is too big \(0\.0 MB; the limit is"):
        load_csv(tmp_path / "d.csv")


def test_csv_not_utf8(tmp_path):
    (tmp_path / "d.csv").write_bytes(b"a,b\n\xff\xfe,1\n")
    with pytest.raises(DataError, match=r"d\.csv' is not UTF-8"):
        load_csv(tmp_path / "d.csv")


def test_digits_csv_loads_as_ten_classes():
    ds = load_csv(REPO / "datasets" / "digits.csv", target="label")
    assert ds.n_features == 64 and len(ds.x_train) + len(ds.x_test) == 1797
    assert ds.kind == "multiclass" and ds.n_classes == 10 and ds.class_names == [str(d) for d in range(10)]
    assert ds.feature_names[:2] == ["p0", "p1"] and ds.feature_names[-1] == "p63"
    raw = load_csv(REPO / "datasets" / "digits.csv", standardize=False)
    assert raw.x_train.min() == 0 and raw.x_train.max() == 16
    assert np.all(raw.x_train == np.round(raw.x_train))
    assert np.isfinite(ds.x_train).all()  # constant pixel columns (p0) are not divided by zero


def test_iris_csv_has_species_names():
    ds = load_csv(REPO / "datasets" / "iris.csv", target="species")
    assert ds.class_names == ["setosa", "versicolor", "virginica"]
    assert np.bincount(all_labels(ds)).tolist() == [50, 50, 50] and ds.n_features == 4


@pytest.mark.parametrize("name", ["digits.csv", "iris.csv"])
def test_packaged_copies_match_datasets_folder(name):
    assert (REPO / "actcli" / "data" / name).read_bytes() == (REPO / "datasets" / name).read_bytes()


def test_bundled_name_falls_back_to_the_packaged_copy(tmp_path):
    for path in ("digits.csv", "datasets/digits.csv"):
        ds = load_task({"dataset": f"csv:{path}"}, base_dir=tmp_path)
        assert ds.n_classes == 10 and ds.name == f"csv:{path}"
    write(tmp_path, GOOD, "digits.csv")  # a file of that name next to the spec wins
    assert load_task({"dataset": "csv:digits.csv", "target": "kind"}, base_dir=tmp_path).n_features == 2


def test_load_task_forms(tmp_path):
    write(tmp_path, GOOD)
    a = load_task({"dataset": "csv:d.csv", "target": "kind", "seed": 2}, base_dir=tmp_path)
    b = load_task({"dataset": "csv", "path": "d.csv", "target": "kind", "seed": 2}, base_dir=tmp_path)
    c = load_task({"dataset": "d.csv", "target": "kind", "seed": 2}, base_dir=tmp_path)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    np.testing.assert_array_equal(a.x_train, c.x_train)
    moons = load_task({"dataset": "moons", "n_samples": 100})
    np.testing.assert_array_equal(moons.x_train, make_task("moons", n_samples=100).x_train)
    with pytest.raises(DataError, match="no parameter 'noise'"):
        load_task({"dataset": "csv:d.csv", "noise": 0.1}, base_dir=tmp_path)
    with pytest.raises(DataError, match="needs a 'dataset' key"):
        load_task({"n_samples": 100})
    with pytest.raises(DataError, match="needs a 'path' key"):
        load_task({"dataset": "csv"})
