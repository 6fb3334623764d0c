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
# # 04 · Flow comparison (the paper's Fig. 3)
#
# Optical flow computed on HR frames, on bicubic frames and on each SR method's output, for the same frames,
# colour-coded on one scale per row; the end-point error of each method's flow against the flow of the HR
# video and, on SynthActions, against the true flow of the rendered scene. Uses the SR models trained in
# notebooks 02 and 03.

# %% tags=["parameters"]
profile = "ci"  # make reproduce runs "smoke"; "paper" on a GPU box
config_file = None  # a YAML/TOML experiment instead of a profile
overrides = None  # nested settings of the experiment, e.g. {"compute": {"device": "cuda"}}
n_eval = 12

# %%
import matplotlib

matplotlib.use("Agg")
from IPython.display import display

from arsr_lib.core import protocol
from arsr_lib.report import flow_figures as figures
from arsr_lib.report.io import save_table
from arsr_lib.run.notebook import experiment, start
from arsr_lib.sr.recipes import method_checkpoints
from arsr_lib.sr.sreval import make_sr_videos, quality_table

exp = experiment(profile, config_file, overrides)
session = start(exp)
ds, out, runs = session.ds, session.out, session.runs
print(protocol.describe(exp.data.flow_method, profile=exp.name))

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
moving = [i for i in eval_items if i.class_name in ("ArmCircle", "WalkRight", "SwingBat", "Jump")][:3]
shown = ["Bicubic", "VDSR", "ESRGAN", "ToSR-DUF"]
comparison = figures.flow_comparison_figure(
    ds, moving or eval_items[:3], shown, exp.sr_root(), exp.data.flow_method, with_gt=session.is_synth
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

# %% [markdown]
# ## Temporal consistency

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
