"""SoSR's weight map, chosen on the validation split: floor and reference of Eq. 1's flow weights.

``python tools/sosr_weight_sweep.py --profile synth --floors 0.1,0.3,0.5 --refs 1,2``

SoSR weights the pixel loss by ``w = floor + (1 - floor) * min(|F| / ref, 1)`` of the HR flow ``F`` (in the
authors' code form ``mse(w * SR, w * HR)``, so by ``w**2``). For each (floor, ref) it trains SoSR of the
profile (seed 0) from the profile's own discriminator warm-up and feature network (trained first when
missing, by ``arsr train --recipe esrgan``; linked, not copied, into each candidate's runs folder), then
super-resolves
the validation videos with every candidate, ESRGAN (its plain twin: the same start, schedule and seed) and
Bicubic, and writes ``reports/calibration/sosr_weight_map.{md,csv}``: PSNR-Y, actor PSNR-Y (SoSR's aim:
the moving actor reconstructed best), motion-weighted PSNR-Y and the share of the detail pairs' HR detail each
restores. The choice is the candidate with the highest actor PSNR-Y; the test split is never read.
"""

import argparse
import itertools
import os
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from arsr_lib import config  # noqa: E402
from arsr_lib.core import protocol  # noqa: E402
from arsr_lib.data.synth import DETAIL_PAIRS  # noqa: E402
from arsr_lib.report.io import save_table  # noqa: E402
from arsr_lib.run.notebook import start  # noqa: E402
from arsr_lib.sr import sreval  # noqa: E402
from arsr_lib.sr.recipes import train_recipe  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--profile", default="synth")
ap.add_argument("--floors", default="0.1,0.3,0.5")
ap.add_argument("--refs", default="1,2")
ap.add_argument("--out", default=str(ROOT / "reports" / "calibration" / "sosr_weight_map"))
a = ap.parse_args()

exp = config.load(a.profile)
session = start(exp, progress=False)
val = session.ds.validation()
if not val.test:
    sys.exit("sosr_weight_sweep: the dataset has no validation split; the test split is never read")
plain = train_recipe("esrgan", exp, session.train_videos, session.val_videos, progress=False)
methods = {"Bicubic": None, "ESRGAN": plain}
runs = {name: exp.runs_dir() / name for name in ("rrdb_psnr", "d_warmup", "esrgan")}
for floor, ref in itertools.product(
    [float(x) for x in a.floors.split(",")], [float(x) for x in a.refs.split(",")]
):
    name = f"{exp.name}-sosr-floor{floor:g}-ref{ref:g}"
    candidate = config.override(exp, {"name": name, "sr_loss": {"weight_floor": floor, "weight_ref": ref}})
    for shared in ("d_warmup", "featurenet"):
        link = candidate.runs_dir() / shared
        if not link.exists():
            link.parent.mkdir(parents=True, exist_ok=True)
            os.symlink((exp.runs_dir() / shared).resolve(), link)
    ckpt = train_recipe("sosr", candidate, session.train_videos, session.val_videos, progress=False)
    methods[f"SoSR floor {floor:g}, ref {ref:g}"] = ckpt
    runs[f"sosr floor {floor:g}, ref {ref:g}"] = ckpt.parent
    print(f"trained {name}", flush=True)
root = exp.paths.data / "sr" / f"{exp.name}-sosr-sweep-val"
items = list(val.test)
sreval.make_sr_videos(val, methods, root, items, progress=False)
quality = sreval.quality_table(
    val,
    methods,
    root,
    items,
    exp.data.flow_method,
    with_gt=session.is_synth,
    weight_floor=exp.sr_loss.weight_floor,
)
detail = sreval.detail_recovery_table(val, methods, root, DETAIL_PAIRS, items, progress=False)
table = quality.merge(detail.drop(columns=["twin videos"]), on="method", how="left").set_index("method")
table = table.drop(index="HR")
candidates = table.index.str.startswith("SoSR")
table["chosen"] = False
table.loc[table[candidates]["actor PSNR-Y"].idxmax(), "chosen"] = True
caption = protocol.describe(
    exp.data.flow_method, profile=exp.name, videos=f"{len(items)} validation videos of split {exp.data.split}"
) + (
    f"; SoSR (seed 0, {exp.recipe('sosr').iters} steps from the shared warm-up) per weight-map floor and "
    "reference (w = floor + (1 - floor) min(|F| / ref, 1), code form: w squared); chosen: highest "
    "actor PSNR-Y"
)
save_table(table.round(3).reset_index(), Path(a.out), caption=caption)
# the runs' curves: each loss term's share of the gradient, and whether validation PSNR-Y still moved
training, training_caption = sreval.training_report(
    runs, exp.data.flow_method, exp.name, len(session.val_videos)
)
save_table(training.round(4), Path(a.out + "_training"), caption=training_caption)
curve = pd.read_csv(runs["esrgan"] / "log.csv")[["step", "val_psnr_y"]].dropna()
save_table(
    curve.round(3),
    Path(a.out + "_esrgan_curve"),
    caption=f"ESRGAN fine-tune of {exp.name}: "
    f"validation PSNR-Y of {len(session.val_videos)} validation videos' patches per step",
)
print(caption)
print(table.round(3).to_string())
