"""Theory checked against the oracle, and the ``diffusion-collapse`` command line.

So far this package holds only the command line (``diffusion-collapse`` or
``python -m verification``) with its ``demo`` and ``divergence`` subcommands; the checks,
strategies, report and phase diagrams are added by later issues.

main  -- entry point of the command line.
"""

from .cli import main

__all__ = ["main"]
