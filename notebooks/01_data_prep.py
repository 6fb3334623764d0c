# ---
# jupyter:
#   arsr:
#     stage: data
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
# # 01 · The data: what ×4 low resolution takes from each stream
#
# **The paper's setting (Sec. 1, 3.1.1, 3.2.1).** Two-stream recognisers are trained on high-resolution (HR)
# video. At test time the video is low-resolution: the paper makes it by ×4 bicubic down-sampling (MATLAB
# `imresize(·, 1/4, 'bicubic')`, antialiased), and a recogniser trained on HR frames cannot read it without
# first bringing it back to HR size. Both streams suffer, for different reasons: the spatial stream classifies
# frames and loses the detail that tells classes apart; the temporal stream reads optical flow computed on the
# up-sampled frames, and flow on blurred frames is wrong where it matters.
#
# **What this chapter does.** It locates (or generates) the experiment's dataset and its splits, makes the ×4
# LR input and the *Bicubic* baseline (LR up-sampled ×4 again), and extracts TSN-layout rawframes: JPEG frames
# and optical flow quantised to 8 bits within ±20 px, for HR, LR and bicubic. It then shows, and measures,
# what the degradation does to frames and to flow. Everything is cached: a re-run redoes only what is missing.
#
# The default profiles run on **SynthActions**, a generated dataset in UCF101's layout whose classes are built
# so that the paper's premises can be tested (docs/synthactions.md); the `paper` profile points at UCF101.

# %% tags=["parameters"]
profile = "ci"  # make reproduce runs "smoke"; "paper" on a GPU box
config_file = None  # a YAML/TOML experiment instead of a profile
overrides = None  # nested settings of the experiment, e.g. {"compute": {"device": "cuda"}}
n_show = 10  # classes shown in the figures

# %%
import matplotlib

matplotlib.use("Agg")
from IPython.display import Markdown, display

from arsr_lib import config
from arsr_lib.core import protocol
from arsr_lib.data.prep import extract_variants
from arsr_lib.data.splitfiles import load_dataset
from arsr_lib.data.synth import FINE_MOTION_CLASSES, config_for
from arsr_lib.data.synth.checks import wheel_cue_table
from arsr_lib.report import data_figures as figures
from arsr_lib.report import narrative
from arsr_lib.report.io import save_table
from arsr_lib.run.notebook import experiment, start

exp = experiment(profile, config_file, overrides)
print(config.to_dict(exp.data))
print(protocol.describe(exp.data.flow_method, profile=exp.name))

# %% [markdown]
# ## The dataset and its splits
#
# UCF101 and HMDB51 come with three train/test splits of *groups* (a group's clips share actor and scene, so
# they never straddle train and test). This project adds a validation list of held-out groups: every choice
# (schedules, the dataset's own settings) is made on it, and the test split is read only to report.

# %%
session = start(exp, progress=True)
ds, out = session.ds, session.out
by_split = {
    s: load_dataset(exp.data.dataset, exp.data.split_dir, s, exp.dataset_root()).filter_present()
    for s in (1, 2, 3)
}
splits = figures.split_table(by_split)
save_table(splits, out / "01_splits", caption=f"Splits of {exp.data.dataset} (profile {exp.name})")
display(splits)

# %% [markdown]
# ## SynthActions' design, checked on validation
#
# Each setting of the dataset that a premise rests on is chosen by a check that reads the validation groups
# only, and is recorded here with its check. The turning wheel must be *recoverable* from ×4 LR (else no SR
# can restore it: no test of SR) yet *faint* there (else SR has nothing to add): `wheel_cue_table` counts, per
# number of spokes, the validation clips whose HR and bicubic flow turn the right way, and bicubic's share of
# the HR cue; the dataset takes the most spokes whose bicubic flow still turns the right way in at least
# `study.separable` % of the clips (the LR oracle's bar; more spokes alias, the wagon-wheel effect). The
# camera stays static: a panning one, screened in by `tools/flicker_design.py` (how far a frame-wise SR's
# flow departs from HR flow relative to bicubic's on the validation groups), was rejected by the premise
# checks of its whole run (chapter 05's temporal premise and calibration; reports/calibration/pan_trial/). The
# other choices and the checks that decided them are in docs/synthactions.md ("Which check decided each
# setting"); the LR oracle (chapter 05) confirms the classes are separable from LR frames with the
# recognisers themselves.

# %%
synth_cfg = config_for(exp.data.synth_size) if session.is_synth else None
if synth_cfg is not None and set(FINE_MOTION_CLASSES) <= set(synth_cfg.classes) and synth_cfg.val_groups:
    n = synth_cfg.wheel_spokes
    wheel = wheel_cue_table(synth_cfg, list(range(n - 2, n + 3)), exp.data.flow_method, exp.study.separable)
    wheel_caption = protocol.describe(
        exp.data.flow_method,
        profile=exp.name,
        videos=f"{int(wheel['clips'].iloc[0])} validation clips of TurnWheelCW / TurnWheelCCW",
    ) + (f"; rotation cue: mean curl of the flow over the actor; bar {exp.study.separable:g} %")
    save_table(wheel.round(3).reset_index(), out / "01_wheel_design", caption=wheel_caption)
    display(wheel.round(3))
    chosen = int(wheel.index[wheel["chosen"]][0]) if wheel["chosen"].any() else None
    print(f"the dataset's wheel has {n} spokes; the check chooses {chosen}")
else:
    print("no turning-wheel classes (or no validation groups) in this dataset: no wheel check")

# %% [markdown]
# ## Rawframes: HR, LR and bicubic (frames + quantised flow)
#
# The recognisers never read video files: like TSN's `dense_flow`, each video becomes a folder of JPEG frames
# and of flow images (x and y, linearly mapped from ±20 px to 0–255). HR rawframes train the recognisers; LR
# and bicubic rawframes are the test input without SR.

# %%
roots = extract_variants(ds, exp)
for variant, root in roots.items():
    print(f"{variant:8s} -> {root}")

# %% [markdown]
# ## What ×4 degradation does
#
# Per class: the HR frame, the LR frame (shown with nearest-neighbour pixels), the bicubic ×4 frame, the actor
# mask (SynthActions' ground truth) and the colour-coded flow computed on HR and on bicubic frames, with one
# colour scale per row. The detail pairs (racket / bat, bottle / cup) differ only in a mesh on the held object
# that ×4 reduces to a faint trace; the motion pairs differ only in how the actor moves.

# %%
items = figures.class_examples(ds)[:n_show]
grid = figures.degradation_grid(ds, items, exp.data.flow_method, with_gt=session.is_synth)
session.show(grid, "01_degradation_grid.png")

# %% [markdown]
# ## The motion of each class
#
# The actor's moving parts over time: the temporal stream must tell these apart from flow alone.

# %%
session.show(figures.motion_strip(ds, items), "01_motion_strip.png", dpi=60)

# %% [markdown]
# ## Statistics
#
# Bicubic PSNR against HR (RGB, whole frame and actor region) and the end-point error of the flow computed on
# HR and on bicubic frames against the true flow of the rendered scene (SynthActions) or against HR flow (real
# data).

# %%
stats = figures.degradation_stats(
    ds, items, exp.data.flow_method, with_gt=session.is_synth, workers=exp.data.workers
)
caption = protocol.describe(exp.data.flow_method, profile=exp.name, videos="first test video per class")
save_table(stats.round(3), out / "01_degradation_stats", caption=caption)
print(caption)
display(stats.round(2))

# %% [markdown]
# ## What this shows

# %%
display(Markdown(narrative.degradation_summary(stats)))
