"""Optimizers: the first two steps of each against the formula written out here, in-place updates on
one flat buffer, clipping, weight decay, and get()."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from actcli.nn import optimizers

W0 = np.array([1.0, -2.0, 0.5, 3.0])
G1 = np.array([0.2, -0.4, 1.0, 0.0])
G2 = np.array([-0.01, 0.3, 0.5, 2.0])  # |g| shrinks for weight 0: amsgrad's max(v̂, v) matters


def _two_steps(opt, w0=W0, g1=G1, g2=G2):
    w = w0.copy()
    opt.apply(w, g1.copy())
    after1 = w.copy()
    opt.apply(w, g2.copy())
    return after1, w


def test_sgd_plain():
    w1, w2 = _two_steps(optimizers.SGD(learning_rate=0.1))
    np.testing.assert_allclose(w1, W0 - 0.1 * G1)
    np.testing.assert_allclose(w2, W0 - 0.1 * G1 - 0.1 * G2)


def test_sgd_momentum():
    w1, w2 = _two_steps(optimizers.SGD(learning_rate=0.1, momentum=0.9))
    m1 = -0.1 * G1
    m2 = 0.9 * m1 - 0.1 * G2
    np.testing.assert_allclose(w1, W0 + m1)
    np.testing.assert_allclose(w2, W0 + m1 + m2)


def test_sgd_nesterov():
    w1, w2 = _two_steps(optimizers.SGD(learning_rate=0.1, momentum=0.9, nesterov=True))
    m1 = -0.1 * G1
    m2 = 0.9 * m1 - 0.1 * G2
    e1 = W0 - 0.1 * G1 + 0.9 * m1
    np.testing.assert_allclose(w1, e1)
    np.testing.assert_allclose(w2, e1 - 0.1 * G2 + 0.9 * m2)


def _adam_reference(lr, b1, b2, eps, amsgrad=False):
    w, m, v, vhat = W0.copy(), np.zeros(4), np.zeros(4), np.zeros(4)
    out = []
    for t, g in enumerate([G1, G2], start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        vhat = np.maximum(vhat, v)
        alpha = lr * math.sqrt(1 - b2**t) / (1 - b1**t)
        w = w - alpha * m / (np.sqrt(vhat if amsgrad else v) + eps)
        out.append(w)
    return out


@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam(amsgrad):
    got = _two_steps(
        optimizers.Adam(learning_rate=0.1, beta_1=0.8, beta_2=0.9, epsilon=1e-3, amsgrad=amsgrad)
    )
    for g, e in zip(got, _adam_reference(0.1, 0.8, 0.9, 1e-3, amsgrad), strict=True):
        np.testing.assert_allclose(g, e, rtol=1e-12)
    other = _adam_reference(0.1, 0.8, 0.9, 1e-3, not amsgrad)[1]
    assert np.abs(got[1] - other).max() > 1e-4  # the two variants really differ on these gradients


def test_adamw_decays_the_weights_before_the_adam_step():
    w1, w2 = _two_steps(optimizers.AdamW(learning_rate=0.1, weight_decay=0.5))
    b1, b2, eps = 0.9, 0.999, 1e-7
    w, m, v = W0.copy(), np.zeros(4), np.zeros(4)
    expected = []
    for t, g in enumerate([G1, G2], start=1):
        w = w - w * 0.5 * 0.1
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        w = w - 0.1 * math.sqrt(1 - b2**t) / (1 - b1**t) * m / (np.sqrt(v) + eps)
        expected.append(w)
    np.testing.assert_allclose(w1, expected[0], rtol=1e-12)
    np.testing.assert_allclose(w2, expected[1], rtol=1e-12)


@pytest.mark.parametrize("centered", [False, True])
@pytest.mark.parametrize("momentum", [0.0, 0.5])
def test_rmsprop(centered, momentum):
    got = _two_steps(
        optimizers.RMSprop(learning_rate=0.1, rho=0.8, momentum=momentum, epsilon=1e-3, centered=centered)
    )
    w, v, a, s = W0.copy(), np.zeros(4), np.zeros(4), np.zeros(4)
    for g, result in zip([G1, G2], got, strict=True):
        v = 0.8 * v + 0.2 * g**2
        a = 0.8 * a + 0.2 * g
        denominator = v - a**2 + 1e-3 if centered else v + 1e-3  # Keras: epsilon inside the root
        increment = 0.1 * g / np.sqrt(denominator)
        s = 0.5 * s + increment
        w = w - (s if momentum else increment)
        np.testing.assert_allclose(result, w, rtol=1e-12)


def test_adagrad():
    w1, w2 = _two_steps(optimizers.Adagrad(learning_rate=0.1, initial_accumulator_value=0.5, epsilon=1e-3))
    a1 = 0.5 + G1**2
    e1 = W0 - 0.1 * G1 / np.sqrt(a1 + 1e-3)
    a2 = a1 + G2**2
    np.testing.assert_allclose(w1, e1, rtol=1e-12)
    np.testing.assert_allclose(w2, e1 - 0.1 * G2 / np.sqrt(a2 + 1e-3), rtol=1e-12)


def test_nadam():
    got = _two_steps(optimizers.Nadam(learning_rate=0.1, beta_1=0.8, beta_2=0.9, epsilon=1e-3))
    w, m, v, u_product = W0.copy(), np.zeros(4), np.zeros(4), 1.0
    for t, (g, result) in enumerate(zip([G1, G2], got, strict=True), start=1):
        u_t = 0.8 * (1 - 0.5 * 0.96**t)
        u_next = 0.8 * (1 - 0.5 * 0.96 ** (t + 1))
        u_product *= u_t
        m = 0.8 * m + 0.2 * g
        v = 0.9 * v + 0.1 * g**2
        m_hat = u_next * m / (1 - u_product * u_next) + (1 - u_t) * g / (1 - u_product)
        v_hat = v / (1 - 0.9**t)
        w = w - 0.1 * m_hat / (np.sqrt(v_hat) + 1e-3)
        np.testing.assert_allclose(result, w, rtol=1e-12)


@given(
    hnp.arrays(np.float64, 8, elements=st.floats(1e-2, 1e3) | st.floats(-1e3, -1e-2)),
    st.floats(1e-4, 1.0),
)
def test_adams_first_step_is_about_lr_whatever_the_gradient_scale(g, lr):
    """m/sqrt(v) after one step is sign(g): Adam's first move is lr per weight (a little less, from ε)."""
    w = np.zeros(8)
    optimizers.Adam(learning_rate=lr).apply(w, g)
    assert np.all(np.sign(w) == -np.sign(g))
    assert np.all(np.abs(w) <= lr * (1 + 1e-12))
    assert np.all(np.abs(w) >= 0.99 * lr)


