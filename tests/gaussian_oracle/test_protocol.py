"""The literal protocol: its kernel, samplers, statistics and idealisations, each against an
independent route (the oracle's exact score, closed-form endpoints, the exact moment recursion
of Euler–Maruyama on a Gaussian, the oracle's Monte Carlo engine, the oracle's laws)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gaussian_oracle import (
    Diffusion,
    Gaussian,
    GaussianMixture,
    OracleDomainError,
    ProtocolGaps,
    ProtocolRun,
    paper_data,
    protocol_gaps,
    score,
    simulate_protocol,
    simulate_reverse,
    standard_init_endpoint,
)
from gaussian_oracle._protocol_estimators import paper_estimators
from gaussian_oracle._protocol_kernel import IsoMixture, Prepared, get_backend
from gaussian_oracle._protocol_samplers import generate

#: standard errors allowed between a Monte Carlo estimate and an exact value (a false alarm
#: is a 6e-5 event for a normal statistic; every test is seeded, so it is deterministic)
N_SE = 4.0


def _bk(precision="float64", seed=0):
    return get_backend("numpy", None, precision, np.random.default_rng(seed))


def _law(k=40, d=3, seed=1):
    rng = np.random.default_rng(seed)
    w = rng.dirichlet(np.ones(k))
    return GaussianMixture(w, 2.0 * rng.normal(size=(k, d)), np.array([0.4 * np.eye(d)] * k))


@pytest.mark.parametrize("s", [0.0, 0.02, 1.0])
def test_kernel_score_matches_the_oracle_score(s):
    law = _law()
    y = 3.0 * np.random.default_rng(2).normal(size=(300, 3))
    ref = score(law, y, s)
    got64 = IsoMixture.from_law(law, _bk()).at(s).prepared().score(y)
    # float64: both are exact formulas; observed 1e-14 relative
    assert np.max(np.abs(got64 - ref)) <= 1e-12 * np.max(np.abs(ref))
    bk32 = _bk("float32")
    got32 = IsoMixture.from_law(law, bk32).at(s).prepared().score(bk32.asarray(y))
    # float32: the logits lose ~1e-7 (|y|^2 + |c|^2) / v to cancellation (~1e-5 here) and the
    # softmax sums carry ~1e-7 sqrt(K); observed 3e-6 relative
    assert np.max(np.abs(got32 - ref)) <= 1e-4 * np.max(np.abs(ref))


def test_kernel_chunks_and_threads_do_not_change_the_score():
    law = _law(k=30)
    y = np.random.default_rng(3).normal(size=(257, 3))
    prep = IsoMixture.from_law(law, _bk()).at(0.3).prepared()
    small = Prepared(prep.bk, prep.A, prep.B, chunk=16)  # 17 chunks through the thread pool
    # rows are independent: only the BLAS blocking can differ (round-off)
    assert np.max(np.abs(small.score(y) - prep.score(y))) <= 1e-13


def test_posterior_pick_follows_the_posterior_weights():
    law = GaussianMixture([0.3, 0.7], [[-1.0], [1.5]], [[[0.5]], [[0.5]]])
    y = np.full((20000, 1), 0.4)
    idx = IsoMixture.from_law(law, _bk()).prepared().pick(y)
    lp = np.log([0.3, 0.7]) - np.array([(0.4 + 1.0) ** 2, (0.4 - 1.5) ** 2]) / (2 * 0.5)
    p1 = math.exp(lp[1]) / np.exp(lp).sum()
    se = math.sqrt(p1 * (1 - p1) / len(idx))
    assert abs(np.mean(idx == 1) - p1) <= N_SE * se


def test_exact_sampler_from_standard_init_matches_the_closed_form_endpoint():
    g = Gaussian([0.7, -0.4], 0.3 * np.eye(2))
    bk = _bk(seed=4)
    n = 40000
    x = generate(IsoMixture.from_law(g, bk), n, init="standard", sampler="exact", T=2.0,
                 t0=0.05, n_steps=1)  # fmt: skip
    want = standard_init_endpoint(g, Diffusion(T=2.0, t0=0.05, init="standard"))
    var = np.diag(want.cov)
    assert np.all(np.abs(x.mean(0) - want.mean) <= N_SE * np.sqrt(var / n))
    # sample variance of normal draws: se = var sqrt(2 / n)
    assert np.all(np.abs(x.var(0, ddof=1) - var) <= N_SE * var * math.sqrt(2 / n))


def test_euler_maruyama_matches_its_exact_moment_recursion_on_a_gaussian():
    """For N(m, v I) data the EM step is affine, y' = a y + b + sqrt(h) z, so the law of the
    scheme's output is Gaussian with moments from an exact recursion (no time limit taken)."""
    m, v, T, t0, steps = 1.2, 0.2, 3.0, 0.05, 12
    bk = _bk(seed=5)
    n = 40000
    x = generate(IsoMixture.from_law(Gaussian([m], [[v]]), bk), n, init="standard",
                 sampler="em", T=T, t0=t0, n_steps=steps)  # fmt: skip
    h = (T - t0) / steps
    mean, var = 0.0, 1.0
    for k in range(steps):
        s = T - k * h
        ms, vs = math.exp(-s / 2) * m, math.exp(-s) * v - math.expm1(-s)
        a, b = 1 + h * (0.5 - 1 / vs), h * ms / vs
        mean, var = a * mean + b, a * a * var + h
    assert abs(x.mean() - mean) <= N_SE * math.sqrt(var / n)
    assert abs(x.var(ddof=1) - var) <= N_SE * var * math.sqrt(2 / n)
    exact = standard_init_endpoint(Gaussian([m], [[v]]), Diffusion(T=T, t0=t0))
    assert abs(var - exact.cov[0, 0]) > 10 * var * math.sqrt(2 / n)  # the bias is resolved


