"""The Keras-mirroring model API: the notes' code verbatim, a hand-worked step, weights, summary, history."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actcli.nn import Dense, Sequential, activations, set_random_seed

ACTIVATION_NAMES = activations.names()


def test_the_notes_snippet_runs_verbatim():
    from actcli.nn import Sequential, Dense  # noqa: I001 — the notes' exact import line, module swapped
    model = Sequential()
    model.add(Dense(64, input_dim=28, activation='relu'))
    model.add(Dense(32, activation='relu'))
    model.add(Dense(10, activation='sigmoid'))
    # model.add(Dense(10, activation='softmax'))
    assert [w.shape for w in model.get_weights()] == [(28, 64), (64,), (64, 32), (32,), (32, 10), (10,)]
    assert model.count_params() == 28 * 64 + 64 + 64 * 32 + 32 + 32 * 10 + 10
    assert repr(model.layers[0]) == "Dense(28→64, relu)"
    out = model.predict(np.zeros((3, 28)))
    assert out.shape == (3, 10) and out.dtype == np.float32
    np.testing.assert_allclose(out, 0.5)  # zero input, zero biases: every sigmoid unit outputs exactly 1/2


def test_one_sgd_step_by_hand():
    model = Sequential([Dense(1, input_dim=2, activation="sigmoid", dtype="float64")])
    model.compile(optimizer={"name": "sgd", "learning_rate": 0.1}, loss="binary_crossentropy")
    model.set_weights([np.array([[0.5], [-0.25]]), np.array([0.1])])
    hist = model.fit(np.array([[1.0, 2.0]]), np.array([[1.0]]), epochs=1, batch_size=1, verbose=0, shuffle=False)
    p = 1 / (1 + np.exp(-0.1))  # z = 0.5 - 0.5 + 0.1
    assert hist.history["loss"][0] == pytest.approx(-np.log(p), rel=1e-12)
    kernel, bias = model.get_weights()
    np.testing.assert_allclose(kernel[:, 0], [0.5 - 0.1 * (p - 1) * 1, -0.25 - 0.1 * (p - 1) * 2], rtol=1e-12)
    np.testing.assert_allclose(bias, [0.1 - 0.1 * (p - 1)], rtol=1e-12)


def test_set_weights_checks_shapes_and_roundtrips():
    model = Sequential([Dense(3, input_dim=2), Dense(1)])
    w = [np.arange(6, dtype=np.float32).reshape(2, 3), np.ones(3, np.float32), np.ones((3, 1), np.float32),
         np.zeros(1, np.float32)]
    model.set_weights(w)
    for a, b in zip(model.get_weights(), w):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="shape"):
        model.set_weights([np.zeros((3, 2))] + w[1:])
    with pytest.raises(ValueError, match="weight arrays"):
        model.set_weights(w[:2])


def test_weights_live_in_one_flat_buffer():
    model = Sequential([Dense(3, input_dim=2), Dense(1)])
    model.layers[0].kernel[0, 0] = 7.0
    assert model._flat[0] == 7.0
    assert model._flat.size == model.count_params()


def test_fit_history_has_keras_keys_and_learns():
    set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 2)).astype(np.float32)
    y = (x[:, 0] * x[:, 1] > 0).astype(np.float32)  # xor-like quadrants
    model = Sequential([Dense(16, input_dim=2, activation="relu"), Dense(16, activation="relu"),
                        Dense(1, activation="sigmoid")])
    model.compile(optimizer={"name": "adam", "learning_rate": 0.02}, loss="binary_crossentropy",
                  metrics=["accuracy"])
    hist = model.fit(x, y, epochs=30, batch_size=32, validation_split=0.25, verbose=0)
    assert set(hist.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert len(hist.history["loss"]) == 30
    assert hist.history["loss"][-1] < hist.history["loss"][0] * 0.5
    assert hist.history["val_accuracy"][-1] > 0.9
    loss, acc = model.evaluate(x[300:], y[300:])
    assert loss == pytest.approx(hist.history["val_loss"][-1], rel=1e-5)
    assert acc == pytest.approx(hist.history["val_accuracy"][-1])


def test_same_seed_same_training():
    def run():
        set_random_seed(3)
        model = Sequential([Dense(8, input_dim=2, activation="tanh"), Dense(3, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        rng = np.random.default_rng(1)
        x = rng.normal(size=(64, 2))
        y = rng.integers(0, 3, 64)
        return model.fit(x, y, epochs=3, batch_size=16, verbose=0).history, model.get_weights()

    (h1, w1), (h2, w2) = run(), run()
    assert h1 == h2
    for a, b in zip(w1, w2):
        np.testing.assert_array_equal(a, b)


def test_summary_prints_keras_columns():
    lines = []
    model = Sequential([Dense(64, input_dim=28, activation="relu"), Dense(10, activation="softmax")])
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "Layer (type)" in text and "Output Shape" in text and "Param #" in text
    assert "(None, 64)" in text and "1,856" in text and "650" in text
    assert "Total params: 2,506" in text


def test_glu_halves_the_width_in_shapes():
    model = Sequential([Dense(8, input_dim=3, activation="glu"), Dense(1)])
    assert model.layers[1].kernel.shape == (4, 1)
    rows = model.summary_rows()
    assert rows[0][1] == "(None, 4)"


def test_early_stopping_stops_and_restores():
    from actcli.nn import EarlyStopping

    set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(100, 2))
    y = rng.integers(0, 2, 100)  # pure noise: validation loss stops improving quickly
    model = Sequential([Dense(32, input_dim=2, activation="relu"), Dense(1, activation="sigmoid")])
    model.compile(optimizer={"name": "adam", "learning_rate": 0.05}, loss="binary_crossentropy")
    stop = EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    hist = model.fit(x, y, epochs=200, validation_split=0.3, callbacks=[stop], verbose=0)
    assert len(hist.history["loss"]) < 200
    assert model.evaluate(x[70:], y[70:]) == pytest.approx(min(hist.history["val_loss"]), rel=1e-5)


# The flattened training step (`_flat_step`, used by fit when no penalty is set) must do exactly what the step
# through the layers' own methods does: same operations, same order, so the same bits.
FLAT_STEP_CASES = [
    ([("relu", 16), ("relu", 8)], ("sigmoid", 1), "binary_crossentropy", "adam", {}),
    ([("tanh", 12)], ("softmax", 4), "categorical_crossentropy", "sgd", {}),
    ([("elu", 10), ("sigmoid", 6)], ("softmax", 4), "sparse_categorical_crossentropy", "rmsprop", {}),
    ([("relu", 8)], ("linear", 2), "mse", "adamw", {"use_bias": False}),
    ([("leaky_relu", 8)], ("sigmoid", 3), "mse", "nadam", {"kernel_constraint": "max_norm"}),
    ([], ("softmax", 4), {"name": "categorical_crossentropy", "label_smoothing": 0.1}, "adagrad", {}),
]


@pytest.mark.parametrize("hidden, head, loss, optimizer, extra", FLAT_STEP_CASES)
def test_flat_training_step_matches_the_step_through_the_layers_to_the_bit(monkeypatch, hidden, head, loss,
                                                                            optimizer, extra, kernels):
    rng = np.random.default_rng(7)
    x = rng.normal(size=(101, 5)).astype(np.float32)  # 101 = 12 batches of 8 and a short one of 5
    units = head[1]
    if "sparse" in str(loss):
        y = rng.integers(0, units, 101)
    elif head[0] == "softmax":
        y = np.eye(units, dtype=np.float32)[rng.integers(0, units, 101)]
    else:
        y = (rng.random((101, units)) > 0.5).astype(np.float32)

    def trained(step_name):
        set_random_seed(3)
        layers = [Dense(n, activation=act, **extra) for act, n in hidden] + [Dense(units, activation=head[0])]
        model = Sequential(layers)
        model.compile(optimizer=optimizer, loss=loss, metrics=["accuracy"])
        with monkeypatch.context() as m:
            m.setattr(Sequential, "_flat_step", getattr(Sequential, step_name))
            hist = model.fit(x, y, epochs=3, batch_size=8, verbose=0)
        return model.get_weights(), hist.history

    flat_weights, flat_hist = trained("_flat_step")
    layer_weights, layer_hist = trained("_step_with_layers")
    assert flat_hist == layer_hist
    for a, b in zip(flat_weights, layer_weights, strict=True):
        np.testing.assert_array_equal(a, b)


def test_fit_takes_the_flat_step_without_penalties_and_the_layers_with_them(monkeypatch):
    calls = []
    for name in ("_flat_step", "_step_with_layers"):
        original = getattr(Sequential, name)
        monkeypatch.setattr(Sequential, name, lambda self, *a, _o=original, _n=name: calls.append(_n) or _o(self, *a))
    x, y = np.ones((4, 2), np.float32), np.ones(4)
    for reg in (None, "l2"):
        model = Sequential([Dense(3, input_dim=2, activation="relu", kernel_regularizer=reg),
                            Dense(1, activation="sigmoid")])
        model.compile(optimizer="sgd", loss="binary_crossentropy")
        model.fit(x, y, epochs=1, verbose=0)
    assert calls == ["_flat_step", "_step_with_layers"]


def _needs_no_params(name: str) -> bool:
    try:
        activations.get(name)
    except (TypeError, ValueError):
        return False
    return True


@settings(max_examples=30, deadline=None)
@given(hidden=st.lists(st.tuples(st.sampled_from([n for n in ACTIVATION_NAMES if _needs_no_params(n)]),
                                 st.integers(1, 4).map(lambda k: 2 * k)), max_size=3),
       head=st.sampled_from([("sigmoid", 1, "binary_crossentropy"), ("softmax", 3, "categorical_crossentropy"),
                             ("linear", 2, "mse"), ("sigmoid", 2, "mse")]),
       optimizer=st.sampled_from(["sgd", "adam", "adamw", "rmsprop", "adagrad", "nadam"]),
       batch_size=st.sampled_from([1, 3, 8]), use_bias=st.booleans(), compiled=st.booleans())
def test_flat_step_matches_the_layers_for_any_stack(hidden, head, optimizer, batch_size, use_bias, compiled):
    from unittest import mock

    from actcli.nn import _kernels

    if compiled and _kernels._compile() is None:
        compiled = False  # numba is not installed: the NumPy path only

    rng = np.random.default_rng(1)
    x = rng.normal(size=(19, 3)).astype(np.float32)
    act, units, loss = head
    y = (np.eye(units, dtype=np.float32)[rng.integers(0, units, 19)] if act == "softmax"
         else rng.random((19, units)).astype(np.float32))

    def trained(step_name):
        set_random_seed(5)
        model = Sequential([Dense(n, activation=a, use_bias=use_bias) for a, n in hidden]
                           + [Dense(units, activation=act)])
        model.compile(optimizer=optimizer, loss=loss)
        with np.errstate(all="ignore"), mock.patch.object(Sequential, "_flat_step",
                                                          getattr(Sequential, step_name)):
            hist = model.fit(x, y, epochs=2, batch_size=batch_size, verbose=0)
        return model.get_weights(), hist.history["loss"]

    _kernels.set_enabled(compiled)
    try:
        (w1, h1), (w2, h2) = trained("_flat_step"), trained("_step_with_layers")
    finally:
        _kernels.reset()
    np.testing.assert_array_equal(h1, h2)
    for a, b in zip(w1, w2, strict=True):
        np.testing.assert_array_equal(a, b)


def test_inputs_gathered_batch_by_batch_train_exactly_as_gathered_per_epoch(monkeypatch):
    """Large inputs are shuffled into a per-batch buffer instead of a full copy an epoch: the same batches, the
    same bits."""
    rng = np.random.default_rng(2)
    x = rng.normal(size=(203, 6)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.float32)

    def trained(threshold):
        monkeypatch.setattr(Sequential, "GATHER_PER_BATCH_BYTES", threshold)
        set_random_seed(9)
        model = Sequential([Dense(8, activation="relu", input_dim=6), Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
        hist = model.fit(x, y, epochs=3, batch_size=16, verbose=0)
        return model.get_weights(), hist.history

    (w1, h1), (w2, h2) = trained(0), trained(1 << 60)  # every input set counts as large / none does
    assert h1 == h2
    for a, b in zip(w1, w2, strict=True):
        np.testing.assert_array_equal(a, b)
    assert h1["accuracy"][-1] > h1["accuracy"][0]
