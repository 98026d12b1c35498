"""Activations: registry round-trips, gradients by central differences, invariants, extremes, dtypes.

Keras parity (same values as keras.activations) lives in tests/parity/test_activations_keras.py.
"""

from __future__ import annotations

import math
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from actcli.nn import activations as A
from actcli.nn._registry import UnknownNameError

# Every registered name with Keras's defaults (threshold has required parameters), plus variants.
DEFAULTS = [
    {"name": "threshold", "threshold": 0.5, "default_value": 0.0} if n == "threshold" else {"name": n}
    for n in A.names()
]
VARIANTS = [
    {"name": "relu", "max_value": 6.0},
    {"name": "relu", "negative_slope": 0.1, "threshold": 0.5},
    {"name": "relu", "threshold": -1.0, "max_value": 2.0},
    {"name": "relu", "negative_slope": 0.3, "max_value": 4.0},
    {"name": "leaky_relu", "negative_slope": 0.1},
    {"name": "leaky_relu", "negative_slope": 1.5},
    {"name": "elu", "alpha": 0.5},
    {"name": "celu", "alpha": 2.0},
    {"name": "gelu", "approximate": True},
    {"name": "hard_shrink", "threshold": 1.0},
    {"name": "soft_shrink", "threshold": 0.2},
    {"name": "squareplus", "b": 1.0},
    {"name": "squareplus", "b": 0},
    {"name": "threshold", "threshold": -0.5, "default_value": -1.0},
    {"name": "softmax", "axis": 0},
    {"name": "log_softmax", "axis": 0},
    {"name": "sparsemax", "axis": 0},
    {"name": "glu", "axis": 0},
]
CONFIGS = DEFAULTS + VARIANTS
ELEMENTWISE = [c for c in CONFIGS if A.get(c).elementwise]


def _id(config: dict) -> str:
    return repr(A.get(config))


def _relu_kinks(a):
    return [0.0, a.threshold] + ([a.max_value] if a.max_value is not None else [])


# Points where f or f' jumps, per activation; finite differences sample at least 1e-3 away from them.
# Every registered name needs an entry (test_every_activation_declares_its_kinks).
KINKS = {
    "linear": lambda a: [],
    "relu": _relu_kinks,
    "sigmoid": lambda a: [],
    "tanh": lambda a: [],
    "softmax": lambda a: [],
    "leaky_relu": lambda a: [0.0],
    "relu6": lambda a: [0.0, 6.0],
    "threshold": lambda a: [a.threshold],
    "hard_sigmoid": lambda a: [-3.0, 3.0],
    "hard_silu": lambda a: [-3.0, 3.0],
    "hard_tanh": lambda a: [-1.0, 1.0],
    "hard_shrink": lambda a: [-a.threshold, a.threshold],
    "soft_shrink": lambda a: [-a.threshold, a.threshold],
    "sparse_sigmoid": lambda a: [-1.0, 1.0],
    "sparse_plus": lambda a: [-1.0, 1.0],
    "elu": lambda a: [0.0],
    "selu": lambda a: [0.0],
    "celu": lambda a: [0.0],
    "exponential": lambda a: [],
    "softplus": lambda a: [],
    "softsign": lambda a: [0.0],
    "squareplus": lambda a: [0.0] if a.b == 0 else [],
    "silu": lambda a: [],
    "gelu": lambda a: [],
    "mish": lambda a: [],
    "log_sigmoid": lambda a: [],
    "tanh_shrink": lambda a: [],
    "log_softmax": lambda a: [],
    "sparsemax": lambda a: [],  # its kinks are support changes, checked per row in _sample
    "glu": lambda a: [],
}


def _sparsemax_near_support_change(a, x) -> bool:
    """True when some x_i is within 1e-3 of the threshold τ of its row (the support would change)."""
    y = a.forward(x)
    tau = np.max(np.where(y > 0, x - y, -np.inf), axis=a.axis, keepdims=True)
    return bool(np.any(np.abs(x - tau) < 1e-3))


def _sample(a, rng, shape=(4, 6), scale=2.5):
    """float64 points at least 1e-3 away from every kink (and, for sparsemax, from support changes)."""
    if a.name == "sparsemax":
        while True:
            x = rng.normal(0.0, 0.5, shape)
            if not _sparsemax_near_support_change(a, x):
                return x
    x = rng.normal(0.0, scale, shape)
    kinks = np.array(KINKS[a.name](a), dtype=float)
    for _ in range(100):
        if kinks.size == 0:
            return x
        bad = np.min(np.abs(x[..., None] - kinks), axis=-1) < 1e-3
        if not bad.any():
            return x
        x[bad] = rng.normal(0.0, scale, bad.sum())
    raise AssertionError("could not sample away from the kinks")


