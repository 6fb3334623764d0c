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
# # 01 · Data preparation
#
# Locates (or generates) the experiment's dataset, makes the paper's ×4 LR input (MATLAB bicubic, antialiased)
# and the "Bicubic" baseline, extracts TSN-layout rawframes and quantised optical flow for HR, LR and bicubic,
# and shows what the degradation does. Everything here is cached: a re-run only redoes what is missing.
#
# The default profile `smoke` runs on **SynthActions** (generated, not UCF101/HMDB51); the `paper` profile
# points at UCF101 on a GPU box. `config_file` runs any experiment written as YAML/TOML (docs/profiles.md).

# %% tags=["parameters"]
profile = "ci"  # make reproduce runs "smoke"; "paper" on a GPU box
config_file = None  # a YAML/TOML experiment instead of a profile
overrides = None  # nested settings of the experiment, e.g. {"compute": {"device": "cuda"}}
n_show = 10  # classes shown in the figures

# %%
import matplotlib

matplotlib.use("Agg")
from IPython.display import display

from arsr_lib import config
from arsr_lib.core import protocol
from arsr_lib.data.prep import extract_variants
from arsr_lib.data.splitfiles import load_dataset
from arsr_lib.report import data_figures as figures
from arsr_lib.report.io import save_table
from arsr_lib.run.notebook import experiment, start

exp = experiment(profile, config_file, overrides)
print(config.to_dict(exp.data))
print(protocol.describe(exp.data.flow_method, profile=exp.name))

# %% [markdown]
# ## The dataset and its splits

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
# ## Rawframes: HR, LR and bicubic (frames + quantised flow)

# %%
roots = extract_variants(ds, exp)
for variant, root in roots.items():
    print(f"{variant:8s} -> {root}")

# %% [markdown]
# ## What ×4 degradation does
#
# Per class: the HR frame, the LR frame (shown with nearest-neighbour pixels), the bicubic ×4 frame, the actor
# mask (SynthActions ground truth) and the colour-coded flow computed on HR and on bicubic frames, with one
# colour scale per row.

# %%
items = figures.class_examples(ds)[:n_show]
grid = figures.degradation_grid(ds, items, exp.data.flow_method, exp.data.scale, with_gt=session.is_synth)
session.show(grid, "01_degradation_grid.png")

# %% [markdown]
# ## The motion of each class

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
    ds, items, exp.data.flow_method, exp.data.scale, with_gt=session.is_synth, workers=exp.data.workers
)
caption = protocol.describe(exp.data.flow_method, profile=exp.name, videos="first test video per class")
save_table(stats.round(3), out / "01_degradation_stats", caption=caption)
print(caption)
display(stats.round(2))
