import os
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
REALDATA = SHARED / "realdata"
SET5 = SHARED / "benchmarks" / "set5"
# CI sets this: there the shared files must be present, and a test that needs them fails instead of skipping
REQUIRE_SHARED = "ARSR_REQUIRE_SHARED"


def shared(path: Path) -> Path:
    """``path`` (under ../shared) if it is there; else skip the test with the reason, or fail it under CI."""
    if path.exists():
        return path
    reason = (
        f"needs the shared reference files at {path} (../shared beside the checkout; DEVELOPERS.md says "
        "where they come from)"
    )
    if os.environ.get(REQUIRE_SHARED) == "1":
        pytest.fail(f"{reason}; {REQUIRE_SHARED}=1 requires them")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def realdata() -> Path:
    """../shared/realdata: UCF101 / HMDB51 split files and 11 real UCF101 clips."""
    return shared(REALDATA)


@pytest.fixture(scope="session")
def set5() -> Path:
    """../shared/benchmarks/set5: Set5 HR images with MATLAB-made x4 LR images."""
    return shared(SET5)


def textured_frames(t=4, h=48, w=64, shift=(1, 0), seed=0) -> np.ndarray:
    """Smooth random texture translated by ``shift`` (dx, dy) pixels per frame, uint8 RGB."""
    import cv2

    rng = np.random.RandomState(seed)
    m = max(abs(shift[0]), abs(shift[1])) * t + 1
    big = rng.randint(0, 256, (h + 2 * m, w + 2 * m, 3)).astype(np.uint8)
    big = cv2.GaussianBlur(big, (0, 0), 2.0)
    big = cv2.normalize(big, None, 0, 255, cv2.NORM_MINMAX)
    out = []
    for k in range(t):
        dx, dy = shift[0] * k, shift[1] * k
        out.append(big[m - dy : m - dy + h, m - dx : m - dx + w])
    return np.stack(out)


def tmp_experiment(folder, name: str = "smoke", **overrides):
    """Profile ``name`` with its data, runs and reports under ``folder`` (runs in ``folder/runs/<name>``)."""
    from arsr_lib import config

    return config.load(
        name, paths={"project": str(folder), "reports_root": str(Path(folder) / "reports")}, **overrides
    )
