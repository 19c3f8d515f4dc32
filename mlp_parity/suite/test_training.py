"""11. Training: the implementation's gradients drive the harness's own per-sample SGD loop over
five epochs of the seed notebook's run, checked against the float64 reference at every update
(a gradient can be right at one point and still carry state from one step to the next)."""

from mlp_parity.training import Problem, expect_trajectory, harness_loop_trainer

SHORT = Problem(epochs=5)  # N = 500, seed 42, lr 0.1, h = 4, float32: the notebook's start


def test_harness_sgd_over_the_implementation_matches_reference(implementation):
    """Every implementation under test (a user's module too), trained by the
    harness's own per-sample SGD loop over its forward and backward, stays on the float64
    reference trajectory at every update of five epochs of the notebook's run."""
    trainer = harness_loop_trainer(implementation.module, implementation.kind, implementation.name)
    expect_trajectory(trainer(SHORT, 1), SHORT)
