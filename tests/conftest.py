"""Shared test configuration: hypothesis profiles and a seeded generator."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

# CI runs derandomised so that a green run is reproducible; locally hypothesis explores.
settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "dev", deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(  # HYPOTHESIS_PROFILE=thorough for a long local search
    "thorough", deadline=None, max_examples=1000, suppress_health_check=[HealthCheck.too_slow]
)


def pytest_configure(config: pytest.Config) -> None:
    """CI (or HYPOTHESIS_PROFILE) picks the profile unless ``--hypothesis-profile`` was given
    (loading one at import time used to override that option)."""
    if config.getoption("hypothesis_profile", default=None) is None:
        settings.load_profile(
            "ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "dev")
        )


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20260216)
