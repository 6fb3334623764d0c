# ---
# jupyter:
#   arsr:
#     stage: viewer
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
# # 06 · Viewer
#
# A side-by-side look at one test video through every method: LR (nearest-neighbour pixels), Bicubic, each SR
# model of the experiment and HR. Pick the dataset and the video, scrub or play the frames, choose the methods
# and the view:
#
# - **frames**, with an optional zoomed crop (the yellow box);
# - **flow colour**: the rawframes' quantised flow (the temporal stream's input), Middlebury colours;
# - **error vs HR**: mean absolute RGB error against the HR frame;
# - **SoSR weight map**: the motion weight of SoSR's loss (from HR flow) over each method's frame;
# - **actor mask**: SynthActions' ground-truth actor outline (real datasets have none).
#
# It is the paper's qualitative figures made interactive: what chapter 02's crops, chapter 04's flow fields
# and chapter 05's prediction flips show for a few videos, for any video and frame. It reads the rawframes
# that chapters 01 and 05 wrote (nothing is computed here but the pictures). The
# widgets need a live kernel (JupyterLab); the executed copy in `reports/` carries a static picture of every
# view.

# %% tags=["parameters"]
profile = "ci"  # whose SR methods to show (make reproduce runs "smoke")
config_file = None  # a YAML/TOML experiment instead of a profile
overrides = None  # nested settings of the experiment, e.g. {"compute": {"device": "cuda"}}
dataset = None  # None: the experiment's dataset (a folder under data/rawframes)
video = None  # None: the first test video with complete rawframes
frame = 4
methods = None  # None: LR, Bicubic, SoSR, ToSR-DUF and HR where present
frames_root = None  # None: the project's data/rawframes
data_root = None  # None: the parent of frames_root (SynthActions masks live beside the videos there)

# %%
from IPython.display import Image, display

from arsr_lib.core import protocol
from arsr_lib.report.viewer import Catalogue, montage, save_png
from arsr_lib.report.viewer_widget import Viewer
from arsr_lib.run.notebook import experiment, start

exp = experiment(profile, config_file, overrides)
out = start(exp, load_data=False).out
frames_dir = exp.frames_root("hr").parent
catalogue = Catalogue(frames_root or frames_dir.parent, data_root=data_root, profile=exp.name)
print(protocol.describe(exp.data.flow_method, profile=exp.name))

# %%
viewer = Viewer(catalogue, dataset=dataset or frames_dir.name)
if video:
    viewer.video.value = video
if methods:
    viewer.methods.value = tuple(methods)
viewer.frame.value = frame
viewer.zoom_on.value = True
display(viewer.widget)

# %% [markdown]
# ## Every view of the current frame (a static copy for the report)

# %%
views = montage(
    catalogue,
    viewer.dataset.value,
    viewer.video.value,
    list(viewer.methods.value),
    viewer.frame.value,
    viewer.zoom(),
)
save_png(views, out / "06_viewer_views.png")
display(Image(filename=str(out / "06_viewer_views.png")))
