"""`actcli export spec.yaml --to keras|pytorch`: runnable Python that builds, compiles and fits the model.

Keras code uses the notes' API (`keras.Sequential`, `layers.Dense(64, activation='relu')`) with Keras's class
names for everything else; PyTorch code is an `nn.Sequential` plus a plain training loop, with a comment
wherever PyTorch has no exact equivalent. It leaves out callbacks other than EarlyStopping (Keras only).
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path
from typing import Any

from actcli import data as data_mod
from actcli.errors import UserError
from actcli.nn import activations, constraints, initializers, losses, optimizers, regularizers
from actcli.spec import Spec

TARGETS = ("keras", "pytorch")
_REGISTRIES = {
    "activation": activations,
    "initializer": initializers,
    "regularizer": regularizers,
    "constraint": constraints,
    "loss": losses,
    "optimizer": optimizers,
}
_OPTIMIZER_CLASS = {
    "sgd": "SGD",
    "adam": "Adam",
    "adamw": "AdamW",
    "rmsprop": "RMSprop",
    "adagrad": "Adagrad",
    "nadam": "Nadam",
}
_WITHOUT_ACTCLI = {
    "moons": "sklearn.datasets.make_moons(n_samples, noise=noise)",
    "circles": "sklearn.datasets.make_circles(n_samples, noise=noise, factor=factor)",
    "blobs": "sklearn.datasets.make_blobs(n_samples, centers=classes, n_features=features)",
    "classification": "sklearn.datasets.make_classification(n_samples, n_features=features, "
    "n_informative=informative, n_classes=classes)",
    "gaussian_quantiles": "sklearn.datasets.make_gaussian_quantiles(n_samples=n_samples, n_classes=classes)",
}


def _camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def _py(value: Any) -> str:
    """A Python literal for a config value."""
    if isinstance(value, float) and math.isfinite(value) and value == int(value) and abs(value) < 1e15:
        return repr(float(value))
    return repr(value)


def _split(value: Any) -> tuple[str, dict[str, Any]]:
    """A resolved config {'name': ..., **params} -> (name, params)."""
    if isinstance(value, str):
        return value, {}
    params = dict(value)
    return str(params.pop("name")), params


def _changed(family: str, name: str, params: dict[str, Any]) -> dict[str, Any]:
    """The parameters that differ from the family's Keras defaults (None-valued seeds dropped)."""
    module = _REGISTRIES[family]
    try:
        defaults = _split(module.get(name).get_config())[1]
    except (TypeError, ValueError):
        defaults = {}
    return {k: v for k, v in params.items() if k not in defaults or defaults[k] != v}


def _kwargs(params: dict[str, Any]) -> str:
    return ", ".join(f"{k}={_py(v)}" for k, v in params.items())


def _wrap(line: str, indent: str = "    ") -> list[str]:
    return textwrap.wrap(
        line,
        100,
        initial_indent=indent,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    )


def _loss_name(spec: Spec) -> tuple[str, dict[str, Any]]:
    return _split(spec.resolved()["training"]["loss"])


# ------------------------------------------------------------------------------------------------ data


