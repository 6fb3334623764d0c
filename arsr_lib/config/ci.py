"""``ci``: ``smoke`` with a few steps of every training run and 12 evaluated test videos, nothing else changed
(the notebooks' default, so that ``pytest --nbval-lax`` runs every cell in minutes)."""

from __future__ import annotations

from dataclasses import replace
from typing import Mapping

from arsr_lib.config import smoke
from arsr_lib.config.experiment import Experiment
from arsr_lib.config.schema import Paths

SR_ITERS = 6
RECOGNISER_ITERS = {"tsn_rgb": 6, "tsn_flow": 6, "stresnet": 4}
EVAL_VIDEOS = 12


def build(env: Mapping[str, str], paths: Paths) -> Experiment:
    base = smoke.build(env, paths)
    return replace(
        base,
        name="ci",
        data=replace(base.data, eval_videos=EVAL_VIDEOS, detail_twins=None),  # about one twin per class
        recipes={k: replace(r, iters=SR_ITERS) for k, r in base.recipes.items()},
        recognition=replace(base.recognition, iters=RECOGNISER_ITERS),
    )
