"""Constraints: projections by hand on a small matrix, norms after projection, and get()."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from actcli.nn import constraints

# columns have norms 5, 1 and 0 (axis=0 is "the weights into each unit" of a Dense kernel)
W = np.array([[3.0, 0.0, 0.0], [4.0, 1.0, 0.0]])
EPS = 1e-7


def test_max_norm_scales_only_the_long_columns():
    out = constraints.MaxNorm(max_value=2)(W)
    np.testing.assert_allclose(out[:, 0], np.array([3.0, 4.0]) * 2 / (5 + EPS))
    np.testing.assert_allclose(out[:, 1], [0.0, 1.0 / (1 + EPS)])
    np.testing.assert_array_equal(out[:, 2], [0.0, 0.0])
    np.testing.assert_allclose(np.linalg.norm(out, axis=0), [2.0, 1.0, 0.0], rtol=1e-6)


def test_max_norm_along_rows():
    out = constraints.MaxNorm(max_value=1.0, axis=1)(W)
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), [1.0, 1.0], rtol=1e-6)


def test_min_max_norm_moves_norms_into_the_interval():
    out = constraints.MinMaxNorm(min_value=2.0, max_value=3.0)(W)
    np.testing.assert_allclose(np.linalg.norm(out, axis=0), [3.0, 2.0, 0.0], rtol=1e-6)
    # rate 0.5: halfway from the norm to the clipped norm
    half = constraints.MinMaxNorm(min_value=2.0, max_value=3.0, rate=0.5)(W)
    np.testing.assert_allclose(np.linalg.norm(half, axis=0), [4.0, 1.5, 0.0], rtol=1e-6)


def test_non_neg_zeroes_negative_weights():
    np.testing.assert_array_equal(constraints.NonNeg()(np.array([-1.0, 0.0, 2.0])), [0.0, 0.0, 2.0])


def test_unit_norm_divides_by_norm_plus_epsilon():
    out = constraints.UnitNorm()(W)
    np.testing.assert_allclose(out[:, 0], np.array([3.0, 4.0]) / (5 + EPS))
    np.testing.assert_allclose(np.linalg.norm(out, axis=0), [1.0, 1.0, 0.0], rtol=1e-6)


@pytest.mark.parametrize(
    "con", [constraints.MaxNorm(), constraints.UnitNorm(), constraints.MinMaxNorm()], ids=repr
)
def test_projections_keep_float32_and_shape(con):
    w = W.astype(np.float32)
    out = con(w)
    assert out.dtype == np.float32 and out.shape == w.shape


def test_axis_may_be_a_list():
    w = np.arange(24, dtype=np.float64).reshape(2, 3, 4)
    out = constraints.UnitNorm(axis=[0, 1])(w)
    np.testing.assert_allclose(np.sqrt((out**2).sum(axis=(0, 1)))[1:], 1.0, rtol=1e-6)


@given(
    hnp.arrays(np.float64, (4, 3), elements=st.floats(-50, 50)),
    st.floats(0.1, 10.0),
)
def test_max_norm_never_leaves_a_norm_above_the_cap_and_never_grows_one(w, cap):
    out = constraints.MaxNorm(max_value=cap)(w)
    before, after = np.linalg.norm(w, axis=0), np.linalg.norm(out, axis=0)
    assert np.all(after <= cap * (1 + 1e-9))
    assert np.all(after <= before + 1e-12)


# ---- get --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", constraints.REGISTRY.names())
def test_every_name_round_trips_through_its_config(name):
    con = constraints.get(name)
    assert constraints.get(con.get_config()) == con
    assert constraints.get(con.keras_class) == con
    assert repr(con).startswith(con.keras_class + "(")


def test_get_forms_and_defaults():
    assert constraints.get(None) is None
    assert (constraints.get("max_norm").max_value, constraints.get("max_norm").axis) == (2, 0)
    mm = constraints.get("min_max_norm")
    assert (mm.min_value, mm.max_value, mm.rate, mm.axis) == (0.0, 1.0, 1.0, 0)
    assert constraints.get({"class_name": "MaxNorm", "config": {"max_value": 3}}).max_value == 3
    assert repr(constraints.get({"name": "max_norm", "max_value": 3})) == "MaxNorm(max_value=3)"
    with pytest.raises(TypeError, match="valid: max_value, axis"):
        constraints.get({"name": "max_norm", "max": 3})
    with pytest.raises(ValueError, match="max_norm"):
        constraints.get("maxnorm")
