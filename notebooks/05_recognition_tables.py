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
# # 05 · Recognition: the paper's tables
#
# **The paper's claims (Sec. 4).** Recognisers trained on HR video and tested on ×4 LR video do better when
# the video is super-resolved first, and better still with SR tuned for each stream:
#
# 1. **SoSR** (chapter 02) gives the spatial stream more than ESRGAN or VDSR do (the paper's spatial table);
# 2. **ToSR** (chapter 03) gives the temporal stream more than its plain backbone, VSR-DUF or VDSR (the
# temporal    table; the paper's Table B);
# 3. the paper's pairing, **SoSR frames + ToSR flow**, beats bicubic and plain SR in two-stream recognition,
# with    TSN and with ST-ResNet (the two-stream table).
#
# **The recognisers.** TSN: an RGB stream on single frames and a flow stream on 5 stacked flows, trained apart
# and fused late, $s = s_{\mathrm{RGB}} + 1.5\, s_{\mathrm{flow}}$ (TSN's weights). ST-ResNet: an appearance
# and a motion ResNet with motion → appearance residual connections, trained jointly. All are trained on HR
# rawframes of the training split, then read the ×4 LR test videos after each SR method.
#
# **How the claims are read.** Accuracy comes with 95 % bootstrap intervals over test videos. A claim compares
# two methods *on the same videos*: the paired bootstrap interval of the difference and the exact McNemar test
# on the videos one gets right and the other wrong. Every choice was made on the validation split (the
# dataset's calibration and the power calculation below); the test split is read only to report.

# %% tags=["parameters"]
profile = "ci"  # make reproduce runs "smoke"; "paper" on a GPU box
config_file = None  # a YAML/TOML experiment instead of a profile
overrides = None  # nested settings of the experiment, e.g. {"compute": {"device": "cuda"}}

# %%
import matplotlib

matplotlib.use("Agg")
import pandas as pd
from IPython.display import Markdown, display

from arsr_lib.config.seeds import is_variant
from arsr_lib.core import protocol
from arsr_lib.data.synth import DETAIL_PAIRS
from arsr_lib.recognition import tables
from arsr_lib.recognition.oracle import oracle_harness, oracle_table, recoverable_classes, train_oracle
from arsr_lib.recognition.scores import run_harness
from arsr_lib.recognition.swap import ACTOR_RIM, swap_harness, swap_table
from arsr_lib.report import narrative
from arsr_lib.report.captions import recognition_caption
from arsr_lib.report.io import save_table
from arsr_lib.report.recognition_figures import flip_picks, prediction_flip_figure
from arsr_lib.run.notebook import experiment, start
from arsr_lib.sr.recipes import method_checkpoints
from arsr_lib.sr.sreval import detail_recovery_table, make_sr_videos, twin_budget, twin_videos
from arsr_lib.sr.testframes import prepare_method_frames

exp = experiment(profile, config_file, overrides)
session = start(exp)
ds, out, runs = session.ds, session.out, session.runs
study = exp.study
print(protocol.describe(exp.data.flow_method, profile=exp.name))

# %% [markdown]
# ## SR first: everything the tables read that needs no recogniser
#
# The LR validation and test frames each stream reads, super-resolved by every method (the spatial stream's
# snippet frames; for a method the temporal stream reads, also its flows' frame pairs, whose flow is computed
# on the SR frames), and on SynthActions the whole SR videos of the detail twins. `make reproduce` trains the
# recognisers meanwhile in a second process (`arsr recognisers`); the harness below waits for them.

# %%
evaluated = [ds.test_subset(exp.data.eval_videos)]
if ds.val:
    evaluated.append(ds.validation().test_subset(exp.data.eval_videos))
for split in evaluated:
    prepare_method_frames(exp, split, method_checkpoints(exp), progress=False)
if session.is_synth:
    max_twins = twin_budget(exp, len(ds.classes))
    twins = twin_videos(ds, DETAIL_PAIRS, max_twins)
    make_sr_videos(
        ds, method_checkpoints(exp), exp.sr_root(), twins, device=exp.compute.device, progress=False
    )

# %% [markdown]
# ## Validation first: calibration and the power calculation
#
# Validation videos come from groups in no split's train or test list. On them: the HR / bicubic calibration
# of both streams (here), and (after the TSN tables, once ST-ResNet, the last recogniser trained, is there)
# the discordance rates of each claim, from which the power calculation says how many test videos a 95 %
# interval of ±3 points needs.

# %%
val_harness = None
if ds.val:
    val_harness = run_harness(
        exp, ds.validation().test_subset(exp.data.eval_videos), progress=False, evaluated="val"
    )
    val_methods = [m for m in val_harness.frames_roots if not is_variant(m)]  # seed variants: the claims
    val_spatial = tables.stream_table(val_harness, "rgb", val_methods)
    val_temporal = tables.stream_table(
        val_harness, "flow", [m for m in val_methods if val_harness.has_stream(m, "flow")]
    )
else:
    print(f"{ds.name} split {ds.split} has no validation list: no validation rows, no power calculation")