def _data_code(spec: Spec, base_dir: Path | None, loss: str) -> tuple[list[str], data_mod.Dataset]:
    """Lines defining `load_data() -> (x_train, y_train, x_test, y_test)`, and the dataset (for shapes)."""
    task = spec.task.resolved()
    ds = data_mod.load_task(task, base_dir=base_dir)
    name = str(task["dataset"])
    csv = name.startswith("csv:") or name == "csv" or name.lower().endswith(".csv")
    if not csv:
        hint = _WITHOUT_ACTCLI.get(name, "any NumPy arrays of the same shapes: x float32 (n, features)")
        lines = [
            "def load_data():",
            *_wrap(f'"""actcli\'s synthetic task {name!r}: {data_mod.TASKS[name].description}.'),
            "",
            *_wrap(
                f"Without actcli: {hint} gives data of the same kind (not the same numbers); split it 80/20 "
                "and standardise it with the training rows' mean and std."
            ),
            '    """',
            "    from actcli.data import load_task",
            "",
            f"    ds = load_task({task!r})",
            f"    return ds.x_train, ds.targets({loss!r}, 'train'), ds.x_test, ds.targets({loss!r}, 'test')",
        ]
        return lines, ds
    path = task.get("path") or (name[4:] if name.startswith("csv:") else name)
    full = data_mod._resolve_path(path, base_dir)
    with open(full, encoding="utf-8-sig") as fh:
        header = fh.readline().strip().split(",")
    target = task.get("target") or header[-1]
    t = header.index(target)
    if ds.kind == "regression":
        encode = "    y = labels.astype(np.float32).reshape(-1, 1)"
    elif loss == "sparse_categorical_crossentropy":
        encode = "    y = codes.astype(np.int64)"
    elif ds.kind == "binary" and ds.targets(loss, "test").shape[1] == 1:
        encode = "    y = codes.astype(np.float32).reshape(-1, 1)"
    else:
        encode = "    y = np.eye(len(classes), dtype=np.float32)[codes]  # one-hot, one column per class"
    lines = [
        "def load_data():",
        f'    """The CSV file {path!r}: every column but {target!r} is a feature. A seeded split and',
        "    standardisation like actcli's (the test rows differ: actcli stratifies).\"\"\"",
        f"    path = {str(full)!r}  # the spec's {path!r}, resolved",
        f"    target = {t}  # column {target!r}",
        f"    features = [i for i in range({len(header)}) if i != target]",
        "    x = np.loadtxt(path, delimiter=',', skiprows=1, usecols=features, dtype=np.float32)",
        "    labels = np.loadtxt(path, delimiter=',', skiprows=1, usecols=[target], dtype=str)",
    ]
    if ds.kind == "regression":
        lines.append("    labels = labels.astype(np.float64)")
    else:
        lines.append("    classes, codes = np.unique(labels, return_inverse=True)")
    lines += [
        encode,
        f"    rng = np.random.default_rng({task.get('seed', 0)})",
        "    order = rng.permutation(len(x))",
        f"    n_test = int(round({task.get('test_size', 0.2)} * len(x)))",
        "    test, train = order[:n_test], order[n_test:]",
    ]
    if task.get("standardize", True):
        lines += [
            "    mean, std = x[train].mean(axis=0), x[train].std(axis=0)",
            "    std[std == 0] = 1.0",
            "    x = (x - mean) / std",
        ]
    lines.append("    return x[train], y[train], x[test], y[test]")
    return lines, ds


# ------------------------------------------------------------------------------------------------ keras


def _keras_activation(value: Any) -> str | None:
    if value is None:
        return None
    name, params = _split(value)
    changed = _changed("activation", name, params)
    if name == "linear" and not changed:
        return None
    if not changed and not any(v is activations.REQUIRED for v in activations.REGISTRY[name].params.values()):
        return repr(name)
    args = _kwargs(params)
    return f"lambda x: keras.activations.{name}(x, {args})"


def _keras_object(family: str, module: str, value: Any, string_if_default: bool = True) -> str | None:
    if value is None:
        return None
    name, params = _split(value)
    changed = _changed(family, name, params)
    if not changed and string_if_default and family != "regularizer":
        return repr(name)
    keep = params if family in ("regularizer", "constraint") else changed
    keep = {k: v for k, v in keep.items() if not (k == "seed" and v is None)}
    return f"keras.{module}.{_camel(name)}({_kwargs(keep)})"


def _keras_dense(layer: dict[str, Any]) -> str:
    args = [str(layer["units"])]
    act = _keras_activation(layer["activation"])
    if act is not None:
        args.append(f"activation={act}")
    if not layer["use_bias"]:
        args.append("use_bias=False")
    for key, default in (("kernel_initializer", "glorot_uniform"), ("bias_initializer", "zeros")):
        name, params = _split(layer[key])
        if name != default or _changed("initializer", name, params):
            args.append(f"{key}={_keras_object('initializer', 'initializers', layer[key])}")
    for key in ("kernel_regularizer", "bias_regularizer", "activity_regularizer"):
        if layer[key] is not None:
            args.append(f"{key}={_keras_object('regularizer', 'regularizers', layer[key])}")
    for key in ("kernel_constraint", "bias_constraint"):
        if layer[key] is not None:
            args.append(f"{key}={_keras_object('constraint', 'constraints', layer[key], False)}")
    if layer.get("name"):
        args.append(f"name={layer['name']!r}")
    return f"layers.Dense({', '.join(args)})"


