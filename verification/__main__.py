"""``python -m verification`` runs the ``diffusion-collapse`` command line."""

import sys

if __name__ == "__main__":
    try:
        from .cli import main
    except KeyboardInterrupt:  # Ctrl-C while starting: the same exit as during a run
        sys.exit(130)
    sys.exit(main())
