"""The configuration schema: configs to instances and back, every curated instance included."""

from __future__ import annotations

import json

import numpy as np
import pytest

from verification import curated_instances, run_check
from verification._config import instance_from_config, instance_to_config, load_instance
from verification._families import generation_family, recursion_family


def _same(a, b):
    assert type(a) is type(b) and a.describe() == b.describe()
    if hasattr(a, "learners"):
        assert [x.config() for x in a.learners] == [x.config() for x in b.learners]
        assert (a.eta_paths, a.eta_steps, a.seed) == (b.eta_paths, b.eta_steps, b.seed)


@pytest.mark.parametrize("inst", curated_instances(generations=3), ids=lambda i: i.label)
def test_every_curated_instance_round_trips_through_its_config(inst, tmp_path):
    config = instance_to_config(inst)
    back = instance_from_config(json.loads(json.dumps(config)))  # plain JSON values only
    _same(inst, back)
    path = tmp_path / "inst.json"
    path.write_text(json.dumps(config))
    _same(inst, load_instance(path))


def test_drawn_instances_round_trip_and_give_the_same_results():
    rng = np.random.default_rng(11)
    for inst in [generation_family(3).draw(rng) for _ in range(5)]:
        back = instance_from_config(instance_to_config(inst))
        _same(inst, back)
        assert run_check("thm-3.4", back).as_dict() == run_check("thm-3.4", inst).as_dict()
    rec = recursion_family(3, 200, 8).draw(rng)
    _same(rec, instance_from_config(instance_to_config(rec)))


def test_a_toml_config_with_a_learner_schedule(tmp_path):
    path = tmp_path / "run.toml"
    path.write_text(
        'label = "two-learners"\n[data]\nmean = [0.0]\ncov = [[0.8]]\n'
        '[diffusion]\ninit = "exact"\n[recursion]\nalpha = 0.4\n'
        '[[recursion.learners]]\nlearner = "PopulationKDE"\nh = 0.1\n'
        '[[recursion.learners]]\nlearner = "ExactScore"\n'
    )
    inst = load_instance(path)
    assert inst.label == "two-learners" and [x.config()["learner"] for x in inst.learners] == [
        "PopulationKDE",
        "ExactScore",
    ]
    assert "learners" in instance_to_config(inst)["recursion"]  # a schedule stays a list


@pytest.mark.parametrize(
    ("config", "match"),
    [
        ({"data": {"mean": [0], "cov": [[1]]}}, "exactly one of \\[error\\]"),
        ({"data": {"mean": [0]}, "error": {}}, "config \\[data\\]: keys \\['mean'\\]"),
        ({"data": {"mean": [0], "cov": [[1]]}, "error": {"w": 1}}, "\\[error\\].w: unknown field"),
        (
            {"data": {"mean": [0], "cov": [[1]]}, "recursion": {"alpha": 0.5, "learner": "Nope"}},
            "learner: 'Nope' must be one of",
        ),
        (
            {
                "data": {"mean": [0], "cov": [[1]]},
                "recursion": {"alpha": 0.5, "learner": "ExactScore"},
            },
            "\\[recursion\\].generations: missing",
        ),
        ({"data": {"mean": [0], "cov": [[1]]}, "error": {}, "extra": {}}, "\\[extra\\]: unknown"),
        ([1, 2], "must be a table"),
    ],
)
def test_bad_configs_name_the_section_and_field(config, match):
    with pytest.raises(ValueError, match=match):
        instance_from_config(config)
