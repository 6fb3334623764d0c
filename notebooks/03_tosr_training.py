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
# # 03 · ToSR: temporal-oriented SR (siamese training with warping losses)
#
# Trains VSR-DUF (Huber) and fine-tunes it as a siamese network on frame pairs (t-2, t) with the two warping
# losses (ToSR-DUF); does the same from VDSR (ToSR-VDSR, reusing notebook 02's VDSR run). Shows the training
# pairs, the curves, the flicker of frame-by-frame SR against ToSR (the paper's Fig. 4) and a
# temporal-consistency table.

# %% tags=["parameters"]
profile = "ci"  # make reproduce runs "smoke"; "paper" on a GPU box
config_file = None  # a YAML/TOML experiment instead of a profile
overrides = None  # nested settings of the experiment, e.g. {"compute": {"device": "cuda"}}
n_eval = 12

# %%
import matplotlib

matplotlib.use("Agg")
from IPython.display import display

from arsr_lib import config
from arsr_lib.core import protocol
from arsr_lib.report import sr_figures as figures
from arsr_lib.report.io import save_table
from arsr_lib.run.notebook import experiment, start
from arsr_lib.sr.recipes import (
    VALIDATION_VIDEOS,
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
# ## Siamese training pairs (motion-ranked, warp-checked)

# %%
from arsr_lib.sr.pairs import PairConfig, ToSRPairDataset
from arsr_lib.sr.recipes import video_source

pair_cfg = PairConfig(patch=48, gap=exp.pairs.gap, top_k=exp.pairs.top_k, stride=(12, 10), margin=3)
pairs = ToSRPairDataset(
    video_source(exp, session.train_videos[:6]), pair_cfg, pairs_per_video=2, augment=False
)
print(f"{len(pairs)} patch pairs kept, {pairs.excluded} excluded by the warp check")
shown = [pairs[i] for i in range(0, len(pairs), max(1, len(pairs) // 3))]
session.show(figures.siamese_pair_figure(shown), "03_siamese_pairs.png")

# %% [markdown]
# ## Training

# %%
recipes = stage_recipes(exp, "tosr")  # VDSR, their start for ToSR-VDSR, is trained in 02
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

# %% [markdown]
# ## Flicker (the paper's Fig. 4) and temporal consistency

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
moving = [i for i in eval_items if i.class_name in ("ArmCircle", "WalkRight", "Jump")] or eval_items
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
