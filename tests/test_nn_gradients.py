"""Backprop checked against central differences over the whole network, for every activation × head.

Scikit-learn's shape: pack every weight into one vector, perturb each entry, compare with backprop (float64).
"""

from __future__ import annotations

import numpy as np
import pytest

from actcli.nn import Dense, Sequential, activations

HEADS = [("sigmoid", "binary_crossentropy", 2), ("softmax", "categorical_crossentropy", 3),
         ("linear", "mse", 2)]

# Hidden activations with non-default parameters worth checking too.
VARIANTS = {"threshold": {"threshold": 0.3, "default_value": -0.5}}
EXTRA = [{"name": "leaky_relu", "negative_slope": 0.1}, {"name": "elu", "alpha": 0.5},
         {"name": "relu", "max_value": 6.0}]


def hidden_configs():
    out = []
    for name in activations.names():
        out.append({"name": name, **VARIANTS.get(name, {})})
    return out + EXTRA


def _targets(head: str, k: int, n: int, rng) -> np.ndarray:
    if head == "softmax":
        return np.eye(k)[rng.integers(0, k, n)]
    if head == "sigmoid":
        return rng.integers(0, 2, (n, k)).astype(float)
    return rng.normal(size=(n, k))


def _model(hidden: dict, head: str, loss: str, k: int, seed: int = 0) -> Sequential:
    rng = np.random.default_rng(seed)
    model = Sequential([
        Dense(6, input_dim=3, activation=hidden, dtype="float64"),
        Dense(4, activation=hidden, dtype="float64"),
        Dense(k, activation=head, dtype="float64"),
    ])
    model.compile(optimizer="sgd", loss=loss)
    # Spread the pre-activations over a useful range and away from zero.
    model.set_weights([rng.normal(scale=0.8, size=w.shape) for w in model.get_weights()])
    return model


def _loss_at(model: Sequential, flat: np.ndarray, x, y) -> float:
    model._flat[...] = flat
    return model.backprop(x, y)[0]


def _kinks_near(model: Sequential, x: np.ndarray, eps: float) -> bool:
    """True when a pre-activation sits within `eps` of a point where the activation is not smooth."""
    a = x
    for layer in model.layers:
        z = a @ layer.kernel + layer.bias
        for k in _kink_points(layer.activation):
            if np.any(np.abs(z - k) < eps):
                return True
        a = layer.activation.forward(z)
    return False


def _kink_points(act) -> list[float]:
    cfg = act.get_config()
    name = cfg["name"]
    pts = {"relu": [0.0, cfg.get("max_value") or 0.0, cfg.get("threshold") or 0.0], "relu6": [0.0, 6.0],
           "leaky_relu": [0.0], "elu": [0.0], "selu": [0.0], "celu": [0.0], "hard_sigmoid": [-3.0, 3.0],
           "hard_silu": [-3.0, 3.0], "hard_swish": [-3.0, 3.0], "hard_tanh": [-1.0, 1.0],
           "hard_shrink": [-cfg.get("threshold", 0.5), cfg.get("threshold", 0.5)],
           "soft_shrink": [-cfg.get("threshold", 0.5), cfg.get("threshold", 0.5)],
           "threshold": [cfg.get("threshold", 0.0)], "sparse_plus": [-1.0, 1.0], "sparse_sigmoid": [-1.0, 1.0]}
    return pts.get(name, [])


@pytest.mark.parametrize("head,loss,k", HEADS, ids=[h[0] for h in HEADS])
@pytest.mark.parametrize("hidden", hidden_configs(), ids=lambda c: "-".join(str(v) for v in c.values()))
def test_backprop_matches_central_differences(hidden, head, loss, k):
    if hidden["name"] == "glu":
        pytest.skip("glu halves the width; checked in test_glu_network_gradient")
    rng = np.random.default_rng(1)
    model = _model(hidden, head, loss, k)
    for _ in range(50):  # draw a batch whose pre-activations avoid the activation's kinks and jumps
        x = rng.normal(size=(5, 3))
        if not _kinks_near(model, x, 1e-3) and hidden["name"] != "sparsemax":
            break
        if hidden["name"] == "sparsemax":
            break
    y = model.loss.prepare(_targets(head, k, 5, rng), np.zeros((5, k)))
    value, grads = model.compute_gradients(x, y if head != "softmax" else y)
    analytic = np.concatenate([g.ravel() for g in grads])
    flat = model._flat.copy()
    numeric = np.zeros_like(flat)
    h = 1e-6
    for i in range(flat.size):
        up, down = flat.copy(), flat.copy()
        up[i] += h
        down[i] -= h
        numeric[i] = (_loss_at(model, up, x, y) - _loss_at(model, down, x, y)) / (2 * h)
    model._flat[...] = flat
    np.testing.assert_allclose(analytic, numeric, rtol=1e-4, atol=1e-7)
    assert np.abs(analytic).max() > 0  # the check is not vacuous


