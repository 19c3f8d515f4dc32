"""loss(f, y) computes half-precision losses in float32 and returns them so: a float32 loss
for float16 and bfloat16 inputs.

Its value is right (more accurate than the dtype's); its dtype is not the inputs'."""

import torch

from tests.mutants._correct import backward, forward  # noqa: F401

DIAGNOSIS = ("dtype",)


def loss(f, y):
    if f.dtype in (torch.float16, torch.bfloat16):
        f, y = f.float(), torch.as_tensor(y, dtype=torch.float32)  # y may be a float
    return 0.5 * (f - y) ** 2
