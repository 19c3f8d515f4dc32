"""How the harness calls an implementation: layouts a caller passes, outputs the caller owns,
results that do not depend on earlier calls, f handed back in the form forward returns it,
optional functions of another signature, and outputs on the wrong device."""

from __future__ import annotations

import dataclasses
import importlib
import types

import numpy as np
import pytest
import torch

from mlp_parity import call_patterns, cases, checks, compare, external
from mlp_parity.cases import Case, Shape
from mlp_parity.compare import ParityError, Where

CASE = Case(0, Shape(2, 4, 8), "float32", "cpu")
CASE64 = Case(1, Shape(8, 3, 4), "float64", "cpu")


def _failure(impl: external.Implementation, check: str, case: Case = CASE) -> checks.Failure:
    failures = checks.sweep(impl, [case], only=(check,))
    assert failures, f"{impl.name} passed the {check} check on {case.id}"
    return failures[0]


def _fresh(name: str) -> external.Implementation:
    """The planted bug, its module state reset (as in a new process)."""
    impl = external.load(f"tests.mutants.{name}")
    return external.Implementation(impl.name, impl.kind, importlib.reload(impl.module), impl.spec)


def _module(kind: str = "torch", **functions) -> external.Implementation:
    module = types.ModuleType("inline")
    vars(module).update(functions)
    return external.Implementation("inline", kind, module)


def _correct_forward(x, W1, b1, W2, b2):
    a1 = W1 @ x + b1
    h = a1 * (a1 > 0)
    return a1, h, (W2 @ h + b2)[0]


def _correct_backward(x, y, a1, h, f, W1, W2):
    r = f - y
    if isinstance(x, torch.Tensor) and not isinstance(r, torch.Tensor):
        r = x.new_tensor(r)  # f and y both Python floats, as the README admits
    da1 = W2[0] * r * (a1 > 0)
    return da1[:, None] * x[None, :], da1, r * h[None, :], r.reshape(1)


# --------------------------------------------------------------------------- planted bugs
# (module, check, kind, phrases its message must contain)
PLANTED = [
    (
        "layout_lost_write",
        "layout",
        compare.VALUE,
        (
            "layout check failed: dW1 from tests.mutants.layout_lost_write differs from the "
            "float64 NumPy reference",
            "worst element: dW1[",
            "with W1 passed as a transposed view (column-major: strides (1, h))",
            "actual   = 0.0",
        ),
    ),
    (
        "layout_flat_view",
        "layout",
        compare.CRASH,
        (
            "layout check failed: forward of tests.mutants.layout_flat_view raised RuntimeError",
            "call pattern: W1 passed as a transposed view (column-major",
        ),
    ),
    (
        "buffer_dW1",
        "ownership",
        compare.ALIASED_OUTPUT,
        (
            "ownership check failed: dW1 from tests.mutants.buffer_dW1 returned by "
            "backward(sample 0) changed when the module was called again (backward(sample ",
            "parameters negated)): it is memory the module keeps, not the caller's",
            "first differing element: dW1[",
            "right after backward(sample 0) = ",
        ),
    ),
    (
        "buffer_h",
        "ownership",
        compare.ALIASED_OUTPUT,
        (
            "h from tests.mutants.buffer_h returned by forward(sample 0) changed",
            "first differing element: h[",
        ),
    ),
    (
        "mask_from_forward",
        "order",
        compare.STATEFUL,
        (
            "from tests.mutants.mask_from_forward depends on the calls "
            "made before it: backward(sample 0) after forward(sample ",
            "gave another result than right after forward of the same sample on fresh tensors",
            "on tensors the caller keeps (one set of parameter tensors for every call)",
            "first differing element: db1[",  # x = 0 in sample 0 here: dW1 = 0 either way
            "call pattern: backward(sample 1, parameters negated), forward(sample 0), "
            "forward(sample 1), backward(sample 0)",
        ),
    ),
    (
        "memo_by_address",
        "order",
        compare.STATEFUL,
        (
            "from tests.mutants.memo_by_address ignores that its input tensors were written in "
            "place: backward(sample ",
            "parameters negated) on sample 0's tensors, refilled in place",
        ),
    ),
    (
        "memo_by_identity",
        "order",
        compare.STATEFUL,
        (
            "a1 from tests.mutants.memo_by_identity ignores that its input tensors were "
            "written in place: forward(sample ",
        ),
    ),
]


