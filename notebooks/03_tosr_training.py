# ---
# jupyter:
#   arsr:
#     stage: tosr
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
# # 03 · ToSR: super-resolution for the temporal stream
#
# **The paper's claim (Sec. 3.2).** The temporal stream reads optical flow computed on the SR video, so SR
# must produce frames from which good flow can be computed. SR that treats frames independently flickers: the
# same point is reconstructed a little differently in consecutive frames, and the flow computed between them
# is full of artefacts (the paper's Fig. 3 and 4). ToSR trains the SR network as a **siamese network**: two
# frames $t_1 < t_2$ of a video go through the same network, and besides each frame's reconstruction loss two
# warping losses tie them together, with the later SR frame warped back onto the earlier one by the flow
# $F_{1\to 2}$ computed on the HR frames (bilinear backward warping $W$; $\rho$ the Huber loss, $\delta =
# 0.01$; Eq. 3 as the authors' code computes it):
#
# $$L_{\mathrm{ToSR}} = \rho(\mathrm{HR}_1, \mathrm{SR}_1) + \rho(\mathrm{HR}_2, \mathrm{SR}_2)
#   + \underbrace{\rho\big(\mathrm{SR}_1, W(\mathrm{SR}_2, F_{1\to 2})\big)}_{L_{\mathrm{warp\text{-}SR}}}
#   + \underbrace{\rho\big(\mathrm{HR}_1, W(\mathrm{SR}_2, F_{1\to 2})\big)}_{L_{\mathrm{warp\text{-}HR}}}$$
#
# ToSR is a training scheme that wraps any SR network: the paper's final model is VSR-DUF (16 layers, 7 input
# frames); VDSR, which sees one frame, is its other backbone.
#
# **What this chapter does.** It shows the training pairs (frames `gap` apart, patches where the HR flow moves
# most, kept only where warping by the HR flow actually aligns them), trains VSR-DUF with its Huber loss and
# fine-tunes it with the siamese loss (**ToSR-DUF**), does the same from chapter 02's VDSR (**ToSR-VDSR**),
# and measures flicker: the warping error between consecutive SR frames. Whether ToSR helps *recognition* is
# read in chapter 05.

# %% tags=["parameters"]
profile = "ci"  # make reproduce runs "smoke"; "paper" on a GPU box
config_file = None  # a YAML/TOML experiment instead of a profile
overrides = None  # nested settings of the experiment, e.g. {"compute": {"device": "cuda"}}
n_eval = 12  # test videos in the temporal-consistency table

# %%
import matplotlib

matplotlib.use("Agg")
from IPython.display import Markdown, display

from arsr_lib import config
from arsr_lib.core import protocol
from arsr_lib.report import narrative
from arsr_lib.report import sr_figures as figures
from arsr_lib.report.data_figures import moving_examples
from arsr_lib.report.io import save_table
from arsr_lib.run.notebook import experiment, start
from arsr_lib.sr.recipes import (
    VALIDATION_VIDEOS,
    example_pairs,
    method_checkpoints,
    stage_methods,
    stage_recipes,
    train_recipe,
)
from arsr_lib.sr.sreval import make_sr_videos, quality_table, training_report

exp = experiment(profile, config_file, overrides)
session = start(exp)
ds, out, runs = session.ds, session.out, session.runs
print(protocol.describe(exp.data.flow_method, profile=exp.name, SR_losses=config.to_dict(exp.sr_loss)))

# %% [markdown]
# ## The siamese training pairs
#
# Each sample holds both LR windows, both HR frames and the HR flow between them. Patches are ranked by how
# much the HR flow moves inside them (the authors' top-k mining); a patch is dropped when warping the later HR
# frame by the flow does not bring it closer to the earlier one (occlusions, flow errors), the authors' warp
# check.

# %%
pairs = example_pairs(exp, session.train_videos[:6])
print(f"{len(pairs)} patch pairs kept, {pairs.excluded} excluded by the warp check")
shown = [pairs[i] for i in range(0, len(pairs), max(1, len(pairs) // 3))]
session.show(figures.siamese_pair_figure(shown), "03_siamese_pairs.png")

# %% [markdown]
# ## Training
#
# The study's `tosr` stage, each recipe after the run it starts from (ToSR-VDSR starts from chapter 02's
# VDSR). The curves show the siamese loss, its warping term and PSNR-Y on validation patches.

# %%
recipes = stage_recipes(exp, "tosr")
for name in recipes:
    train_recipe(name, exp, session.train_videos, session.val_videos, progress=False)
curves = figures.training_curves({r: runs / r for r in recipes}, ("loss", "total", "warp_sr", "val_psnr_y"))
session.show(curves, "03_training_curves.png")
training, training_caption = training_report(
    {r: runs / r for r in recipes},
    exp.data.flow_method,
    exp.name,
    len(session.val_videos[:VALIDATION_VIDEOS]),
)
save_table(training.round(4), out / "03_training", caption=training_caption)
display(training.round(4))
display(Markdown(narrative.training_summary(training)))

# %% [markdown]
# ## Flicker (the paper's Fig. 4) and temporal consistency
#
# A thin slice of a moving actor across time, for HR, bicubic and each SR method: frame-by-frame SR shows as
# jitter along the time axis. The table gives PSNR-Y and the warping error $\lvert X_t - W(X_{t+1}, F)\rvert$
# between consecutive output frames, with $F$ the true flow of the scene (SynthActions) or the HR flow: the
# lower, the more consistent the video.

# %%
methods = method_checkpoints(exp, stage_methods(exp, "tosr"))
eval_items = session.eval_items(n_eval)
make_sr_videos(
    ds,
    methods,
    exp.sr_root(),
    eval_items,
    device=exp.compute.device,
    bf16=exp.compute.bf16_inference,
    progress=False,
)
moving = moving_examples(eval_items)
session.show(
    figures.flicker_figure(ds, moving[0], methods, exp.sr_root(), with_gt=session.is_synth), "03_flicker.png"
)
table = quality_table(ds, methods, exp.sr_root(), eval_items, exp.data.flow_method, with_gt=session.is_synth)
flow_ref = "true flow of the rendered scene" if session.is_synth else f"{exp.data.flow_method} flow of HR"
caption = protocol.describe(
    exp.data.flow_method,
    profile=exp.name,
    PSNR=protocol.PSNR_CONVENTION,
    warping_error=f"mean |X_t - W(X_t+1, F)| (0-255), F = {flow_ref}",
    videos=f"{len(eval_items)} test videos",
)
save_table(table.round(3), out / "03_temporal_consistency", caption=caption)
print(caption)
display(table.round(3))

# %% [markdown]
# ## What this shows
#
# ToSR's aim is a warping error closer to the HR video's own (which is not zero: the warp interpolates, and
# occluded pixels have no match) than its plain twin's, at a PSNR-Y close to it. Whether the temporal stream
# reads the difference is chapter 05's paired tests *ToSR-DUF vs VSR-DUF* and *ToSR-VDSR vs VDSR (temporal)*.

# %%
display(Markdown(narrative.quality_summary(table)))
