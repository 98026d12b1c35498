"""The compiled element-wise kernels (numba) against the NumPy code they replace: the same bits, on any values —
zeros, huge and tiny magnitudes, inf and NaN — in float32 and float64; and a whole training gives the same weights
with and without them. Skipped where numba is not installed (the NumPy path is then the only one)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from actcli.nn import Dense, Sequential, _kernels, optimizers
from actcli.nn.random import set_random_seed

numba = pytest.importorskip("numba")
K = _kernels._compile()

DTYPES = st.sampled_from([np.float32, np.float64])


def _arrays(dtype, n, special=True):
    floats = st.floats(width=32 if dtype is np.float32 else 64, allow_nan=special, allow_infinity=special)
    return hnp.arrays(dtype, n, elements=floats)


def _same(a, b):
    np.testing.assert_array_equal(a, b)  # NaN equals NaN here, and every other value must be identical
    zero = a == 0
    assert np.array_equal(np.signbit(a[zero]), np.signbit(b[zero])), "a zero's sign differs"


@st.composite
def _adam_case(draw):
    dtype = draw(DTYPES)
    n = draw(st.integers(1, 70))
    p, g, m = (draw(_arrays(dtype, n)) for _ in range(3))
    v, vhat = (np.abs(draw(_arrays(dtype, n))) for _ in range(2))  # second moments are never negative
    t = dtype
    alpha, b1, b2, eps = (draw(st.floats(1e-6, 1.0)) for _ in range(4))
    return p, g, m, v, vhat, t(alpha), t(1.0 - b1 / 2), t(1.0 - b2 / 2), t(eps * 1e-6)


@settings(max_examples=300, deadline=None)
@given(_adam_case(), st.booleans())
def test_adam_kernel_is_the_numpy_update_to_the_bit(case, amsgrad):
    p, g, m, v, vhat, alpha, c1, c2, eps = case
    ref = [a.copy() for a in (p, m, v, vhat)]
    tmp, tmp2 = np.empty_like(p), np.empty_like(p)
    with np.errstate(all="ignore"):
        optimizers.Adam._update_block(ref[0], g, ref[1], ref[2], tmp, tmp2, ref[3] if amsgrad else None,
                                      alpha, c1, c2, eps)
        K.adam(p, g, m, v, vhat if amsgrad else vhat[:0], alpha, c1, c2, eps)
    for got, want in zip((p, m, v, vhat), ref):
        _same(got, want)


@settings(max_examples=200, deadline=None)
@given(DTYPES.flatmap(lambda t: st.tuples(_arrays(t, 40), _arrays(t, 40), st.floats(1e-6, 10.0).map(t))))
def test_sgd_kernel_is_the_numpy_update_to_the_bit(case):
    p, g, lr = case
    want = p.copy()
    with np.errstate(all="ignore"):
        want -= g * lr
        K.sgd(p, g, lr)
    _same(p, want)


def _train(enabled, optimizer, dtype="float32"):
    _kernels.set_enabled(enabled)
    try:
        set_random_seed(5)
        rng = np.random.default_rng(0)
        x = rng.normal(size=(300, 4))
        y = rng.integers(0, 3, size=300)
        model = Sequential([Dense(12, activation="relu", input_dim=4, dtype=dtype),
                            Dense(3, activation="softmax", dtype=dtype)])
        model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
        history = model.fit(x, y, epochs=3, batch_size=16, verbose=0)
        return model.get_weights(), history.history["loss"], model.optimizer
    finally:
        _kernels.reset()


@pytest.mark.parametrize("make", [
    lambda: optimizers.Adam(0.01),
    lambda: optimizers.Adam(0.01, amsgrad=True),
    lambda: optimizers.AdamW(0.01, weight_decay=0.1),
    lambda: optimizers.SGD(0.1),
], ids=["adam", "amsgrad", "adamw", "sgd"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_training_gives_the_same_weights_with_and_without_kernels(make, dtype):
    fast_w, fast_loss, fast_opt = _train(True, make(), dtype)
    slow_w, slow_loss, slow_opt = _train(False, make(), dtype)
    assert fast_opt._kernel is not None and slow_opt._kernel is None  # each run took the path it names
    assert fast_loss == slow_loss
    for a, b in zip(fast_w, slow_w, strict=True):
        np.testing.assert_array_equal(a, b)
    assert fast_loss[-1] < fast_loss[0]  # it trained


def test_the_environment_can_switch_the_kernels_off(monkeypatch):
    monkeypatch.setenv("ACTCLI_KERNELS", "numpy")
    _kernels.reset()
    try:
        assert _kernels.get() is None and _kernels.describe() == "numpy"
        monkeypatch.delenv("ACTCLI_KERNELS")
        _kernels.reset()
        assert _kernels.get() is not None and _kernels.describe() == f"numba {numba.__version__}"
    finally:
        _kernels.reset()


# -- layer kernels: a hidden layer's bias + activation, and its backward ----------------------------------------
@st.composite
def _batch(draw, special=True):
    dtype = draw(DTYPES)
    rows, cols = draw(st.integers(1, 9)), draw(st.integers(1, 9))
    if draw(st.booleans()):  # also a batch past sigmoid's 8192-value size rule (no clip; overflow silenced)
        rows = 8192 // cols + 1
    floats = st.floats(width=32 if dtype is np.float32 else 64, allow_nan=special, allow_infinity=special)
    z, g = (draw(hnp.arrays(dtype, (rows, cols), elements=floats)) for _ in range(2))
    return z, draw(_arrays(dtype, cols, special)), g


COMPILED = ["relu", "sigmoid", "tanh", "elu", {"name": "elu", "alpha": 0.5}, {"name": "elu", "alpha": 1.7},
            {"name": "elu", "alpha": -0.3}, {"name": "elu", "alpha": 0.0}]


@settings(max_examples=300, deadline=None)
@given(_batch(), st.sampled_from(COMPILED))
def test_compiled_layer_operations_are_numpys_to_the_bit(batch, name):
    from actcli.nn import activations

    z, bias, g = batch
    act = activations.get(name)
    forward, backward_into = act.compiled(K, z.dtype)
    with np.errstate(all="ignore"):
        want_z = z + bias
        want_y = act.forward(want_z.copy())
        got_z = z.copy()
        got_y = forward(got_z, bias)
        want_g = act.backward_into(want_z, want_y, g.copy())
        got_g = backward_into(got_z, got_y, g.copy())  # what the training step passes: z's buffer after forward
    if got_y is not got_z:  # else y was written over z (relu, sigmoid, tanh: their backward reads only y)
        _same(got_z, want_z)
    _same(got_y, want_y)
    _same(got_g, want_g)


def test_which_activations_have_compiled_forms():
    from actcli.nn import activations

    assert activations.get("relu").compiled(K, np.dtype("float32")) is not None
    assert activations.get({"name": "relu", "negative_slope": 0.1}).compiled(K, np.dtype("float32")) is None
    assert activations.get("tanh").compiled(K, np.dtype("float32")) is not None
    assert activations.get("elu").compiled(K, np.dtype("float32")) is not None
    assert activations.get("selu").compiled(K, np.dtype("float32")) is None


# -- when numba is loaded: only for work that repays its start-up ------------------------------------------------
@pytest.fixture
def fresh_process(monkeypatch):
    """_kernels as in a new process where numba is not imported yet; loading it returns a marker."""
    loads = []
    marker = _kernels._compile()
    monkeypatch.setattr(_kernels, "_MODULE", "actcli.nn._not_imported_yet")
    monkeypatch.setattr(_kernels, "_compile", lambda: loads.append(1) or marker)
    monkeypatch.delenv("ACTCLI_KERNELS", raising=False)
    _kernels.reset()
    yield loads, marker
    _kernels.reset()


def test_numba_is_loaded_only_for_work_that_repays_it(fresh_process):
    loads, marker = fresh_process
    below = _kernels.PAYBACK * _kernels.LOAD_SECONDS * 0.99
    assert _kernels.PAYBACK > 1  # a gain just above the cost is not enough: the estimate is not exact
    assert _kernels.prepare(below) is None and loads == []
    assert _kernels.loaded() is None and _kernels.describe() == "numpy"
    assert _kernels.prepare(_kernels.PAYBACK * _kernels.LOAD_SECONDS) is marker and loads == [1]
    assert _kernels.prepare(0.0) is marker and loads == [1]  # loaded now: small work uses it too, for free


@pytest.mark.parametrize("mode, small, large", [("numba", True, True), ("numpy", False, False),
                                                 ("", False, True)])
def test_the_environment_decides_over_the_estimate(fresh_process, monkeypatch, mode, small, large):
    _, marker = fresh_process
    monkeypatch.setenv("ACTCLI_KERNELS", mode)
    assert (_kernels.prepare(0.0) is marker) == small
    _kernels.reset()
    assert (_kernels.prepare(10.0) is marker) == large


def test_the_estimate_counts_only_what_has_a_kernel():
    small = [("relu", 32 * 64), ("relu", 32 * 32)]  # bench/'s small net: Adam, two relu layers, batch 32
    assert _kernels.estimated_saving(1000, "adam", 2_305, small) == pytest.approx(0.016, rel=0.05)
    assert _kernels.estimated_saving(2000, "adam", 2_305, small) == pytest.approx(
        2 * _kernels.estimated_saving(1000, "adam", 2_305, small))
    assert _kernels.estimated_saving(1000, None, 2_305, [(None, 2048), (None, 1024)]) == 0.0  # e.g. RMSprop, selu
    assert (_kernels.estimated_saving(1000, "adam", 2_305, [(None, 2048)])
            < _kernels.estimated_saving(1000, "adam", 2_305, [("relu", 2048)])
            < _kernels.estimated_saving(1000, "adam", 2_305, [("sigmoid", 2048)]))
    # bench/'s wide net (669,706 weights, two relu layers of 512, batch 256): ~1.15 ms a step, 79 steps an epoch
    assert 0.08 < _kernels.estimated_saving(79, "adam", 669_706, [("relu", 256 * 512)] * 2) < 0.1
    # bench/'s deep stack (SGD, 133,121 weights, eight sigmoid layers of 128, batch 256): ~0.4 ms a step
    assert 0.03 < _kernels.estimated_saving(79, "sgd", 133_121, [("sigmoid", 256 * 128)] * 8) < 0.035


def test_which_optimizers_and_activations_have_kernels():
    from actcli.nn import activations

    assert [optimizers.get(n).has_kernel for n in ("adam", "adamw", "sgd", "rmsprop", "nadam", "adagrad")] == [
        True, True, True, False, False, False]
    assert not optimizers.SGD(0.1, momentum=0.9).has_kernel
    assert activations.get("relu").has_kernel and activations.get("sigmoid").has_kernel
    assert not activations.get({"name": "relu", "max_value": 6.0}).has_kernel
    assert activations.get("tanh").has_kernel and activations.get("elu").has_kernel
    assert not activations.get("selu").has_kernel and not activations.get("gelu").has_kernel
    for name in ("relu", "sigmoid", "tanh", "elu"):  # has_kernel says exactly when compiled() gives a form
        act = activations.get(name)
        assert act.has_kernel == (act.compiled(K, np.dtype("float32")) is not None)


def _fit(epochs, n=64):
    set_random_seed(0)
    model = Sequential([Dense(8, activation="relu", input_dim=3), Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    x = np.random.default_rng(0).normal(size=(n, 3))
    model.fit(x, (x[:, 0] > 0).astype(int), epochs=epochs, batch_size=8, verbose=0)
    return model


def test_fit_loads_the_kernels_for_a_long_training_only(fresh_process, monkeypatch):
    loads, _ = fresh_process
    monkeypatch.setattr(_kernels, "LOAD_SECONDS", 0.001)  # a start-up of 1 ms, so a short fit can repay it
    assert _fit(epochs=2).optimizer._kernel is None and loads == []  # 16 steps: ~0.2 ms to gain
    long = _fit(epochs=40)  # 320 steps: ~3 ms to gain
    assert loads == [1] and long.optimizer._kernel is not None


def test_a_lesson_sized_training_does_not_load_numba(tiny_spec, tmp_path):
    import subprocess
    import sys

    spec = tiny_spec()
    code = ("import sys\nfrom actcli.cli import app\n"
            f"try:\n    app(['train', {str(spec)!r}, '--no-plots'])\nexcept SystemExit as e:\n    assert not e.code\n"
            "print('numba' in sys.modules)\n")
    env = {k: v for k, v in __import__("os").environ.items() if k != "ACTCLI_KERNELS"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout
    assert out.strip().endswith("False"), out


def test_a_specs_estimate_follows_its_optimizer_and_activations(tiny_spec):
    from actcli import lab
    from actcli.spec import load_spec

    adam_relu = lab.kernel_saving(load_spec(tiny_spec("a.yaml")).resolved())
    # TINY: 200 moons samples, 80 % train, 20 % of that for validation → 128 rows, 4 batches of 32, 3 epochs
    assert adam_relu == pytest.approx(_kernels.estimated_saving(12, "adam", 2 * 8 + 8 + 8 + 1, [("relu", 32 * 8)]))
    plain = load_spec(tiny_spec("b.yaml", model={"layers": [{"units": 8, "activation": "selu"},
                                                            {"units": 1, "activation": "sigmoid"}]},
                                training={"optimizer": {"name": "rmsprop"}}))
    assert lab.kernel_saving(plain.resolved()) == 0.0


def test_a_numba_that_fails_to_load_falls_back_to_numpy(monkeypatch):
    import sys

    class Broken:
        def __getattr__(self, name):
            raise RuntimeError("cannot cache function: no locator available")

    monkeypatch.setitem(sys.modules, "actcli.nn._numba_kernels", Broken())
    monkeypatch.delattr("actcli.nn._numba_kernels", raising=False)
    assert _kernels._compile() is None


@pytest.mark.parametrize("before", [False, True])
def test_numba_starts_without_scipy_linalg_and_leaves_it_importable(before):
    """numba's start-up would import scipy.linalg (0.1-0.2 s) for a BLAS check the kernels do not need: it is kept
    out while numba starts, and importable afterwards; imported before, it is left alone."""
    import subprocess
    import sys

    code = ("import sys\n" + ("import scipy.linalg\n" if before else "") +
            "from actcli.nn import _kernels\nk = _kernels.get()\n"
            "print(k is not None, 'numba' in sys.modules, 'scipy.linalg' in sys.modules)\n"
            "import scipy.linalg\nprint(scipy.linalg.cython_blas.__name__)\n")
    env = {k: v for k, v in __import__("os").environ.items() if k != "ACTCLI_KERNELS"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout
    assert out.split() == ["True", "True", str(before), "scipy.linalg.cython_blas"], out
