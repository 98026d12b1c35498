"""Parity with Keras 3 for optimizers, regularizers, constraints and initializers (torch backend).

The same start values and gradient sequence go to `keras.optimizers.X().apply_gradients` on
`keras.Variable`s and to actcli's optimizer on one flat buffer; both must agree to float32 rounding.
"""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from actcli.nn import constraints, initializers, optimizers, regularizers  # noqa: E402

SHAPES = [(5, 4), (4,), (4, 3), (3,)]  # two Dense layers: kernel, bias, kernel, bias


def _np(x) -> np.ndarray:
    """A Keras variable or tensor as a NumPy array (via torch: Keras's own converter warns on Variables)."""
    x = getattr(x, "value", x)
    return x.detach().cpu().numpy() if hasattr(x, "detach") else np.asarray(x)


def _problem(seed: int, steps: int):
    """Start weights and `steps` gradient lists; gradient scales differ by variable so clipnorm bites."""
    rng = np.random.default_rng(seed)
    starts = [rng.normal(size=s).astype(np.float32) for s in SHAPES]
    grads = [
        [(rng.normal(size=s) * (0.1 + 3 * i)).astype(np.float32) for i, s in enumerate(SHAPES)]
        for _ in range(steps)
    ]
    return starts, grads


def _flat(arrays):
    flat = np.concatenate([a.ravel() for a in arrays])
    slices, start = [], 0
    for a in arrays:
        slices.append((start, start + a.size))
        start += a.size
    return flat, slices


CASES = [
    ("sgd", {}),
    ("sgd", {"learning_rate": 0.1, "momentum": 0.9}),
    ("sgd", {"learning_rate": 0.1, "momentum": 0.9, "nesterov": True}),
    ("sgd", {"learning_rate": 0.1, "momentum": 0.5, "weight_decay": 0.1}),
    ("adam", {}),
    ("adam", {"learning_rate": 0.1, "amsgrad": True}),
    ("adam", {"learning_rate": 0.05, "beta_1": 0.5, "beta_2": 0.9, "epsilon": 1e-3}),
    ("adamw", {"learning_rate": 0.1}),
    ("adamw", {"learning_rate": 0.1, "weight_decay": 0.5}),
    ("rmsprop", {}),
    ("rmsprop", {"learning_rate": 0.1, "centered": True}),
    ("rmsprop", {"learning_rate": 0.1, "momentum": 0.5, "rho": 0.8}),
    ("rmsprop", {"learning_rate": 0.1, "centered": True, "momentum": 0.5}),
    ("adagrad", {}),
    ("adagrad", {"learning_rate": 0.1, "initial_accumulator_value": 0.5}),
    ("nadam", {}),
    ("nadam", {"learning_rate": 0.1, "beta_1": 0.8}),
    ("sgd", {"learning_rate": 0.1, "clipnorm": 1.0}),
    ("adam", {"learning_rate": 0.1, "global_clipnorm": 2.0}),
    ("rmsprop", {"learning_rate": 0.1, "clipvalue": 0.5}),
]


@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{'-'.join(k) or 'defaults'}" for n, k in CASES])
@pytest.mark.parametrize("seed", [0, 1])
def test_optimizer_steps_match_keras(name, kwargs, seed):
    starts, grads = _problem(seed, steps=6)
    kvars = [keras.Variable(w) for w in starts]
    kopt = getattr(keras.optimizers, optimizers.REGISTRY[name].keras_class)(**kwargs)
    opt = optimizers.get({"name": name, **kwargs})
    params, slices = _flat(starts)
    moved = 0.0
    for step, gs in enumerate(grads, start=1):
        kopt.apply_gradients(zip([keras.ops.convert_to_tensor(g) for g in gs], kvars, strict=True))
        gflat, _ = _flat(gs)
        opt.apply(params, gflat, slices)
        expected, _ = _flat([_np(v) for v in kvars])
        # float32 rounding differs (fused multiply-adds, summation order): a few ulps of the weights' scale
        np.testing.assert_allclose(params, expected, rtol=1e-6, atol=1e-6, err_msg=f"step {step}")
        moved = max(moved, float(np.abs(expected - _flat(starts)[0]).max()))
        assert opt.iterations == int(_np(kopt.iterations)) == step
    assert moved > 1e-3  # the steps really moved the weights: the comparison is not vacuous


@pytest.mark.parametrize("name", optimizers.REGISTRY.names())
def test_optimizer_defaults_match_keras(name):
    ours = optimizers.get(name).get_config()
    theirs = keras.optimizers.get(name).get_config()
    for key, value in ours.items():
        if key != "name":
            assert theirs[key] == (pytest.approx(value, rel=1e-6) if isinstance(value, float) else value), key


# ---- regularizers -----------------------------------------------------------------------------------

REGULARIZERS = [
    keras.regularizers.L1(0.03),
    keras.regularizers.L2(0.02),
    keras.regularizers.L1L2(l1=0.01, l2=0.05),
    keras.regularizers.L1L2(l2=0.05),
    keras.regularizers.OrthogonalRegularizer(0.1, mode="rows"),
    keras.regularizers.OrthogonalRegularizer(0.2, mode="columns"),
]


