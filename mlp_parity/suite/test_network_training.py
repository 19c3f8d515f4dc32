"""Training a declared network: its gradients (or its sgd_step) through three epochs of SGD,
against the float64 reference trajectory at every update (`mlp_parity.network_training`)."""

from mlp_parity import network_training


def test_net_training(implementation):
    network_training.expect_trajectory(implementation)
