"""The preflight: a module's functions called once, on one small case, before any check runs.
A wrong signature, a wrong number of outputs or outputs of the wrong kind stop the run with one
line (exit status 2, CheckError from the function) instead of hundreds of failures; so does a
NumPy module handed over without --numpy."""

from __future__ import annotations

import sys
import time

import numpy as np
import pytest

from mlp_parity import api, cli, external, options, preflight

CORRECT_IMPORT = "from tests.mutants._correct import forward, backward\n"

MODULES = {
    "returns_none": CORRECT_IMPORT.replace(", backward", "")
    + "def backward(x, y, a1, h, f, W1, W2):\n    r = f - y\n",
    "only_f": CORRECT_IMPORT.replace("forward, ", "")
    + "def forward(x, W1, b1, W2, b2):\n    return (W2 @ (W1 @ x + b1).relu() + b2)[0]\n",
    "six_args": CORRECT_IMPORT.replace(", backward", "")
    + "def backward(x, y, a1, h, f, W1):\n    return None\n",
    "three_grads": CORRECT_IMPORT.replace(", backward", "")
    + "from tests.mutants._correct import backward as _b\n"
    + "def backward(x, y, a1, h, f, W1, W2):\n    return _b(x, y, a1, h, f, W1, W2)[:3]\n",
    "none_inside": CORRECT_IMPORT.replace(", backward", "")
    + "from tests.mutants._correct import backward as _b\n"
    + "def backward(x, y, a1, h, f, W1, W2):\n    return (*_b(x, y, a1, h, f, W1, W2)[:3], None)\n",
    "loss_none": CORRECT_IMPORT + "def loss(f, y):\n    pass\n",
    "numpy_mlp": (
        "import numpy as np\n\n\n"
        "def forward(x, W1, b1, W2, b2):\n"
        "    a1 = W1 @ x + b1\n"
        "    h = a1 * (a1 > 0)\n"
        "    return a1, h, (W2 @ h + b2)[0]\n\n\n"
        "def backward(x, y, a1, h, f, W1, W2):\n"
        "    r = f - y\n"
        "    da1 = W2[0] * r * (a1 > 0)\n"
        "    return np.outer(da1, x), da1.copy(), r * h[None, :], np.array([r])\n"
    ),
}

SAYS = {
    "returns_none": "backward of returns_none returned None; it must return (dW1, db1, dW2, db2), "
    "a tuple of 4",
    "only_f": "forward of only_f returned one Tensor; it must return (a1, h, f), a tuple of 3",
    "six_args": "backward of six_args is backward(x, y, a1, h, f, W1), which cannot be called "
    "with the 7 arguments (x, y, a1, h, f, W1, W2)",
    "three_grads": "backward of three_grads returned 3 values; it must return "
    "(dW1, db1, dW2, db2), a tuple of 4",
    "none_inside": "backward of none_inside returned None as db2; db2 must be an array or tensor",
    "loss_none": "loss of loss_none returned None; it must return the loss, a number "
    "(a 0-d or (1,) array, or a float)",
    "numpy_mlp": "this looks like a NumPy implementation: use numpy:numpy_mlp.py (or --numpy): "
    "numpy_mlp.py imports numpy but not torch, and on torch tensors its backward raised "
    "AttributeError: 'Tensor' object has no attribute 'copy'",
}


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name, text in MODULES.items():
        (tmp_path / f"{name}.py").write_text(text)
    yield tmp_path
    for name, module in list(sys.modules.items()):
        if str(getattr(module, "__file__", None) or "").startswith(str(tmp_path)):
            del sys.modules[name]


@pytest.mark.parametrize("name", sorted(SAYS))
def test_the_command_stops_before_the_checks_in_one_line(folder, capsys, name):
    started = time.monotonic()
    status = cli.main(["check", f"{name}.py"])
    out, err = capsys.readouterr()
    assert status == 2, out + err
    assert out == "" and err.count("\n") == 1, err
    assert err == f"mlp-parity: error: {name}.py: {SAYS[name]}\n"
    assert time.monotonic() - started < 30  # not a run of the suite


def test_a_numpy_array_of_objects_is_the_wrong_kind(folder, capsys):
    text = MODULES["numpy_mlp"].replace("np.array([r])", "np.array([r], dtype=object)")
    (folder / "objects.py").write_text(text.replace("da1.copy()", "da1"))
    assert cli.main(["check", "objects.py", "--numpy"]) == 2
    assert capsys.readouterr().err == (
        "mlp-parity: error: numpy:objects.py: backward of objects returned an ndarray of dtype "
        "object as db2; db2 must be an array or tensor\n"
    )


