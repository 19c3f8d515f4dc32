"""The checks of a declared network (`mlp_parity.network_checks`), one test each, per case:
its loss and activations, gradients against the float64 reference, torch autograd, jvp,
vmap, finite differences, gradcheck, the ReLU convention at exact kinks, and the contract,
layout, ownership and order of its calls."""

from mlp_parity import network_checks


def test_net_forward(implementation, case):
    network_checks.run("forward", implementation, case)


def test_net_backward(implementation, case):
    network_checks.run("backward", implementation, case)


def test_net_autograd(implementation, case):
    network_checks.run("autograd", implementation, case)


def test_net_jvp(implementation, case):
    network_checks.run("jvp", implementation, case)


def test_net_vmap(implementation, case):
    network_checks.run("vmap", implementation, case)


def test_net_finite_differences(implementation, case):
    network_checks.run("finite-diff", implementation, case)


def test_net_gradcheck(implementation, case):
    network_checks.run("gradcheck", implementation, case)


def test_net_kink(implementation, case):
    network_checks.run("kink", implementation, case)


def test_net_contract(implementation, case):
    network_checks.run("contract", implementation, case)


def test_net_layout(implementation, case):
    network_checks.run("layout", implementation, case)


def test_net_ownership(implementation, case):
    network_checks.run("ownership", implementation, case)


def test_net_order(implementation, case):
    network_checks.run("order", implementation, case)