@pytest.mark.parametrize(
    ("module", "check", "kind", "phrases"), PLANTED, ids=[p[0] for p in PLANTED]
)
def test_planted_call_pattern_bug_fails_its_check_naming_tensor_element_and_pattern(
    module, check, kind, phrases
):
    failure = _failure(_fresh(module), check)
    assert failure.kind == kind, failure.message
    for phrase in phrases:
        assert phrase in failure.message, f"missing {phrase!r} in:\n{failure.message}"
    assert f"case: {CASE.id}" in failure.message
    assert f'rerun: pytest -k "test_{check}[' in failure.message


def test_outputs_that_alias_each_other_fail_where_the_shortcut_is_taken():
    impl = _fresh("h_is_a1")
    case_list = cases.make_cases([0, 1], cases.SHAPES, ["float64"], ["cpu"])
    failures = checks.sweep(impl, case_list, only=("ownership",))
    assert failures, "h_is_a1 passed the ownership check on every case of seeds 0-1"
    message = failures[0].message
    assert failures[0].kind == compare.ALIASED_OUTPUT
    assert (
        "h from tests.mutants.h_is_a1 shares memory with a1, another output of forward" in message
    )


@pytest.mark.parametrize("name", ["mask_from_forward", "memo_by_address", "memo_by_identity"])
def test_a_stateful_bug_fails_the_order_check_whatever_ran_before(name):
    """Alone in a fresh module, and after the checks that call forward and backward."""
    alone = _fresh(name)
    assert _failure(alone, "order").kind == compare.STATEFUL
    after = _fresh(name)
    checks.sweep(after, [CASE], only=("forward", "backward", "contract"))
    assert _failure(after, "order").kind == compare.STATEFUL


# --------------------------------------------------------------------------- ownership
def test_an_output_that_is_an_input_fails_naming_the_input():
    def forward(x, W1, b1, W2, b2):
        a1, h, f = _correct_forward(x, W1, b1, W2, b2)
        return (b1 if not x.any() else a1), h, f

    impl = _module(forward=forward, backward=_correct_backward)
    case = Case(1, Shape(2, 4, 1), "float64", "cpu")  # kink plan exact-zero-x: x0 = 0, a1 = b1
    assert not cases.inputs(case).X[0].any()
    failure = _failure(impl, "ownership", case)
    assert failure.kind == compare.ALIASED_OUTPUT
    assert "a1 from inline shares memory with its input b1" in failure.message
    assert "call pattern: forward(sample 0)" in failure.message


def test_a_numpy_output_that_is_a_view_of_an_input_fails_and_one_of_its_own_array_does_not():
    def own(x, y, a1, h, f, W1, W2):
        dW1, db1, dW2, _ = _correct_backward(x, y, a1, h, f, W1, W2)
        r = np.asarray(f - y, dtype=x.dtype)
        return dW1, db1, dW2, np.stack([r, r])[:1]  # a view of an array it made: its own

    own_module = _module("numpy", forward=_correct_forward, backward=own)
    assert not checks.sweep(own_module, [CASE64], only=("ownership", "order", "contract"))

    def view_of_input(x, y, a1, h, f, W1, W2):
        dW1, _, dW2, db2 = _correct_backward(x, y, a1, h, f, W1, W2)
        return dW1, a1[:], dW2, db2  # db1 a view of the input a1

    bad = _module("numpy", forward=_correct_forward, backward=view_of_input)
    failure = _failure(bad, "ownership", CASE64)
    assert failure.kind == compare.ALIASED_OUTPUT
    assert "db1 from inline shares memory with its input a1" in failure.message
    assert "call pattern: backward(sample 0)" in failure.message


def test_shares_memory_is_exact_for_interleaved_views_and_sees_half_precision():
    buf = torch.arange(8.0, dtype=torch.bfloat16)
    assert not call_patterns.shares_memory(buf[::2], buf[1::2])  # ranges overlap, elements not
    assert call_patterns.shares_memory(buf[::2], buf[2:4])
    assert not call_patterns.shares_memory(buf, buf.clone())
    a = np.arange(6.0).reshape(2, 3)
    assert call_patterns.shares_memory(a, a.T) and not call_patterns.shares_memory(a, a.copy())
    assert not call_patterns.shares_memory(a, torch.zeros(2))  # different kinds: never