def _keras(spec: Spec, base_dir: Path | None) -> str:
    r = spec.resolved()
    tr = r["training"]
    loss, loss_params = _loss_name(spec)
    data_lines, ds = _data_code(spec, base_dir, loss)
    opt_name, opt_params = _split(tr["optimizer"])
    opt_args = {"learning_rate": opt_params["learning_rate"], **_changed("optimizer", opt_name, opt_params)}
    loss_code = _keras_object("loss", "losses", tr["loss"])
    metrics = list(tr["metrics"])
    compile_args = [
        f"optimizer=keras.optimizers.{_OPTIMIZER_CLASS[opt_name]}({_kwargs(opt_args)})",
        f"loss={loss_code}",
    ]
    if metrics:
        compile_args.append(f"metrics={metrics!r}")
    dense = [f"            {_keras_dense(layer)}," for layer in r["model"]["layers"]]
    fit_args = [f"epochs={tr['epochs']}", f"batch_size={tr['batch_size']}"]
    if tr["validation_split"]:
        fit_args.append(f"validation_split={tr['validation_split']}")
    callbacks = []
    es = tr["early_stopping"]
    if es:
        defaults = {
            "monitor": "val_loss",
            "min_delta": 0.0,
            "patience": 0,
            "mode": "auto",
            "baseline": None,
            "restore_best_weights": False,
            "start_from_epoch": 0,
        }
        callbacks.append(
            f"keras.callbacks.EarlyStopping({_kwargs({k: v for k, v in es.items() if defaults[k] != v})})"
        )
        fit_args.append(f"callbacks=[{', '.join(callbacks)}]")
    notes = []
    if any(_split(layer["activation"] or "linear")[0] == "sparsemax" for layer in r["model"]["layers"]):
        notes.append(
            "# Note: Keras 3.15.1's sparsemax differs from the paper when several classes are non-zero "
            "(keras-team/keras#23425); actcli uses the paper's definition."
        )
    lines = [
        f'"""{spec.name}: exported by actcli from its spec, for Keras 3.',
        "",
        "Run it with any Keras 3 backend, e.g. `KERAS_BACKEND=torch python this_file.py`.",
        "The weights start from Keras's own random draw, so the numbers differ from actcli's run; to start",
        "from the same weights, pass actcli's `model.get_weights()` to `model.set_weights(...)`.",
        '"""',
        "",
        "import keras",
        "import numpy as np",
        "from keras import layers",
        "",
        f"SEED = {tr['seed']}",
        "",
        "",
        *data_lines,
        "",
        "",
        "def build_model():",
        "    keras.utils.set_random_seed(SEED)",
        *["    " + n for n in notes],
        "    model = keras.Sequential(",
        "        [",
        f"            keras.Input(shape=({ds.n_features},)),",
        *dense,
        "        ],",
        f"        name={r['name']!r},",
        "    )",
        f"    model.compile({', '.join(compile_args)})",
        "    return model",
        "",
        "",
        'if __name__ == "__main__":',
        "    x_train, y_train, x_test, y_test = load_data()",
        "    model = build_model()",
        "    model.summary()",
        f"    model.fit(x_train, y_train, {', '.join(fit_args)})",
        "    print(model.evaluate(x_test, y_test, return_dict=True))",
        "",
    ]
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------ pytorch