@pytest.mark.parametrize("kreg", REGULARIZERS, ids=lambda r: f"{type(r).__name__}{r.get_config()}")
def test_regularizer_penalty_and_gradient_match_keras(kreg):
    import torch

    reg = regularizers.get({"class_name": type(kreg).__name__, "config": kreg.get_config()})
    x = np.random.default_rng(3).normal(size=(6, 4)).astype(np.float32)
    x[0, 0] = 0.0  # |x| at 0: both give a zero subgradient
    xt = torch.tensor(x, requires_grad=True)
    penalty = kreg(xt)
    penalty.backward()
    assert reg(x) == pytest.approx(float(penalty.detach()), rel=1e-5)
    np.testing.assert_allclose(reg.gradient(x), xt.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_regularizer_string_defaults_match_keras():
    for name in ("l1", "l2", "orthogonal_regularizer"):
        ours, theirs = regularizers.get(name).get_config(), keras.regularizers.get(name).get_config()
        ours.pop("name")
        assert ours.keys() == theirs.keys()
        for key, value in ours.items():
            expected = pytest.approx(theirs[key], rel=1e-6) if isinstance(value, float) else theirs[key]
            assert value == expected, key


def test_l1_l2_defaults_are_keras_3s_no_penalty():
    ours = regularizers.L1L2().get_config()
    ours.pop("name")
    assert ours == keras.regularizers.L1L2().get_config() == {"l1": 0.0, "l2": 0.0}
    with pytest.raises(ValueError):
        keras.regularizers.get("l1_l2")
    with pytest.raises(ValueError, match="needs its factors"):
        regularizers.get("l1_l2")


# ---- constraints ------------------------------------------------------------------------------------

CONSTRAINTS = [
    keras.constraints.MaxNorm(),
    keras.constraints.MaxNorm(max_value=0.7, axis=1),
    keras.constraints.MinMaxNorm(),
    keras.constraints.MinMaxNorm(min_value=1.5, max_value=2.0, rate=0.5),
    keras.constraints.NonNeg(),
    keras.constraints.UnitNorm(),
    keras.constraints.UnitNorm(axis=1),
]


@pytest.mark.parametrize("kcon", CONSTRAINTS, ids=lambda c: f"{type(c).__name__}{c.get_config()}")
def test_constraint_matches_keras(kcon):
    con = constraints.get({"class_name": type(kcon).__name__, "config": kcon.get_config()})
    w = (np.random.default_rng(4).normal(size=(5, 3)) * 1.5).astype(np.float32)
    w[:, 2] = 0.0  # a dead column: the epsilon keeps it at 0 in both
    expected = _np(kcon(keras.Variable(w)))
    np.testing.assert_allclose(con(w), expected, rtol=1e-6, atol=1e-7)


# ---- initializers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kcls,params",
    [
        ("Zeros", {}),
        ("Ones", {}),
        ("Constant", {"value": 0.3}),
        ("Identity", {}),
        ("Identity", {"gain": 2.5}),
    ],
)
@pytest.mark.parametrize("shape", [(4, 4), (3, 5)])
def test_deterministic_initializers_match_keras(kcls, params, shape):
    # (built from the parameters: Keras's Identity.get_config() forgets `gain`)
    init = initializers.get({"class_name": kcls, "config": params})
    np.testing.assert_array_equal(init(shape), _np(getattr(keras.initializers, kcls)(**params)(shape)))


RANDOM = [
    "random_normal",
    "random_uniform",
    "truncated_normal",
    "glorot_uniform",
    "glorot_normal",
    "he_uniform",
    "he_normal",
    "lecun_uniform",
    "lecun_normal",
    "orthogonal",
    {"name": "variance_scaling", "scale": 3.0, "mode": "fan_out", "distribution": "untruncated_normal"},
    {"name": "variance_scaling", "scale": 0.5, "mode": "fan_avg", "distribution": "uniform"},
]


@pytest.mark.parametrize("ident", RANDOM, ids=str)
def test_random_initializer_statistics_match_keras(ident):
    """Different generators, same distribution: mean, std, range and kurtosis agree on 300x200 draws."""
    shape = (300, 200)
    name, params = (ident, {}) if isinstance(ident, str) else (ident["name"], dict(ident))
    params.pop("name", None)
    kcls = initializers.REGISTRY[name].keras_class
    ours = initializers.get({"name": name, **params, "seed": 5})(shape).astype(np.float64)
    theirs = _np(getattr(keras.initializers, kcls)(**params, seed=7)(shape))
    theirs = theirs.astype(np.float64)
    assert ours.dtype == theirs.dtype
    std = theirs.std()
    assert abs(ours.mean() - theirs.mean()) < 0.02 * std
    assert ours.std() == pytest.approx(std, rel=0.02)
    assert np.abs(ours).max() == pytest.approx(np.abs(theirs).max(), rel=0.05)
    kurt = [((a - a.mean()) ** 4).mean() / a.var() ** 2 for a in (ours, theirs)]
    assert kurt[0] == pytest.approx(kurt[1], rel=0.05)