def test_with_every_idealisation_on_the_pipeline_reproduces_the_oracle_moments():
    run = simulate_protocol(paper_data(dim=3), alpha=0.3, n_samples=400, generations=4,
                            runs=8, learner="population", init="exact", sampler="exact",
                            rng=np.random.default_rng(6))  # fmt: skip
    mean, se = run.over_runs("second_moment")
    assert np.all(np.abs(mean - run.oracle["second_moment"]) <= N_SE * se)
    assert np.all(se > 0)


UNEQUAL = GaussianMixture(
    [0.2, 0.5, 0.3],
    [[0, 0, 0, 1.0], [3, 0, 0, 0], [0, -2, 1, 0]],
    [0.5 * np.eye(4), 0.3 * np.eye(4), 1.2 * np.eye(4)],
)


@pytest.mark.parametrize(
    ("data", "runs"), [(paper_data(dim=3), 10), (UNEQUAL, 40)], ids=["paper-3d", "unequal-4d"]
)
def test_finite_samples_keep_the_marginal_law_under_exact_init_and_sampling(data, runs):
    """Every generated point has the oracle's law as its marginal (module docstring of
    gaussian_oracle._protocol): the second moment and the mean agree in expectation.
    (Generations of one run share ancestors, so their z-scores are correlated: checked on
    3,000 runs of the unequal instance in both precisions while building this.)"""
    run = simulate_protocol(data, alpha=0.3, n_samples=300, generations=5, runs=runs,
                            init="exact", sampler="exact",
                            rng=np.random.default_rng(7))  # fmt: skip
    m2, se2 = run.over_runs("second_moment")
    assert np.all(np.abs(m2 - run.oracle["second_moment"]) <= N_SE * se2)
    mu, se_mu = run.over_runs("mean")
    assert np.all(np.abs(mu - run.oracle["mean"]) <= N_SE * se_mu + 1e-12)


def test_paper_estimators_agree_with_the_oracle_monte_carlo_engine():
    """Same estimator definitions, two implementations: the protocol's kernel against the
    oracle's simulate_reverse with the error e = score(KDE_s) - score(q_s) from score()."""
    q = GaussianMixture([0.5, 0.5], [[-1.5], [1.5]], [[[0.3]], [[0.3]]])
    centres = np.random.default_rng(8).normal(size=(25, 1)) * 1.5
    kde = GaussianMixture(np.full(25, 1 / 25), centres, np.full((25, 1, 1), 0.25))
    bk = _bk(seed=9)
    eps, eps_se, eta, eta_se = paper_estimators(
        IsoMixture.from_law(kde, bk), IsoMixture.from_law(q, bk), n_paths=4000, init="exact",
        T=4.0, t0=0.02,
    )  # fmt: skip

    def err(y, s):
        return score(kde, y, s) - score(q, y, s)

    mc = simulate_reverse(q, Diffusion(init="exact"), err, n_paths=4000, n_steps=50,
                          rng=np.random.default_rng(10), richardson=False,
                          eta_features="quadratic")  # fmt: skip
    both = math.hypot(eps_se, mc.eps_star2.se)
    assert abs(eps - mc.eps_star2.value) <= N_SE * both
    assert abs(eta - mc.eta.value) <= N_SE * math.hypot(eta_se, mc.eta.se)