# ---- the flat buffer --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", optimizers.REGISTRY.names())
def test_updates_the_buffer_in_place_so_views_follow(name):
    params = np.arange(1, 7, dtype=np.float32)
    kernel, bias = params[:4].reshape(2, 2), params[4:]
    grads = np.full(6, 0.5, dtype=np.float32)
    opt = optimizers.get(name)
    assert opt.slots == {} and opt.iterations == 0  # nothing allocated before the first step
    opt.apply(params, grads, [(0, 4), (4, 6)])
    assert kernel.base is params and np.all(kernel.ravel() < np.arange(1, 5))
    assert np.all(bias < [5, 6])
    assert params.dtype == np.float32
    assert opt.iterations == 1
    slots = {k: id(v) for k, v in opt.slots.items()}
    opt.apply(params, grads)
    assert {k: id(v) for k, v in opt.slots.items()} == slots  # the slots are reused, not reallocated
    assert all(v.shape == (6,) and v.dtype == np.float32 for v in opt.slots.values())
    np.testing.assert_array_equal(grads, 0.5)  # the gradient buffer is left alone


def test_slots_follow_the_options():
    cases = [
        (optimizers.SGD(), set()),
        (optimizers.SGD(momentum=0.9), {"momentum"}),
        (optimizers.Adam(amsgrad=True), {"momentum", "velocity", "velocity_hat"}),
        (optimizers.RMSprop(momentum=0.5, centered=True), {"velocity", "momentum", "average_gradient"}),
        (optimizers.Adagrad(initial_accumulator_value=0.25), {"accumulator"}),
    ]
    for opt, names in cases:
        opt.build(np.zeros(3, dtype=np.float32))
        assert set(opt.slots) == names
    np.testing.assert_array_equal(cases[-1][0].slots["accumulator"], 0.25)


def test_the_learning_rate_is_a_float_the_caller_may_change():
    opt = optimizers.SGD(learning_rate=0.1)
    w = np.zeros(2)
    opt.apply(w, np.ones(2))
    opt.learning_rate = 1.0
    opt.apply(w, np.ones(2))
    np.testing.assert_allclose(w, [-1.1, -1.1])


def test_one_optimizer_serves_one_buffer():
    opt = optimizers.Adam()
    opt.apply(np.zeros(4, dtype=np.float32), np.ones(4, dtype=np.float32))
    with pytest.raises(ValueError, match="one optimizer per model"):
        opt.apply(np.zeros(5, dtype=np.float32), np.ones(5, dtype=np.float32))
    with pytest.raises(ValueError, match="one optimizer per model"):
        opt.apply(np.zeros(4, dtype=np.float32), np.ones(4, dtype=np.float64))
    with pytest.raises(ValueError, match="1-D"):
        optimizers.Adam().apply(np.zeros((2, 2)), np.zeros((2, 2)))


