"""Parity with Keras 3 for every activation: forward values on the same float32 input, and derivatives
against torch autograd through Keras's own op (torch backend), in float64.

Keras 3.15.1's sparsemax is wrong whenever more than one entry is in the support (keras-team/keras#23425,
fixed upstream by #23469); there we check Keras only where it is right, and the paper's definition
against an independent torch implementation.
"""

import numpy as np
import pytest

keras = pytest.importorskip("keras")
torch = pytest.importorskip("torch")

from actcli.nn import activations as A  # noqa: E402

needs_torch_backend = pytest.mark.skipif(
    keras.backend.backend() != "torch", reason="derivatives go through torch autograd on Keras's op"
)

# (name, params) pairs: Keras's defaults for every activation, plus parameter variants.
CASES = [(n, {"threshold": 0.5, "default_value": 0.0} if n == "threshold" else {}) for n in A.names()] + [
    ("relu", {"max_value": 6.0}),
    ("relu", {"max_value": 2.5}),
    ("relu", {"negative_slope": 0.1}),
    ("relu", {"negative_slope": 0.1, "threshold": 0.5}),
    ("relu", {"threshold": -1.0, "max_value": 2.0}),
    ("relu", {"negative_slope": 0.3, "max_value": 4.0}),
    ("leaky_relu", {"negative_slope": 0.1}),
    ("elu", {"alpha": 0.5}),
    ("celu", {"alpha": 2.0}),
    ("gelu", {"approximate": True}),
    ("hard_shrink", {"threshold": 1.0}),
    ("soft_shrink", {"threshold": 0.2}),
    ("squareplus", {"b": 1.0}),
    ("threshold", {"threshold": -0.5, "default_value": -1.0}),
    ("softmax", {"axis": 0}),
    ("log_softmax", {"axis": 0}),
    ("glu", {"axis": 0}),
]
# Every kink or jump of the functions above; derivatives are compared at least 1e-3 away from them.
KINKS = np.array([0.0, 0.2, -0.2, 0.5, -0.5, 1.0, -1.0, -3.0, 3.0, 2.0, 2.5, 4.0, 6.0])


def _id(case):
    name, params = case
    return repr(A.get({"name": name, **params}))


def _keras(name, x, params):
    """Keras's activation on `x` (a NumPy array or a torch tensor), as a torch tensor."""
    fn = keras.activations.get(name)
    if name == "threshold":
        return fn(x, params["threshold"], params["default_value"])
    return fn(x, **params)


def _np(t) -> np.ndarray:
    return t.detach().cpu().numpy() if hasattr(t, "detach") else np.asarray(t)


def _input(seed, shape=(6, 8), scale=3.0, away_from_kinks=False):
    rng = np.random.default_rng(seed)
    x = rng.normal(0.0, scale, shape)
    if away_from_kinks:
        while True:
            bad = np.min(np.abs(x[..., None] - KINKS), axis=-1) < 1e-3
            if not bad.any():
                break
            x[bad] = rng.normal(0.0, scale, bad.sum())
    else:  # exercise the exact kink points and the saturated tails too
        x.flat[: len(KINKS)] = KINKS
        x.flat[-4:] = [-40.0, -12.0, 12.0, 40.0]
    return x


@pytest.mark.parametrize("name", A.REGISTRY.names(aliases=True))
def test_every_name_is_a_keras_activation(name):
    assert keras.activations.get(name) is getattr(keras.activations, name)


@pytest.mark.parametrize("case", [c for c in CASES if c[0] != "sparsemax"], ids=_id)
def test_forward_matches_keras_in_float32(case):
    name, params = case
    x = _input(0).astype(np.float32)
    if name == "exponential":
        x = np.clip(x, -20, 20)
    ours = A.get({"name": name, **params})(x)
    theirs = _np(_keras(name, x, params))
    assert ours.dtype == np.float32 and theirs.dtype == np.float32
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


@needs_torch_backend
@pytest.mark.parametrize("case", [c for c in CASES if c[0] != "sparsemax"], ids=_id)
def test_backward_matches_torch_autograd_through_keras(case):
    name, params = case
    act = A.get({"name": name, **params})
    x = _input(1, away_from_kinks=True)
    if name == "exponential":
        x = np.clip(x, -20, 20)
    y = act.forward(x)
    g = np.random.default_rng(2).normal(size=y.shape)
    xt = torch.tensor(x, requires_grad=True)
    yt = _keras(name, xt, params)
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(_np(yt), y, rtol=1e-12, atol=1e-12)
    # rtol 1e-7: torch's float64 hardsigmoid backward uses 1/6 rounded to float32
    np.testing.assert_allclose(act.backward(x, y, g), _np(xt.grad), rtol=1e-7, atol=1e-12)


# -- sparsemax -------------------------------------------------------------------------------------


def _sparsemax_reference(z):
    """Martins & Astudillo (2016), Algorithm 1, in torch along the last axis (autograd gives the Jacobian)."""
    zs, _ = torch.sort(z, dim=-1, descending=True)
    r = torch.arange(1, z.shape[-1] + 1, dtype=z.dtype)
    support = 1 + r * zs > torch.cumsum(zs, dim=-1)
    k = support.sum(dim=-1, keepdim=True)
    tau = ((zs * support).sum(dim=-1, keepdim=True) - 1) / k
    return torch.clamp(z - tau, min=0.0)


def test_sparsemax_matches_keras_when_the_support_is_one_entry():
    x = _input(3).astype(np.float32)
    x[:, 0] += 10.0  # one clear winner per row: the only case Keras 3.15.1 gets right
    ours = A.get("sparsemax")(x)
    assert np.all((ours > 0).sum(axis=-1) == 1)
    np.testing.assert_allclose(ours, _np(keras.activations.sparsemax(x)), rtol=1e-5, atol=1e-6)


def test_sparsemax_matches_keras_where_keras_is_fixed():
    x = np.array([[0.0, 0.5, 1.0], [0.1, 0.2, 0.3]], dtype=np.float32)
    ours = A.get("sparsemax")(x)
    shift = 0.4 / 3  # second row: all three in the support, τ = (0.6 - 1) / 3
    np.testing.assert_allclose(ours, [[0.0, 0.25, 0.75], [0.1 + shift, 0.2 + shift, 0.3 + shift]], rtol=1e-6)
    theirs = _np(keras.activations.sparsemax(x))
    if not np.allclose(theirs.sum(axis=-1), 1.0, atol=1e-5):
        pytest.xfail(f"Keras {keras.__version__} sparsemax gives {theirs.tolist()} (rows do not sum to 1): "
                     "keras-team/keras#23425")
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("axis", [-1, 0])
def test_sparsemax_forward_and_backward_match_the_paper_reference(axis):
    act = A.get({"name": "sparsemax", "axis": axis})
    x = np.random.default_rng(4).normal(0.0, 0.5, (6, 8))
    y = act.forward(x)
    assert (y > 0).sum(axis=axis).max() >= 2
    g = np.random.default_rng(5).normal(size=y.shape)
    xt = torch.tensor(x if axis == -1 else x.T, requires_grad=True)
    yt = _sparsemax_reference(xt)
    yt.backward(torch.tensor(g if axis == -1 else g.T))
    ref_y, ref_grad = (_np(yt), _np(xt.grad)) if axis == -1 else (_np(yt).T, _np(xt.grad).T)
    np.testing.assert_allclose(y, ref_y, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(act.backward(x, y, g), ref_grad, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(act.forward(x.astype(np.float32)), ref_y, rtol=1e-5, atol=1e-6)