# %% [markdown]
# ### The LR oracle: what ×4 leaves for SR to recover (validation)
#
# Every SR claim presumes that what SR should restore is still in the ×4 LR input: a class whose cue ×4
# destroys outright is no test of any SR method. The oracle asks the LR input directly: the same TSN
# streams, trained on the **Bicubic** frames of the training split instead of HR, read on the validation
# split's Bicubic frames. A class whose oracle top-1 reaches `study.separable` for a stream is *recoverable*
# for it; the calibration below is also given on the recoverable classes alone, and a claim is read where
# its stream's recoverable gap holds. The test split is not read.

# %%
recoverable = None
if val_harness is not None:
    val_eval = ds.validation().test_subset(exp.data.eval_videos)
    lr_oracle = oracle_table(
        val_harness, oracle_harness(exp, val_eval, train_oracle(exp, ds, progress=False)), study.separable
    )
    recoverable = {stream: recoverable_classes(lr_oracle, stream) for stream in ("rgb", "flow")}
    val_videos = f"{len(val_harness.ds.test)} validation videos of split {exp.data.split}"
    oracle_caption = recognition_caption(exp, val_harness, videos=val_videos) + (
        f"; LR oracle: TSN trained on Bicubic frames of the training split; recoverable: oracle top-1 >= "
        f"{study.separable:g} % on validation"
    )
    save_table(lr_oracle.round(1).reset_index(), out / "05_lr_oracle", caption=oracle_caption)
    display(lr_oracle.round(1))
    display(Markdown(narrative.oracle_summary(lr_oracle, study.separable)))

# %%
harness = run_harness(exp, ds.test_subset(exp.data.eval_videos), progress=False)
caption = recognition_caption(exp, harness)
print(caption)

# %% [markdown]
# ## Spatial stream (TSN RGB) per SR method: claim 1
#
# HR frames are the ceiling, bicubic ×4 the floor; each SR method's frames in between.

# %%
methods = [m for m in harness.frames_roots if not is_variant(m)]  # seed variants: read by the claims
spatial = tables.stream_table(harness, "rgb", methods)
save_table(spatial.round(2), out / "05_spatial", caption=caption)
display(spatial.round(2))
display(Markdown(narrative.stream_summary(spatial, "spatial")))

# %% [markdown]
# ## Temporal stream (TSN flow) per SR method: claim 2
#
# Flow computed on each method's frames. Only the methods whose flow some table reads were super-resolved for
# this stream (the study's flow consumers); SoSR feeds the spatial stream alone.

# %%
temporal_methods = [m for m in methods if harness.has_stream(m, "flow")]
temporal = tables.stream_table(harness, "flow", temporal_methods)
save_table(temporal.round(2), out / "05_temporal", caption=caption)
display(temporal.round(2))
display(Markdown(narrative.stream_summary(temporal, "temporal")))

# %% [markdown]
# ### The paper's temporal premise (validation)
#
# ToSR exists because frame-wise SR flickers and flicker corrupts the flow (the paper's Fig. 3 and 4). Per
# method: the temporal stream's top-1 on validation and test beside its flow's error against HR flow and its
# frames' warping error on validation (chapter 04). The premise is met where a frame-wise SR method's flow
# does worse than bicubic's; ToSR's claim is read against its plain twin there.

# %%
if val_harness is not None and (out / "04_flow_epe_val.csv").is_file():
    premise = tables.temporal_premise(
        val_temporal,
        temporal,
        pd.read_csv(out / "04_flow_epe_val.csv"),
        pd.read_csv(out / "04_temporal_consistency_val.csv"),
    )
    premise_caption = recognition_caption(
        exp,
        harness,
        videos=f"{len(val_harness.ds.test)} validation and {len(harness.ds.test)} test videos; EPE and "
        f"warping error: chapter 04's validation videos",
    )
    save_table(premise.round(3), out / "05_temporal_premise", caption=premise_caption)
    display(premise.round(3))
    display(Markdown(narrative.flicker_summary(premise)))

# %% [markdown]
# ### The spatial premise's second half: SR detail on the background (validation, then test)
#
# The paper's Fig. 2b: SR hallucinates texture on the background, where an HR-trained recogniser that reads
# scene context can be misled. On SynthActions half the clips are filmed in their class's scene
# (`SynthConfig.scene_context`), so the background carries context as real classes' do. The swap test keeps
# the HR actor (the exact masks, dilated by 2 px) and pastes in each method's background; the HR spatial
# stream's predictions that change then changed because of the background alone. Bicubic's background, which
# only lost its detail, is the reference.