# ---- clipping and weight decay ----------------------------------------------------------------------


def test_clipnorm_clips_each_variable_on_its_own():
    w = np.zeros(4)
    grads = np.array([3.0, 4.0, 0.3, 0.4])  # norms 5 and 0.5
    optimizers.SGD(learning_rate=1.0, clipnorm=1.0).apply(w, grads, [(0, 2), (2, 4)])
    np.testing.assert_allclose(w, [-0.6, -0.8, -0.3, -0.4])
    np.testing.assert_array_equal(grads, [3.0, 4.0, 0.3, 0.4])
    with pytest.raises(ValueError, match="slices"):
        optimizers.SGD(clipnorm=1.0).apply(np.zeros(2), np.ones(2))


def test_global_clipnorm_scales_all_variables_together():
    w = np.zeros(4)
    optimizers.SGD(learning_rate=1.0, global_clipnorm=1.0).apply(w, np.array([3.0, 4.0, 0.0, 0.0]))
    np.testing.assert_allclose(w, [-0.6, -0.8, 0.0, 0.0])
    w = np.zeros(2)
    optimizers.SGD(learning_rate=1.0, global_clipnorm=1.0).apply(w, np.zeros(2))  # norm 0: no warning
    np.testing.assert_array_equal(w, [0.0, 0.0])


def test_clipvalue_clips_elementwise():
    w = np.zeros(3)
    optimizers.SGD(learning_rate=1.0, clipvalue=0.5).apply(w, np.array([-2.0, 0.25, 9.0]))
    np.testing.assert_allclose(w, [0.5, -0.25, -0.5])


def test_only_one_clipping_option():
    with pytest.raises(ValueError, match="only one"):
        optimizers.Adam(clipnorm=1.0, clipvalue=1.0)


def test_weight_decay_shrinks_weights_before_the_update():
    w = np.array([1.0, -2.0])
    optimizers.SGD(learning_rate=0.1, weight_decay=0.5).apply(w, np.array([1.0, 1.0]))
    np.testing.assert_allclose(w, np.array([1.0, -2.0]) * (1 - 0.05) - 0.1)


def test_float32_buffers_compute_in_float32():
    w32 = W0.astype(np.float32)
    optimizers.Adam(learning_rate=0.1).apply(w32, G1.astype(np.float32))
    w64 = W0.copy()
    optimizers.Adam(learning_rate=0.1).apply(w64, G1)
    assert w32.dtype == np.float32
    # not closer than ~1e-6: in float32, 1 - 0.999 is 0.00099998713 (Keras computes it so too)
    np.testing.assert_allclose(w32, w64, rtol=1e-5)


# ---- get and configs --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", optimizers.REGISTRY.names())
def test_every_name_round_trips_through_its_config(name):
    opt = optimizers.get(name)
    assert optimizers.get(opt.get_config()) == opt
    assert optimizers.get(opt.keras_class) == opt
    assert repr(opt).startswith(opt.keras_class + "(learning_rate=")


def test_keras_defaults():
    assert optimizers.get("sgd").get_config() == {
        "name": "sgd",
        "learning_rate": 0.01,
        "momentum": 0.0,
        "nesterov": False,
        "weight_decay": None,
        "clipnorm": None,
        "clipvalue": None,
        "global_clipnorm": None,
    }
    adam = optimizers.get("adam")
    assert (adam.learning_rate, adam.beta_1, adam.beta_2, adam.epsilon, adam.amsgrad) == (
        0.001,
        0.9,
        0.999,
        1e-7,
        False,
    )
    assert optimizers.get("adamw").weight_decay == 0.004
    rms = optimizers.get("rmsprop")
    assert (rms.learning_rate, rms.rho, rms.momentum, rms.epsilon, rms.centered) == (
        0.001,
        0.9,
        0.0,
        1e-7,
        False,
    )
    ada = optimizers.get("adagrad")
    assert (ada.learning_rate, ada.initial_accumulator_value, ada.epsilon) == (0.001, 0.1, 1e-7)


