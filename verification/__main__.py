"""``python -m verification`` runs the ``diffusion-collapse`` command line."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
