"""``python -m bench [--full] [--only SUITE] [--backend sqlite|postgresql]``."""

from bench.cli import main

raise SystemExit(main())
