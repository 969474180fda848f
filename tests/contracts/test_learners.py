"""One battery for every registered learner: a new learner is tested the moment it registers.

Every learner keeps Lemma F.1 (``chi2(q_i || p) = (1 - alpha)^2 D_i``, computed both ways),
says truthfully whether it keeps Gaussians, and round-trips through its configuration.
"""

from __future__ import annotations

import numpy as np
import pytest

from gaussian_oracle import (
    LEARNERS,
    AffinePushforward,
    Diffusion,
    ExactScore,
    FiniteSampleKDE,
    FiniteSampleRefit,
    Gaussian,
    GaussianMixture,
    Learner,
    PopulationKDE,
    learner_from_config,
    run_recursion,
)

#: one example of each registered learner (a new learner adds its example here)
EXAMPLES = {
    "ExactScore": ExactScore(),
    "PopulationKDE": PopulationKDE(0.2),
    "AffinePushforward": AffinePushforward(1.1, 0.1),
    "FiniteSampleRefit": FiniteSampleRefit(200),
    "FiniteSampleKDE": FiniteSampleKDE(20, 0.3),
}
DATA = Gaussian(0.2, 0.7)
MIXTURE = GaussianMixture([0.4, 0.6], [[-1.0], [1.0]], [[[0.3]], [[0.5]]])


def test_every_registered_learner_has_an_example():
    assert sorted(LEARNERS) == sorted(EXAMPLES), "add an example of the new learner"


@pytest.mark.parametrize("name", list(LEARNERS))
def test_every_learner_keeps_lemma_f1(name):
    traj = run_recursion(
        DATA,
        alpha=0.4,
        learner=EXAMPLES[name],
        diffusion=Diffusion(T=3.0, t0=0.05, init="exact"),
        generations=3,
        compute=(),
        n_samples=2000,
    )
    # both sides are closed forms on the same components (Gaussian data): 1e-12 relative
    # is ~1e4 ulps of slack
    assert np.nanmax(np.abs(traj.lemma_f1_residuals())) <= 1e-12


@pytest.mark.parametrize("name", list(LEARNERS))
def test_every_learner_says_truthfully_whether_it_keeps_gaussians(name):
    learner = EXAMPLES[name]
    assert isinstance(learner, Learner)
    rng = np.random.default_rng(0)
    assert (learner.learn(DATA, rng).n_components == 1) == learner.gaussian_output(True)
    assert (learner.learn(MIXTURE, rng).n_components == 1) == learner.gaussian_output(False)


@pytest.mark.parametrize("name", list(LEARNERS))
def test_every_learner_round_trips_its_configuration(name):
    learner = EXAMPLES[name]
    config = learner.config()
    assert config["learner"] == name
    back = learner_from_config(config)
    assert type(back) is type(learner) and back.config() == config
    with pytest.raises(ValueError, match="must be a dict whose 'learner' is one of"):
        learner_from_config({"learner": "Nope"})