def test_every_activation_declares_its_kinks():
    assert sorted(KINKS) == sorted(A.names())


def test_registry_holds_every_keras_activation_and_alias():
    keras_names = {
        "celu", "elu", "exponential", "gelu", "glu", "hard_shrink", "hard_sigmoid", "hard_silu", "hard_tanh",
        "leaky_relu", "linear", "log_sigmoid", "log_softmax", "mish", "relu", "relu6", "selu", "sigmoid",
        "silu", "soft_shrink", "softmax", "softplus", "softsign", "sparse_plus", "sparse_sigmoid",
        "sparsemax", "squareplus", "tanh", "tanh_shrink", "threshold",
    }  # keras.src.activations.ALL_OBJECTS in Keras 3.15.1
    assert set(A.names()) == keras_names
    assert A.REGISTRY.aliases() == {"swish": "silu", "hard_swish": "hard_silu"}


# -- registry, config, repr ----------------------------------------------------------------------


@pytest.mark.parametrize("name", A.REGISTRY.names(aliases=True))
def test_every_name_and_alias_round_trips_through_get_config(name):
    config = {"name": name, "threshold": 0.5, "default_value": 0.0} if name == "threshold" else name
    act = A.get(config)
    again = A.get(act.get_config())
    assert again == act
    assert type(again) is type(act)
    assert again.get_config() == act.get_config()
    assert act.name == A.REGISTRY.canonical(name)


@pytest.mark.parametrize("config", VARIANTS, ids=_id)
def test_variants_round_trip_with_their_parameters(config):
    act = A.get(config)
    assert A.get(act.get_config()) == act
    assert act != A.get(next(c for c in DEFAULTS if c["name"] == act.name))


def test_repr_shows_the_name_and_only_the_changed_parameters():
    assert repr(A.get("relu")) == "relu"
    assert repr(A.get("swish")) == "silu"
    assert repr(A.get({"name": "leaky_relu", "negative_slope": 0.1})) == "leaky_relu(negative_slope=0.1)"
    assert repr(A.get({"name": "relu", "max_value": 6.0})) == "relu(max_value=6.0)"
    assert repr(A.get({"name": "threshold", "threshold": 0.0, "default_value": 0.0})) == (
        "threshold(threshold=0.0, default_value=0.0)"
    )


def test_get_accepts_none_instances_and_classes():
    assert A.get(None) == A.get("linear")
    relu = A.get("relu")
    assert A.get(relu) is relu
    assert A.get(A.ReLU) == relu


def test_unknown_name_suggests_the_closest():
    with pytest.raises(UnknownNameError) as info:
        A.get("relux")
    assert info.value.suggestion == "relu"
    assert "did you mean 'relu'" in str(info.value)
    assert "sparsemax" in str(info.value)  # lists the valid names
    assert isinstance(info.value, ValueError)


def test_unknown_parameter_is_a_type_error_listing_valid_ones():
    with pytest.raises(TypeError, match="negative_slope"):
        A.get({"name": "elu", "negative_slope": 0.1})


def test_threshold_without_its_required_parameters_names_them():
    with pytest.raises(TypeError, match="'threshold', 'default_value'"):
        A.get("threshold")
    with pytest.raises(TypeError, match=r"needs parameter\(s\) 'default_value' \("):
        A.get({"name": "threshold", "threshold": 1.0})


@pytest.mark.parametrize(
    "config, error",
    [
        ({"name": "celu", "alpha": 0.0}, ValueError),
        ({"name": "squareplus", "b": -1}, ValueError),
        ({"name": "soft_shrink", "threshold": -0.1}, ValueError),
        ({"name": "leaky_relu", "negative_slope": "0.1"}, TypeError),
        ({"name": "relu", "max_value": -1.0}, ValueError),
        ({"name": "gelu", "approximate": "yes"}, TypeError),
        ({"name": "softmax", "axis": 1.5}, TypeError),
        ({"name": "elu", "alpha": math.nan}, ValueError),
    ],
)
def test_bad_parameter_values_are_rejected(config, error):
    with pytest.raises(error, match=config["name"]):
        A.get(config)


