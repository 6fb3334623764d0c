"""Source of the notebooks: ``python tools/build_notebooks.py [OUT_DIR]`` writes notebooks/NN_*.ipynb.

Each notebook is a compact list of cells here, so that reviews read code rather than JSON; the committed
notebooks carry no outputs, kernelspec python3 and a cell tagged ``parameters`` (tests check that they match
this file).
"""
import json
import sys
from pathlib import Path

OUT = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "notebooks"

def nb(cells):
    out = []
    for kind, src, *tags in cells:
        c = {"id": f"cell-{len(out):02d}", "cell_type": kind, "metadata": {"tags": tags[0]} if tags else {}, "source": src.strip("\n").splitlines(True)}
        if kind == "code":
            c.update(execution_count=None, outputs=[])
        out.append(c)
    return {"cells": out, "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"}}, "nbformat": 4, "nbformat_minor": 5}

cells01 = [
("markdown", """
# 01 · Data preparation

Locates (or generates) the profile's dataset, makes the paper's ×4 LR input (MATLAB bicubic, antialiased) and
the "Bicubic" baseline, extracts TSN-layout rawframes and quantised optical flow for HR, LR and bicubic, and
shows what the degradation does. Everything here is cached: a re-run only redoes what is missing.

The default profile `smoke` runs on **SynthActions** (generated, not UCF101/HMDB51); the `paper` profile points at
UCF101 on a GPU box.
"""),
("code", """
# parameters
profile = "ci"        # make reproduce runs "smoke"; "paper" on a GPU box
dataset = None      # None: the profile's dataset ("synth", "ucf101", "hmdb51", "folder")
data_root = None    # None: data/<dataset>
split_dir = None    # None: <data_root>/ucfTrainTestlist
split = None
flow_method = None  # None: the profile's ("dis" in smoke, "tvl1" in paper)
workers = None
n_show = 10         # classes shown in the figures
""", ["parameters"]),
("code", """
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
from IPython.display import Image, Markdown, display

from arsr_lib import protocol, reports
from arsr_lib.datasets import load_dataset
from arsr_lib.prep import extract_variants, prepare_dataset
from arsr_lib.profiles import get_profile

prof = get_profile(profile, dataset=dataset, data_root=data_root, split_dir=split_dir, split=split,
                   flow_method=flow_method, workers=workers)
out = prof.reports_dir()
out.mkdir(parents=True, exist_ok=True)
is_synth = prof.dataset == "synth"
print(prof)
print(protocol.describe(prof.flow_method, profile=prof.name))
"""),
("markdown", "## The dataset and its splits"),
("code", """
ds = prepare_dataset(prof)
by_split = {s: load_dataset(prof.dataset, prof.split_dir, s, prof.resolved_root()).filter_present() for s in (1, 2, 3)}
splits = reports.split_table(by_split)
reports.save_table(splits, out / "01_splits", caption=f"Splits of {prof.dataset} (profile {prof.name})")
display(splits)
"""),
("markdown", "## Rawframes: HR, LR and bicubic (frames + quantised flow)"),
("code", """
roots = extract_variants(ds, prof)
for v, r in roots.items():
    print(f"{v:8s} -> {r}")
"""),
("markdown", """
## What ×4 degradation does

Per class: the HR frame, the LR frame (shown with nearest-neighbour pixels), the bicubic ×4 frame, the actor mask
(SynthActions ground truth) and the colour-coded flow computed on HR and on bicubic frames, with one colour scale
per row.
"""),
("code", """
items = reports.class_examples(ds)[:n_show]
fig = reports.degradation_grid(ds, items, prof.flow_method, prof.scale, with_gt=is_synth)
reports.save_figure(fig, out / "01_degradation_grid.png")
plt.close(fig)
display(Image(filename=str(out / "01_degradation_grid.png")))
"""),
("markdown", "## The motion of each class"),
("code", """
fig = reports.motion_strip(ds, items)
reports.save_figure(fig, out / "01_motion_strip.png", dpi=60)
plt.close(fig)
display(Image(filename=str(out / "01_motion_strip.png")))
"""),
("markdown", """
## Statistics

Bicubic PSNR against HR (RGB, whole frame and actor region) and the end-point error of the flow computed on HR and on
bicubic frames against the true flow of the rendered scene (SynthActions) or against HR flow (real data).
"""),
("code", """
stats = reports.degradation_stats(ds, items, prof.flow_method, prof.scale, with_gt=is_synth)
caption = protocol.describe(prof.flow_method, profile=prof.name, videos="first test video per class")
reports.save_table(stats.round(3), out / "01_degradation_stats", caption=caption)
print(caption)
display(stats.round(2))
"""),
]

