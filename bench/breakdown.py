"""Where a training step's time goes: `python bench/breakdown.py [WORKLOAD ...] [--epochs N]`.

For each workload (default: deep and wide, the two measured against the matrix-multiply bound), this trains
actcli's own model with a twin of its training step (`Sequential._flat_step`) that runs the same operations on
the same buffers, in the same order, with a clock read between them: matrix multiplies (forward, kernel
gradients, input gradients), bias gradients, the hidden activations and their derivatives, the head and its
loss gradient, the optimizer, shuffling and gathering. tests/test_bench.py holds the twin to the real step: the same
weights to the bit after a few epochs. Next to the parts it prints the real `fit`'s seconds per epoch and the
bound that bench/RESULTS.md uses. Reading the clock costs ~0.1 µs a part; on the small nets, where a whole step
takes ~30 µs, the parts add up to noticeably more than the step, so use this on the large ones.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from workloads import SEED, WORKLOADS, Workload, make_data, targets  # noqa: E402


def build(w: Workload, seed: int = SEED):
    """actcli's model for `w`, compiled as the bench's actcli contender compiles it."""
    from actcli.nn import Dense, Sequential
    from actcli.nn.optimizers import SGD, Adam
    from actcli.nn.random import set_random_seed

    set_random_seed(seed)
    model = Sequential()
    for i, (units, act) in enumerate(w.hidden):
        model.add(Dense(units, activation=act, **({"input_dim": w.n_features} if i == 0 else {})))
    model.add(Dense(w.out_units, activation=w.out_activation))
    model.compile(optimizer=(Adam if w.optimizer == "adam" else SGD)(learning_rate=w.learning_rate), loss=w.loss)
    return model


def timed_step(model, kernels, clock: dict[str, float]):
    """`model._flat_step`'s step for a model without penalties, fused head, constraints: each part's seconds are
    added to `clock[part]`. Keep it in step with models.py (tests/test_bench.py fails when they drift)."""
    from actcli.nn.models import _ones

    layers, loss, apply = model.layers, model.loss, model.optimizer.apply
    flat, flat_grad, slices, dtype = model._flat, model._flat_grad, model._slices, model.dtype
    compiled = [None if kernels is None else lay.activation.compiled(kernels, dtype) for lay in layers[:-1]]
    plan = [(lay.kernel, lay.bias, lay.activation.forward, c[0] if c is not None else None)
            for lay, c in zip(layers[:-1], compiled)]
    head_kernel, head_bias, head_act = layers[-1].kernel, layers[-1].bias, layers[-1].activation
    back = []
    for i in range(len(layers) - 1, -1, -1):
        lay, one = layers[i], layers[i].units == 1
        below = (compiled[i - 1][1] if compiled[i - 1] else layers[i - 1].activation.backward_into) if i else None
        back.append((i, lay.kernel[:, 0] if one else lay.kernel.T, lay.grad_kernel[:, 0] if one else lay.grad_kernel,
                     lay.grad_bias, one, below))
    now = time.perf_counter

    def tick(part: str, t0: float) -> float:
        t1 = now()
        clock[part] = clock.get(part, 0.0) + (t1 - t0)
        return t1

    def step(xb, yb, out):
        t = now()
        inputs, zs, a = [xb], [], xb
        for kernel, bias, forward, bias_forward in plan:
            z = a @ kernel
            t = tick("matmul: forward", t)
            if bias_forward is not None:
                a = bias_forward(z, bias)
            else:
                z += bias
                a = forward(z)
            t = tick("hidden activations", t)
            zs.append(z)
            inputs.append(a)
        z = np.matmul(a, head_kernel, out=out)
        t = tick("matmul: forward", t)
        z += head_bias
        p = head_act.forward(z)
        delta = loss.logits_grad(yb, z, p)
        t = tick("head and loss gradient", t)
        ones = _ones(len(xb), dtype)
        for i, kernel, grad_kernel, grad_bias, one_unit, backward in back:
            if one_unit:
                np.dot(delta[:, 0], inputs[i], out=grad_kernel)
            else:
                np.matmul(inputs[i].T, delta, out=grad_kernel)
            t = tick("matmul: kernel gradients", t)
            np.dot(ones, delta, out=grad_bias)
            t = tick("bias gradients", t)
            if backward is not None:
                g = delta * kernel if one_unit else delta @ kernel
                t = tick("matmul: input gradients", t)
                delta = backward(zs[i - 1], inputs[i], g)
                t = tick("activation derivatives", t)
        apply(flat, flat_grad, slices)
        tick("optimizer", t)
        return p

    return step


def train_timed(w: Workload, x, t, epochs: int, kernels, clock: dict[str, float]):
    """Train `w` for `epochs` with the timed twin, shuffling as fit does (one permutation per epoch; the inputs
    gathered once an epoch, or batch by batch when they are larger than fit's threshold); returns the model and
    each epoch's seconds."""
    from actcli.nn.random import generator

    model = build(w)
    model._ensure_built(x)
    model.optimizer.use_kernels(kernels)
    head = model.layers[-1]
    y_all = np.ascontiguousarray(model.loss.prepare(t, np.zeros((len(t), head.output_dim), dtype=model.dtype)))
    out = np.empty((len(x), head.output_dim), dtype=model.dtype)
    step = timed_step(model, kernels, clock)
    rng, n, b = generator(), len(x), w.batch_size
    seconds = []
    per_batch = x.nbytes > model.GATHER_PER_BATCH_BYTES
    for _ in range(epochs):
        t0 = time.perf_counter()
        order = rng.permutation(n)
        xs, ys = (None if per_batch else x[order]), y_all[order]
        clock["shuffle and gather"] = clock.get("shuffle and gather", 0.0) + time.perf_counter() - t0
        for lo in range(0, n, b):
            hi = min(lo + b, n)
            t1 = time.perf_counter()
            xb = np.take(x, order[lo:hi], axis=0, mode="clip") if per_batch else xs[lo:hi]
            clock["shuffle and gather"] += time.perf_counter() - t1
            step(xb, ys[lo:hi], out[lo:hi])
        seconds.append(time.perf_counter() - t0)
    return model, seconds


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("workloads", nargs="*", default=["deep", "wide"], help="from " + ", ".join(WORKLOADS))
    p.add_argument("--epochs", type=int, default=5, help="epochs timed per workload (default 5)")
    args = p.parse_args(argv)
    import contenders

    from actcli.nn import _kernels

    kernels = _kernels.get()
    for name in args.workloads:
        w = WORKLOADS[name]
        x, y = make_data(w)
        x = np.ascontiguousarray(x, dtype=np.float32)
        t = targets(w, y)
        train_timed(w, x, t, 1, kernels, {})  # warm up: first calls, caches, page faults
        clock: dict[str, float] = {}
        _, seconds = train_timed(w, x, t, args.epochs, kernels, clock)
        runs, _, _ = contenders._actcli(w, x, y, 1, args.epochs, probes=False, compiled=kernels is not None)
        bound = contenders._matmul_bound(w, x, y, 1, w.epochs)[0][0][0]
        steps = -(-w.n_samples // w.batch_size)
        real, twin = float(np.median(runs[0])), float(np.median(seconds))
        print(f"\n{name}: {w.describe()}; {steps} steps an epoch; element-wise updates by {_kernels.describe()}")
        print(f"  actcli fit, median epoch   {real * 1e3:8.1f} ms   {real / bound:5.2f}x the bound")
        print(f"  the timed twin, median     {twin * 1e3:8.1f} ms   {twin / bound:5.2f}x")
        print(f"  matrix-multiply bound      {bound * 1e3:8.1f} ms   (bench/RESULTS.md's, measured now)")
        total = sum(clock.values())
        for part, sec in sorted(clock.items(), key=lambda kv: -kv[1]):
            per_epoch = sec / args.epochs
            print(f"    {part:26s} {per_epoch * 1e3:7.1f} ms  {per_epoch / steps * 1e6:7.1f} µs a step"
                  f"  {sec / total:6.1%}")
        mm = sum(v for k, v in clock.items() if k.startswith("matmul")) / args.epochs
        print(f"  matrix multiplies in the step: {mm / bound:.2f}x the bound; everything else "
              f"{(total / args.epochs - mm) / bound:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
