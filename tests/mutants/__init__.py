"""Planted bugs: each module is the correct implementation with one thing wrong, named in its
docstring's first line. The harness must fail every one of them with a message that names
what is wrong (tests/test_harness.py).

Each declares `DIAGNOSIS`, the patterns of `mlp_parity.diagnose.PATTERNS` its diagnosis should
list, the first one first (tests/test_diagnose.py, `python -m mlp_parity.mutation`)."""