OUT.mkdir(parents=True, exist_ok=True)
json.dump(nb(cells01), open(OUT / "01_data_prep.ipynb", "w"), indent=1)

COMMON = """
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Image, display

from arsr_lib import protocol, reports
from arsr_lib.prep import prepare_dataset
from arsr_lib.profiles import SR_LOSS, get_profile
from arsr_lib.recipes import method_checkpoints, train_recipe

prof = get_profile(profile, flow_method=flow_method, workers=workers)
out = prof.reports_dir()
out.mkdir(parents=True, exist_ok=True)
is_synth = prof.dataset == "synth"
ds = prepare_dataset(prof, progress=False)
train_videos = [ds.path(i) for i in ds.train]
val_videos = [ds.path(i) for i in ds.test]
runs = prof.runs_dir()
print(protocol.describe(prof.flow_method, profile=prof.name, SR_losses=SR_LOSS[prof.name]))


def show(fig, name, dpi=80):
    reports.save_figure(fig, out / name, dpi=dpi)
    plt.close(fig)
    display(Image(filename=str(out / name)))
"""

cells02 = [
("markdown", """
# 02 · SoSR: spatial-oriented SR (flow-weighted MSE)

Trains the ESRGAN family (RRDB-PSNR pre-training with L1, then an ESRGAN fine-tune and a SoSR fine-tune that differs
only in its pixel term: the optical-flow-weighted MSE of the paper's Eq. 1) and VDSR / SoSR-VDSR, then compares their
outputs on the test videos. Training runs are cached in `runs/<profile>/` and resume after a kill.
"""),
("code", """
# parameters
profile = "ci"        # make reproduce runs "smoke"; "paper" on a GPU box
flow_method = None   # None: the profile's
workers = None
iters = None         # None: the profile's schedule for every recipe
n_eval = 12          # test videos in the quality table
""", ["parameters"]),
("code", COMMON),
("markdown", "## Weight maps: where the SoSR loss looks"),
("code", """
items = reports.class_examples(ds)[:4]
show(reports.weight_map_figure(ds, items, prof.flow_method, SR_LOSS[prof.name]["weight_floor"]), "02_weight_maps.png")
"""),
("markdown", "## Training"),
("code", """
recipes = ["rrdb_psnr", "esrgan", "sosr", "vdsr", "sosr_vdsr"]
for r in recipes:
    train_recipe(r, prof.name, train_videos, val_videos, runs, flow_method=prof.flow_method, seed=prof.seed,
                 iters=iters, progress=False)
show(reports.training_curves({r: runs / r for r in recipes}, ("loss", "pixel", "gan_d", "val_psnr_y")),
     "02_training_curves.png")
"""),
("markdown", "## Outputs on the same crops and the quality table"),
("code", """
from arsr_lib.sreval import make_sr_videos, quality_table

methods = method_checkpoints(runs, ["Bicubic", "VDSR", "SoSR-VDSR", "ESRGAN", "SoSR"])
eval_items = ds.test[:: max(1, len(ds.test) // n_eval)][:n_eval]
make_sr_videos(ds, methods, prof.sr_root(), eval_items, progress=False)
show(reports.sr_crops_figure(ds, methods, prof.sr_root(), eval_items[:4],
                             with_gt=is_synth), "02_sr_crops.png")
table = quality_table(ds, methods, prof.sr_root(), eval_items, prof.flow_method, with_gt=is_synth)
caption = protocol.describe(prof.flow_method, profile=prof.name, PSNR=protocol.PSNR_CONVENTION,
                           videos=f"{len(eval_items)} test videos")
reports.save_table(table.round(3), out / "02_sr_quality", caption=caption)
print(caption)
display(table.round(3))
"""),
]