def test_calling_with_keras_keyword_parameters():
    x = np.array([-2.0, 3.0], dtype=np.float32)
    np.testing.assert_allclose(A.get("leaky_relu")(x, negative_slope=0.1), [-0.2, 3.0])
    assert A.get("relu")([[-1, 0, 2]]).dtype == np.float32  # ints become float32, as in Keras


# -- hand-worked values --------------------------------------------------------------------------

X = np.array([[-1.0, 0.0, 2.0]], dtype=np.float32)
LSE = math.log(math.exp(-1) + 1 + math.exp(2))  # log-sum-exp of X


def test_relu_sigmoid_softmax_on_a_hand_worked_row():
    np.testing.assert_array_equal(A.get("relu")(X), [[0.0, 0.0, 2.0]])
    e = math.e
    np.testing.assert_allclose(A.get("sigmoid")(X), [[1 / (1 + e), 0.5, 1 / (1 + e**-2)]], rtol=1e-6)
    total = e**-1 + 1 + e**2
    np.testing.assert_allclose(A.get("softmax")(X), [[e**-1 / total, 1 / total, e**2 / total]], rtol=1e-6)
    np.testing.assert_allclose(A.get("softmax")(X), [[0.04201007, 0.1141952, 0.84379473]], rtol=1e-6)


@pytest.mark.parametrize(
    "config, expected",
    [
        ("hard_sigmoid", [[1 / 3, 0.5, 5 / 6]]),
        ("hard_silu", [[-1 / 3, 0.0, 5 / 3]]),
        ("sparse_plus", [[0.0, 0.25, 2.0]]),
        ("sparse_sigmoid", [[0.0, 0.5, 1.0]]),
        ("soft_shrink", [[-0.5, 0.0, 1.5]]),
        ("squareplus", [[(-1 + 5**0.5) / 2, 1.0, (2 + 8**0.5) / 2]]),
        ("softsign", [[-0.5, 0.0, 2 / 3]]),
        ("elu", [[1 / math.e - 1, 0.0, 2.0]]),
        ("selu", [[A.SELU.SCALE * A.SELU.ALPHA * (1 / math.e - 1), 0.0, 2 * A.SELU.SCALE]]),
        ({"name": "relu", "negative_slope": 0.5, "threshold": 1.0}, [[-1.0, -0.5, 2.0]]),
        ({"name": "relu", "max_value": 1.0}, [[0.0, 0.0, 1.0]]),
        ({"name": "threshold", "threshold": 0.0, "default_value": 7.0}, [[7.0, 7.0, 2.0]]),
        ("sparsemax", [[0.0, 0.0, 1.0]]),
        ("log_softmax", [[-1 - LSE, -LSE, 2 - LSE]]),
    ],
    ids=str,
)
def test_hand_worked_values(config, expected):
    np.testing.assert_allclose(A.get(config)(X), expected, rtol=1e-6, atol=1e-7)


def test_sparsemax_projects_onto_the_simplex_with_a_larger_support():
    # sorted [1, .5, .2]: support {1, .5}, τ = (1.5 - 1) / 2 = 0.25
    np.testing.assert_allclose(A.get("sparsemax")([[1.0, 0.5, 0.2]]), [[0.75, 0.25, 0.0]], rtol=1e-6)
    # all in the support: τ = (0.6 - 1) / 3
    shift = 0.4 / 3
    np.testing.assert_allclose(A.get("sparsemax")([[0.1, 0.2, 0.3]]),
                               [[0.1 + shift, 0.2 + shift, 0.3 + shift]], rtol=1e-6)


def test_glu_gates_the_first_half_by_the_second():
    x = np.array([[1.0, -2.0, 0.0, 3.0]])
    s = 1 / (1 + math.exp(-3.0))
    np.testing.assert_allclose(A.get("glu")(x), [[0.5, -2.0 * s]])


def test_glu_rejects_an_odd_width():
    glu = A.get("glu")
    assert glu.output_units(64) == 32
    with pytest.raises(ValueError, match="even"):
        glu.output_units(7)
    with pytest.raises(ValueError, match="even"):
        glu(np.zeros((2, 3)))


def test_squareplus_is_accurate_far_left_where_the_naive_formula_cancels():
    y = A.get("squareplus")(np.array([-1e4], dtype=np.float32))
    np.testing.assert_allclose(y, [1e-4], rtol=1e-5)  # b / (2 (sqrt(x^2 + b) - x)) = 4 / 4e4


