"""Design checks of SynthActions, read on the validation groups only (never a split's test groups).

``wheel_cue_table`` decides how many spokes the turning wheel has: the design wants the rotation to be
*recoverable* from x4 LR (else it is no test of SR: issue 28) yet *faint* there (else SR has nothing to add).
The cue is the mean curl of the flow over the actor and wheel (its sign: the turning direction, clockwise
positive in image coordinates). Per spoke count, on the validation clips of the turning classes: how often
the flow of HR frames and of x4 bicubic frames turns the right way, and how much of the HR cue bicubic keeps.
The design takes the most spokes for which bicubic flow still turns the right way in at least ``separable`` %
of the clips (the LR oracle's bar); more spokes alias (the wagon-wheel effect turns bicubic flow backwards).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from arsr_lib.data.degrade import bicubic_upscale, downscale
from arsr_lib.data.flow import compute_flow
from arsr_lib.data.synth.render import render_clip
from arsr_lib.data.synth.spec import CLASS_SPECS, SynthConfig

TURNING = ("TurnWheelCW", "TurnWheelCCW")


def rotation_cue(flow: np.ndarray, masks: np.ndarray) -> float:
    """Mean curl (1/frame) of ``flow`` (T-1, H, W, 2) over ``masks`` (T-1, H, W): positive for a clockwise
    turn in image coordinates (y down)."""
    if flow.shape[:-1] != masks.shape or flow.shape[-1] != 2:
        raise ValueError(f"rotation_cue: flow {flow.shape} and masks {masks.shape} do not match")
    curl = np.gradient(flow[..., 1], axis=2) - np.gradient(flow[..., 0], axis=1)
    return float((curl * masks).sum() / max(int(masks.sum()), 1))


def wheel_cue_table(
    cfg: SynthConfig, spokes: list[int], flow_method: str = "dis", separable: float = 75.0
) -> pd.DataFrame:
    """Per spoke count: on the validation clips of the turning wheel classes, the share whose HR flow and x4
    bicubic flow turn the right way (%), and bicubic's cue as a share of HR's; ``chosen`` marks the most
    spokes whose bicubic flow is right in at least ``separable`` % of the clips."""
    if not cfg.val_groups:
        raise ValueError("wheel_cue_table: the SynthActions config has no validation groups (val_groups=0)")
    rows = []
    for n in spokes:
        c = replace(cfg, wheel_spokes=int(n))
        hr_cues, bic_cues = [], []
        for cls in TURNING:
            sign = CLASS_SPECS[cls][2]
            for g in c.validation_groups:
                for clip in range(1, c.clips_per_group + 1):
                    r = render_clip(c, cls, g, clip)
                    masks = r["masks"][:-1]
                    bic = bicubic_upscale(downscale(r["frames"]))
                    hr_cues.append(sign * rotation_cue(compute_flow(r["frames"], flow_method), masks))
                    bic_cues.append(sign * rotation_cue(compute_flow(bic, flow_method), masks))
        hr, bic = np.array(hr_cues), np.array(bic_cues)
        rows.append(
            {
                "spokes": int(n),
                "clips": len(hr),
                "HR flow turns right (%)": 100 * float(np.mean(hr > 0)),
                "bicubic flow turns right (%)": 100 * float(np.mean(bic > 0)),
                "bicubic cue / HR cue": float(bic.mean() / hr.mean()) if hr.mean() else float("nan"),
            }
        )
    table = pd.DataFrame(rows).set_index("spokes")
    ok = table.index[table["bicubic flow turns right (%)"] >= separable]
    table["chosen"] = table.index == (ok.max() if len(ok) else -1)
    return table