# name -> (module code with {params}, a comment or "") for activations torch has as modules
_TORCH_ACT = {
    "relu": "nn.ReLU()",
    "sigmoid": "nn.Sigmoid()",
    "tanh": "nn.Tanh()",
    "softmax": "nn.Softmax(dim={axis})",
    "leaky_relu": "nn.LeakyReLU(negative_slope={negative_slope})",
    "relu6": "nn.ReLU6()",
    "threshold": "nn.Threshold({threshold}, {default_value})",
    "hard_sigmoid": "nn.Hardsigmoid()",
    "hard_silu": "nn.Hardswish()",
    "hard_tanh": "nn.Hardtanh()",
    "hard_shrink": "nn.Hardshrink({threshold})",
    "soft_shrink": "nn.Softshrink({threshold})",
    "elu": "nn.ELU(alpha={alpha})",
    "selu": "nn.SELU()",
    "celu": "nn.CELU(alpha={alpha})",
    "softplus": "nn.Softplus()",
    "softsign": "nn.Softsign()",
    "silu": "nn.SiLU()",
    "mish": "nn.Mish()",
    "log_sigmoid": "nn.LogSigmoid()",
    "tanh_shrink": "nn.Tanhshrink()",
    "log_softmax": "nn.LogSoftmax(dim={axis})",
    "glu": "nn.GLU(dim={axis})",
}
# the rest, as a function of x for the `Fn` module
_TORCH_FN = {
    "exponential": "torch.exp(x)",
    "sparse_sigmoid": "torch.clamp((x + 1) / 2, 0, 1)",
    "sparse_plus": "torch.where(x >= 1, x, (torch.clamp(x, -1, 1) + 1) ** 2 / 4)",
    "squareplus": "(x + torch.sqrt(x * x + {b})) / 2",
    "sparsemax": "sparsemax(x)",
}
_SPARSEMAX = [
    "def sparsemax(x):",
    '    """Martins & Astudillo (2016): the projection of each row onto the probability simplex."""',
    "    z, _ = torch.sort(x, dim=-1, descending=True)",
    "    k = torch.arange(1, x.shape[-1] + 1, dtype=x.dtype)",
    "    cs = z.cumsum(-1)",
    "    support = (1 + k * z > cs).sum(-1, keepdim=True)",
    "    tau = (cs.gather(-1, support - 1) - 1) / support.to(x.dtype)",
    "    return torch.clamp(x - tau, min=0)",
]


def _torch_activation(value: Any) -> tuple[str | None, bool]:
    """(module code or None for linear, whether the `Fn` helper is needed)."""
    name, params = _split(value if value is not None else "linear")
    if name == "linear":
        return None, False
    if name == "relu" and _changed("activation", name, params):
        t, s, m = params["threshold"], params["negative_slope"], params["max_value"]
        expr = f"torch.where(x > {t}, x, torch.zeros_like(x))"
        if m is not None:
            expr = f"torch.clamp({expr}, 0, {m})"
        if s:
            expr = f"{expr} - {s} * torch.clamp({t} - x, min=0)"
        return f"Fn(lambda x: {expr}, 'relu')", True
    if name == "gelu":
        return f"nn.GELU(approximate={'tanh' if params.get('approximate') else 'none'!r})", False
    if name in _TORCH_ACT:
        return _TORCH_ACT[name].format(**params), False
    return f"Fn(lambda x: {_TORCH_FN[name].format(**params)}, {name!r})", True


def _torch_init(var: str, value: Any) -> list[str]:
    """Lines initialising tensor `var` (torch layout: kernel is (out, in)) like the Keras initializer."""
    name, p = _split(value)
    vs = {
        "glorot_uniform": (1.0, "fan_avg", "uniform"),
        "glorot_normal": (1.0, "fan_avg", "truncated_normal"),
        "he_uniform": (2.0, "fan_in", "uniform"),
        "he_normal": (2.0, "fan_in", "truncated_normal"),
        "lecun_uniform": (1.0, "fan_in", "uniform"),
        "lecun_normal": (1.0, "fan_in", "truncated_normal"),
    }
    if name in vs:
        scale, mode, dist = vs[name]
        return [f"variance_scaling_({var}, {scale}, {mode!r}, {dist!r})  # keras {name}"]
    if name == "variance_scaling":
        return [f"variance_scaling_({var}, {p['scale']}, {p['mode']!r}, {p['distribution']!r})"]
    if name == "zeros":
        return [f"nn.init.zeros_({var})"]
    if name == "ones":
        return [f"nn.init.ones_({var})"]
    if name == "constant":
        return [f"nn.init.constant_({var}, {p.get('value', 0.0)})"]
    if name == "random_normal":
        return [f"nn.init.normal_({var}, mean={p['mean']}, std={p['stddev']})"]
    if name == "random_uniform":
        return [f"nn.init.uniform_({var}, {p['minval']}, {p['maxval']})"]
    if name == "truncated_normal":
        m, s = p["mean"], p["stddev"]
        return [f"nn.init.trunc_normal_({var}, mean={m}, std={s}, a={m} - 2 * {s}, b={m} + 2 * {s})"]
    if name == "orthogonal":
        return [
            f"nn.init.orthogonal_({var}, gain={p['gain']})  # torch's orthogonal: same distribution family"
        ]
    if name == "identity":
        return [f"nn.init.eye_({var})", f"{var}.mul_({p['gain']})"]
    return [f"# keras initializer {name!r} has no torch equivalent here: torch's default is kept"]