def test_gap_chain_finite_samples_step_is_zero_for_the_second_moment(tmp_path):
    gaps = protocol_gaps(paper_data(dim=2), alphas=(0.5,), n_samples=300, n_steps=8,
                         generations=3, runs=6, rng=np.random.default_rng(11))  # fmt: skip
    rows = gaps.table("second_moment")
    assert rows[0]["step"] == "exact closure" and rows[0]["se"] == 0.0
    fs = rows[1]
    assert abs(fs["change"]) <= N_SE * fs["change_se"]
    assert "| 0.5 | + discretisation |" in gaps.to_markdown()
    paths = gaps.save(tmp_path)
    assert (tmp_path / "gaps.json").exists() and len(paths) == 4
    assert ProtocolGaps.load(tmp_path).table("w2_fit") == gaps.table("w2_fit")


def test_protocol_run_saves_and_loads_exactly(tmp_path):
    run = simulate_protocol(paper_data(dim=2), alpha=0.5, n_samples=200, n_steps=5,
                            generations=2, runs=2, estimators=True, estimator_paths=64,
                            rng=np.random.default_rng(12))  # fmt: skip
    back = ProtocolRun.load(run.save(tmp_path / "r.npz"))
    assert back.settings == run.settings
    for a, b in ((run.stats, back.stats), (run.oracle, back.oracle),
                 (run.estimators, back.estimators), (run.samples, back.samples)):  # fmt: skip
        assert a.keys() == b.keys()
        assert all(np.array_equal(a[k], b[k]) for k in a)
    assert np.array_equal(back.data.means, run.data.means)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"learner": "population"}, "needs the exact training law"),
        ({"init": "exact", "sampler": "rk4"}, "sampler='rk4' must be one of em, exact"),
        ({"backend": "jax"}, "backend='jax' must be one of"),
        ({"precision": "float16"}, "precision='float16'"),
        ({"estimators": True, "estimator_paths": 10}, "too few for the eta regression"),
        ({"alpha": 1.5}, "alpha"),
    ],
)
def test_bad_input_gets_a_specific_error(kwargs, message):
    args = {"alpha": 0.5, "n_samples": 50, "generations": 1, **kwargs}
    with pytest.raises(OracleDomainError, match=message):
        simulate_protocol(paper_data(dim=2), **args)


def test_non_isotropic_data_is_refused():
    data = Gaussian([0.0, 0.0], [[1.0, 0.3], [0.3, 1.0]])
    with pytest.raises(OracleDomainError, match="isotropic components"):
        simulate_protocol(data, alpha=0.5, n_samples=50, generations=1)


def test_missing_gpu_backend_names_the_extra():
    pytest.importorskip("array_api_compat")
    try:
        import torch  # noqa: F401
    except ImportError:
        with pytest.raises(OracleDomainError, match=r"diffusion-collapse\[gpu\]"):
            simulate_protocol(paper_data(dim=2), alpha=0.5, n_samples=50, generations=1,
                              backend="torch")  # fmt: skip
    else:  # pragma: no cover - torch installed: the CPU device runs the same pipeline
        run = simulate_protocol(paper_data(dim=2), alpha=0.5, n_samples=50, n_steps=3,
                                generations=1, backend="torch", device="cpu")  # fmt: skip
        assert run.stats["second_moment"].shape == (1, 2)


def test_exact_sampler_from_standard_init_is_the_limit_of_euler_maruyama_on_a_mixture():
    """No closed form for a mixture from N(0, I): Euler–Maruyama with 400 steps must agree
    with the exact sampler within 4 standard errors plus its bias, estimated by the change
    from 200 to 400 steps (weak order 1: the 400-step bias is about that change). T = 1 keeps
    the start far from q~_T, so the same criterion rejects the exact-init endpoint (control)."""
    law = GaussianMixture([0.3, 0.7], [[-2.0, 0.5], [1.5, -1.0]], [0.2 * np.eye(2)] * 2)
    n = 20000
    out = {}
    cases = (("exact", "standard", "exact", 1), ("em200", "standard", "em", 200),
             ("em400", "standard", "em", 400), ("wrong", "exact", "exact", 1))  # fmt: skip
    for key, init, sampler, steps in cases:
        bk = _bk(seed=13)
        x = generate(IsoMixture.from_law(law, bk), n, init=init, sampler=sampler, T=1.0,
                     t0=0.02, n_steps=steps)  # fmt: skip
        out[key] = (np.sum(x * x, axis=1), x[:, 0])

    def agrees(key: str, j: int) -> bool:
        a, b, c = out[key][j], out["em200"][j], out["em400"][j]
        se = math.hypot(a.std(), c.std()) / math.sqrt(n)
        return bool(abs(a.mean() - c.mean()) <= N_SE * se + abs(b.mean() - c.mean()))

    assert agrees("exact", 0) and agrees("exact", 1)  # second moment, first mean
    assert not agrees("wrong", 0) and not agrees("wrong", 1)
