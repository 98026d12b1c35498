"""Initializers: Keras's formulas (bounds, stds, truncation), seeds, the global seed, and the registry."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from actcli.nn import initializers
from actcli.nn._registry import UnknownNameError
from actcli.nn.random import set_random_seed

BIG = (400, 400)


def test_glorot_uniform_stays_inside_its_bound_and_fills_it():
    w = initializers.get("glorot_uniform")((300, 500))
    limit = math.sqrt(6 / (300 + 500))
    assert np.abs(w).max() <= limit
    assert np.abs(w).max() > 0.99 * limit
    assert w.std() == pytest.approx(limit / math.sqrt(3), rel=0.02)


@pytest.mark.parametrize(
    "name,limit",
    [("he_uniform", math.sqrt(6 / 400)), ("lecun_uniform", math.sqrt(3 / 400))],
)
def test_fan_in_uniforms_use_keras_limits(name, limit):
    w = initializers.get(name)((400, 100))
    assert limit * 0.99 < np.abs(w).max() <= limit


@pytest.mark.parametrize(
    "name,std",
    [
        ("he_normal", math.sqrt(2 / 400)),
        ("lecun_normal", math.sqrt(1 / 400)),
        ("glorot_normal", math.sqrt(2 / 800)),
    ],
)
def test_truncated_variance_scaling_has_the_formula_std_after_truncation(name, std):
    w = initializers.get(name)(BIG).astype(np.float64)
    assert w.std() == pytest.approx(std, rel=0.02)
    assert abs(w.mean()) < 0.02 * std
    # cut at ±2σ of the *untruncated* normal, σ = std / 0.8796...
    cut = 2 * std / 0.87962566103423978
    assert np.abs(w).max() < cut
    assert np.abs(w).max() > 0.98 * cut


def test_truncated_normal_redraws_outside_two_stddevs():
    w = initializers.TruncatedNormal(mean=1.0, stddev=0.05, seed=0)(BIG).astype(np.float64)
    assert np.all(np.abs(w - 1.0) < 0.1)
    # the std of N(0, 1) cut at ±2 is 0.8796
    assert w.std() == pytest.approx(0.05 * 0.87962566103423978, rel=0.02)


def test_untruncated_and_uniform_variance_scaling():
    normal = initializers.VarianceScaling(3.0, "fan_out", "untruncated_normal", seed=1)((100, 300))
    assert normal.std() == pytest.approx(math.sqrt(3.0 / 300), rel=0.02)
    assert np.abs(normal).max() > 3 * math.sqrt(3.0 / 300)  # not truncated
    uniform = initializers.VarianceScaling(0.5, "fan_avg", "uniform", seed=1)((100, 300))
    assert np.abs(uniform).max() <= math.sqrt(3 * 0.5 / 200)


def test_variance_scaling_accepts_normal_for_truncated_normal_and_rejects_bad_arguments():
    assert initializers.VarianceScaling(distribution="normal").distribution == "truncated_normal"
    with pytest.raises(ValueError, match="scale"):
        initializers.VarianceScaling(scale=0.0)
    with pytest.raises(ValueError, match="mode"):
        initializers.VarianceScaling(mode="fan_sum")
    with pytest.raises(ValueError, match="distribution"):
        initializers.VarianceScaling(distribution="cauchy")


def test_random_normal_and_uniform_parameters():
    n = initializers.RandomNormal(mean=2.0, stddev=0.5, seed=3)(BIG)
    assert n.mean() == pytest.approx(2.0, abs=0.01)
    assert n.std() == pytest.approx(0.5, rel=0.02)
    u = initializers.RandomUniform(minval=1.0, maxval=3.0, seed=3)(BIG)
    assert u.min() >= 1.0 and u.max() < 3.0
    assert u.mean() == pytest.approx(2.0, abs=0.01)


def test_keras_default_ranges_for_plain_random_initializers():
    assert np.abs(initializers.get("random_uniform")((50, 50))).max() <= 0.05
    assert initializers.get("random_normal")(BIG).std() == pytest.approx(0.05, rel=0.02)


@pytest.mark.parametrize("shape", [(6, 3), (3, 6), (2, 3, 4)])
def test_orthogonal_gives_orthonormal_columns_or_rows(shape):
    w = initializers.Orthogonal(gain=2.0, seed=0)(shape).astype(np.float64)
    assert w.shape == shape
    m = w.reshape(-1, shape[-1])
    gram = m.T @ m if m.shape[0] >= m.shape[1] else m @ m.T
    np.testing.assert_allclose(gram, 4.0 * np.eye(min(m.shape)), atol=1e-5)


def test_orthogonal_and_identity_reject_bad_ranks():
    with pytest.raises(ValueError, match="rank"):
        initializers.Orthogonal()((5,))
    with pytest.raises(ValueError, match="2-D"):
        initializers.Identity()((2, 2, 2))


def test_constant_initializers():
    np.testing.assert_array_equal(initializers.get("zeros")((2, 3)), np.zeros((2, 3)))
    np.testing.assert_array_equal(initializers.get("ones")((2,)), np.ones(2))
    np.testing.assert_array_equal(initializers.Constant(0.25)((2, 2)), np.full((2, 2), 0.25))
    np.testing.assert_array_equal(initializers.Identity(gain=3.0)((2, 3)), [[3, 0, 0], [0, 3, 0]])


@pytest.mark.parametrize("name", initializers.REGISTRY.names())
def test_every_initializer_returns_the_asked_shape_and_dtype(name):
    init = initializers.get(name)
    for dtype in ("float32", np.float64):
        w = init((4, 3), dtype=dtype)
        assert w.shape == (4, 3)
        assert w.dtype == np.dtype(dtype)


def test_a_seed_makes_draws_repeatable_like_keras():
    a = initializers.GlorotUniform(seed=7)
    np.testing.assert_array_equal(a((5, 5)), a((5, 5)))  # same seed, same values on every call
    np.testing.assert_array_equal(a((5, 5)), initializers.get({"name": "glorot_uniform", "seed": 7})((5, 5)))
    assert not np.array_equal(a((5, 5)), initializers.GlorotUniform(seed=8)((5, 5)))


def test_set_random_seed_makes_unseeded_initializers_repeatable():
    init = initializers.get("he_normal")
    set_random_seed(11)
    first = [init((4, 4)), init((4, 4))]
    set_random_seed(11)
    second = [init((4, 4)), init((4, 4))]
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])
    assert not np.array_equal(first[0], first[1])  # unseeded draws move the global generator on


def test_a_seed_must_be_an_integer():
    with pytest.raises(TypeError, match="seed"):
        initializers.RandomNormal(seed=1.5)


@pytest.mark.parametrize(
    "shape,fans", [((), (1, 1)), ((7,), (7, 7)), ((3, 5), (3, 5)), ((2, 2, 3, 5), (12, 20))]
)
def test_compute_fans_like_keras(shape, fans):
    assert initializers.compute_fans(shape) == fans


@given(fan_in=st.integers(1, 60), fan_out=st.integers(1, 60), seed=st.integers(0, 2**31))
def test_uniform_scalings_never_leave_their_limit(fan_in, fan_out, seed):
    for name, limit in [
        ("glorot_uniform", math.sqrt(6 / (fan_in + fan_out))),
        ("he_uniform", math.sqrt(6 / fan_in)),
        ("lecun_uniform", math.sqrt(3 / fan_in)),
    ]:
        w = initializers.get({"name": name, "seed": seed})((fan_in, fan_out))
        assert np.abs(w).max() <= np.float32(limit)


# ---- the registry and get ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", initializers.REGISTRY.names())
def test_every_name_round_trips_through_its_config(name):
    init = initializers.get(name)
    assert init.name == name
    again = initializers.get(init.get_config())
    assert again == init and type(again) is type(init)
    assert repr(init).startswith(init.keras_class + "(")
    assert initializers.get(init.keras_class) == init  # Keras's class name works too


def test_get_accepts_keras_forms_aliases_classes_and_instances():
    init = initializers.get({"class_name": "RandomNormal", "config": {"stddev": 0.1, "seed": 3}})
    assert isinstance(init, initializers.RandomNormal) and init.stddev == 0.1 and init.seed == 3
    assert isinstance(initializers.get("normal"), initializers.RandomNormal)
    assert isinstance(initializers.get("uniform"), initializers.RandomUniform)
    assert isinstance(initializers.get(initializers.HeNormal), initializers.HeNormal)
    same = initializers.Constant(2.0)
    assert initializers.get(same) is same
    assert repr(initializers.get({"name": "glorot_uniform", "seed": 4})) == "GlorotUniform(seed=4)"
    assert repr(initializers.Constant(0.5)) == "Constant(value=0.5)"


def test_get_errors_name_the_problem():
    with pytest.raises(ValueError, match="required"):
        initializers.get(None)
    with pytest.raises(UnknownNameError, match="glorot_uniform"):
        initializers.get("glorot_unifrom")
    with pytest.raises(TypeError, match="valid: mean, stddev, seed"):
        initializers.get({"name": "random_normal", "sttdev": 1.0})
    with pytest.raises(TypeError, match="cannot make"):
        initializers.get(3.0)