_TORCH_HELPERS = [
    "def variance_scaling_(w, scale, mode, distribution):",
    '    """keras.initializers.VarianceScaling on a torch tensor (a Linear weight is (out, in))."""',
    "    fan_out, fan_in = (w.shape[0], w.shape[1]) if w.dim() == 2 else (w.shape[0], w.shape[0])",
    "    n = {'fan_in': fan_in, 'fan_out': fan_out, 'fan_avg': (fan_in + fan_out) / 2}[mode]",
    "    if distribution == 'uniform':",
    "        limit = math.sqrt(3 * scale / n)",
    "        return nn.init.uniform_(w, -limit, limit)",
    "    std = math.sqrt(scale / n) / 0.87962566103423978  # Keras truncates at 2 std and rescales",
    "    if distribution == 'untruncated_normal':",
    "        return nn.init.normal_(w, 0.0, math.sqrt(scale / n))",
    "    return nn.init.trunc_normal_(w, 0.0, std, -2 * std, 2 * std)",
]
_FN_CLASS = [
    "class Fn(nn.Module):",
    '    """An activation torch has no module for, written out as in Keras."""',
    "",
    "    def __init__(self, fn, name):",
    "        super().__init__()",
    "        self.fn, self.name = fn, name",
    "",
    "    def forward(self, x):",
    "        return self.fn(x)",
    "",
    "    def extra_repr(self):",
    "        return self.name",
]


def _torch_loss(loss: str, lp: dict[str, Any], head: str) -> tuple[str, bool, list[str]]:
    """(loss expression of `out` and `yb`, whether the head activation is fused into the loss, notes)."""
    logits = bool(lp.get("from_logits"))
    smooth = float(lp.get("label_smoothing", 0.0) or 0.0)
    if loss == "binary_crossentropy":
        target = f"yb * (1 - {smooth}) + 0.5 * {smooth}" if smooth else "yb"
        if logits or head == "sigmoid":
            return (
                f"nn.functional.binary_cross_entropy_with_logits(out, {target})",
                head == "sigmoid" and not logits,
                [],
            )
        return (
            f"nn.functional.binary_cross_entropy(out.clamp(EPSILON, 1 - EPSILON), {target})",
            False,
            ["# Keras clips probabilities to [1e-7, 1 - 1e-7] before the log; so does this loss."],
        )
    if loss in ("categorical_crossentropy", "sparse_categorical_crossentropy"):
        if logits or head == "softmax":
            return (
                f"nn.functional.cross_entropy(out, yb, label_smoothing={smooth})",
                head == "softmax" and not logits,
                [],
            )
        target = f"yb * (1 - {smooth}) + {smooth} / out.shape[1]" if smooth else "yb"
        if loss == "sparse_categorical_crossentropy":
            target = "nn.functional.one_hot(yb, out.shape[1]).to(out.dtype)"
        return (
            f"-({target} * torch.log((out / out.sum(1, keepdim=True)).clamp(EPSILON, 1 - EPSILON)))"
            ".sum(1).mean()",
            False,
            [
                "# Keras's categorical cross-entropy on a non-softmax head: it rescales the outputs to sum",
                "# to 1, clips them to [1e-7, 1 - 1e-7] and takes -sum(y * log p), as written here.",
            ],
        )
    if loss == "mean_squared_error":
        return "nn.functional.mse_loss(out, yb)", False, []
    if loss == "mean_absolute_error":
        return "nn.functional.l1_loss(out, yb)", False, []
    if loss == "huber":
        return f"nn.functional.huber_loss(out, yb, delta={lp.get('delta', 1.0)})", False, []
    sq = " ** 2" if loss == "squared_hinge" else ""
    return (
        f"(torch.clamp(1 - (2 * yb - 1) * out, min=0){sq}).mean()",
        False,
        ["# Keras's hinge maps 0/1 labels to -1/+1, as written here."],
    )


