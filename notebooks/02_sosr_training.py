# ---
# jupyter:
#   arsr:
#     stage: sosr
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
# # 02 · SoSR: spatial-oriented SR (flow-weighted MSE)
#
# Trains the ESRGAN family (RRDB-PSNR pre-training with L1, then an ESRGAN fine-tune and a SoSR fine-tune that
# differs only in its pixel term: the optical-flow-weighted MSE of the paper's Eq. 1) and VDSR / SoSR-VDSR,
# then compares their outputs on the test videos. Training runs are cached in `runs/<experiment>/` and resume
# after a kill.

# %% tags=["parameters"]
profile = "ci"  # make reproduce runs "smoke"; "paper" on a GPU box
config_file = None  # a YAML/TOML experiment instead of a profile
overrides = None  # nested settings of the experiment, e.g. {"compute": {"device": "cuda"}}
n_eval = 12  # test videos in the quality table

# %%
import matplotlib

matplotlib.use("Agg")
from IPython.display import display

from arsr_lib import config
from arsr_lib.core import protocol
from arsr_lib.report import sr_figures as figures
from arsr_lib.report.data_figures import class_examples
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
# ## Weight maps: where the SoSR loss looks

# %%
items = class_examples(ds)[:4]
session.show(
    figures.weight_map_figure(
        ds, items, exp.data.flow_method, exp.sr_loss.weight_floor, reference=exp.sr_loss.weight_ref
    ),
    "02_weight_maps.png",
)

# %% [markdown]
# ## Training

# %%
recipes = stage_recipes(exp, "sosr")  # each after the run it starts from
for name in recipes:
    train_recipe(name, exp, session.train_videos, session.val_videos, progress=False)
curves = figures.training_curves(
    {r: runs / r for r in recipes}, ("loss", "pixel", "share_pixel", "gan_d", "val_psnr_y")
)
session.show(curves, "02_training_curves.png")
training, training_caption = training_report(
    {r: runs / r for r in recipes},
    exp.data.flow_method,
    exp.name,
    len(session.val_videos[:VALIDATION_VIDEOS]),
)
save_table(training.round(4), out / "02_training", caption=training_caption)
display(training.round(4))

# %% [markdown]
# ## Outputs on the same crops and the quality table

# %%
methods = method_checkpoints(exp, stage_methods(exp, "sosr"))
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
session.show(
    figures.sr_crops_figure(ds, methods, exp.sr_root(), eval_items[:4], with_gt=session.is_synth),
    "02_sr_crops.png",
)
table = quality_table(ds, methods, exp.sr_root(), eval_items, exp.data.flow_method, with_gt=session.is_synth)
caption = protocol.describe(
    exp.data.flow_method,
    profile=exp.name,
    PSNR=protocol.PSNR_CONVENTION,
    videos=f"{len(eval_items)} test videos",
)
save_table(table.round(3), out / "02_sr_quality", caption=caption)
print(caption)
display(table.round(3))
