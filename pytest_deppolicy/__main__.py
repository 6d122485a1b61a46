"""``python -m pytest_deppolicy``: the same as the ``deppolicy`` command."""

from __future__ import annotations

import sys

from pytest_deppolicy.cli import main

if __name__ == "__main__":
    sys.exit(main())