def test_exponential_overflows_to_inf_silently_like_keras():
    exp = A.get("exponential")
    x = np.array([[-1e4, 0.0, 1e4]], dtype=np.float32)
    y = exp(x)  # pytest turns any RuntimeWarning into an error
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y, [[0.0, 1.0, np.inf]])
    g = exp.backward(x, y, np.ones_like(y))
    np.testing.assert_array_equal(g, [[0.0, 1.0, np.inf]])


# -- gradients -----------------------------------------------------------------------------------


@pytest.mark.parametrize("config", CONFIGS, ids=_id)
def test_backward_matches_central_differences(config):
    """dL/dx from `backward` equals central differences of L = sum(G * f(x)), in float64, for a random G."""
    act = A.get(config)
    rng = np.random.default_rng(zlib.crc32(_id(config).encode()))
    x = _sample(act, rng)
    y = act.forward(x)
    g = rng.normal(size=y.shape)
    analytic = act.backward(x, y, g)
    assert analytic.shape == x.shape
    h = 1e-6
    numeric = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += h
        xm[i] -= h
        numeric[i] = (np.sum(g * act.forward(xp)) - np.sum(g * act.forward(xm))) / (2 * h)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-6)


def test_sparsemax_gradient_test_covers_supports_larger_than_one():
    act = A.get("sparsemax")
    x = _sample(act, np.random.default_rng(0))
    assert (act.forward(x) > 0).sum(axis=-1).max() >= 2


@pytest.mark.parametrize("config", ELEMENTWISE, ids=_id)
def test_backward_is_derivative_times_upstream_gradient(config):
    act = A.get(config)
    rng = np.random.default_rng(1)
    x = _sample(act, rng)
    y = act.forward(x)
    g = rng.normal(size=y.shape)
    np.testing.assert_allclose(act.backward(x, y, g), g * act.derivative(x, y), rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("config", CONFIGS, ids=_id)
def test_forward_and_backward_leave_their_inputs_alone(config):
    act = A.get(config)
    rng = np.random.default_rng(2)
    x = _sample(act, rng).astype(np.float32)
    x0 = x.copy()
    y = act.forward(x)
    y0 = y.copy()
    g = rng.normal(size=y.shape).astype(np.float32)
    g0 = g.copy()
    act.backward(x, y, g)
    if act.elementwise:
        act.derivative(x, y)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(y, y0)
    np.testing.assert_array_equal(g, g0)


@pytest.mark.parametrize("config", CONFIGS, ids=_id)
def test_float32_results_agree_with_float64(config):
    act = A.get(config)
    rng = np.random.default_rng(3)
    x64 = _sample(act, rng).astype(np.float32).astype(np.float64)
    x32 = x64.astype(np.float32)
    y64, y32 = act.forward(x64), act.forward(x32)
    g64 = rng.normal(size=y64.shape)
    g32 = g64.astype(np.float32)
    np.testing.assert_allclose(y32, y64, rtol=2e-6, atol=2e-6)
    np.testing.assert_allclose(act.backward(x32, y32, g32), act.backward(x64, y64, g64), rtol=1e-5, atol=1e-5)


# -- the teaching attributes agree with the math -----------------------------------------------

GRID = np.linspace(-100.0, 100.0, 400001)


@pytest.mark.parametrize("config", ELEMENTWISE, ids=_id)
def test_max_derivative_is_the_largest_slope(config):
    act = A.get(config)
    with np.errstate(over="ignore"):  # exponential
        d = np.abs(act.derivative(GRID, act.forward(GRID)))
    if math.isinf(act.max_derivative):
        assert d.max() > 1e40
        return
    assert d.max() <= act.max_derivative + 1e-9
    assert d.max() >= act.max_derivative - 1e-3


WIDE = np.concatenate([[-1e8, -1e6], GRID, [1e6, 1e8]])  # softsign approaches ±1 only slowly


@pytest.mark.parametrize("config", ELEMENTWISE, ids=_id)
def test_bounds_are_the_saturation_levels(config):
    act = A.get(config)
    with np.errstate(over="ignore"):
        y = act.forward(WIDE)
    if act.bounds is None:
        assert np.abs(y).max() >= 1e6  # unbounded on at least one side
        return
    lo, hi = act.bounds
    assert lo <= y.min() <= lo + 1e-3
    assert hi - 1e-3 <= y.max() <= hi


@pytest.mark.parametrize("config", ELEMENTWISE, ids=_id)
def test_relu_like_means_exactly_zero_on_a_half_line(config):
    """Zero from x = ±5 on (well before float underflow makes gelu's x * Φ(x) an exact 0 near -38)."""
    act = A.get(config)
    with np.errstate(over="ignore"):
        left, right = act.forward(np.linspace(-20, -5, 1001)), act.forward(np.linspace(5, 20, 1001))
    assert act.relu_like == bool(np.all(left == 0) or np.all(right == 0))


@pytest.mark.parametrize("name", A.names())
def test_teaching_attributes_are_filled(name):
    cls = A.REGISTRY[name]
    assert cls.formula.startswith(f"{name}(") and " = " in cls.formula
    assert cls.derivative_formula and cls.output_range
    assert cls.__doc__ and cls.__doc__.splitlines()[0].strip()
    assert not math.isnan(cls.max_derivative)


def test_documented_maxima_of_smooth_gates():
    assert A.get("sigmoid").max_derivative == 0.25
    assert A.get("selu").max_derivative == pytest.approx(1.7581, abs=1e-4)
    assert A.get({"name": "elu", "alpha": 2.0}).max_derivative == 2.0
    assert A.get("elu").max_derivative == 1.0


# -- invariants (hypothesis) ---------------------------------------------------------------------

finite32 = st.floats(-1e4, 1e4, width=32)
rows32 = hnp.arrays(np.float32, st.tuples(st.integers(1, 8), st.integers(1, 8)), elements=finite32)
even_rows32 = hnp.arrays(np.float32, st.tuples(st.integers(1, 5), st.integers(1, 6).map(lambda n: 2 * n)),
                         elements=finite32)


@given(rows32)
def test_softmax_rows_sum_to_one_and_lie_in_zero_one(x):
    y = A.get("softmax")(x)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.sum(axis=-1), 1.0, rtol=1e-5)
    assert np.all((y >= 0) & (y <= 1))
    assert np.all(y.max(axis=-1) > 0)


