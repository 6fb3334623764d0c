"""Which scene design lets a frame-wise SR flicker: screened on the validation groups (SynthActions'
``synth`` size), for issue 28's temporal premise.

``python tools/flicker_design.py --checkpoint runs/synth/esrgan/final.pt --label "..."``  writes
``reports/calibration/flicker_design.md`` (and ``.csv``): per candidate scene design (sensor noise, camera
pan, background contrast), the flow EPE against HR flow of bicubic's and the SR model's frames (whole frame
and the actor), their warping error against the scene's true flow, and the SR/bicubic EPE ratio.

The premise the run checks (notebook 05, ``05_temporal_premise``) is that an HR-trained temporal stream reads
a frame-wise SR's flow worse than bicubic's. This table screens designs by the mechanism it needs (the SR's
flow departing from HR flow more than bicubic's) before a run. The SR model is one already trained (on the
design its run used, which ``--label`` states), not one per candidate: a screen, not the premise check. The
test split is never read.
"""

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from arsr_lib.core import protocol  # noqa: E402
from arsr_lib.data.degrade import bicubic_upscale, downscale  # noqa: E402
from arsr_lib.data.flow import compute_flow, end_point_error  # noqa: E402
from arsr_lib.data.synth import config_for  # noqa: E402
from arsr_lib.data.synth.render import render_clip  # noqa: E402
from arsr_lib.report.io import save_table  # noqa: E402
from arsr_lib.sr.inference import load_sr_model, super_resolve  # noqa: E402
from arsr_lib.sr.metrics import warping_error  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--checkpoint", required=True, help="a frame-wise SR model (e.g. runs/synth/esrgan/final.pt)")
ap.add_argument("--label", required=True, help="the caption's name of the model and what it was trained on")
ap.add_argument("--size", default="synth")
ap.add_argument("--flow", default="dis")
ap.add_argument("--frames", type=int, default=8, help="frames of each clip read")
ap.add_argument(
    "--designs",
    default="noise_sigma=1;noise_sigma=3;pan_speed=1;texture_contrast=1;texture_contrast=1,pan_speed=1;"
    "texture_contrast=1,pan_speed=1.5;texture_contrast=0.6,pan_speed=1",
    help="';'-separated candidates, each ','-separated SynthConfig overrides (floats)",
)
ap.add_argument("--out", default=str(ROOT / "reports" / "calibration" / "flicker_design"))
a = ap.parse_args()
torch.set_num_threads(2)
model = load_sr_model(a.checkpoint)


rows = []
for design in a.designs.split(";"):
    overrides = {k: float(v) for k, v in (kv.split("=") for kv in design.split(","))}
    cfg = config_for(a.size, **overrides)
    acc: dict[str, list] = {}
    for group in cfg.validation_groups:
        for cls in cfg.classes:
            clip = render_clip(cfg, cls, group, 1)
            hr = clip["frames"][: a.frames]
            actor, true = clip["masks"][: a.frames - 1], clip["flow"][: a.frames - 1]
            lr = downscale(hr)
            hr_flow = compute_flow(hr, a.flow)
            for name, frames in (("Bicubic", bicubic_upscale(lr)), ("SR", super_resolve(model, lr))):
                f = compute_flow(frames, a.flow)
                acc.setdefault(f"{name} EPE", []).append(end_point_error(f, hr_flow))
                acc.setdefault(f"{name} EPE actor", []).append(end_point_error(f, hr_flow, actor))
                acc.setdefault(f"{name} warping", []).append(warping_error(frames, true))
            acc.setdefault("HR warping", []).append(warping_error(hr, true))
    row = {"design": design, "clips": len(acc["HR warping"])} | {k: float(np.mean(v)) for k, v in acc.items()}
    row["SR/Bicubic EPE"] = row["SR EPE"] / row["Bicubic EPE"]
    row["SR/Bicubic EPE actor"] = row["SR EPE actor"] / row["Bicubic EPE actor"]
    rows.append(row)
    print({k: round(v, 3) if isinstance(v, float) else v for k, v in row.items()}, flush=True)
table = pd.DataFrame(rows)
videos = f"{rows[0]['clips']} validation clips x {a.frames} frames"
caption = protocol.describe(a.flow, profile=f"SynthActions size {a.size}", videos=videos) + (
    f"; SR model {a.label}; EPE against the HR frames' flow (px), warping error |X_t - W(X_t+1, true flow)| "
    "(0-255)"
)
save_table(table.round(3), Path(a.out), caption=caption)
print(caption)
