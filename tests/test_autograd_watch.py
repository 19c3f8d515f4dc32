"""Autograd inside the functions under test: every way of asking torch for a gradient is seen
and reported as uses-autograd (naming it), never as a crash; what differentiates nothing
(torch.func.vmap, torch.no_grad) is not."""

from __future__ import annotations

import sys

import pytest
import torch
from torch.autograd import grad as aliased_grad

from mlp_parity import checks, compare, diagnose, external
from mlp_parity.autograd_watch import AutogradWatch
from mlp_parity.cases import Case, Shape

X = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64)
CASES = [Case(0, Shape(2, 4, 8), dtype, "cpu") for dtype in ("float64", "float32")]


def _relu_sum(v):
    return torch.relu(v).sum()


def _backward_call(v):
    w = v.detach().clone().requires_grad_(True)
    (w * w).sum().backward()
    return w.grad


USES = [
    ("torch.autograd.grad", lambda: aliased_grad((X.clone().requires_grad_() ** 2).sum(), [])),
    ("Tensor.backward", lambda: _backward_call(X)),
    ("torch.func.grad", lambda: torch.func.grad(_relu_sum)(X)),
    ("torch.func.jvp", lambda: torch.func.jvp(torch.relu, (X,), (X,))),
    ("torch.func.jacfwd", lambda: torch.func.jacfwd(torch.relu)(X)),
    ("torch.func.vjp", lambda: torch.func.vjp(torch.relu, X)),
    (
        "torch.autograd.functional.jacobian",
        lambda: torch.autograd.functional.jacobian(torch.sin, X),
    ),
]


@pytest.mark.parametrize(("name", "call"), USES, ids=[u[0] for u in USES])
def test_every_entry_point_is_seen_under_any_alias(name, call):
    with AutogradWatch() as watch:
        try:
            call()
        except Exception:  # torch.func's reverse mode refuses to run under the watch's hooks
            pass
    assert name in watch.used or (name == "torch.autograd.grad" and watch.recorded), (
        watch.used,
        watch.recorded,
    )


def test_what_differentiates_nothing_is_not_seen():
    with AutogradWatch() as watch:
        torch.func.vmap(torch.relu)(X[None])
        with torch.no_grad():
            torch.relu(X)
        with torch.enable_grad():
            torch.relu(X)  # no tensor requires grad: nothing recorded
    assert not watch.any, (watch.used, watch.recorded)


def test_a_tracer_already_set_keeps_seeing_every_call_and_line():
    seen, lines = [], []
    before = sys.gettrace()

    def line_tracer(frame, event, arg):
        if event == "line":
            lines.append(frame.f_lineno)
        return line_tracer

    def tracer(frame, event, arg):
        seen.append(frame.f_code.co_name)
        return line_tracer

    sys.settrace(tracer)
    try:
        with AutogradWatch():
            _relu_sum(X)
    finally:
        sys.settrace(before)
    assert "_relu_sum" in seen and lines


AUTOGRAD_INSIDE = [
    ("autograd_inside", "torch.autograd.grad"),
    ("func_grad_inside", "torch.func.grad"),
    ("jvp_mask", "torch.func.jvp"),
    ("jacfwd_hidden", "torch.func.jacfwd"),
]


@pytest.mark.parametrize(("name", "entry"), AUTOGRAD_INSIDE, ids=[a[0] for a in AUTOGRAD_INSIDE])
def test_autograd_inside_backward_is_uses_autograd_never_a_crash(name, entry):
    impl = external.load(f"tests.mutants.{name}")
    failures = checks.sweep(impl, CASES)
    assert failures, f"{name} passed every check"
    # (forward mode's dual level is torch's process-wide state: two jacfwd at once can clash
    # in the threads check too)
    assert {f.kind for f in failures} - {compare.THREAD_UNSAFE} == {compare.USES_AUTOGRAD}, [
        (f.check, f.kind, f.message.splitlines()[0]) for f in failures
    ]
    assert {f.check for f in failures} - {"threads"} == {"contract"}
    assert entry in failures[0].message, failures[0].message
    assert diagnose.diagnose(impl, failures)[0].pattern == "uses-autograd"
