"""The network declaration: which network a module computes, and in which conventions.

A module says it with a dict (no import of mlp_parity needed)::

    MLP_PARITY = {"hidden": "tanh", "loss": "squared", "reduction": "sum", "layout": "rows"}

and the same keys come as options (`mlp-parity check FILE --hidden tanh`, `--parity-hidden`
under pytest) or as keyword arguments of `mlp_parity.check`; options override the module's
dict, which overrides the defaults. `KEYS` is the one table of keys: each with its default,
its values and what it means. `parse` turns the merged dict into a `Network`, or raises
`DeclarationError` with one line that names the key, what was expected and what came.

The mathematics each key means is in the README ("Other networks: declarations").
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Mapping
from dataclasses import dataclass

DICT_NAME = "MLP_PARITY"  # the module attribute that holds a declaration


class DeclarationError(ValueError):
    """A declaration that cannot be used; the message is one line."""


@dataclass(frozen=True)
class Key:
    name: str
    default: object
    values: tuple  # the allowed values (for the message and the options' choices); () = open
    meaning: str


# The names a declaration may use; `mlp_parity.functions` holds what each name computes (this
# module imports neither NumPy nor torch: the pytest plugin builds its options from KEYS).
HIDDEN = ("relu", "leaky_relu", "sigmoid", "tanh", "identity")
OUTPUT = ("identity", "sigmoid", "tanh")
LOSSES = ("half_squared", "squared", "bce", "softmax_cross_entropy")
CLASSIFICATION = ("bce", "softmax_cross_entropy")
LEAKY_DEFAULT = 0.01

KEYS = (
    Key(
        "hidden",
        "relu",
        HIDDEN,
        "activation of the hidden layers: relu | leaky_relu:ALPHA | sigmoid | tanh | identity, "
        "or a list with one per hidden layer",
    ),
    Key("output", "identity", OUTPUT, "activation of the output layer"),
    Key(
        "loss",
        "half_squared",
        LOSSES,
        "half_squared: 1/2 sum_k (f_k - y_k)^2 | squared: sum_k (f_k - y_k)^2 | bce: binary "
        "cross-entropy of a sigmoid output | softmax_cross_entropy: on the logits (output "
        "identity)",
    ),
    Key(
        "labels",
        "one_hot",
        ("one_hot", "index"),
        "classification targets: one_hot: rows of Y (one-hot or probabilities; bce: targets in "
        "[0, 1]) | index: integer class indices Y (B,)",
    ),
    Key(
        "penalty",
        None,
        (),
        "added to the loss: {'l2': LAMBDA, 'l1': LAMBDA, 'form': 'half' | 'full', "
        "'per_sample': False, 'biases': False}; or per kind {'l2': {'lambda': .., 'form': ..}}",
    ),
    Key(
        "clip",
        0.0,
        (),
        "classification: the loss's probabilities clipped to [clip, 1 - clip] before the log "
        "(0: not clipped); the gradient is that of the unclipped loss, as such code computes it",
    ),
    Key("reduction", "mean", ("mean", "sum"), "over the batch: mean | sum"),
    Key("output_reduction", "sum", ("sum", "mean"), "over the k outputs: sum | mean"),
    Key(
        "batch",
        "batched",
        ("batched", "per-sample"),
        "batched: X holds B samples | per-sample: one sample per call",
    ),
    Key(
        "layout",
        "rows",
        ("rows", "columns"),
        "rows: X (B, d), W (in, out) | columns: X (d, B), W (out, in)",
    ),
    Key(
        "sample_shape",
        "flat",
        ("flat", "column"),
        "per-sample code: x (d,), y (k,) | column: x (d, 1), y (k, 1)",
    ),
    Key(
        "targets",
        "matrix",
        ("matrix", "flat"),
        "matrix: Y (B, k) in rows, (k, B) in columns | flat: Y (B,) (per-sample: y a "
        "scalar) when k = 1",
    ),
    Key("bias", True, (True, False), "False: no bias vectors"),
    Key(
        "bias_shape",
        "flat",
        ("flat", "column", "row"),
        "flat (out,) | column (out, 1) | row (1, out)",
    ),
    Key("depth", 1, (), "hidden layers: an int >= 1, or 'any' (checked at 1, 2 and 3)"),
    Key("outputs", 1, (), "k output units: an int >= 1, or 'any' (checked at 1 and 3)"),
    Key("relu_grad_at_zero", 0, (0, 1), "ReLU'(0): 0 (PyTorch's convention) | 1"),
    Key(
        "params",
        "list",
        ("list", "dict"),
        "list [W1, b1, W2, b2, ...] | dict {'W1': ..., 'b1': ...}",
    ),
    Key("framework", "torch", ("torch", "numpy"), "torch tensors | NumPy arrays"),
)
BY_KEY = {k.name: k for k in KEYS}
ANY = "any"
ANY_DEPTHS = (1, 2, 3)
ANY_OUTPUTS = (1, 3)
ANY_CLASSES = (2, 5)
MAX_DEPTH = 8
# Spellings other code uses for the same thing, accepted and said in the message's terms.
VALUE_ALIASES = {
    ("batch", "per_sample"): "per-sample",
    ("batch", "sample"): "per-sample",
    ("layout", "row"): "rows",
    ("layout", "column"): "columns",
    ("layout", "cols"): "columns",
}
# Values people reach for that the table names otherwise: what to declare instead.
HINTS = {
    ("loss", "mse"): "the mean over outputs of squared errors: loss='squared', "
    "output_reduction='mean'",
    ("loss", "quadratic"): "1/2 (f - y)^2 is loss='half_squared'; (f - y)^2 is loss='squared'",
    ("loss", "l2"): "1/2 (f - y)^2 is loss='half_squared'; (f - y)^2 is loss='squared'",
    ("hidden", "logistic"): "hidden='sigmoid'",
    ("output", "logistic"): "output='sigmoid'",
    ("hidden", "linear"): "hidden='identity'",
    ("output", "linear"): "output='identity'",
    ("output", "softmax"): "a softmax output is folded into loss='softmax_cross_entropy'",
}


@dataclass(frozen=True)
class Penalty:
    """P(W) added to the loss after the reduction: l2 lambda_2 c sum W^2 and l1 lambda_1 c
    sum |W| over every layer's W (and b where `biases`), c = 1/2 ("half") or 1 ("full"),
    divided by B where `per_sample` (scikit-learn's alpha)."""

    l2: float = 0.0
    l1: float = 0.0
    l2_form: str = "half"
    l1_form: str = "half"
    per_sample: bool = False
    biases: bool = False
    subgradient: str = "sign"  # L1's at W = 0: sign(0) = 0, or "any" value in [-1, 1]

    def describe(self) -> str:
        parts = [
            f"{k} {v:g} ({f})"
            for k, v, f in (("l2", self.l2, self.l2_form), ("l1", self.l1, self.l1_form))
            if v
        ]
        flags = [n for n in ("per_sample", "biases") if getattr(self, n)]
        flags += ["L1 subgradient any at 0"] * (self.subgradient == "any")
        return "penalty " + ", ".join(parts) + (f" [{', '.join(flags)}]" if flags else "")


@dataclass(frozen=True)
class Network:
    """A parsed declaration. `hidden` holds one activation per hidden layer where the depth
    is fixed, or one for every layer (depth "any")."""

    hidden: tuple[str, ...] = ("relu",)
    output: str = "identity"
    loss: str = "half_squared"
    reduction: str = "mean"
    output_reduction: str = "sum"
    batch: str = "batched"
    layout: str = "rows"
    sample_shape: str = "flat"
    targets: str = "matrix"
    bias: bool = True
    bias_shape: str = "flat"
    depth: int | str = 1
    outputs: int | str = 1
    relu_grad_at_zero: int = 0
    params: str = "list"
    framework: str = "torch"
    labels: str = "one_hot"
    penalty: Penalty | None = None
    clip: float = 0.0

    # ---------------------------------------------------------------- sizes checked
    @property
    def depths(self) -> tuple[int, ...]:
        return ANY_DEPTHS if self.depth == ANY else (int(self.depth),)

    @property
    def output_counts(self) -> tuple[int, ...]:
        """k for "any": 1 and 3; 2 and 5 classes for softmax cross-entropy (two, and more
        than most hidden widths of the cases)."""
        if self.outputs != ANY:
            return (int(self.outputs),)
        if self.loss == "softmax_cross_entropy":
            return ANY_CLASSES
        return (2, 3) if self.index_labels else ANY_OUTPUTS  # bce's one-hot rows: k >= 2

    def hidden_at(self, depth: int) -> tuple[str, ...]:
        """The activation of each hidden layer of a network of `depth` hidden layers."""
        if len(self.hidden) == 1:
            return self.hidden * depth
        return self.hidden

    def activations(self, depth: int) -> tuple:
        """sigma_1 ... sigma_L, sigma_out as `functions.Activation` table entries."""
        from mlp_parity import functions

        names = (*self.hidden_at(depth), self.output)
        return tuple(functions.activation(n, self.relu_grad_at_zero) for n in names)

    @property
    def per_sample(self) -> bool:
        return self.batch == "per-sample"

    @property
    def classification(self) -> bool:
        return self.loss in CLASSIFICATION

    @property
    def index_labels(self) -> bool:
        return self.classification and self.labels == "index"

    @property
    def has_kinks(self) -> bool:
        return any(h.split(":")[0] in ("relu", "leaky_relu") for h in self.hidden)

    # ---------------------------------------------------------------- words
    def describe(self) -> str:
        """One line: the network, then the conventions that differ from the defaults."""
        hidden = "/".join(self.hidden)
        depth = "any depth" if self.depth == ANY else f"depth {self.depth}"
        k = "k any" if self.outputs == ANY else f"k={self.outputs}"
        core = f"{hidden} {depth}, output {self.output}, {self.loss} ({self.reduction}), {k}"
        shown = ("batch", "layout", "bias", "bias_shape", "params", "framework")
        rest = [f"{n}={getattr(self, n)}" for n in shown]
        if self.relu_grad_at_zero:
            rest.append("relu_grad_at_zero=1")
        if self.output_reduction != "sum":
            rest.append(f"output_reduction={self.output_reduction}")
        if self.classification:
            rest.append(f"labels={self.labels}")
        if self.clip:
            rest.append(f"clip={self.clip:g}")
        if self.penalty is not None:
            rest.append(self.penalty.describe())
        return f"{core}; {', '.join(rest)}"

    def as_dict(self) -> dict:
        out = dataclasses.asdict(self)
        out["hidden"] = self.hidden[0] if len(self.hidden) == 1 else list(self.hidden)
        if self.penalty is not None:
            pen = self.penalty
            out["penalty"] = {
                **{
                    k: {"lambda": getattr(pen, k), "form": getattr(pen, f"{k}_form")}
                    for k in ("l2", "l1")
                    if getattr(pen, k)
                },
                "per_sample": pen.per_sample,
                "biases": pen.biases,
            }
        return out

    def with_(self, **changes) -> Network:
        return dataclasses.replace(self, **changes)


SEED = Network(
    hidden=("relu",),
    output="identity",
    loss="half_squared",
    batch="per-sample",
    layout="columns",
    sample_shape="flat",
    targets="flat",
)


# --------------------------------------------------------------------------- parsing
def _say(key: str, source: str) -> str:
    """How the message names a key: MLP_PARITY['loss'], --loss, or loss=."""
    if source == "options":
        return f"--{key.replace('_', '-')}"
    if source == "keywords":
        return f"{key}="
    return f"{DICT_NAME}[{key!r}]"


def _fail(key: str, source: str, expected: str, got: object) -> DeclarationError:
    hint = HINTS.get((key, str(got).lower()))
    more = f" ({hint})" if hint else ""
    return DeclarationError(f"{_say(key, source)}: expected {expected}, got {got!r}{more}")


def _choice(key: str, value: object, source: str) -> object:
    spec = BY_KEY[key]
    if isinstance(value, str):
        value = VALUE_ALIASES.get((key, value.strip().lower()), value.strip())
    if key in ("bias",) and isinstance(value, str) and value.lower() in ("true", "false"):
        value = value.lower() == "true"
    if key == "relu_grad_at_zero" and isinstance(value, str) and value in ("0", "1"):
        value = int(value)
    if key == "relu_grad_at_zero" and isinstance(value, float) and value in (0.0, 1.0):
        value = int(value)
    ok = value in spec.values and type(value) is type(spec.default)
    if not ok:
        allowed = " | ".join(str(v) for v in spec.values)
        raise _fail(key, source, f"one of {allowed}", value)
    return value


def _activation(key: str, value: object, source: str, allowed: tuple[str, ...]) -> str:
    if not isinstance(value, str):
        raise _fail(key, source, "an activation name such as 'relu' or 'tanh'", value)
    text = value.strip()
    name, colon, arg = text.partition(":")
    if name not in allowed:
        options = " | ".join("leaky_relu:ALPHA" if a == "leaky_relu" else a for a in allowed)
        raise _fail(key, source, f"one of {options}", value)
    if name == "leaky_relu":
        if not colon:
            return f"leaky_relu:{LEAKY_DEFAULT:g}"
        try:
            alpha = float(arg)
        except ValueError:
            raise _fail(
                key, source, "leaky_relu:ALPHA with ALPHA a number in (0, 1)", value
            ) from None
        if not 0.0 < alpha < 1.0:
            raise _fail(key, source, "leaky_relu:ALPHA with ALPHA in (0, 1)", value)
        return f"leaky_relu:{alpha:g}"
    if colon:
        raise _fail(key, source, f"'{name}' without a parameter", value)
    return name


def _size(key: str, value: object, source: str, limit: int) -> int | str:
    if isinstance(value, str) and value.strip().lower() == ANY:
        return ANY
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= limit:
        raise _fail(key, source, f"an int from 1 to {limit}, or 'any'", value)
    return value


PENALTY_KEYS = ("l2", "l1", "form", "per_sample", "biases", "subgradient")


def _penalty(value: object, source: str) -> Penalty | None:
    """{'l2': 0.1, 'form': 'half'}, {'l1': {'lambda': 0.01, 'form': 'full'}}, ... or None."""
    key = "penalty"
    if isinstance(value, str):  # an option's text: the dict's Python literal
        import ast

        try:
            value = ast.literal_eval(value.strip())
        except (ValueError, SyntaxError):
            import json

            try:  # the same dict written as JSON (true, false)
                value = json.loads(value)
            except ValueError:
                raise _fail(
                    key, source, "a dict such as {'l2': 0.01, 'form': 'half'}", value
                ) from None
    if value is None or value == {} or value is False:
        return None
    if not isinstance(value, Mapping):
        raise _fail(key, source, "a dict such as {'l2': 0.01, 'form': 'half'}", value)
    unknown = [k for k in value if k not in PENALTY_KEYS]
    if unknown:
        raise DeclarationError(
            f"{_say(key, source)}: unknown key {unknown[0]!r}; the keys are {', '.join(PENALTY_KEYS)}"
        )
    form = value.get("form", "half")
    if form not in ("half", "full"):
        raise _fail(
            key, source, "'form': 'half' (1/2 lambda sum W^2) or 'full' (lambda sum W^2)", form
        )
    out: dict[str, object] = {}
    for kind in ("l2", "l1"):
        v = value.get(kind, 0.0)
        kind_form = form
        if isinstance(v, Mapping):
            extra = [k for k in v if k not in ("lambda", "form")]
            if extra:
                raise DeclarationError(
                    f"{_say(key, source)}[{kind!r}]: unknown key {extra[0]!r}; expected 'lambda' and 'form'"
                )
            kind_form = v.get("form", form)
            if kind_form not in ("half", "full"):
                raise _fail(key, source, f"{kind}'s 'form': 'half' or 'full'", kind_form)
            v = v.get("lambda", 0.0)
        if (
            isinstance(v, bool)
            or not isinstance(v, (int, float))
            or not 0.0 <= float(v) < float("inf")
        ):
            raise _fail(key, source, f"{kind}: a number lambda >= 0", v)
        out[kind], out[f"{kind}_form"] = float(v), kind_form
    for flag in ("per_sample", "biases"):
        v = value.get(flag, False)
        if not isinstance(v, bool):
            raise _fail(key, source, f"{flag}: True or False", v)
        out[flag] = v
    sub = value.get("subgradient", "sign")
    if sub not in ("sign", "any"):
        raise _fail(
            key, source, "'subgradient': 'sign' (L1's is sign(0) = 0 at W = 0) or 'any'", sub
        )
    out["subgradient"] = sub
    if not out["l2"] and not out["l1"]:
        return None
    return Penalty(**out)


def _clip(value: object, source: str) -> float:
    if value is None or value is False:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise _fail("clip", source, "a number in [0, 1/2), such as 1e-15", value)
    try:
        eps = float(value)
    except ValueError:
        raise _fail("clip", source, "a number in [0, 1/2), such as 1e-15", value) from None
    if not 0.0 <= eps < 0.5:
        raise _fail("clip", source, "a number in [0, 1/2), such as 1e-15", value)
    return eps


def _unknown(key: object, source: str) -> DeclarationError:
    close = difflib.get_close_matches(str(key), list(BY_KEY), n=1)
    more = f" (did you mean {close[0]!r}?)" if close else ""
    where = {"options": "option", "keywords": "keyword"}.get(source, f"key in {DICT_NAME}")
    known = ", ".join(BY_KEY)
    return DeclarationError(f"unknown {where} {key!r}{more}; the keys are: {known}")


def parse(*layers: tuple[Mapping, str]) -> Network:
    """A Network from (dict, source) pairs, later ones overriding earlier ones; source is
    "module", "options" or "keywords" (what the messages call the keys)."""
    merged: dict[str, tuple[object, str]] = {}
    for values, source in layers:
        if values is None:
            continue
        if not isinstance(values, Mapping):
            raise DeclarationError(
                f"{DICT_NAME}: expected a dict of declaration keys, got {type(values).__name__}"
            )
        for key, value in values.items():
            if key not in BY_KEY:
                raise _unknown(key, source)
            merged[key] = (value, source)
    return _network(merged)


def _network(merged: dict[str, tuple[object, str]]) -> Network:
    def get(key: str):
        return merged.get(key, (BY_KEY[key].default, "module"))

    out: dict[str, object] = {}
    for key in ("reduction", "output_reduction", "batch", "layout", "sample_shape", "targets"):
        out[key] = _choice(key, *get(key))
    for key in ("bias", "bias_shape", "relu_grad_at_zero", "params", "framework"):
        out[key] = _choice(key, *get(key))
    loss, loss_src = get("loss")
    if loss not in LOSSES:
        raise _fail("loss", loss_src, f"one of {' | '.join(LOSSES)}", loss)
    out["loss"] = loss
    output, output_src = get("output")
    if loss == "softmax_cross_entropy" and isinstance(output, str) and output.strip() == "softmax":
        output = "identity"  # the softmax is folded into the loss: f holds the logits
    out["output"] = _activation("output", output, output_src, OUTPUT)
    out["labels"] = _choice("labels", *get("labels"))
    out["penalty"] = _penalty(*get("penalty"))
    out["clip"] = _clip(*get("clip"))
    depth = _size("depth", *get("depth"), MAX_DEPTH)
    outputs = get("outputs")
    if "outputs" not in merged and loss == "softmax_cross_entropy":
        outputs = (ANY, "module")  # classifiers take any number of classes
    out["outputs"] = _size("outputs", *outputs, 64)
    hidden, hidden_src = get("hidden")
    if isinstance(hidden, (list, tuple)):
        if not hidden:
            raise _fail("hidden", hidden_src, "a non-empty list of activations", hidden)
        acts = tuple(_activation("hidden", h, hidden_src, HIDDEN) for h in hidden)
        depth_given = "depth" in merged
        if depth == ANY or (depth_given and depth != len(acts)):
            raise DeclarationError(
                f"{_say('hidden', hidden_src)} lists {len(acts)} activations, one per hidden "
                f"layer, but {_say('depth', merged['depth'][1])} is {depth!r}: give one "
                "activation for every layer, or depth equal to the list's length"
            )
        depth = len(acts)
    else:
        acts = (_activation("hidden", hidden, hidden_src, HIDDEN),)
    out["hidden"] = acts
    out["depth"] = depth
    net = Network(**out)
    _consistent(net, merged)
    return net


def _consistent(net: Network, merged: dict[str, tuple[object, str]]) -> None:
    """Keys that contradict each other: one line naming both."""

    def src(key: str) -> str:
        return _say(key, merged.get(key, (None, "module"))[1])

    if net.targets == "flat" and net.outputs != 1:
        raise DeclarationError(
            f"{src('targets')} is 'flat' (Y of shape (B,)), which holds one output, but "
            f"{src('outputs')} is {net.outputs!r}: flat targets need outputs = 1"
        )
    if "sample_shape" in merged and not net.per_sample and net.sample_shape != "flat":
        raise DeclarationError(
            f"{src('sample_shape')} applies to per-sample code, but {src('batch')} is "
            f"{net.batch!r}: declare batch='per-sample', or leave sample_shape out"
        )
    if net.loss == "bce" and net.output != "sigmoid":
        raise DeclarationError(
            f"{src('loss')} is 'bce', the cross-entropy of probabilities, but {src('output')} "
            f"is {net.output!r}: bce needs output='sigmoid'"
        )
    if net.loss == "softmax_cross_entropy" and net.output != "identity":
        raise DeclarationError(
            f"{src('loss')} is 'softmax_cross_entropy', which takes the logits, but "
            f"{src('output')} is {net.output!r}: declare output='identity' (or 'softmax')"
        )
    if net.loss == "softmax_cross_entropy" and net.outputs != ANY and int(net.outputs) < 2:
        raise DeclarationError(
            f"{src('loss')} is 'softmax_cross_entropy', which needs k >= 2 classes, but "
            f"{src('outputs')} is {net.outputs!r}"
        )
    if net.loss == "bce" and net.index_labels and net.outputs != ANY and int(net.outputs) < 2:
        raise DeclarationError(
            f"{src('labels')} is 'index' with bce: the code turns class indices into one-hot "
            f"rows of k >= 2 outputs, but {src('outputs')} is {net.outputs!r}; 0/1 targets of "
            "one output are labels='one_hot' (Y (B, 1)) or targets='flat' (Y (B,))"
        )
    if "labels" in merged and not net.classification:
        raise DeclarationError(
            f"{src('labels')} applies to the classification losses (bce, "
            f"softmax_cross_entropy), but {src('loss')} is {net.loss!r}"
        )
    if net.clip and not net.classification:
        raise DeclarationError(
            f"{src('clip')} applies to the classification losses, but {src('loss')} is {net.loss!r}"
        )
    if net.targets == "flat" and net.index_labels:
        raise DeclarationError(
            f"{src('targets')} 'flat' is for float targets; index labels are always Y (B,)"
        )
    if "bias_shape" in merged and not net.bias and net.bias_shape != "flat":
        raise DeclarationError(
            f"{src('bias_shape')} is {net.bias_shape!r} but {src('bias')} is False: a network "
            "without biases has no bias shape"
        )


def from_module(module: object) -> dict | None:
    """The module's declaration dict, or None where it has none."""
    value = getattr(module, DICT_NAME, None)
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise DeclarationError(
            f"{DICT_NAME}: expected a dict of declaration keys, got {type(value).__name__}"
        )
    return dict(value)
