# ---
# jupyter:
#   arsr:
#     stage: flow
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
# # 04 · Flow on SR video (the paper's Fig. 3)
#
# **The paper's claim (Sec. 3.2.1).** Optical flow computed on SR video can be *worse* than flow computed on
# bicubic video: SR adds texture and reconstructs each frame a little differently, and the flow method reads
# those differences as motion. This is the premise behind ToSR, and behind giving the temporal stream its own
# SR.
#
# **What this chapter does.** For the same test frames it computes flow on HR frames, on bicubic frames and on
# each SR method's output (the study's `flow_compared` methods, with the experiment's flow method and the
# protocol's ±20 px bound), shows it colour-coded on one scale per row, and measures the end-point error
#
# $$\mathrm{EPE} = \frac{1}{N}\sum_p \big\lVert F^{\mathrm{SR}}_p - F^{\mathrm{ref}}_p \big\rVert_2$$
#
# against the flow of the HR video and, on SynthActions, against the true flow of the rendered scene (on the
# whole frame and on the actor). The warping error of each method's video says how much it flickers.

# %% tags=["parameters"]
profile = "ci"  # make reproduce runs "smoke"; "paper" on a GPU box
config_file = None  # a YAML/TOML experiment instead of a profile
overrides = None  # nested settings of the experiment, e.g. {"compute": {"device": "cuda"}}
n_eval = 12  # test videos in the tables

# %%
import matplotlib

matplotlib.use("Agg")
from IPython.display import Markdown, display

from arsr_lib.core import protocol
from arsr_lib.report import flow_figures as figures
from arsr_lib.report import narrative
from arsr_lib.report.data_figures import moving_examples
from arsr_lib.report.io import save_table
from arsr_lib.run.notebook import experiment, start
from arsr_lib.sr.recipes import method_checkpoints
from arsr_lib.sr.sreval import make_sr_videos, quality_table

exp = experiment(profile, config_file, overrides)
session = start(exp)
ds, out, runs = session.ds, session.out, session.runs
print(protocol.describe(exp.data.flow_method, profile=exp.name))

# %% [markdown]
# ## The flow fields
#
# Rows: moving test clips; columns: the flow computed on HR, on bicubic and on a few SR methods' frames (and
# the true flow on SynthActions). Speckle away from the actor is flow the method invented.

# %%
methods = method_checkpoints(exp, exp.study.flow_compared)
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
shown = [m for m in ("Bicubic", "VDSR", "ESRGAN", "ToSR-DUF") if m in methods]
comparison = figures.flow_comparison_figure(
    ds, moving_examples(eval_items)[:3], shown, exp.sr_root(), exp.data.flow_method, with_gt=session.is_synth
)
session.show(comparison, "04_flow_comparison.png")

# %% [markdown]
# ## Flow error against HR flow and against the true flow

# %%
epe = figures.flow_epe_table(
    ds, eval_items, list(methods), exp.sr_root(), exp.data.flow_method, with_gt=session.is_synth
)
epe_definition = "mean end-point error (px) over all frame pairs"
caption = protocol.describe(
    exp.data.flow_method, profile=exp.name, EPE=epe_definition, videos=f"{len(eval_items)} test videos"
)
save_table(epe.round(3), out / "04_flow_epe", caption=caption)
print(caption)
display(epe.round(3))
display(Markdown(narrative.epe_summary(epe)))

# %% [markdown]
# ## Temporal consistency
#
# The warping error $\lvert X_t - W(X_{t+1}, F)\rvert$ between consecutive frames of each method's video ($F$:
# the true flow on SynthActions, else HR flow): flicker that the flow method would read as motion.

# %%
consistency = quality_table(
    ds, methods, exp.sr_root(), eval_items, exp.data.flow_method, with_gt=session.is_synth
)[["method", "warping error"]]
caption = protocol.describe(
    exp.data.flow_method,
    profile=exp.name,
    warping_error="mean |X_t - W(X_t+1, F)| (0-255), F = " + ("true flow" if session.is_synth else "HR flow"),
)
save_table(consistency.round(3), out / "04_temporal_consistency", caption=caption)
display(consistency.round(3))

# %% [markdown]
# ## The same on validation: where the temporal premise is checked
#
# Chapter 05 reads these beside each method's temporal-stream accuracy on validation: the paper's premise is
# a frame-wise SR whose flicker (warping error) corrupts its flow (EPE against HR flow) enough that the
# temporal stream does worse on it than on bicubic.

# %%
val_items = session.val_items(n_eval)
if val_items:
    make_sr_videos(
        ds,
        methods,
        exp.sr_root(),
        val_items,
        device=exp.compute.device,
        bf16=exp.compute.bf16_inference,
        progress=False,
    )
    val_epe = figures.flow_epe_table(
        ds, val_items, list(methods), exp.sr_root(), exp.data.flow_method, with_gt=session.is_synth
    )
    val_consistency = quality_table(
        ds, methods, exp.sr_root(), val_items, exp.data.flow_method, with_gt=session.is_synth
    )[["method", "warping error"]]
    videos = f"{len(val_items)} validation videos"
    caption = protocol.describe(exp.data.flow_method, profile=exp.name, EPE=epe_definition, videos=videos)
    save_table(val_epe.round(3), out / "04_flow_epe_val", caption=caption)
    save_table(val_consistency.round(3), out / "04_temporal_consistency_val", caption=caption)
    display(val_epe.round(3))
    display(val_consistency.round(3))

# %% [markdown]
# ## What this shows
#
# The paper's premise holds on these videos where some SR method's flow is *further* from HR flow than
# bicubic's, and where that method flickers most. Chapter 05 reads what the temporal stream makes of it.

# %%
display(Markdown(narrative.epe_summary(epe)))
display(Markdown(narrative.quality_summary(consistency)))
