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
# # 02 · SoSR: super-resolution for the spatial stream
#
# **The paper's claim (Sec. 3.1).** The spatial stream classifies single frames, so SR helps it where it
# restores the detail that tells classes apart, and can hurt it where it invents detail elsewhere (the paper's
# Fig. 2: sharpened background texture misleads an HR-trained recogniser). The regions that decide an action
# are the moving ones, the actor. SoSR therefore fine-tunes ESRGAN with a pixel loss weighted by optical flow
# computed on the HR frames, so that reconstruction errors on moving pixels cost most (Eq. 1):
#
# $$L_{\mathrm{WMSE}} = \frac{1}{N}\sum_{p} w_p \,\lVert \mathrm{SR}_p - \mathrm{HR}_p \rVert^2,
# \qquad w_p = f\!\left(\sqrt{u_p^2 + v_p^2}\right)$$
#
# with $(u_p, v_p)$ the HR flow at pixel $p$ and $N$ the number of pixels; the full SoSR objective (Eq. 2)
# adds ESRGAN's feature and adversarial terms, $L_{\mathrm{SoSR}} = \lambda_{\mathrm{pix}} L_{\mathrm{WMSE}} +
# \lambda_{\mathrm{fea}} L_{\mathrm{feat}} + \lambda_{\mathrm{adv}} L_{\mathrm{adv}}$.
#
# **As implemented here** (docs/models.md, docs/deviations.md): $w_p = \mathrm{floor} + (1 - \mathrm{floor})
# \min(m_p / m_{\mathrm{ref}}, 1)$ with $m_p$ the HR flow magnitude, normalised as the experiment's
# `sr_loss.weight_form` says (`code` is the authors' form $\mathrm{mse}(w \odot \mathrm{SR}, w \odot
# \mathrm{HR})$, which weights by $w^2$). **ESRGAN** is the same fine-tune with a plain MSE, from the
# same start, schedule and seed, so that SoSR and ESRGAN differ only in the weight map (with several training
# seeds, `study.seeds`, each seed of each; docs/profiles.md); **SoSR-VDSR** applies the weighted loss to VDSR,
# the paper's other backbone.
#
# **What this chapter does.** It shows the weight maps, trains the ESRGAN family (RRDB-PSNR pre-training with
# L1, then the ESRGAN and SoSR fine-tunes) and VDSR / SoSR-VDSR, and compares their outputs on test videos.
# Training runs are cached in `runs/<experiment>/` and resume after a kill; whether SoSR helps *recognition*
# is read in chapter 05.

# %% tags=["parameters"]
profile = "ci"  # make reproduce runs "smoke"; "paper" on a GPU box
config_file = None  # a YAML/TOML experiment instead of a profile
overrides = None  # nested settings of the experiment, e.g. {"compute": {"device": "cuda"}}
n_eval = 12  # test videos in the quality table

# %%
import matplotlib

matplotlib.use("Agg")
from IPython.display import Markdown, display

from arsr_lib import config
from arsr_lib.core import protocol
from arsr_lib.report import narrative
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
# ## Where the SoSR loss looks: the weight maps
#
# For a few training frames: the HR frame, its flow and the weight map $w$ over it. Pixels that do not move
# keep the floor weight; the actor's moving limbs and held objects get up to full weight.

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
#
# The study's `sosr` stage: each recipe after the run it starts from. The curves show the loss terms, each
# term's share of the generator's gradient, the discriminator's loss and PSNR-Y on validation patches; the
# table says where each run's validation PSNR started and ended, and how the last part of the run moved it.

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
display(Markdown(narrative.training_summary(training)))

# %% [markdown]
# ## Outputs on the same crops, and their quality
#
# Every method of the stage on the same test videos: crops of the actor, then PSNR-Y and SSIM-Y over the whole
# frame, PSNR-Y on the actor (SynthActions' mask), PSNR-Y weighted by motion as Eq. 1 weights it, and the
# warping error between consecutive SR frames (low: temporally consistent).

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

# %% [markdown]
# ## What this shows
#
# SoSR's aim is the actor: compare its *actor PSNR-Y* with ESRGAN's, its plain-loss twin, in the sentence
# below (read from the table above). Whether the difference reaches recognition is chapter 05's paired test
# *SoSR vs ESRGAN (spatial)*.

# %%
display(Markdown(narrative.quality_summary(table)))
