"""The protocol line printed beside every recognition table: flow method and bound, quantisation, the test
protocol (snippets, crops), the fusion weights, the profile and the videos scored."""

from __future__ import annotations

from arsr_lib.config import Experiment
from arsr_lib.core import protocol
from arsr_lib.recognition.scores import Harness


def recognition_caption(exp: Experiment, harness: Harness, videos: str | None = None) -> str:
    """The caption of a table over ``harness``'s scores; ``videos`` says which videos (default: the harness's
    test videos of the experiment's split)."""
    proto = harness.protocol()
    rgb_weight, flow_weight = proto["fusion rgb:flow"]
    return protocol.describe(
        exp.data.flow_method,
        profile=exp.name,
        test=f"{proto['snippets']} snippets x {proto['crops']} crops of {proto['crop']} px",
        fusion=f"RGB:flow = {rgb_weight}:{flow_weight}",
        videos=videos or f"{len(harness.ds.test)} test videos of split {exp.data.split}",
    )
