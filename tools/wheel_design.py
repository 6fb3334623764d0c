"""The turning wheel's spoke count, checked on the validation groups (SynthActions' ``synth`` size).

``python tools/wheel_design.py``  writes ``reports/calibration/wheel_cue_table.md`` (and ``.csv``): per spoke
count, the share of the validation clips of TurnWheelCW / TurnWheelCCW whose HR and x4 bicubic flow turn the
right way, and bicubic's share of the HR rotation cue (``arsr_lib.data.synth.checks.wheel_cue_table``; the
same table notebook 01 writes as ``01_wheel_design`` on the run's dataset). The test split is never read.
"""

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from arsr_lib.core import protocol  # noqa: E402
from arsr_lib.data.synth import config_for  # noqa: E402
from arsr_lib.data.synth.checks import wheel_cue_table  # noqa: E402
from arsr_lib.report.io import save_table  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--size", default="synth")
ap.add_argument("--spokes", default="10,11,12,13,14")
ap.add_argument("--flow", default="dis")
ap.add_argument("--bar", type=float, default=75.0, help="the LR oracle's bar (study.separable)")
ap.add_argument("--out", default=str(ROOT / "reports" / "calibration" / "wheel_cue_table"))
a = ap.parse_args()
cfg = config_for(a.size)
table = wheel_cue_table(cfg, [int(s) for s in a.spokes.split(",")], a.flow, a.bar)
caption = protocol.describe(
    a.flow, profile=f"SynthActions size {a.size}", videos=f"{int(table['clips'].iloc[0])} validation clips"
) + (
    f"; wheel radius {cfg.wheel_radius} units, spokes from {cfg.wheel_inner:g} of the radius, "
    f"{cfg.spin_speed:g} deg/frame; rotation cue: mean curl of the flow over the actor; bar {a.bar:g} %"
)
save_table(table.round(3).reset_index(), Path(a.out), caption=caption)
print(caption)
print(table.round(3))
