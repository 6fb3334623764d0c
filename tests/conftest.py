from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
REALDATA = ROOT.parent / "shared" / "realdata"


@pytest.fixture(scope="session")
def realdata() -> Path:
    if not REALDATA.is_dir():
        pytest.fail(
            f"the shared real data is expected at {REALDATA} (../shared/realdata from the project root)"
        )
    return REALDATA


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