def test_glu_network_gradient():
    rng = np.random.default_rng(2)
    model = Sequential([Dense(8, input_dim=3, activation="glu", dtype="float64"),
                        Dense(2, activation="softmax", dtype="float64")])
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    assert model.layers[0].output_dim == 4 and model.layers[1].kernel.shape == (4, 2)
    x = rng.normal(size=(4, 3))
    y = np.eye(2)[[0, 1, 1, 0]]
    _, grads = model.compute_gradients(x, y)
    analytic = np.concatenate([g.ravel() for g in grads])
    flat = model._flat.copy()
    numeric = np.array([(_loss_at(model, flat + h, x, y) - _loss_at(model, flat - h, x, y)) / 2e-6
                        for h in np.eye(flat.size) * 1e-6])
    np.testing.assert_allclose(analytic, numeric, rtol=1e-4, atol=1e-8)


@pytest.mark.parametrize("loss,head,k", [("mae", "linear", 2), ("huber", "linear", 2), ("hinge", "tanh", 1),
                                         ("squared_hinge", "tanh", 2),
                                         ({"name": "binary_crossentropy", "from_logits": True}, "linear", 2),
                                         ({"name": "categorical_crossentropy", "from_logits": True}, "linear", 3),
                                         ("sparse_categorical_crossentropy", "softmax", 3),
                                         ("binary_crossentropy", "hard_sigmoid", 1),
                                         ("categorical_crossentropy", "sigmoid", 3)])
def test_every_loss_backprops_correctly(loss, head, k):
    rng = np.random.default_rng(3)
    model = Sequential([Dense(5, input_dim=3, activation="tanh", dtype="float64"),
                        Dense(k, activation=head, dtype="float64")])
    model.compile(optimizer="sgd", loss=loss)
    model.set_weights([rng.normal(scale=0.5, size=w.shape) for w in model.get_weights()])
    x = rng.normal(size=(6, 3))
    if model.loss.name == "sparse_categorical_crossentropy":
        raw = rng.integers(0, k, 6)
    elif model.loss.name == "categorical_crossentropy":
        raw = np.eye(k)[rng.integers(0, k, 6)]
    elif model.loss.name in ("binary_crossentropy", "hinge", "squared_hinge"):
        raw = rng.integers(0, 2, (6, k)).astype(float)
    else:
        raw = rng.normal(size=(6, k))
    y = model.loss.prepare(raw, np.zeros((6, k)))
    _, grads = model.compute_gradients(x, raw)
    analytic = np.concatenate([g.ravel() for g in grads])
    flat = model._flat.copy()
    numeric = np.array([(_loss_at(model, flat + h, x, y) - _loss_at(model, flat - h, x, y)) / 2e-6
                        for h in np.eye(flat.size) * 1e-6])
    np.testing.assert_allclose(analytic, numeric, rtol=1e-4, atol=1e-8)


def test_regularizers_enter_loss_and_gradient():
    rng = np.random.default_rng(4)
    model = Sequential([Dense(4, input_dim=3, activation="tanh", kernel_regularizer={"l2": 0.01},
                              bias_regularizer={"l1": 0.02}, activity_regularizer={"l2": 0.03}, dtype="float64"),
                        Dense(1, activation="sigmoid", kernel_regularizer="l1", dtype="float64")])
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    model.set_weights([rng.normal(scale=0.5, size=w.shape) for w in model.get_weights()])
    x = rng.normal(size=(8, 3))
    y = rng.integers(0, 2, (8, 1)).astype(float)
    value, grads = model.compute_gradients(x, y)
    plain = model.loss(y, model.predict(x))
    assert value > plain  # penalties are part of the reported loss, like Keras
    analytic = np.concatenate([g.ravel() for g in grads])
    flat = model._flat.copy()
    numeric = np.array([(_loss_at(model, flat + h, x, y) - _loss_at(model, flat - h, x, y)) / 2e-6
                        for h in np.eye(flat.size) * 1e-6])
    np.testing.assert_allclose(analytic, numeric, rtol=1e-4, atol=1e-8)