cells03 = [
("markdown", """
# 03 · ToSR: temporal-oriented SR (siamese training with warping losses)

Trains VSR-DUF (Huber) and fine-tunes it as a siamese network on frame pairs (t-2, t) with the two warping losses
(ToSR-DUF); does the same from VDSR (ToSR-VDSR, reusing notebook 02's VDSR run). Shows the training pairs, the curves,
the flicker of frame-by-frame SR against ToSR (the paper's Fig. 4) and a temporal-consistency table.
"""),
("code", """
# parameters
profile = "ci"        # make reproduce runs "smoke"; "paper" on a GPU box
flow_method = None
workers = None
iters = None
n_eval = 12
""", ["parameters"]),
("code", COMMON),
("markdown", "## Siamese training pairs (motion-ranked, warp-checked)"),
("code", """
from arsr_lib.srdata import PairConfig, ToSRPairDataset, VideoSource

lw = SR_LOSS[prof.name]
pairs = ToSRPairDataset(VideoSource(train_videos[:6], flow_method=prof.flow_method),
                        PairConfig(patch=48, gap=lw["gap"], top_k=lw["top_k"], stride=(12, 10), margin=3),
                        pairs_per_video=2, augment=False)
print(f"{len(pairs)} patch pairs kept, {pairs.excluded} excluded by the warp check")
show(reports.siamese_pair_figure([pairs[i] for i in range(0, len(pairs), max(1, len(pairs) // 3))]), "03_siamese_pairs.png")
"""),
("markdown", "## Training"),
("code", """
recipes = ["vdsr", "duf", "tosr_duf", "tosr_vdsr"]
for r in recipes:
    train_recipe(r, prof.name, train_videos, val_videos, runs, flow_method=prof.flow_method, seed=prof.seed,
                 iters=iters, progress=False)
show(reports.training_curves({r: runs / r for r in recipes}, ("loss", "total", "warp_sr", "val_psnr_y")),
     "03_training_curves.png")
"""),
("markdown", "## Flicker (the paper's Fig. 4) and temporal consistency"),
("code", """
from arsr_lib.sreval import make_sr_videos, quality_table

methods = method_checkpoints(runs, ["Bicubic", "VDSR", "ToSR-VDSR", "VSR-DUF", "ToSR-DUF"])
eval_items = ds.test[:: max(1, len(ds.test) // n_eval)][:n_eval]
make_sr_videos(ds, methods, prof.sr_root(), eval_items, progress=False)
moving = [i for i in eval_items if i.class_name in ("ArmCircle", "WalkRight", "Jump")] or eval_items
show(reports.flicker_figure(ds, moving[0], methods, prof.sr_root(), with_gt=is_synth), "03_flicker.png")
table = quality_table(ds, methods, prof.sr_root(), eval_items, prof.flow_method, with_gt=is_synth)
flow_ref = "true flow of the rendered scene" if is_synth else f"{prof.flow_method} flow of HR"
caption = protocol.describe(prof.flow_method, profile=prof.name, PSNR=protocol.PSNR_CONVENTION,
                           warping_error=f"mean |X_t - W(X_t+1, F)| (0-255), F = {flow_ref}",
                           videos=f"{len(eval_items)} test videos")
reports.save_table(table.round(3), out / "03_temporal_consistency", caption=caption)
print(caption)
display(table.round(3))
"""),
]

json.dump(nb(cells02), open(OUT / "02_sosr_training.ipynb", "w"), indent=1)
json.dump(nb(cells03), open(OUT / "03_tosr_training.ipynb", "w"), indent=1)

cells04 = [
("markdown", """
# 04 · Flow comparison (the paper's Fig. 3)

Optical flow computed on HR frames, on bicubic frames and on each SR method's output, for the same frames, colour-coded
on one scale per row; the end-point error of each method's flow against the flow of the HR video and, on SynthActions,
against the true flow of the rendered scene. Uses the SR models trained in notebooks 02 and 03.
"""),
("code", """
# parameters
profile = "ci"        # make reproduce runs "smoke"; "paper" on a GPU box
flow_method = None
workers = None
n_eval = 12
""", ["parameters"]),
("code", COMMON),
("code", """
from arsr_lib.sreval import make_sr_videos, quality_table

methods = method_checkpoints(runs, ["Bicubic", "VDSR", "ESRGAN", "SoSR", "VSR-DUF", "ToSR-DUF", "ToSR-VDSR"])
eval_items = ds.test[:: max(1, len(ds.test) // n_eval)][:n_eval]
make_sr_videos(ds, methods, prof.sr_root(), eval_items, progress=False)
moving = [i for i in eval_items if i.class_name in ("ArmCircle", "WalkRight", "SwingBat", "Jump")][:3] or eval_items[:3]
show(reports.flow_comparison_figure(ds, moving, ["Bicubic", "VDSR", "ESRGAN", "ToSR-DUF"], prof.sr_root(),
                                    prof.flow_method, with_gt=is_synth), "04_flow_comparison.png")
"""),
("markdown", "## Flow error against HR flow and against the true flow"),
("code", """
epe = reports.flow_epe_table(ds, eval_items, list(methods), prof.sr_root(), prof.flow_method, with_gt=is_synth)
caption = protocol.describe(prof.flow_method, profile=prof.name, EPE="mean end-point error (px) over all frame pairs",
                           videos=f"{len(eval_items)} test videos")
reports.save_table(epe.round(3), out / "04_flow_epe", caption=caption)
print(caption)
display(epe.round(3))
"""),
("markdown", "## Temporal consistency"),
("code", """
tc = quality_table(ds, methods, prof.sr_root(), eval_items, prof.flow_method, with_gt=is_synth)[["method", "warping error"]]
caption = protocol.describe(prof.flow_method, profile=prof.name,
                           warping_error="mean |X_t - W(X_t+1, F)| (0-255), F = " +
                           ("true flow" if is_synth else "HR flow"))
reports.save_table(tc.round(3), out / "04_temporal_consistency", caption=caption)
display(tc.round(3))
"""),
]