# --------------------------------------------------------------------------- layouts
@pytest.mark.parametrize("kind", ["torch", "numpy"])
def test_layouts_keep_every_value_and_lay_it_out_as_described(kind):
    rng = np.random.default_rng(0)
    args = {"x": rng.standard_normal(3), "W1": rng.standard_normal((4, 3)), "f": np.array(1.5)}
    if kind == "torch":
        args = {n: torch.from_numpy(a) for n, a in args.items()}
    layouts = {layout.name: layout.arrange(dict(args)) for layout in call_patterns.LAYOUTS}
    for out in layouts.values():
        for name in args:
            assert type(out[name]) is type(args[name])
            np.testing.assert_array_equal(np.asarray(out[name]), np.asarray(args[name]))
    as_torch = {n: {k: torch.as_tensor(v) for k, v in out.items()} for n, out in layouts.items()}
    assert as_torch["column-major"]["W1"].stride() == (1, 4)
    assert as_torch["strided"]["W1"].stride() == (14, 2)  # a (9, 7) buffer, every other element
    for name in ("strided", "one-buffer"):
        for t in as_torch[name].values():
            if kind == "torch":  # (NumPy arrays come back as views of the same memory)
                assert t.storage_offset() > 0
                everything = torch.empty(0, dtype=t.dtype).set_(t.untyped_storage())
                assert torch.isnan(everything).any()  # NaN around every view


def test_a_numpy_module_that_writes_through_a_reshape_of_a_fortran_array_fails_the_layout_check():
    def backward(x, y, a1, h, f, W1, W2):
        dW1, db1, dW2, db2 = _correct_backward(x, y, a1, h, f, W1, W2)
        out = np.zeros_like(W1)  # keeps a Fortran-ordered W1's order
        out.reshape(-1)[:] = dW1.reshape(-1)  # a copy for a Fortran-ordered out
        return out, db1, dW2, db2

    impl = _module("numpy", forward=_correct_forward, backward=backward)
    assert not checks.sweep(impl, [CASE64], only=("backward",))
    failure = _failure(impl, "layout", CASE64)
    assert "dW1 from inline differs from the float64 NumPy reference" in failure.message
    assert "W1 passed as a transposed view (column-major" in failure.message


def test_the_bundled_implementations_differ_in_the_last_bits_under_a_column_major_W1():
    """Why the layout check compares with the reference, not bitwise with the contiguous call:
    torch.addmv sums in another order for a column-major W1."""
    impl = external.load("impl")
    shape = Shape(64, 256, 2)  # a seed of the typical family (zero-W1 would sum only zeros)
    case = next(c for s in range(7) if (c := Case(s, shape, "float64", "cpu")).family == "typical")
    inp = cases.inputs(case)
    t = inp.to_torch("float64", "cpu")
    layout = call_patterns.LAYOUTS[0]
    plain = impl.forward(t["X"][1], t["W1"], t["b1"], t["W2"], t["b2"])
    laid_out = impl.forward(t["X"][1], t["W1"], t["b1"], t["W2"], t["b2"], layout=layout)
    assert not torch.equal(plain[0], laid_out[0])
    assert not checks.sweep(impl, [case], only=("layout",))


# --------------------------------------------------------------------------- f's form
def test_backward_gets_f_in_the_form_forward_returns_it():
    seen = []

    def backward(x, y, a1, h, f, W1, W2):
        seen.append(type(f).__name__ if not hasattr(f, "shape") else tuple(f.shape))
        return _correct_backward(x, y, a1, h, f.reshape(()) if hasattr(f, "shape") else f, W1, W2)

    for form, f_of in (("(1,)", lambda f: f.reshape(1)), ("float", float), ("0-d", lambda f: f)):
        seen.clear()

        def forward(x, W1, b1, W2, b2, f_of=f_of):
            a1, h, f = _correct_forward(x, W1, b1, W2, b2)
            return a1, h, f_of(f)

        impl = _module(forward=forward, backward=backward)
        assert not checks.sweep(impl, [CASE64], only=("backward",))  # no forward call before
        assert impl.f_forms == {("float64", "cpu"): form}
        assert set(seen) == {{"(1,)": (1,), "float": "float", "0-d": ()}[form]}


