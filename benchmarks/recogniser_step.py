"""One training step of one of smoke's recognisers at its size on random inputs, for the benchmarks that time
it in fresh processes (``channels_last.py``, ``malloc.py``): tiny ResNet of width 32, batch 8, 3 segments of
80-px crops (flow: 5 x/y pairs), cross-entropy, Adam, gradient clipping."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from arsr_lib.models import build_model


def training_step(kind: str, channels_last: bool):
    """A function that runs one training step of recogniser ``kind`` ("tsn_rgb", "tsn_flow", "stresnet") built
    in NHWC order when ``channels_last``; seeded, so that every process times the same step."""
    torch.manual_seed(0)
    common = dict(num_classes=10, depth="tiny", width=32, new_length=5, channels_last=channels_last)
    if kind == "stresnet":
        model = build_model("stresnet", **common)
    else:
        model = build_model("tsn", modality=kind[4:], dropout=0.5, partial_bn=False, **common)
    rgb, flow = torch.randn(8, 3, 3, 80, 80), torch.randn(8, 3, 10, 80, 80)
    label = torch.randint(0, 10, (8,))
    opt = torch.optim.Adam(model.parameters(), 1e-3)

    def step():
        opt.zero_grad(set_to_none=True)
        out = model(rgb, flow) if kind == "stresnet" else model(rgb if kind == "tsn_rgb" else flow)
        F.cross_entropy(out, label).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 20.0)
        opt.step()

    return step
