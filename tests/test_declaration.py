"""The network declaration: every key's values, the defaults, the precedence of options over the
module's dict, and one line naming the key for everything it refuses."""

from __future__ import annotations

import subprocess
import sys

import pytest

from mlp_parity import declaration
from mlp_parity.declaration import DeclarationError, Network, parse


def net(**keys) -> Network:
    return parse((keys, "module"))


def refused(keys: dict, source: str = "module") -> str:
    with pytest.raises(DeclarationError) as info:
        parse((keys, source))
    return str(info.value)


def test_the_defaults_are_a_batched_rows_relu_regression():
    n = net()
    assert (n.hidden, n.output, n.loss, n.reduction, n.batch, n.layout) == (
        ("relu",),
        "identity",
        "half_squared",
        "mean",
        "batched",
        "rows",
    )
    assert n.depths == (1,) and n.output_counts == (1,)


# What a value needs beside it to make a declaration of its own (classification heads, their
# labels, per-sample shapes, flat targets).
COMPANIONS = {
    ("loss", "bce"): {"output": "sigmoid"},
    ("loss", "softmax_cross_entropy"): {"outputs": 3},
    ("targets", "flat"): {"outputs": 1},
    ("sample_shape", "column"): {"batch": "per-sample"},
    ("labels", "one_hot"): {"loss": "softmax_cross_entropy"},
    ("labels", "index"): {"loss": "softmax_cross_entropy"},
}


@pytest.mark.parametrize(
    "key, value",
    [(k.name, v) for k in declaration.KEYS for v in k.values],
)
def test_every_listed_value_of_every_key_is_accepted(key, value):
    got = net(**{key: value}, **COMPANIONS.get((key, value), {}))
    if key == "hidden":
        assert got.hidden == (("leaky_relu:0.01",) if value == "leaky_relu" else (value,))
    else:
        assert getattr(got, key) == value


def test_a_list_of_activations_fixes_the_depth():
    n = net(hidden=["relu", "tanh", "leaky_relu:0.2"])
    assert n.depth == 3 and n.hidden == ("relu", "tanh", "leaky_relu:0.2")
    assert [a.name for a in n.activations(3)] == ["relu", "tanh", "leaky_relu:0.2", "identity"]


def test_depth_and_outputs_any_are_checked_at_several_sizes():
    n = net(depth="any", outputs="any")
    assert n.depths == (1, 2, 3) and n.output_counts == (1, 3)
    classes = net(loss="softmax_cross_entropy", output="softmax")
    assert classes.output == "identity" and classes.output_counts == (2, 5)


def test_options_override_the_module_and_keywords_are_named_as_such():
    n = parse(({"hidden": "tanh", "loss": "squared"}, "module"), ({"hidden": "sigmoid"}, "options"))
    assert n.hidden == ("sigmoid",) and n.loss == "squared"
    assert refused({"loss": "cubic"}, "options").startswith("--loss: expected one of")
    assert refused({"loss": "cubic"}, "keywords").startswith("loss=: expected one of")


@pytest.mark.parametrize(
    "keys, said",
    [
        ({"hiden": "tanh"}, "unknown key in MLP_PARITY 'hiden' (did you mean 'hidden'?)"),
        ({"loss": "mse"}, "loss='squared', output_reduction='mean'"),
        ({"hidden": "logistic"}, "hidden='sigmoid'"),
        ({"hidden": "leaky_relu:2"}, "ALPHA in (0, 1)"),
        ({"depth": 0}, "MLP_PARITY['depth']: expected an int from 1 to 8, or 'any', got 0"),
        ({"bias": "maybe"}, "MLP_PARITY['bias']: expected one of True | False"),
        ({"hidden": ["relu", "tanh"], "depth": 3}, "lists 2 activations"),
        ({"targets": "flat", "outputs": 3}, "flat targets need outputs = 1"),
        ({"sample_shape": "column"}, "applies to per-sample code"),
        ({"bias": False, "bias_shape": "row"}, "a network without biases has no bias shape"),
        ({"loss": "bce"}, "bce needs output='sigmoid'"),
        ({"loss": "softmax_cross_entropy", "outputs": 1}, "needs k >= 2 classes"),
        ({"labels": "index"}, "applies to the classification losses"),
        ({"penalty": {"l3": 0.1}}, "unknown key 'l3'"),
        ({"penalty": {"l2": -1}}, "l2: a number lambda >= 0"),
        ({"penalty": {"l2": 0.1, "form": "double"}}, "'form': 'half'"),
        ({"loss": "bce", "output": "sigmoid", "labels": "index", "outputs": 1}, "k >= 2 outputs"),
        ({"clip": 1e-7}, "applies to the classification losses"),
    ],
)
def test_a_refused_declaration_is_one_line_naming_the_key(keys, said):
    message = refused(keys)
    assert said in message and "\n" not in message


def test_penalties_parse_per_kind_and_together():
    pen = net(
        penalty={"l2": 0.1, "l1": {"lambda": 0.02, "form": "full"}, "per_sample": True}
    ).penalty
    assert (pen.l2, pen.l2_form, pen.l1, pen.l1_form, pen.per_sample, pen.biases) == (
        0.1,
        "half",
        0.02,
        "full",
        True,
        False,
    )
    assert net(penalty={"l2": 0.0}).penalty is None


def test_the_seed_network_is_one_declaration():
    seed = declaration.SEED
    assert (seed.batch, seed.layout, seed.targets, seed.loss) == (
        "per-sample",
        "columns",
        "flat",
        "half_squared",
    )


def test_the_table_of_keys_imports_neither_numpy_nor_torch():
    """The pytest plugin builds its --parity-<key> options from KEYS while staying inert."""
    code = (
        "import sys, mlp_parity.declaration; print(sorted({'numpy', 'torch'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
