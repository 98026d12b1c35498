"""The probes against direct computation on tiny nets: what they record is what the gradients are."""

from __future__ import annotations

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actcli.nn import Dense, Sequential, set_random_seed
from actcli.nn.callbacks import Callback
from actcli.probes import BLOCK_ROWS, EPOCH_SAMPLES, ProbeRecorder, activation_stats, probe_batch, snapshot
from actcli.results import ProbeRecord


def _net(hidden="sigmoid", dtype="float64", seed=0):
    set_random_seed(seed)
    model = Sequential([Dense(4, input_dim=3, activation=hidden, dtype=dtype),
                        Dense(3, activation=hidden, dtype=dtype),
                        Dense(1, activation="sigmoid", dtype=dtype)])
    model.compile(optimizer={"name": "sgd", "learning_rate": 0.1}, loss="binary_crossentropy")
    return model


def _by_hand(model, x, y):
    """Backprop written out in NumPy for sigmoid hidden layers and a sigmoid + BCE head (mean loss)."""
    ws = model.get_weights()
    a = [x]
    for k, b in zip(ws[::2], ws[1::2]):
        a.append(1 / (1 + np.exp(-(a[-1] @ k + b))))
    delta = (a[-1] - y) / len(x)
    deltas = [delta]
    for i in (2, 1):
        delta = (delta @ ws[2 * i].T) * a[i] * (1 - a[i])
        deltas.insert(0, delta)
    grads_k = [a[i].T @ deltas[i] for i in range(3)]
    return deltas, grads_k, a[1:]


def test_snapshot_matches_backprop_written_by_hand():
    model = _net()
    rng = np.random.default_rng(1)
    x = rng.normal(size=(16, 3))
    y = rng.integers(0, 2, (16, 1)).astype(float)
    stats = snapshot(model, x, y)
    deltas, grads_k, acts = _by_hand(model, x, y)
    for s, d, gk, act in zip(stats, deltas, grads_k, acts):
        assert s.delta_norm == pytest.approx(np.linalg.norm(d.sum(axis=0)), rel=1e-10)
        assert s.grad_norm == pytest.approx(np.linalg.norm(gk), rel=1e-10)
        assert s.act_mean == pytest.approx(act.mean(), rel=1e-10)
        assert s.act_std == pytest.approx(act.std(), rel=1e-10)
        assert sum(s.act_hist[0]) == act.size and sum(s.delta_hist[0]) == d.size
        counts, edges = s.delta_loghist  # log10|δ| on the fixed edges, exact zeros left out
        assert edges == pytest.approx(list(np.arange(-12.0, 2.0 + 1e-9, 0.25)))
        assert sum(counts) == np.count_nonzero(d)
        logs = np.log10(np.abs(d[d != 0]))
        inside = (logs >= -12) & (logs < 2)
        expected, _ = np.histogram(logs[inside], bins=np.asarray(edges))
        assert counts[0] >= expected[0] and list(counts[1:-1]) == list(expected[1:-1].astype(float))


def test_snapshot_does_not_change_the_weights():
    model = _net()
    before = model.get_weights()
    snapshot(model, np.ones((4, 3)), np.ones((4, 1)))
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


class _Spy(Callback):
    """Reads every layer's gradients after each batch, independently of the probes."""

    def __init__(self):
        self.kernel, self.bias = [], []

    def on_epoch_begin(self, epoch, logs=None):
        self.kernel.append([])
        self.bias.append([])

    def on_train_batch_end(self, batch, logs=None):
        self.kernel[-1].append([np.linalg.norm(lay.grad_kernel) for lay in self.model.layers])
        self.bias[-1].append([np.linalg.norm(lay.grad_bias) for lay in self.model.layers])


@pytest.mark.parametrize("samples", [50, 8 * (BLOCK_ROWS + 20) + 3])  # an epoch shorter and longer than a block
def test_recorder_epoch_norms_are_the_mean_and_spread_over_batches(samples):
    model = _net("tanh")
    rng = np.random.default_rng(2)
    x = rng.normal(size=(samples, 3))
    y = rng.integers(0, 2, samples).astype(float)
    rec, spy = ProbeRecorder(model, x[:20], y[:20]), _Spy()
    model.fit(x, y, epochs=3, batch_size=8, verbose=0, callbacks=[rec, spy])
    record = rec.record
    assert len(record.epochs) == 3 and record.final is not None
    for e in range(3):
        kern, bias = np.array(spy.kernel[e]), np.array(spy.bias[e])
        assert kern.shape == (-(-samples // 8), 3)  # batches of 8
        for i, s in enumerate(record.epochs[e]):
            assert s.grad_norm == pytest.approx(kern[:, i].mean(), rel=1e-9)
            assert s.grad_norm_std == pytest.approx(kern[:, i].std(), rel=1e-9, abs=1e-12)
            assert s.delta_norm == pytest.approx(bias[:, i].mean(), rel=1e-9)


def test_init_probe_is_taken_before_any_update():
    model = _net()
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(30, 3)), rng.integers(0, 2, 30).astype(float)
    expected = snapshot(model, x[:10], y[:10].reshape(-1, 1))
    rec = ProbeRecorder(model, x[:10], y[:10])
    model.fit(x, y, epochs=1, batch_size=5, verbose=0, callbacks=[rec])
    for a, b in zip(rec.record.init, expected):
        assert a.delta_norm == pytest.approx(b.delta_norm, rel=1e-12)


def test_dead_and_saturated_fractions_by_construction():
    set_random_seed(0)
    dead = Dense(5, input_dim=2, activation="relu", bias_initializer={"name": "constant", "value": -100.0})
    dead.build(2)
    y = dead.forward(np.random.default_rng(0).normal(size=(64, 2)).astype(np.float32))
    assert activation_stats(dead, y)["dead_fraction"] == 1.0
    sat = Dense(4, input_dim=2, activation="sigmoid")
    sat.build(2)
    assert activation_stats(sat, np.array([[0.0, 1.0, 0.5, 0.995]]))["saturated_fraction"] == 0.75
    assert "dead_fraction" not in activation_stats(sat, np.zeros((1, 4)))
    assert "saturated_fraction" not in activation_stats(dead, np.zeros((1, 5)))


def test_deep_sigmoid_gradient_falls_layer_by_layer_at_init():
    set_random_seed(0)
    model = Sequential([Dense(32, input_dim=10, activation="sigmoid")]
                       + [Dense(32, activation="sigmoid") for _ in range(5)] + [Dense(1, activation="sigmoid")])
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 10)).astype(np.float32)
    y = rng.integers(0, 2, (256, 1)).astype(np.float32)
    rec = ProbeRecorder(model, x, y)
    rec.set_model(model)
    rec.on_train_begin()
    norms = [s.delta_norm for s in rec.record.init[:-1]]
    assert all(a < b for a, b in zip(norms, norms[1:]))  # every layer back receives less
    assert rec.record.grad_ratio("init") < 0.05


