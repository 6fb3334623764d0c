"""Protocols pinned in code. Every number the project reports is printed beside ``describe()``.

Sources: TSN's dense_flow (flow bound 20, linear quantisation with rounding, JPEG), OpenCV
2.4's TV-L1 defaults used by dense_flow and by the authors, the paper's x4 bicubic
degradation, BasicSR's PSNR convention (Y of ITU-R BT.601, border cropped by the scale).
"""

from __future__ import annotations

SCALE = 4  # the paper's x4 throughout

# --- optical flow -------------------------------------------------------------------------
# "tvl1_torch": OpenCV's TV-L1 algorithm with the same parameters, batched in torch on any device
# (arsr_lib.data.tvl1; reports/benchmarks/bench_tvl1.md measures how close the two are)
FLOW_METHODS = ("tvl1", "tvl1_torch", "dis", "farneback")  # the optical-flow methods an experiment can use
FLOW_BOUND = 20.0  # TSN dense_flow `-b 20`: clip to +-20 px before quantising
FLOW_JPEG_QUALITY = 95  # cv::imwrite default used by dense_flow
FRAME_JPEG_QUALITY = 95

# TV-L1 as in dense_flow (OpenCV 2.4.13 OpticalFlowDual_TVL1_GPU defaults) mapped onto
# OpenCV 4's cv2.optflow.DualTVL1OpticalFlow:
#   tau, lambda, theta, nscales, warps, epsilon: same meaning, same values;
#   2.4's single `iterations=300` (max iterations per warp) = outerIterations 10 x
#   innerIterations 30 in 4.x (the 4.x defaults; the stopping test on epsilon is unchanged);
#   2.4 built its pyramid with pyrDown, i.e. scaleStep 0.5 (4.x default is 0.8);
#   2.4 had no median filtering of the flow: medianFiltering=1 disables it (4.x default 5);
#   gamma=0 (no illumination term, 4.x default), no initial flow.
TVL1_PARAMS = dict(
    tau=0.25,
    lambda_=0.15,
    theta=0.3,
    nscales=5,
    warps=5,
    epsilon=0.01,
    innnerIterations=30,
    outerIterations=10,
    scaleStep=0.5,
    gamma=0.0,
    medianFiltering=1,
    useInitialFlow=False,
)
# DIS (the fast default of CPU smoke profiles): OpenCV's MEDIUM preset.
DIS_PRESET = "medium"
# Farneback: OpenCV's documented example parameters.
FARNEBACK_PARAMS = dict(pyr_scale=0.5, levels=3, winsize=15, iterations=3, poly_n=5, poly_sigma=1.2, flags=0)

# --- rawframes layout (TSN / mmaction2 / denseflow) -----------------------------------------
IMG_TMPL = "img_{:05d}.{ext}"  # 1-based
FLOW_TMPL = "flow_{axis}_{:05d}.{ext}"  # flow k = frame k -> frame k+1 (1-based)

# --- SR metrics ------------------------------------------------------------------------------
PSNR_CONVENTION = (
    "Y (ITU-R BT.601, 16-235; grey images on their own channel), border cropped by the scale (4 px), float64"
)


def describe(flow_method: str | None = None, **extra: object) -> str:
    """One line naming the protocol, printed beside every table and figure."""
    parts = [f"scale x{SCALE} (MATLAB bicubic, antialiased, uint8)"]
    if flow_method:
        parts.append(
            f"flow {flow_method}, bound +-{FLOW_BOUND:g} px, 8-bit linear rounding, JPEG q{FLOW_JPEG_QUALITY}"
        )
    parts += [f"{k}={v}" for k, v in extra.items()]
    return "protocol: " + "; ".join(parts)
