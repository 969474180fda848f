"""Cost and accuracy of the literal protocol (issue 18) (prints figures; no assertions).

Run: ``python benchmarks/bench_protocol.py [--repeat 3] [--pipeline] [--backend numpy|torch]
[--device DEV] [--paper]``.

* The KDE score, ``N`` query points against ``N`` centres in 10-D (``N`` = 2,000; 100,000 with
  ``--paper``): the fused float32 pass against two baselines in the same run, the same fused
  pass in float64 and the direct broadcast ``(n, K, d)`` formula in float64 (small ``N`` only);
  its pairs per second, and the float32 error against float64 (largest over the points,
  relative to the largest score).
* ``--pipeline``: the small-scale gap chain (``diffusion-collapse protocol --scale small``:
  N = 2,000, 100 steps, 20 generations, 3 alphas, 3 runs, the paper's estimators on the literal
  runs); target < 3 min on 2 cores. Its ratio: the wall time against the kernel's time for the
  same number of pair evaluations (1 = no overhead beyond the score evaluations).
* ``--paper --backend torch`` on a GPU: the time per score evaluation of 1e10 pairs, against the
  GPU's limits (FLOP: about 4 (d + 2) per pair in the two products; one exp per pair; memory:
  the (chunk, K) block written and read about four times); the paper-scale run (3e4 such
  evaluations) is extrapolated from it.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _timing import best

from gaussian_oracle import paper_data, protocol_gaps
from gaussian_oracle._protocol_gaps import SCALES
from gaussian_oracle._protocol_kernel import IsoMixture, get_backend


def _sync(bk) -> None:
    if bk.name == "torch" and bk.device.type == "cuda":
        import torch

        torch.cuda.synchronize()


def kernel(n: int, repeat: int, backend: str, device) -> float:
    rng = np.random.default_rng(0)
    data = paper_data()
    pts = data.sample(n, rng)
    queries = data.sample(n, rng)
    times, scores = {}, {}
    for precision in ("float32", "float64"):
        bk = get_backend(backend, device, precision, rng)
        prep = IsoMixture.kde(bk.asarray(pts), 0.6, bk).at(0.1).prepared()
        y = bk.asarray(queries)
        prep.score(y)  # warm-up (GPU kernels compile and allocate here)

        def once(prep=prep, y=y, bk=bk) -> None:
            prep.score(y)
            _sync(bk)

        times[precision] = best(once, repeat)
        scores[precision] = bk.to_numpy(prep.score(y))
    ref = scores["float64"]
    err = np.max(np.abs(scores["float32"] - ref)) / np.max(np.abs(ref))
    pairs = float(n) * n
    print(f"KDE score, {n} x {n} pairs in 10-D ({backend}):")
    t32, t64 = times["float32"], times["float64"]
    print(f"  float32 fused   {t32 * 1e3:9.2f} ms  {pairs / t32:.3g} pairs/s")
    print(f"  float64 fused   {t64 * 1e3:9.2f} ms  ratio {t64 / t32:.2f}x")
    if n <= 4000:
        c = 0.6**2 * np.exp(-0.1) - np.expm1(-0.1)
        m = np.exp(-0.05) * pts

        def direct() -> np.ndarray:
            diff = m[None, :, :] - queries[:, None, :]  # (n, K, d)
            lg = -np.sum(diff * diff, axis=2) / (2 * c)
            r = np.exp(lg - lg.max(axis=1, keepdims=True))
            return np.einsum("nk,nkd->nd", r, diff) / (c * r.sum(axis=1, keepdims=True))

        t_direct = best(direct, repeat)
        check = np.max(np.abs(direct() - ref)) / np.max(np.abs(ref))
        print(f"  direct float64  {t_direct * 1e3:9.2f} ms  ratio {t_direct / t32:.2f}x "
              f"(agrees with fused float64 to {check:.1e})")  # fmt: skip
    print(f"  float32 error against float64: {err:.2e} (relative to the largest score)")
    if backend == "torch":
        flop = 4 * (10 + 2) * pairs
        print(f"  {flop / times['float32'] / 1e12:.1f} TFLOP/s in the products; "
              f"{pairs / times['float32'] / 1e12:.2f} Texp/s; block traffic "
              f"{16 * pairs / times['float32'] / 1e12:.2f} TB/s "
              "(H200: ~67 TFLOP/s fp32, ~4 Texp/s, 4.8 TB/s)")  # fmt: skip
    return pairs / times["float32"]


def pipeline(rate: float) -> None:
    s = SCALES["small"]
    t = time.perf_counter()
    protocol_gaps(paper_data(), rng=np.random.default_rng(0), literal_estimators=True,
                  progress=False, **s)  # fmt: skip
    wall = time.perf_counter() - t
    n, steps, g, runs = s["n_samples"], s["n_steps"], s["generations"], s["runs"]
    # per generation and run: EM (steps evals), the exact samplers (one posterior pass), the
    # estimators (50 times x 2 mixtures x paths / n of an n x n evaluation)
    evals = 3 * runs * g * (steps + 1 + 50 * 2 * s["estimator_paths"] / n)
    kernel_time = evals * n * n / rate
    print(f"small-scale gap chain: {wall:.1f} s (target < 180 s on 2 cores); "
          f"{evals:.0f} score evaluations of {n} x {n} would take {kernel_time:.1f} s at the "
          f"kernel's rate: ratio {wall / kernel_time:.2f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pipeline", action="store_true")
    parser.add_argument("--paper", action="store_true", help="N = 100,000 (a GPU)")
    parser.add_argument("--backend", default="numpy")
    parser.add_argument("--device", default=None)
    args = parser.parse_args()
    rate = kernel(100_000 if args.paper else 2000, args.repeat, args.backend, args.device)
    if args.paper:
        evals = 3 * 10 * 20 * 500
        print(f"paper scale: {evals} evaluations of 1e10 pairs at this rate: "
              f"{evals * 1e10 / rate / 60:.1f} min (target <= 30 min)")  # fmt: skip
    if args.pipeline:
        pipeline(rate)


if __name__ == "__main__":
    main()
