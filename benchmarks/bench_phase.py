"""Time of the regime phase diagrams and of the notebooks (prints figures; no assertions).

Run: ``python benchmarks/bench_phase.py [--points 17] [--horizon 30] [--notebooks]``.
Targets (issue "phase diagrams"): a default 17 x 17 diagram in well under a minute on 2 cores;
each notebook under 2 minutes.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from verification import KINDS, phase_diagram


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=17)
    parser.add_argument("--horizon", type=int, default=30)
    parser.add_argument("--notebooks", action="store_true", help="also execute the notebooks")
    args = parser.parse_args()
    for kind in (k for k in KINDS if k != "limit"):  # "limit": benchmarks/bench_limit.py
        t = time.perf_counter()
        pd = phase_diagram(kind, points=args.points, horizon=args.horizon)
        compute = time.perf_counter() - t
        t = time.perf_counter()
        pd.plot()
        draw = time.perf_counter() - t
        runs = args.points if kind == "horizon" else args.points**2
        gens = runs * args.horizon
        print(
            f"phase {kind:<10} {args.points}x{args.points if kind != 'horizon' else args.horizon}"
            f": {compute:6.1f} s ({1e3 * compute / gens:.2f} ms per oracle generation, "
            f"{runs} runs x {args.horizon} generations), figure {draw:.2f} s"
        )
    if args.notebooks:
        import nbclient
        import nbformat

        for path in sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb")):
            nb = nbformat.read(path, as_version=4)
            t = time.perf_counter()
            nbclient.NotebookClient(nb, timeout=600, kernel_name="python3").execute()
            print(f"notebook {path.name}: {time.perf_counter() - t:.1f} s")


if __name__ == "__main__":
    main()