# correct modules written for the ways callers call them (tests/reformulations), and the
# checks that call them that way (the no-false-alarm sweep runs every check on them)
CALL_PATTERNS = ("layout", "ownership", "order", "contract")
WRITTEN_FOR_CALLERS = [
    # f reaches backward through the module itself, the harness's own forward, gradcheck
    ("tests.reformulations.f_shape_one", ("backward", "gradcheck", *CALL_PATTERNS)),
    ("tests.reformulations.batch_loss", ("forward", "vmap")),
    ("tests.reformulations.out_buffers", ("forward", "backward", *CALL_PATTERNS)),
    ("tests.reformulations.contiguous_inside", ("forward", "backward", *CALL_PATTERNS)),
    ("numpy:tests.reformulations.numpy_out_buffers", ("forward", "backward", *CALL_PATTERNS)),
]


@pytest.mark.parametrize(
    ("spec", "only"),
    WRITTEN_FOR_CALLERS,
    ids=[s.rpartition(".")[2] for s, _ in WRITTEN_FOR_CALLERS],
)
def test_a_correct_module_written_for_its_callers_passes(spec, only):
    failures = checks.sweep(external.load(spec), [CASE64], only=only)
    assert not failures, failures[0].message


# --------------------------------------------------------------------------- optional functions
def test_a_function_named_loss_of_another_signature_is_not_checked_and_the_report_says_so():
    impl = external.load("tests.reformulations.batch_loss")
    records = []
    assert not checks.sweep(impl, [CASE64], only=("forward",), records=records)
    (f_record,) = [r for r in records if r.tensor == "f"]
    assert f_record.note.startswith("loss not checked: loss(params, X, Y) cannot be called with 2")
    assert "the harness checks loss(f, y) only" in f_record.note
    assert not [r for r in records if r.tensor == "loss"]


def test_a_loss_of_two_arguments_is_still_checked():
    def loss(f, y):
        return 0.5 * (f - y) ** 2 + 1.0  # wrong

    impl = _module(forward=_correct_forward, backward=_correct_backward, loss=loss)
    failure = _failure(impl, "forward", CASE64)
    assert "loss from inline differs" in failure.message


def test_a_backward_batch_of_another_signature_is_not_checked():
    def backward_batch(params, X, Y):
        raise AssertionError("must not be called")

    impl = _module(
        forward=_correct_forward, backward=_correct_backward, backward_batch=backward_batch
    )
    records = []
    assert not checks.sweep(impl, [CASE64], only=("vmap",), records=records)
    assert any(r.note.startswith("backward_batch not checked") for r in records)


# --------------------------------------------------------------------------- devices
def test_an_output_on_the_cpu_fails_a_cuda_case():
    where = Where("contract", "m", Case(0, Shape(2, 4, 1), "float32", "cuda"))
    with pytest.raises(ParityError) as exc:
        compare.expect_meta(torch.zeros(4), tensor="db1", shape=(4,), where=where)
    assert exc.value.kind == compare.DEVICE
    assert "db1.device=cpu, but should be cuda" in str(exc.value)


def test_an_output_left_on_the_cpu_fails_the_contract_of_a_case_on_another_device():
    """The meta device stands in for CUDA: the inputs are on it, one output is not."""

    def backward(x, y, a1, h, f, W1, W2):
        dW1, db1, dW2, db2 = _correct_backward(x, y, a1, h, f, W1, W2)
        return dW1, torch.zeros(db1.shape, dtype=db1.dtype), dW2, db2  # on the CPU

    impl = _module(forward=_correct_forward, backward=backward)
    failure = _failure(impl, "contract", Case(0, Shape(2, 4, 8), "float32", "meta"))
    assert failure.kind == compare.DEVICE
    assert "db1.device=cpu, but should be meta" in failure.message


def _forward_h_elsewhere(x, W1, b1, W2, b2):
    a1, h, f = _correct_forward(x, W1, b1, W2, b2)
    return a1, h.to("meta"), f


def _backward_db1_elsewhere(x, y, a1, h, f, W1, W2):
    dW1, db1, dW2, db2 = _correct_backward(x, y, a1, h, f, W1, W2)
    return dW1, db1.to("meta"), dW2, db2


