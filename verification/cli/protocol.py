"""``diffusion-collapse protocol``: the paper's GMM experiment run literally, and its gaps.

Runs :func:`gaussian_oracle.protocol_gaps` on :func:`gaussian_oracle.paper_data` for alpha in
{0.1, 0.5, 0.9}, prints the gap table and writes, as one staged set: ``gaps.md``, ``gaps.json``,
one ``.npz`` per alpha and step (:meth:`gaussian_oracle.ProtocolRun.load` reads them), and the
figures ``protocol-gaps``, ``protocol-projections`` (Fig. 1 analogue) and
``protocol-contributions`` (Fig. 5 analogue).
"""

from __future__ import annotations

import argparse
from typing import Any

from ._common import Progress, UsageError, int_at_least, out_folder

HELP = "the paper's GMM experiment run literally: gaps to the exact oracle (table + figures)"


def add_parser(sub: Any) -> None:
    pro = sub.add_parser(
        "protocol",
        help=HELP,
        description=(
            "The paper's synthetic experiment (10-D mixture of 5 Gaussians, KDE score, "
            "Euler-Maruyama from N(0, I)) run literally and along the chain exact closure -> "
            "+ finite samples -> + standard init -> + discretisation; prints the generation-20 "
            "gap table and writes it with the runs and the figures."
        ),
    )
    pro.add_argument(
        "--scale",
        choices=("small", "paper"),
        default="small",
        help="small: N = 2,000, 100 steps, 3 runs (minutes on a CPU); paper: N = 100,000, "
        "500 steps, 10 runs (a GPU: --backend torch)",
    )
    pro.add_argument(
        "--backend",
        choices=("numpy", "torch", "cupy"),
        default="numpy",
        help="array backend of the KDE scores (torch / cupy: pip install "
        "'diffusion-collapse[gpu]')",
    )
    pro.add_argument("--device", default=None, help="backend device, e.g. cuda:0")
    pro.add_argument("--runs", type=int_at_least(2), default=None, help="runs per alpha")
    pro.add_argument("--seed", type=int_at_least(0), default=0, help="random seed")
    pro.add_argument(
        "--alphas",
        type=_alphas,
        default=(0.1, 0.5, 0.9),
        help="comma-separated fresh-data fractions in [0, 1] (default 0.1,0.5,0.9)",
    )
    pro.add_argument("--out", default="protocol", help="output folder")
    pro.add_argument(
        "--no-estimators", action="store_true", help="skip the paper's eps_star2 / eta (faster)"
    )
    pro.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from gaussian_oracle import paper_data, protocol_gaps
    from gaussian_oracle._protocol_gaps import SCALES

    from .._output import Staging
    from .._protocol_plot import contribution_figure, gap_figure, projection_figure

    out = out_folder(args)
    settings = dict(SCALES[args.scale])
    if args.runs is not None:
        settings["runs"] = args.runs
    if not args.quiet:
        _announce(settings, len(args.alphas), args.backend, args.device)
    try:
        gaps = protocol_gaps(
            paper_data(),
            alphas=args.alphas,
            rng=np.random.default_rng(args.seed),
            backend=args.backend,
            device=args.device,
            literal_estimators=not args.no_estimators,
            progress=False if args.quiet else Progress(name="protocol", unit="run sets"),
            **settings,
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    table = gaps.to_markdown()
    figures = {"protocol-gaps": gap_figure(gaps), "protocol-projections": projection_figure(gaps)}
    if not args.no_estimators:
        figures["protocol-contributions"] = contribution_figure(gaps)
    with Staging(out) as stage:
        gaps.save(stage.path)
        stage.write("gaps.md", lambda f: f.write(f"# Literal protocol ({args.scale})\n\n{table}"))
        for name, fig in figures.items():
            stage.write_figure(f"{name}.png", fig)
        paths = stage.commit()
    print(table)
    print(f"wrote {len(paths)} files into {out}")
    return 0


def _alphas(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a comma-separated list of numbers"
        ) from None
    if not values or any(not 0.0 <= v <= 1.0 for v in values):
        raise argparse.ArgumentTypeError(f"{text!r}: every alpha must lie in [0, 1]")
    return values


def _announce(settings: dict[str, Any], n_alphas: int, backend: str, device: Any) -> None:
    """One line on stderr: the work ahead and its time at this backend's measured rate."""
    import sys
    import time

    import numpy as np

    from gaussian_oracle import paper_data
    from gaussian_oracle._protocol_kernel import IsoMixture, get_backend

    try:
        bk = get_backend(backend, device, "float32", np.random.default_rng(0))
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    n = settings["n_samples"]
    m = min(n, 2000)
    pts = bk.asarray(paper_data().sample(m, np.random.default_rng(0)))
    prep = IsoMixture.kde(pts, 0.6, bk).prepared()
    prep.score(pts)  # warm-up
    t = time.perf_counter()
    float(bk.to_numpy(prep.score(pts)[:1, :1])[0, 0])  # waits for a GPU to finish
    rate = m * m / max(time.perf_counter() - t, 1e-9)
    per_run = settings["generations"] * (settings["n_steps"] + 3)  # EM + the exact samplers
    pairs = float(n) * n * per_run * settings["runs"] * n_alphas
    hours = pairs / rate / 3600
    print(
        f"protocol: about {pairs:.2g} kernel pairs at {rate:.2g} pairs/s on {backend}: "
        f"roughly {hours:.2g} h (the estimators add about 10%)",
        file=sys.stderr,
        flush=True,
    )
