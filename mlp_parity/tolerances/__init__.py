"""Every tolerance of the harness, each derived from an error model written beside it:
`per_sample` for the checks of one forward / backward call, `trajectory` for whole SGD runs."""

from mlp_parity.tolerances.per_sample import (
    FORMATS,
    GRADCHECK_EPS,
    backward_batch_bounds,
    backward_bounds,
    backward_magnitudes,
    bound,
    directional_bound,
    fd_bound,
    fd_step,
    forward_bounds,
    gamma,
    gradcheck_atol,
    near_fit_loss_bound,
    recomputed_backward_bounds,
    smallest_subnormal,
    ulp,
    unit_roundoff,
)
from mlp_parity.tolerances.trajectory import (
    TRAJECTORY_Z,
    TrajectoryTolerance,
    trajectory_tolerance,
)

__all__ = [
    "FORMATS",
    "GRADCHECK_EPS",
    "TRAJECTORY_Z",
    "TrajectoryTolerance",
    "backward_batch_bounds",
    "backward_bounds",
    "backward_magnitudes",
    "bound",
    "directional_bound",
    "fd_bound",
    "fd_step",
    "forward_bounds",
    "gamma",
    "gradcheck_atol",
    "near_fit_loss_bound",
    "recomputed_backward_bounds",
    "smallest_subnormal",
    "trajectory_tolerance",
    "ulp",
    "unit_roundoff",
]