cells05 = [
("markdown", """
# 05 · Recognition tables

TSN (RGB and flow streams, late fusion 1 : 1.5) and ST-ResNet (two streams with motion → appearance connections,
trained jointly) are trained on HR rawframes of the training split, then applied to the ×4 LR test videos after every
SR method. Accuracy comes with 95% bootstrap intervals over test videos; paired tests compare SoSR with ESRGAN,
ToSR with its backbone and the paper's pairing with bicubic. Everything is cached: scores are recomputed only when a
model, an SR output or the protocol changes.
"""),
("code", """
# parameters
profile = "ci"        # make reproduce runs "smoke"; "paper" on a GPU box
flow_method = None
workers = None
""", ["parameters"]),
("code", COMMON),
("code", """
from arsr_lib import evaluate as E

h = E.run_harness(prof, ds.test_subset(prof.eval_videos), progress=False)
proto = h.protocol()
caption = protocol.describe(prof.flow_method, profile=prof.name, test=f"{proto['snippets']} snippets x {proto['crops']} crops "
                           f"of {proto['crop']} px", fusion=f"RGB:flow = {proto['fusion rgb:flow'][0]}:{proto['fusion rgb:flow'][1]}",
                           videos=f"{len(h.ds.test)} test videos of split {prof.split}")
print(caption)
"""),
("markdown", "## Spatial stream (TSN RGB) per SR method"),
("code", """
methods = list(h.frames_roots)
spatial = E.stream_table(h, "rgb", methods)
reports.save_table(spatial.round(2), out / "05_spatial", caption=caption)
display(spatial.round(2))
"""),
("markdown", "## Temporal stream (TSN flow) per SR method"),
("code", """
temporal = E.stream_table(h, "flow", methods)
reports.save_table(temporal.round(2), out / "05_temporal", caption=caption)
display(temporal.round(2))
"""),
("markdown", """
## Per class: where each method loses or wins back accuracy

On SynthActions the detail pairs (racket / bat, bottle / cup) are decided by detail that ×4 LR keeps only as a
faint trace, and the motion pairs by motion alone: these rows show what bicubic loses and what each SR method
wins back.
"""),
("code", """
for s, name in (("rgb", "spatial"), ("flow", "temporal")):
    pc = E.per_class_table(h, s, methods).round(1).reset_index()
    reports.save_table(pc, out / f"05_per_class_{name}", caption=caption + f"; TSN {s} top-1 (%) per class")
    display(pc)
"""),
("markdown", """
### How much of the class-deciding detail each method restores (SynthActions)

Each racket video has a bat twin (same group and clip: same actor, motion and noise) that differs only in the mesh
on the held object, and likewise bottle and cup. The share of the twins' HR difference that a method's outputs
reproduce measures the detail it wins back, even where top-1 does not move (`metrics.detail_recovery`).
"""),
("code", """
if is_synth:
    from arsr_lib.sreval import detail_recovery_table
    from arsr_lib.synth import DETAIL_PAIRS

    # every twin pair of the test split; with an evaluation budget (prof.eval_videos), about one video per class
    max_twins = None if prof.eval_videos is None else max(1, prof.eval_videos // len(ds.classes))
    dr = detail_recovery_table(ds, method_checkpoints(runs, [m for m in methods if m != "HR"]), prof.sr_root(),
                               DETAIL_PAIRS, max_twins=max_twins, progress=False)
    reports.save_table(dr.round(1), out / "05_detail_recovery",
                       caption=caption + "; detail recovered = <SR_a - SR_b, HR_a - HR_b> / |HR_a - HR_b|^2 on Y, border 4 px")
    display(dr.round(1))
"""),
("markdown", "## Two-stream fusion: the paper's pairing against bicubic, off-the-shelf SR and HR"),
("code", """
fusion = E.fusion_table(h)
reports.save_table(fusion.round(2), out / "05_fusion", caption=caption)
display(fusion.round(2))
"""),
("markdown", "## Paired tests (same test videos)"),
("code", """
tests = E.paired_tests(h)
reports.save_table(tests.round(3), out / "05_paired_tests", caption=caption + "; paired bootstrap (2000) and exact McNemar")
display(tests.round(3))
"""),
("markdown", """
## Calibration of the dataset

The dataset is meant to make HR accurate and bicubic ×4 clearly worse for both streams (SynthActions issue: aim ≥ 90 %
on HR and ≥ 15 points lower on bicubic).
"""),
("code", """
calib = pd.DataFrame([{"stream": s, "HR top-1 (%)": t.loc[t.method == "HR", "top-1 (%)"].item(),
                       "Bicubic top-1 (%)": t.loc[t.method == "Bicubic", "top-1 (%)"].item()}
                      for s, t in (("spatial (TSN RGB)", spatial), ("temporal (TSN flow)", temporal))])
calib["gap (pts)"] = calib["HR top-1 (%)"] - calib["Bicubic top-1 (%)"]
reports.save_table(calib.round(2), out / "05_calibration", caption=caption)
display(calib.round(2))
"""),
("markdown", "## The paper's Fig. 2: where SR flips the spatial prediction"),
("code", """
fl = E.flips(h, "SoSR")
display(fl)
show(reports.prediction_flip_figure(h.ds, fl, "SoSR", prof.sr_root(), prof.flow_method), "05_prediction_flips.png")
"""),
]