def _torch_optimizer(name: str, p: dict[str, Any]) -> tuple[str, list[str]]:
    lr, eps = p["learning_rate"], p.get("epsilon", 1e-7)
    wd = p.get("weight_decay")
    notes = []
    if name == "sgd":
        code = (
            f"torch.optim.SGD(model.parameters(), lr={lr}, momentum={p['momentum']}, nesterov={p['nesterov']}"
        )
        notes.append(
            "# Keras's SGD momentum (v = m*v - lr*g) equals torch's form for a constant learning rate."
        )
    elif name in ("adam", "adamw"):
        cls = "Adam" if name == "adam" else "AdamW"
        code = (
            f"torch.optim.{cls}(model.parameters(), lr={lr}, betas=({p['beta_1']}, {p['beta_2']}), "
            f"eps={eps}, amsgrad={p['amsgrad']}"
        )
        notes.append(
            "# eps = Keras's epsilon, 1e-7 (torch's default is 1e-8). Keras adds it to the uncorrected"
        )
        notes.append(
            "# sqrt(v) ('epsilon hat'), torch to the bias-corrected one: a difference only in the 7th digit."
        )
    elif name == "rmsprop":
        code = (
            f"torch.optim.RMSprop(model.parameters(), lr={lr}, alpha={p['rho']}, eps={eps}, "
            f"momentum={p['momentum']}, centered={p['centered']}"
        )
        notes.append("# Keras divides by sqrt(v + eps), torch by sqrt(v) + eps: equal up to eps.")
    elif name == "adagrad":
        code = (
            f"torch.optim.Adagrad(model.parameters(), lr={lr}, "
            f"initial_accumulator_value={p['initial_accumulator_value']}, eps={eps}"
        )
        notes.append("# Keras divides by sqrt(acc + eps), torch by sqrt(acc) + eps: equal up to eps.")
    else:
        code = (
            f"torch.optim.NAdam(model.parameters(), lr={lr}, betas=({p['beta_1']}, {p['beta_2']}), eps={eps}"
        )
        notes.append("# torch's NAdam uses the same momentum schedule (decay 0.004) as Keras's Nadam.")
    if wd:
        code += f", weight_decay={wd}"
        if name != "adamw":
            notes.append(
                "# Keras's weight_decay is decoupled (w -= lr * wd * w); torch's (not AdamW's) adds it to g."
            )
    return code + ")", notes