def test_probe_record_round_trips_through_json():
    model = _net()
    x = np.random.default_rng(4).normal(size=(12, 3))
    rec = ProbeRecorder(model, x, np.ones(12))
    model.fit(x, np.ones(12), epochs=2, batch_size=4, verbose=0, callbacks=[rec])
    again = ProbeRecord.from_dict(rec.record.to_dict())
    assert again.to_dict() == rec.record.to_dict()
    assert again.grad_ratio("final") == pytest.approx(rec.record.grad_ratio("final"))


def test_probe_batch_is_fixed_and_small():
    x = np.arange(2000, dtype=np.float32).reshape(1000, 2)
    y = np.arange(1000)
    a, b = probe_batch(x, y, size=100, seed=0), probe_batch(x, y, size=100, seed=0)
    np.testing.assert_array_equal(a[0], b[0])
    assert len(a[0]) == 100 and np.array_equal(a[0][:, 0] // 2, a[1])
    assert EPOCH_SAMPLES <= 512


def test_large_models_record_the_same_norms_through_dot_products():
    from actcli.probes import DOT_THRESHOLD

    set_random_seed(0)
    model = Sequential([Dense(300, input_dim=200, activation="relu"), Dense(1, activation="sigmoid")])
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    assert model.count_params() > DOT_THRESHOLD
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(40, 200)).astype(np.float32), rng.integers(0, 2, 40).astype(np.float32)
    rec, spy = ProbeRecorder(model, x[:8], y[:8]), _Spy()
    model.fit(x, y, epochs=1, batch_size=10, verbose=0, callbacks=[rec, spy])
    kern = np.array(spy.kernel[0])
    for i, s in enumerate(rec.record.epochs[0]):
        assert s.grad_norm == pytest.approx(kern[:, i].mean(), rel=1e-5)


def test_small_models_hand_fit_a_gradient_tap_instead_of_a_per_batch_call():
    from actcli.nn.callbacks import overrides
    from actcli.probes import DOT_THRESHOLD

    small = _net()
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(30, 3)), rng.integers(0, 2, 30).astype(float)
    rec = ProbeRecorder(small, x[:10], y[:10])
    rec.set_model(small)
    assert not overrides(rec, "on_train_batch_end")
    rec.on_train_begin()
    assert rec.gradient_tap is not None
    row = next(rec.gradient_tap)
    assert row.shape == small._flat_grad.shape and rec._k == 1
    rec.on_train_end()
    assert rec.gradient_tap is None

    large = Sequential([Dense(300, input_dim=200, activation="relu"), Dense(1, activation="sigmoid")])
    large.compile(optimizer="sgd", loss="binary_crossentropy")
    large._ensure_built(np.zeros((1, 200), np.float32))
    assert large.count_params() > DOT_THRESHOLD
    big = ProbeRecorder(large, np.zeros((4, 200)), np.zeros(4))
    big.set_model(large)
    big.on_train_begin()
    assert overrides(big, "on_train_batch_end") and big.gradient_tap is None


@settings(max_examples=200, deadline=None)
@given(hnp.arrays(np.float32, st.tuples(st.integers(1, 40), st.integers(1, 12)),
                  elements=st.one_of(st.just(0.0), st.just(-0.0),
                                     st.floats(-2.0**100, 2.0**100, width=32, allow_subnormal=False),
                                     st.sampled_from([np.nan, np.inf, 1e-45, 3e-39]))))
def test_relu_stats_from_column_sums_match_the_definitions(z):
    """A plain relu's dead units and mean come from one column-sum call: the same as the definitions (a unit is
    dead when its largest |output| is 0, NaN is not dead), whatever the outputs (zeros, -0, subnormals, inf, NaN)."""
    layer = Dense(z.shape[1], input_dim=1, activation="relu")
    with np.errstate(all="ignore"):
        y = layer.activation.forward(z)
        stats = activation_stats(layer, y)
        peak = np.max(np.abs(y), axis=0)
        mean = float(np.mean(y, dtype=np.float64))
    assert stats["dead_fraction"] == np.count_nonzero(peak == 0) / y.shape[1]
    if np.isfinite(mean):
        assert stats["act_mean"] == pytest.approx(mean, rel=1e-5, abs=1e-30)
    else:  # an inf or NaN output: so is the mean
        assert not np.isfinite(stats["act_mean"])