# %%
if session.is_synth:
    swapped = [m for m in study.stages["sosr"] if m in harness.frames_roots and m != "HR"]
    swap_parts = []
    for split_name, base in (("validation", val_harness), ("test", harness)):
        if base is None:
            continue
        sub = "val" if base is val_harness else "test"
        pasted = swap_harness(base, swapped, exp.frames_root("swap"), runs / f"scores-swap-{sub}")
        swap_parts.append(pd.concat({split_name: swap_table(base, pasted, swapped)}, names=["split"]))
    swap = pd.concat(swap_parts)
    swap_caption = recognition_caption(
        exp,
        harness,
        videos=(f"{len(val_harness.ds.test)} validation and " if val_harness is not None else "")
        + f"{len(harness.ds.test)} test videos; HR actor (masks dilated by {ACTOR_RIM} px) + each method's "
        "background; TSN RGB",
    )
    save_table(swap.round(1).reset_index(), out / "05_background_swap", caption=swap_caption)
    display(swap.round(1))
    display(Markdown(narrative.swap_summary(swap)))

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
# method's outputs reproduce,
#
# $$r = \frac{\langle \mathrm{SR}_a - \mathrm{SR}_b,\ \mathrm{HR}_a - \mathrm{HR}_b \rangle}
# {\lVert \mathrm{HR}_a - \mathrm{HR}_b \rVert^2},$$
#
# measures the detail it wins back, even where top-1 does not move.

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
    display(Markdown(narrative.detail_summary(recovery)))

# %% [markdown]
# ## Power calculation (validation)
#
# How many test videos each claim needs for a 95 % interval of ±3 points, from the discordance rates on
# validation, and the half-width the test split's size gives.

# %%
if val_harness is not None:
    power = tables.power_table(val_harness, study, len(harness.ds.test), half_width=0.03)
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
# ## Two-stream recognition: claim 3
#
# Each pairing gives the spatial stream one method's frames and the temporal stream another's flow: the
# paper's pairing against bicubic, plain SR (the SR models trained for looks) and HR, with TSN's late fusion
# and with ST-ResNet.

# %%
fusion = tables.fusion_table(harness, study.pairings)
save_table(fusion.round(2), out / "05_fusion", caption=caption)
display(fusion.round(2))
display(Markdown(narrative.fusion_summary(fusion, study.paper_pairing, study.two_stream_baselines)))

# %% [markdown]
# ## The claims as paired tests (same test videos)
#
# On the experiment's own runs: the difference in top-1 (points) with its paired-bootstrap 95 % interval,
# the videos only *a* or only *b* gets right, and the exact McNemar p. Over every training seed of the
# compared models (`study.seeds`): the mean paired difference, its 95 % interval from a two-stage bootstrap
# over seeds and over groups of videos (a group's videos share actor, scene and generator seed), its p
# value, each seed's difference, and the minimum detectable effect at 80 % power; the verdicts below read
# this interval.

# %%
paired = tables.paired_tests(harness, study)
tests_caption = caption + "; paired bootstrap (2000) and exact McNemar"
save_table(paired.round(3), out / "05_paired_tests", caption=tests_caption)
display(paired.round(3))

# %% [markdown]
# ## Calibration of the dataset
#
# The dataset is meant to make HR accurate and bicubic ×4 clearly worse for both streams (aim: bicubic at
# least 15 points below HR), measured on validation (where the dataset's settings are chosen) and on test,
# and on validation again over the classes the LR oracle found recoverable (what SR can act on). A claim
# about SR can only be read where this premise holds for the stream it concerns.

# %%
calibration = tables.calibration_table(spatial, temporal, split="test")
calibration_caption = caption
if val_harness is not None:
    val_calibration = tables.calibration_table(val_spatial, val_temporal, split="validation")
    parts = [val_calibration, calibration]
    if recoverable is not None:
        parts.insert(1, tables.recoverable_calibration(val_harness, recoverable))
    calibration = pd.concat(parts, ignore_index=True)
    both = f"{len(val_harness.ds.test)} validation and {len(harness.ds.test)} test videos"
    calibration_caption = recognition_caption(exp, harness, videos=both)
save_table(calibration.round(2), out / "05_calibration", caption=calibration_caption)
display(calibration.round(2))
display(Markdown(narrative.calibration_summary(calibration)))

# %% [markdown]
# ## The paper's Fig. 2: where SR flips the spatial prediction
#
# Test videos whose spatial prediction changes between bicubic and the study's `flips_method` frames, for
# better or worse, and a few of them side by side.

# %%
flipped = tables.flips(harness, study.flips_method)
display(flipped)
shown = [harness.ds.test[i] for i in flip_picks(flipped)["index"]]  # the figure's clips: whole SR videos
make_sr_videos(
    ds,
    method_checkpoints(exp, [study.flips_method]),
    exp.sr_root(),
    shown,
    device=exp.compute.device,
    bf16=exp.compute.bf16_inference,
    progress=False,
)
session.show(
    prediction_flip_figure(harness.ds, flipped, study.flips_method, exp.sr_root(), exp.data.flow_method),
    "05_prediction_flips.png",
)

# %% [markdown]
# ## Summary: what this run says about the paper's claims
#
# Each claim with its verdict, read from the paired-test table above: it *holds* on these videos where the
# whole 95 % interval is above zero, is *reversed* where it is below, and these videos cannot tell where it
# spans zero. Read a claim only where the calibration above says its stream's premise holds, and against the
# power calculation: an interval wider than the effect looked for decides nothing. On SynthActions these are
# findings about SynthActions, not UCF101 (README, docs/results.md).

# %%
display(Markdown(narrative.calibration_summary(calibration)))
display(Markdown(narrative.paired_summary(paired)))
