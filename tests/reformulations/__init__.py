"""Correct implementations written differently: the harness must pass every one of them at
every dtype (tests/test_harness.py). A failure here is a tolerance bug, not theirs."""
