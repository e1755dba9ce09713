"""`python -m pvequorum` is the `pvequorum` command."""

import sys

from pvequorum.cli import main

sys.exit(main())
