# ---
# jupyter:
#   arsr:
#     stage: recognition
#   jupytext:
#     formats: py:percent
#     notebook_metadata_filter: arsr
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 05 · Recognition tables
#
# TSN (RGB and flow streams, late fusion 1 : 1.5) and ST-ResNet (two streams with motion → appearance
# connections, trained jointly) are trained on HR rawframes of the training split, then applied to the ×4 LR
# test videos after every SR method. Accuracy comes with 95% bootstrap intervals over test videos; paired
# tests compare SoSR with ESRGAN, ToSR with its backbone and the paper's pairing with bicubic. Everything is
# cached: scores are recomputed only when a model, an SR output or the protocol changes.

# %% tags=["parameters"]
profile = "ci"  # make reproduce runs "smoke"; "paper" on a GPU box
config_file = None  # a YAML/TOML experiment instead of a profile
overrides = None  # nested settings of the experiment, e.g. {"compute": {"device": "cuda"}}

# %%
import matplotlib

matplotlib.use("Agg")
import pandas as pd
from IPython.display import display

from arsr_lib.core import protocol
from arsr_lib.data.synth import DETAIL_PAIRS
from arsr_lib.recognition import tables
from arsr_lib.recognition.scores import run_harness
from arsr_lib.report.io import save_table
from arsr_lib.report.recognition_figures import flip_picks, prediction_flip_figure
from arsr_lib.run.notebook import experiment, start
from arsr_lib.sr.recipes import method_checkpoints
from arsr_lib.sr.sreval import detail_recovery_table, detail_twins, make_sr_videos
from arsr_lib.sr.testframes import prepare_method_frames

exp = experiment(profile, config_file, overrides)
session = start(exp)
ds, out, runs = session.ds, session.out, session.runs
print(protocol.describe(exp.data.flow_method, profile=exp.name))

# %% [markdown]
# ## SR first: everything the tables read that needs no recogniser
#
# The LR validation and test frames each stream reads, super-resolved by every method (the spatial stream's
# snippet frames; for a method the temporal stream reads, also its flows' frame pairs), and on SynthActions
# the whole SR videos of the detail-recovery twins. `make reproduce` trains the recognisers meanwhile in a
# second process (`arsr recognisers`); the harness below waits for them.

# %%
evaluated = [ds.test_subset(exp.data.eval_videos)]
if ds.val:
    evaluated.append(ds.validation().test_subset(exp.data.eval_videos))
for split in evaluated:
    prepare_method_frames(exp, split, method_checkpoints(exp), progress=False)
