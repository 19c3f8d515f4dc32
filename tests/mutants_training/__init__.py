"""Training loops with planted bugs that only show across steps; each must fail the
trajectory check (tests/test_training.py). Each gradient on its own is right at the point
where it is first taken."""
