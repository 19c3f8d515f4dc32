"""`python -m mlp_parity`: the `mlp-parity` command."""

from mlp_parity.cli import main

raise SystemExit(main())
