"""Planted bugs: each module is the correct implementation with one thing wrong, named in its
docstring's first line. The harness must fail every one of them with a message that names
what is wrong (tests/test_harness.py)."""