if session.is_synth:
    # every twin pair of the test split; with an evaluation budget (data.eval_videos), about one per class
    budget = exp.data.eval_videos
    max_twins = exp.data.detail_twins or (None if budget is None else max(1, budget // len(ds.classes)))
    twins = [
        v
        for pairs in detail_twins(ds, DETAIL_PAIRS, max_twins=max_twins).values()
        for pair in pairs
        for v in pair
    ]
    make_sr_videos(
        ds, method_checkpoints(exp), exp.sr_root(), twins, device=exp.compute.device, progress=False
    )

# %% [markdown]
# ## Validation first: calibration and the power calculation
#
# Every choice is made on the validation split (groups in no split's train or test list); the test split
# below is read only to report. On validation: the HR / bicubic calibration of both streams here, and (after
# the TSN tables, once ST-ResNet, the last recogniser trained, is there) the discordance rates of each of the
# paper's comparisons, from which the power calculation says how many test videos a 95 % interval of ±3
# points needs.

# %%
val_harness = None
if ds.val:
    val_harness = run_harness(
        exp, ds.validation().test_subset(exp.data.eval_videos), progress=False, evaluated="val"
    )
    val_methods = list(val_harness.frames_roots)
    val_spatial = tables.stream_table(val_harness, "rgb", val_methods)
    val_temporal = tables.stream_table(
        val_harness, "flow", [m for m in val_methods if val_harness.has_stream(m, "flow")]
    )
else:
    print(f"{ds.name} split {ds.split} has no validation list: no validation rows, no power calculation")

# %%
harness = run_harness(exp, ds.test_subset(exp.data.eval_videos), progress=False)
proto = harness.protocol()
rgb_weight, flow_weight = proto["fusion rgb:flow"]
test_protocol = f"{proto['snippets']} snippets x {proto['crops']} crops of {proto['crop']} px"
caption = protocol.describe(
    exp.data.flow_method,
    profile=exp.name,
    test=test_protocol,
    fusion=f"RGB:flow = {rgb_weight}:{flow_weight}",
    videos=f"{len(harness.ds.test)} test videos of split {exp.data.split}",
)
print(caption)

# %% [markdown]
# ## Spatial stream (TSN RGB) per SR method

# %%
methods = list(harness.frames_roots)
spatial = tables.stream_table(harness, "rgb", methods)
save_table(spatial.round(2), out / "05_spatial", caption=caption)
display(spatial.round(2))

# %% [markdown]
# ## Temporal stream (TSN flow) per SR method

# %%
# the methods whose flow is computed: the spatial-only ones (SoSR, SoSR-VDSR) were super-resolved only where
# the spatial stream reads them
temporal_methods = [m for m in methods if harness.has_stream(m, "flow")]
temporal = tables.stream_table(harness, "flow", temporal_methods)
save_table(temporal.round(2), out / "05_temporal", caption=caption)
display(temporal.round(2))

# %% [markdown]
# ## Per class: where each method loses or wins back accuracy
#
# On SynthActions the detail pairs (racket / bat, bottle / cup) are decided by detail that ×4 LR keeps only as
# a faint trace, and the motion pairs by motion alone: these rows show what bicubic loses and what each SR
# method wins back.

# %%
for stream, name, shown in (("rgb", "spatial", methods), ("flow", "temporal", temporal_methods)):
    per_class = tables.per_class_table(harness, stream, shown).round(1).reset_index()
    per_class_caption = caption + f"; TSN {stream} top-1 (%) per class"
    save_table(per_class, out / f"05_per_class_{name}", caption=per_class_caption)
    display(per_class)

# %% [markdown]
# ### How much of the class-deciding detail each method restores (SynthActions)
#
# Each racket video has a bat twin (same group and clip: same actor, motion and noise) that differs only in
# the mesh on the held object, and likewise bottle and cup. The share of the twins' HR difference that a
# method's outputs reproduce measures the detail it wins back, even where top-1 does not move
# (`metrics.detail_recovery`).

# %%
if session.is_synth:
    sr_methods = method_checkpoints(exp, [m for m in methods if m != "HR"])
    recovery = detail_recovery_table(
        ds,
        sr_methods,
        exp.sr_root(),
        DETAIL_PAIRS,
        max_twins=max_twins,
        device=exp.compute.device,
        progress=False,
    )
    metric = "detail recovered = <SR_a - SR_b, HR_a - HR_b> / |HR_a - HR_b|^2 on Y, border 4 px"
    save_table(recovery.round(1), out / "05_detail_recovery", caption=f"{caption}; {metric}")
    display(recovery.round(1))

# %% [markdown]
# ## Power calculation (validation)
#
# How many test videos each of the paper's comparisons needs for a 95 % interval of ±3 points, from the
# discordance rates on validation, and the half-width the test split's size gives.

# %%
if val_harness is not None:
    power = tables.power_table(val_harness, exp.study, len(harness.ds.test), half_width=0.03)
    power_caption = protocol.describe(
        exp.data.flow_method,
        profile=exp.name,
        videos=f"{len(val_harness.ds.test)} validation videos of split {exp.data.split}",
        power="normal approximation, 95 % interval, target +-3 pts",
    )
    save_table(power.round(2), out / "05_power", caption=power_caption)
    print(power_caption)
    display(power.round(2))

# %% [markdown]
# ## Two-stream fusion: the paper's pairing against bicubic, plain SR (ESRGAN + VSR-DUF) and HR

# %%
fusion = tables.fusion_table(harness, exp.study.pairings)
save_table(fusion.round(2), out / "05_fusion", caption=caption)
display(fusion.round(2))

# %% [markdown]
# ## Paired tests (same test videos)

# %%
paired = tables.paired_tests(harness, exp.study)
tests_caption = caption + "; paired bootstrap (2000) and exact McNemar"
save_table(paired.round(3), out / "05_paired_tests", caption=tests_caption)
display(paired.round(3))

# %% [markdown]
# ## Calibration of the dataset
#
# The dataset is meant to make HR accurate and bicubic ×4 clearly worse for both streams (aim: HR accurate and
# bicubic ≥ 15 points lower), measured on validation (where the dataset's settings are chosen) and on test.

# %%
calibration = tables.calibration_table(spatial, temporal, split="test")
if val_harness is not None:
    val_calibration = tables.calibration_table(val_spatial, val_temporal, split="validation")
    calibration = pd.concat([val_calibration, calibration], ignore_index=True)
calibration_caption = (
    caption.replace(
        f"videos={len(harness.ds.test)} test videos",
        f"videos={len(val_harness.ds.test)} validation and {len(harness.ds.test)} test videos",
    )
    if val_harness is not None
    else caption
)
save_table(calibration.round(2), out / "05_calibration", caption=calibration_caption)
display(calibration.round(2))

# %% [markdown]
# ## The paper's Fig. 2: where SR flips the spatial prediction

# %%
flipped = tables.flips(harness, exp.study.flips_method)
display(flipped)
shown = [harness.ds.test[i] for i in flip_picks(flipped)["index"]]  # the figure's clips: whole SR videos
make_sr_videos(
    ds,
    method_checkpoints(exp, [exp.study.flips_method]),
    exp.sr_root(),
    shown,
    device=exp.compute.device,
    bf16=exp.compute.bf16_inference,
    progress=False,
)
session.show(
    prediction_flip_figure(harness.ds, flipped, exp.study.flips_method, exp.sr_root(), exp.data.flow_method),
    "05_prediction_flips.png",
)