json.dump(nb(cells04), open(OUT / "04_flow_comparison.ipynb", "w"), indent=1)
json.dump(nb(cells05), open(OUT / "05_recognition_tables.ipynb", "w"), indent=1)


cells06 = [
("markdown", """
# 06 · Viewer

A side-by-side look at one test video through every method: LR (nearest-neighbour pixels), Bicubic, each SR model
of the profile and HR. Pick the dataset and the video, scrub or play the frames, choose the methods and the view:

- **frames**, with an optional zoomed crop (the yellow box);
- **flow colour**: the rawframes' quantised flow (the temporal stream's input), Middlebury colours;
- **error vs HR**: mean absolute RGB error against the HR frame;
- **SoSR weight map**: the motion weight of SoSR's loss (from HR flow) over each method's frame;
- **actor mask**: SynthActions' ground-truth actor outline (real datasets have none).

It reads the rawframes that notebooks 01 and 05 wrote (nothing is computed here but the pictures). The widgets need a
live kernel (JupyterLab); the executed copy in `reports/` carries a static picture of every view.
"""),
("code", """
# parameters
profile = "ci"        # whose SR methods to show (make reproduce runs "smoke")
dataset = None      # None: the profile's dataset (a folder under data/rawframes)
video = None        # None: the first test video with complete rawframes
frame = 4
methods = None      # None: LR, Bicubic, SoSR, ToSR-DUF and HR where present
frames_root = None  # None: the project's data/rawframes
data_root = None    # None: the parent of frames_root (SynthActions masks live beside the videos there)
""", ["parameters"]),
("code", """
from IPython.display import Image, display

from arsr_lib import protocol
from arsr_lib.profiles import get_profile
from arsr_lib.viewer import Catalogue, Viewer, Zoom, montage, save_png

prof = get_profile(profile)
out = prof.reports_dir()
out.mkdir(parents=True, exist_ok=True)
frames_dir = prof.frames_root("hr").parent
cat = Catalogue(frames_root or frames_dir.parent, data_root=data_root, profile=prof.name)
print(protocol.describe(prof.flow_method, profile=prof.name))
"""),
("code", """
viewer = Viewer(cat, dataset=dataset or frames_dir.name)
if video:
    viewer.video.value = video
if methods:
    viewer.methods.value = tuple(methods)
viewer.frame.value = frame
viewer.zoom_on.value = True
display(viewer.widget)
"""),
("markdown", "## Every view of the current frame (a static copy for the report)"),
("code", """
pic = montage(cat, viewer.dataset.value, viewer.video.value, list(viewer.methods.value), viewer.frame.value, viewer.zoom())
save_png(pic, out / "06_viewer_views.png")
display(Image(filename=str(out / "06_viewer_views.png")))
"""),
]
json.dump(nb(cells06), open(OUT / "06_viewer.ipynb", "w"), indent=1)