def test_get_reads_keras_configs_and_names():
    keras_config = {
        "class_name": "Adam",
        "config": {
            "name": "adam_3",
            "learning_rate": 0.01,
            "weight_decay": None,
            "clipnorm": None,
            "global_clipnorm": None,
            "clipvalue": None,
            "use_ema": False,
            "ema_momentum": 0.99,
            "ema_overwrite_frequency": None,
            "loss_scale_factor": None,
            "gradient_accumulation_steps": None,
            "beta_1": 0.9,
            "beta_2": 0.999,
            "epsilon": 1e-07,
            "amsgrad": False,
        },
    }
    assert optimizers.get(keras_config) == optimizers.Adam(learning_rate=0.01)
    assert isinstance(optimizers.get("RMSprop"), optimizers.RMSprop)
    assert isinstance(optimizers.get("AdamW"), optimizers.AdamW)
    assert isinstance(optimizers.get(optimizers.Nadam), optimizers.Nadam)
    assert optimizers.get(None) is None
    assert repr(optimizers.get({"name": "sgd", "momentum": 0.9})) == "SGD(learning_rate=0.01, momentum=0.9)"


def test_get_errors_name_the_problem():
    with pytest.raises(TypeError, match="valid: learning_rate, beta_1"):
        optimizers.get({"name": "adam", "lr": 0.1})
    with pytest.raises(ValueError, match="not supported"):
        optimizers.get({"name": "adam", "use_ema": True})
    with pytest.raises(ValueError, match="momentum"):
        optimizers.SGD(momentum=1.5)
    with pytest.raises(ValueError, match="weight_decay"):
        optimizers.AdamW(weight_decay=None)
    with pytest.raises(TypeError, match="learning_rate"):
        optimizers.Adam(learning_rate="fast")
    with pytest.raises(ValueError, match="adam"):
        optimizers.get("adma")


def test_adam_step_size_table_equals_float32_scalar_arithmetic():
    """Adam's step sizes are computed a block at a time; they must equal per-step float32 arithmetic to the last
    bit or two (vectorised powf may round differently from the scalar one by an ulp, as torch's may)."""
    from actcli.nn.optimizers import Adam

    opt = Adam(learning_rate=0.003, beta_1=0.85, beta_2=0.995)
    t = np.float32
    for i in (0, 1, 2, 500, 1023, 1024, 1025, 3000):
        opt.iterations = i
        step = t(i + 1)
        expected = t(0.003) * np.sqrt(t(1) - t(0.995) ** step) / (t(1) - t(0.85) ** step)
        assert opt._alpha(0.003, t).dtype == np.float32
        np.testing.assert_allclose(opt._alpha(0.003, t), expected, rtol=3e-7, atol=0)


@pytest.mark.parametrize("size", [1000, 3 * (1 << 15) + 77])  # small: m and v stacked; large: cache-sized blocks
@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam_fast_paths_equal_the_plain_formula_to_the_bit(size, amsgrad, kernels):
    """Every fast path of Adam's step (stacked, blocked, compiled) does Keras's operations on every value in
    Keras's order: same bits."""
    from actcli.nn.optimizers import Adam

    rng = np.random.default_rng(11)
    p = rng.normal(size=size).astype(np.float32)
    ref_p, m, v, vhat = p.copy(), np.zeros_like(p), np.zeros_like(p), np.zeros_like(p)
    opt = Adam(learning_rate=0.01, amsgrad=amsgrad)
    for step in range(1, 4):
        g = rng.normal(size=size).astype(np.float32) * np.float32(10.0 ** -step)
        opt.apply(p, g)
        assert (opt._kernel is not None) == (kernels == "numba")
        t = np.float32
        alpha = t(0.01) * np.sqrt(t(1) - t(0.999) ** t(step)) / (t(1) - t(0.9) ** t(step))
        m += (g - m) * t(1 - 0.9)
        v += (g * g - v) * t(1 - 0.999)
        vv = np.maximum(vhat, v, out=vhat) if amsgrad else v
        ref_p -= (m * alpha) / (np.sqrt(vv) + t(1e-7))
        np.testing.assert_array_equal(opt.slots["momentum"], m)
        np.testing.assert_array_equal(opt.slots["velocity"], v)
        np.testing.assert_allclose(p, ref_p, rtol=2e-7, atol=0)  # alpha from the table may differ by an ulp


def test_slots_flush_values_too_small_to_move_a_weight():
    from actcli.nn.optimizers import SGD

    opt = SGD(learning_rate=0.1, momentum=0.9)
    p, g = np.ones(4, np.float32), np.array([1e-3, 0, 0, 1e-35], np.float32)
    opt.apply(p, g)
    opt.slots["momentum"][1] = 1e-31  # as a dead unit's momentum becomes after ~600 steps without gradient
    for _ in range(opt.FLUSH_EVERY - 1):
        opt.apply(p, np.zeros(4, np.float32))
    m = opt.slots["momentum"]
    assert m[0] != 0 and m[1] == 0 and m[3] == 0 and m[2] == 0