@given(rows32)
def test_sparsemax_rows_sum_to_one(x):
    y = A.get("sparsemax")(x)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.sum(axis=-1), 1.0, rtol=1e-4)
    assert np.all((y >= 0) & (y <= 1))


@given(rows32)
def test_log_softmax_is_the_log_of_softmax(x):
    np.testing.assert_allclose(np.exp(A.get("log_softmax")(x)), A.get("softmax")(x), rtol=1e-4, atol=1e-6)


@given(hnp.arrays(np.float32, st.integers(1, 50), elements=finite32))
def test_sigmoid_is_in_zero_one_and_strictly_inside_for_moderate_inputs(x):
    y = A.get("sigmoid")(x)
    assert np.all((y >= 0) & (y <= 1))
    moderate = np.abs(x) < 15
    assert np.all((y[moderate] > 0) & (y[moderate] < 1))


@given(even_rows32)
def test_glu_halves_the_width(x):
    y = A.get("glu")(x)
    assert y.shape == (x.shape[0], x.shape[1] // 2)
    assert y.dtype == np.float32


extreme32 = hnp.arrays(
    np.float32,
    st.tuples(st.sampled_from([2, 4]), st.sampled_from([2, 4, 6])),  # even sides, for glu on either axis
    elements=st.one_of(st.sampled_from([-1e4, 1e4, 0.0, -1.0, 1.0]), finite32),
)


@pytest.mark.parametrize("config", CONFIGS, ids=_id)
@settings(max_examples=30, deadline=None)
@given(x=extreme32)
def test_extreme_inputs_give_finite_float32_results_without_warnings(config, x):
    """Keeps dtype and stays finite at ±1e4 (warnings are errors); exponential overflows, see its test."""
    act = A.get(config)
    y = act(x)
    g = act.backward(x, y, np.ones_like(y))
    assert y.dtype == np.float32 and g.dtype == np.float32
    if act.elementwise:
        assert act.derivative(x, y).dtype == np.float32
    if act.name == "exponential":
        return
    assert np.all(np.isfinite(y)) and np.all(np.isfinite(g))


@pytest.mark.parametrize("config", ELEMENTWISE, ids=_id)
@settings(max_examples=30, deadline=None)
@given(x=hnp.arrays(np.float32, st.integers(1, 20), elements=st.floats(-2.0**100, 2.0**100, width=32)))
def test_elementwise_ones_stay_finite_far_beyond_1e4(config, x):
    """No intermediate x^2 or x^3 overflows (squareplus, gelu, sparse_plus): finite up to ±2^100 (~1e30)."""
    act = A.get(config)
    if act.name == "exponential":
        return
    y = act(x)
    d = act.derivative(x, y)
    assert np.all(np.isfinite(y)) and np.all(np.isfinite(d))
