"""``python -m libepp``: a mock EPP registry in memory (see :mod:`libepp.mock`)."""

import sys

from .mock import main

if __name__ == "__main__":
    sys.exit(main())
