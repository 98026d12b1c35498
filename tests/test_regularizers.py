"""Regularizers: penalties by hand, gradients by central differences, Keras 3's defaults and get()."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from actcli.nn import regularizers

X = np.array([[1.0, -2.0], [0.5, 3.0]])


def test_penalties_by_hand():
    assert regularizers.L1(0.1)(X) == pytest.approx(0.1 * 6.5)
    assert regularizers.L2(0.1)(X) == pytest.approx(0.1 * (1 + 4 + 0.25 + 9))
    assert regularizers.L1L2(l1=0.1, l2=0.2)(X) == pytest.approx(0.65 + 0.2 * 14.25)
    assert regularizers.L1L2(l2=0.2)(X) == pytest.approx(0.2 * 14.25)


def test_gradients_by_hand():
    np.testing.assert_allclose(regularizers.L1(0.1).gradient(X), 0.1 * np.sign(X))
    np.testing.assert_allclose(regularizers.L2(0.1).gradient(X), 0.2 * X)
    np.testing.assert_allclose(regularizers.L1L2(0.1, 0.2).gradient(X), 0.1 * np.sign(X) + 0.4 * X)
    assert regularizers.L1(0.1).gradient(np.zeros(3)).tolist() == [0.0, 0.0, 0.0]  # |x|'s subgradient at 0


def _central_differences(f, x, h=1e-6):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        grad[i] = (f(up) - f(down)) / (2 * h)
    return grad


@pytest.mark.parametrize(
    "reg",
    [
        regularizers.L1(0.03),
        regularizers.L2(0.02),
        regularizers.L1L2(0.01, 0.05),
        regularizers.OrthogonalRegularizer(0.1, "rows"),
        regularizers.OrthogonalRegularizer(0.2, "columns"),
    ],
    ids=repr,
)
def test_gradient_matches_central_differences(reg):
    x = np.random.default_rng(0).normal(size=(5, 4))  # float64, no entry near 0 or a kink
    np.testing.assert_allclose(reg.gradient(x), _central_differences(reg, x), rtol=1e-5, atol=1e-9)


def test_orthogonal_regularizer_values():
    reg = regularizers.OrthogonalRegularizer(factor=0.3)
    assert reg(np.eye(3) * 5.0) == pytest.approx(0.0)  # orthogonal rows: no penalty
    # two parallel rows: |cos| = 1 for the one pair → factor · ½ · (1 + 1) / 1
    assert reg(np.array([[1.0, 2.0], [2.0, 4.0]])) == pytest.approx(0.3)
    # columns mode looks at columns: [1, 2] and [2, 4] are the columns here, also parallel
    assert regularizers.OrthogonalRegularizer(0.3, "columns")(np.array([[1.0, 2.0], [2.0, 4.0]])) == (
        pytest.approx(0.3)
    )
    with pytest.raises(ValueError, match="2-D"):
        reg(np.ones(3))


def test_orthogonal_regularizer_survives_a_zero_row_without_warnings():
    x = np.array([[0.0, 0.0], [1.0, 1.0], [1.0, -1.0]], dtype=np.float32)
    reg = regularizers.OrthogonalRegularizer(0.1)
    assert reg(x) == pytest.approx(0.0, abs=1e-7)  # float32: rows 2 and 3 are orthogonal up to rounding
    assert np.isfinite(reg.gradient(x)).all()


@pytest.mark.parametrize("reg", [regularizers.L1(0.01), regularizers.L2(0.01), regularizers.L1L2(0.01, 0.01)])
def test_gradient_keeps_shape_and_float32(reg):
    x = np.ones((3, 2), dtype=np.float32)
    g = reg.gradient(x)
    assert g.shape == x.shape and g.dtype == np.float32
    assert isinstance(reg(x), float)


@given(hnp.arrays(np.float64, hnp.array_shapes(max_dims=2, max_side=6), elements=st.floats(-100, 100)))
def test_homogeneity_ties_penalty_and_gradient(x):
    """Euler: x · ∇P = 1 · P for the L1 penalty (degree 1) and 2 · P for the L2 penalty (degree 2)."""
    l1, l2 = regularizers.L1(0.3), regularizers.L2(0.7)
    assert np.sum(x * l1.gradient(x)) == pytest.approx(l1(x), rel=1e-9, abs=1e-9)
    assert np.sum(x * l2.gradient(x)) == pytest.approx(2 * l2(x), rel=1e-9, abs=1e-9)


@given(hnp.arrays(np.float64, (4, 3), elements=st.floats(0.1, 10) | st.floats(-10, -0.1)))
def test_orthogonal_penalty_ignores_row_lengths(x):
    """The penalty sees only directions, so its gradient is orthogonal to each row."""
    reg = regularizers.OrthogonalRegularizer(0.5)
    np.testing.assert_allclose((x * reg.gradient(x)).sum(axis=1), 0.0, atol=1e-10)
    assert reg(x * np.array([[2.0], [0.5], [3.0], [1.0]])) == pytest.approx(reg(x))


# ---- Keras 3's defaults and get ---------------------------------------------------------------------


def test_keras_defaults():
    assert regularizers.get("l1").l1 == 0.01
    assert regularizers.get("l2").l2 == 0.01
    assert (regularizers.L1L2().l1, regularizers.L1L2().l2) == (0.0, 0.0)  # Keras 3's class: no penalty
    assert regularizers.L1(None).l1 == 0.01 and regularizers.L1L2(None, None).l2 == 0.0
    orth = regularizers.get("orthogonal_regularizer")
    assert (orth.factor, orth.mode) == (0.01, "rows")


def test_l1_l2_without_factors_is_refused_rather_than_silently_zero():
    for form in ("l1_l2", "L1L2", "l1l2", {"name": "l1_l2"}):
        with pytest.raises(ValueError, match="needs its factors"):
            regularizers.get(form)
    assert regularizers.get({"name": "l1_l2", "l2": 0.1}) == regularizers.L1L2(l1=0.0, l2=0.1)


def test_spec_shorthand_mappings():
    assert regularizers.get({"l2": 0.001}) == regularizers.L2(0.001)
    assert regularizers.get({"l1": 0.02}) == regularizers.L1(0.02)
    assert regularizers.get({"l1": 0.01, "l2": 0.01}) == regularizers.L1L2(0.01, 0.01)
    assert repr(regularizers.get({"l2": 0.001})) == "L2(l2=0.001)"


def test_get_accepts_none_keras_forms_classes_and_instances():
    assert regularizers.get(None) is None
    assert regularizers.get({"class_name": "L2", "config": {"l2": 0.5}}) == regularizers.L2(0.5)
    assert regularizers.get("OrthogonalRegularizer") == regularizers.OrthogonalRegularizer()
    assert regularizers.get(regularizers.L1) == regularizers.L1()
    same = regularizers.L2(0.3)
    assert regularizers.get(same) is same


@pytest.mark.parametrize("name", regularizers.REGISTRY.names())
def test_every_name_round_trips_through_its_config(name):
    reg = regularizers.get({"name": name, **({"l1": 0.1} if name == "l1_l2" else {})})
    assert regularizers.get(reg.get_config()) == reg
    assert repr(reg).startswith(reg.keras_class + "(")


def test_bad_factors_are_refused():
    with pytest.raises(ValueError, match="non-negative"):
        regularizers.L2(-0.1)
    with pytest.raises(ValueError, match="non-negative"):
        regularizers.L1(float("nan"))
    with pytest.raises(ValueError, match="mode"):
        regularizers.OrthogonalRegularizer(mode="diagonal")
    with pytest.raises(TypeError, match="valid: l2"):
        regularizers.get({"name": "l2", "l1": 0.1})