@pytest.mark.parametrize(
    ("functions", "tensor", "calling"),
    [
        ({"forward": _forward_h_elsewhere, "backward": _correct_backward}, "h", "forward"),
        ({"forward": _correct_forward, "backward": _backward_db1_elsewhere}, "db1", "backward"),
    ],
    ids=["forward", "backward"],
)
def test_an_output_on_another_device_fails_every_check_that_calls_its_function(
    functions, tensor, calling
):
    impl = _module(**functions)
    failures = {f.check: f for f in checks.sweep(impl, [CASE64])}
    calls_forward = {
        "forward",
        "finite-diff",
        "gradcheck",
        "contract",
        "layout",
        "ownership",
        "order",
        "threads",
    }
    expected = (
        calls_forward if calling == "forward" else {c.name for c in checks.CHECKS} - {"forward"}
    )
    assert set(failures) == expected
    for name, failure in failures.items():
        if name != "gradcheck":  # torch.autograd.gradcheck reports it in its own words
            assert failure.kind == compare.DEVICE, failure.message
            assert f"{tensor}.device=meta, but should be cpu" in failure.message


# --------------------------------------------------------------------------- bitwise messages
def test_a_bitwise_difference_names_the_first_differing_element():
    where = Where("order", "m", CASE, pattern="forward(sample 0), backward(sample 1)")
    a = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    b = a.clone()
    b[1, 0], b[1, 1] = -0.0 + 3.0000002, 5.0
    with pytest.raises(ParityError) as exc:
        compare.expect_same_bits(a, b, tensor="dW1", where=where, why="w", kind=compare.STATEFUL)
    message = str(exc.value)
    assert "first differing element: dW1[1, 0]" in message
    assert "elements differing: 2 of 4" in message
    assert "call pattern: forward(sample 0), backward(sample 1)" in message
    compare.expect_same_bits(a, a.clone(), tensor="x", where=where, why="w", kind="k")
    with pytest.raises(ParityError):  # -0.0 and 0.0 differ in their bits
        compare.expect_same_bits(
            torch.tensor([0.0]), torch.tensor([-0.0]), tensor="x", where=where, why="w", kind="k"
        )


# --------------------------------------------------------------------------- inputs the checks make
def _peak(inp: cases.Inputs) -> float:
    c1, c2 = cases._peak_coefficients({n: getattr(inp, n) for n in cases.NAMES})
    return c1 + c2


def test_inputs_the_checks_make_stay_within_the_dtype_range():
    """The second sample (found or made) and the negated parameters of the contract,
    ownership and order checks: every intermediate of a correct forward and backward below
    the dtype's ceiling, on every case of seeds 0-29 (seed 20's (5, 1, 1) large float16 case
    took f past float16's range once its made-up sample woke the dead unit)."""
    for case in cases.make_cases(range(30), cases.SHAPES, cases.DTYPES, ["cpu"]):
        inp, _ = checks.second_sample(case)
        for made in (inp, checks._negated(inp, case.dtype)):
            assert _peak(made) <= cases.CEILING[case.dtype], case.id


def test_scaling_into_range_keeps_every_mask_and_sign():
    inp = cases.inputs(Case(20, Shape(5, 1, 1), "float16", "cpu"))
    woken = dataclasses.replace(inp, X=-inp.X)  # the unit dead for x is alive for -x
    assert _peak(woken) > cases.CEILING["float16"]
    fitted = cases.within_range(woken, "float16")
    assert _peak(fitted) <= cases.CEILING["float16"]
    before, after = (m.X @ m.W1.T + m.b1 for m in (woken, fitted))
    np.testing.assert_array_equal(np.sign(after), np.sign(before))
    assert cases.within_range(inp, "float16") is inp  # the case's own inputs fit as drawn


@pytest.mark.parametrize("check", ["contract", "ownership", "order"])
def test_a_correct_numpy_module_raises_no_overflow_warning_on_large_cases(check):
    """Under a project's filterwarnings = error, NumPy's overflow warning is a crash."""
    impl = external.load("numpy:reference")
    large = [c for c in cases.make_cases([20], cases.SHAPES, ["float16"], ["cpu"])]
    with np.errstate(over="raise"):
        assert checks.sweep(impl, large, only=(check,)) == []