def test_the_function_raises_one_line(folder):
    sys.path.insert(0, str(folder))
    try:
        import returns_none
    finally:
        sys.path.remove(str(folder))
    with pytest.raises(api.CheckError) as info:
        api.check(returns_none.forward, returns_none.backward, name="mine")
    assert str(info.value) == (
        "backward of mine returned None; it must return (dW1, db1, dW2, db2), a tuple of 4"
    )
    with pytest.raises(api.CheckError) as info:
        api.check(returns_none)
    assert str(info.value) == SAYS["returns_none"]


def test_the_plugin_says_it_as_a_usage_error(folder):
    config = _config(["six_args.py"], folder)
    with pytest.raises(pytest.UsageError) as info:
        options.load_all(config)
    assert str(info.value) == f"--parity-impl=six_args.py: {SAYS['six_args']}"


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # (external.load's own probe)
def test_a_numpy_module_that_only_warns_on_tensors_is_told_to_use_numpy(folder):
    """NumPy 2 warns when np.maximum is handed a tensor (and hands a tensor back)."""
    text = MODULES["numpy_mlp"].replace("a1 * (a1 > 0)", "np.maximum(a1, 0)")
    (folder / "warns.py").write_text(text.replace(".copy()", ""))
    impl = external.load("warns.py", cwd=str(folder))
    if np.lib.NumpyVersion(np.__version__) < "2.0.0":
        pytest.skip("NumPy 1 does not warn here")
    with pytest.raises(preflight.PreflightError) as info:
        preflight.check_implementation(impl)
    assert str(info.value).startswith(
        "this looks like a NumPy implementation: use numpy:warns.py (or --numpy): warns.py "
        "imports numpy but not torch, and on torch tensors its forward warned "
        "DeprecationWarning: __array_wrap__"
    ), str(info.value)


def test_a_correct_module_and_a_crash_pass_the_preflight():
    """The preflight judges forms only: a module that raises is left to the checks, which
    report and diagnose the crash on every case."""
    preflight.check_implementation(external.load("tests.mutants._correct"))
    preflight.check_implementation(external.load("numpy:reference"))
    preflight.check_implementation(external.load("impl"))

    module = type(sys)("crashes")
    exec(
        "import torch\ndef forward(*args):\n    raise ValueError('a bug')\nbackward = forward\n",
        vars(module),
    )
    preflight.check_implementation(external.Implementation("crashes", "torch", module))


def test_the_table_serves_another_kind_of_module():
    """A table of other functions (a declared network's loss_and_grads, say) goes through the
    same preflight: the signature, then the number and the kinds of what comes back."""
    table = (
        preflight.Call(
            "loss_and_grads",
            ("params", "X", "Y"),
            (
                preflight.Output("loss", preflight.NUMBER),
                preflight.Output("grads", preflight.ARRAYS),
            ),
        ),
        preflight.Call(
            "forward", ("params", "X"), (preflight.Output("F", preflight.ARRAY),), required=False
        ),
    )
    sample = {"params": (np.ones(2),), "X": np.ones((3, 2)), "Y": np.ones(3)}

    def run(module):
        call = lambda call: getattr(module, call.function)(*(sample[a] for a in call.args))  # noqa: E731
        preflight.preflight(table, module, call, "net")

    good = type(sys)("good")
    good.loss_and_grads = lambda params, X, Y: (1.0, [np.zeros(2)])
    run(good)
    bad = type(sys)("bad")
    bad.loss_and_grads = lambda params, X, Y: (1.0, np.zeros(2))
    with pytest.raises(preflight.PreflightError) as info:
        run(bad)
    assert str(info.value) == (
        "loss_and_grads of net returned ndarray as grads; grads must be a tuple or list of arrays"
    )
    bad.loss_and_grads = lambda params, X: None
    with pytest.raises(preflight.PreflightError, match=r"^loss_and_grads of net is "):
        run(bad)


def _config(impls, base):
    from types import SimpleNamespace

    return SimpleNamespace(
        getoption=lambda name: impls if name == "parity_impl" else None,
        getini=lambda name: [],
        invocation_params=SimpleNamespace(dir=base),
        rootpath=base,
    )