def _pytorch(spec: Spec, base_dir: Path | None) -> str:
    r = spec.resolved()
    tr = r["training"]
    loss, lp = _loss_name(spec)
    data_lines, ds = _data_code(spec, base_dir, loss)
    layers = r["model"]["layers"]
    head = _split(layers[-1]["activation"] or "linear")[0]
    loss_code, fused, loss_notes = _torch_loss(loss, lp, head)
    modules, init_lines, penalties, constraint_lines, notes = [], [], [], [], []
    need_fn = False
    width = ds.n_features
    for i, layer in enumerate(layers):
        modules.append(f"        nn.Linear({width}, {layer['units']}, bias={layer['use_bias']}),")
        lin = f"model[{len(modules) - 1}]"
        init_lines += [
            f"        {line}" for line in _torch_init(f"{lin}.weight", layer["kernel_initializer"])
        ]
        if layer["use_bias"]:
            init_lines += [
                f"        {line}" for line in _torch_init(f"{lin}.bias", layer["bias_initializer"])
            ]
        for key, attr in (("kernel_regularizer", "weight"), ("bias_regularizer", "bias")):
            if layer[key] is not None:
                rname, rp = _split(layer[key])
                if rname in ("l1", "l2", "l1_l2"):
                    l1, l2 = rp.get("l1", 0.0), rp.get("l2", 0.0)
                    terms = ([f"{l1} * {lin}.{attr}.abs().sum()"] if l1 else []) + (
                        [f"{l2} * ({lin}.{attr} ** 2).sum()"] if l2 else []
                    )
                    penalties += terms
                else:
                    notes.append(
                        f"# layer {i}: {key} {rname!r} is not exported; add its penalty to the loss."
                    )
        if layer["activity_regularizer"] is not None:
            notes.append(
                f"# layer {i}: activity_regularizer is not exported; add a penalty on its output to the loss."
            )
        for key, attr in (("kernel_constraint", "weight"), ("bias_constraint", "bias")):
            if layer[key] is not None:
                cname, cp = _split(layer[key])
                dim = (
                    (1 - int(cp.get("axis", 0)) % 2) if attr == "weight" else 0
                )  # keras (in, out) -> torch (out, in)
                constraint_lines.append(f"        constrain_({lin}.{attr}, {cname!r}, {_py(cp)}, dim={dim})")
        code, fn = _torch_activation(layer["activation"])
        need_fn |= fn
        if code is not None and not (i == len(layers) - 1 and fused):
            modules.append(f"        {code},")
        width = activations.get(layer["activation"]).output_units(layer["units"])
    if fused:
        notes.append(
            f"# The {head} head is fused into the loss (as Keras does internally, for stability): the model"
        )
        notes.append(
            f"# outputs logits; apply torch.{head}(...) to them for probabilities (predict() below does)."
        )
    opt_name, opt_params = _split(tr["optimizer"])
    opt_code, opt_notes = _torch_optimizer(opt_name, opt_params)
    clip = []
    if opt_params.get("global_clipnorm"):
        clip.append(
            f"            nn.utils.clip_grad_norm_(model.parameters(), {opt_params['global_clipnorm']})"
        )
    if opt_params.get("clipnorm"):
        clip.append("            for p in model.parameters():  # Keras clips each variable's norm")
        clip.append(f"                nn.utils.clip_grad_norm_([p], {opt_params['clipnorm']})")
    if opt_params.get("clipvalue"):
        clip.append(f"            nn.utils.clip_grad_value_(model.parameters(), {opt_params['clipvalue']})")
    y_dtype = "torch.long" if loss == "sparse_categorical_crossentropy" else "torch.float32"
    penalty = " + ".join(penalties)
    if ds.kind == "regression":
        acc = "None"
    elif ds.targets(loss, "test").ndim == 1:
        acc = "(out.argmax(1) == yb).float().mean().item()"
    elif ds.targets(loss, "test").shape[1] == 1:
        cut = "0.0" if fused or lp.get("from_logits") else "0.5"
        acc = f"((out > {cut}).float() == yb).float().mean().item()"
    else:
        acc = "(out.argmax(1) == yb.argmax(1)).float().mean().item()"
    val = tr["validation_split"]
    helpers = list(_TORCH_HELPERS)
    if need_fn:
        helpers += ["", ""] + _FN_CLASS
    if any(_split(layer["activation"] or "linear")[0] == "sparsemax" for layer in layers):
        helpers += ["", ""] + _SPARSEMAX
    if constraint_lines:
        helpers += ["", "", *_CONSTRAIN]
    lines = [
        f'"""{spec.name}: exported by actcli from its spec, for PyTorch.',
        "",
        "The same layers, initializers (same distributions, not the same numbers), loss and optimizer",
        "hyper-parameters as the spec, with a plain training loop. Comments mark where torch differs",
        "from Keras.",
        '"""',
        "",
        "import math",
        "",
        "import numpy as np",
        "import torch",
        "from torch import nn",
        "",
        f"SEED = {tr['seed']}",
        "EPSILON = 1e-7  # keras.config.epsilon()",
        "",
        "",
        *data_lines,
        "",
        "",
        *helpers,
        "",
        "",
        "def build_model():",
        "    torch.manual_seed(SEED)",
        "    model = nn.Sequential(",
        *modules,
        "    )",
        "    with torch.no_grad():",
        *init_lines,
        "    return model",
        "",
        "",
        "def loss_fn(model, out, yb):",
        *["    " + n for n in loss_notes],
        f"    loss = {loss_code}",
        *(
            [f"    loss = loss + {penalty}  # kernel/bias regularizers, as Keras adds them"]
            if penalty
            else []
        ),
        "    return loss",
        "",
        "",
        "def accuracy(out, yb):",
        f"    return {acc}",
        "",
        "",
        "def fit(model, x, y, epochs, batch_size, validation_split=0.0):",
        "    x, y = torch.as_tensor(x), torch.as_tensor(y, dtype=" + y_dtype + ")",
        "    n_train = int(math.ceil(len(x) * (1 - validation_split)))  # Keras holds out the LAST rows",
        "    (xt, yt), (xv, yv) = (x[:n_train], y[:n_train]), (x[n_train:], y[n_train:])",
        *["    " + n for n in opt_notes],
        f"    optimizer = {opt_code}",
        "    generator = torch.Generator().manual_seed(SEED)",
        "    history = []",
        "    for epoch in range(epochs):",
        "        model.train()",
        "        total, seen = 0.0, 0",
        "        for idx in torch.randperm(len(xt), generator=generator).split(batch_size):",
        "            optimizer.zero_grad()",
        "            loss = loss_fn(model, model(xt[idx]), yt[idx])",
        "            loss.backward()",
        *clip,
        "            optimizer.step()",
        *(
            ["            with torch.no_grad():"] + ["        " + c for c in constraint_lines]
            if constraint_lines
            else []
        ),
        "            total, seen = total + loss.item() * len(idx), seen + len(idx)",
        "        logs = {'loss': total / seen}",
        "        if len(xv):",
        "            model.eval()",
        "            with torch.no_grad():",
        "                logs['val_loss'] = loss_fn(model, model(xv), yv).item()",
        "        history.append(logs)",
        "        print(f'epoch {epoch + 1}/{epochs}', ', '.join(f'{k}: {v:.4f}' for k, v in logs.items()))",
        "    return history",
        "",
        "",
        "def predict(model, x):",
        "    model.eval()",
        "    with torch.no_grad():",
        "        out = model(torch.as_tensor(x))",
        (
            f"    return torch.{head}(out{', dim=-1' if head == 'softmax' else ''}).numpy()"
            if fused
            else "    return out.numpy()"
        ),
        "",
        "",
        'if __name__ == "__main__":',
        *["    " + n for n in notes],
        "    x_train, y_train, x_test, y_test = load_data()",
        "    model = build_model()",
        "    print(model)",
        f"    fit(model, x_train, y_train, epochs={tr['epochs']}, batch_size={tr['batch_size']}, "
        f"validation_split={val})",
        "    model.eval()",
        "    with torch.no_grad():",
        "        out = model(torch.as_tensor(x_test))",
        f"        y = torch.as_tensor(y_test, dtype={y_dtype})",
        (
            "        print({'loss': loss_fn(model, out, y).item()})"
            if acc == "None"
            else "        print({'loss': loss_fn(model, out, y).item(), 'accuracy': accuracy(out, y)})"
        ),
        "",
    ]
    return "\n".join(lines)


_CONSTRAIN = [
    "def constrain_(w, name, p, dim):",
    '    """Keras weight constraints, applied after each step like Keras does."""',
    "    if name == 'non_neg':",
    "        return w.clamp_(min=0)",
    "    norms = torch.sqrt((w * w).sum(dim=dim, keepdim=True)) if w.dim() > 1 else w.abs()",
    "    if name == 'max_norm':",
    "        desired = norms.clamp(0, p['max_value'])",
    "    elif name == 'unit_norm':",
    "        desired = torch.ones_like(norms)",
    "    else:  # min_max_norm",
    "        desired = p['rate'] * norms.clamp(p['min_value'], p['max_value']) + (1 - p['rate']) * norms",
    "    return w.mul_(desired / (EPSILON + norms))",
]


def export(spec: Spec, to: str, base_dir: Path | None = None) -> str:
    """Python source that builds, compiles and fits `spec`'s model in Keras or PyTorch.

    `base_dir` is where relative CSV paths are read from (the spec's folder).
    """
    to = str(to).lower()
    if to not in TARGETS:
        raise UserError(f"cannot export to '{to}' — choose one of: {', '.join(TARGETS)}")
    return _keras(spec, base_dir) if to == "keras" else _pytorch(spec, base_dir)
