"""SR of only the frames the test protocol reads, on videos of different frame sizes (HMDB51's widths vary,
and some are not divisible by 4), with a multi-frame model on a clip shorter than its window."""

import numpy as np
import torch

from arsr_lib.core.devices import runtime
from arsr_lib.data.extract import extract_dataset
from arsr_lib.data.frames import FramesConfig, output_dir
from arsr_lib.data.rawframes import read_rawframes
from arsr_lib.data.snippets import protocol_frames
from arsr_lib.data.splitfiles import load_folder
from arsr_lib.data.video import write_video
from arsr_lib.models import DUF
from arsr_lib.recognition import clips
from arsr_lib.sr.inference import super_resolve, super_resolve_indices
from arsr_lib.sr.testframes import ConsumedFrames, SRMethod, make_method_frames

from conftest import textured_frames


def test_sparse_sr_frames_on_mixed_widths(tmp_path):
    root = tmp_path / "videos"
    for cls, (w, seed) in {"brush_hair": (66, 0), "cartwheel": (88, 1)}.items():  # 66: not divisible by 4
        write_video(root / cls / f"{cls}_1.avi", textured_frames(t=12, h=48, w=w, seed=seed))
    ds = load_folder(root)
    hr_root = tmp_path / "hr"
    extract_dataset(ds, hr_root, FramesConfig(flow_method="dis"), subsets=("test",), progress=False)
    consumed = ConsumedFrames(3, 5, ("rgb", "flow"), FramesConfig(flow_method="dis"))
    sr_root = tmp_path / "sr"
    method = SRMethod("Bicubic-SR", None, sr_root)
    tag = make_method_frames(
        ds, ds.test, method, hr_root, consumed, runtime("cpu", workers=2), progress=False
    )
    assert tag.startswith("bicubic-")
    for it in ds.test:
        folder = output_dir(sr_root, it.rel_path)
        rgb, _ = protocol_frames(12, 3, 5, True)
        frames = read_rawframes(folder, "rgb", rgb)
        assert frames.shape[1:] == (
            48,
            (64 if "brush" in it.rel_path else 88),
            3,
        )  # modcropped, then x4 of x1/4
        for stream in ("rgb", "flow"):
            x = clips.test_inputs(str(folder), stream, 3, 1, 32, 5)
            assert x.shape[0] == 3 and x.shape[-2:] == (32, 32)
    # a second call finds every folder complete and makes nothing
    mtimes = {p: p.stat().st_mtime_ns for p in sr_root.rglob(".done.json")}
    make_method_frames(ds, ds.test, method, hr_root, consumed, runtime("cpu"), progress=False)
    assert {p: p.stat().st_mtime_ns for p in sr_root.rglob(".done.json")} == mtimes


def test_duf_on_a_clip_shorter_than_its_window():
    """DUF reads 7 frames around each one, zero frames beyond the ends: a 4-frame clip works, and the frames
    made alone equal those of the whole clip."""
    torch.manual_seed(0)
    model = DUF(num_layer=16, nf=8, growth=4, trunk=16).eval()
    lr = textured_frames(t=4, h=12, w=12)
    whole = super_resolve(model, lr)
    alone = super_resolve_indices(model, lr.__getitem__, 4, [0, 3])
    assert np.array_equal(alone[0], whole[0]) and np.array_equal(alone[3], whole[3])


def test_lr_frames_shared_by_the_methods_are_decoded_once(tmp_path, monkeypatch):
    """The LR frames a cache serves equal the decoded ones; a video whose needed frames are all cached is not
    decoded again, and one with a frame missing is decoded only up to that frame."""
    from arsr_lib.core.cache import ByteLRU
    from arsr_lib.sr import testframes as harness

    video = tmp_path / "v.avi"
    write_video(video, textured_frames(t=10, h=32, w=32))
    plain = harness._lr_frames(video, {1, 4}, None)
    cache = ByteLRU(1 << 20)
    first = harness._lr_frames(video, {1, 4}, None, cache)
    decoded = []
    real = harness.iter_frames

    def counting(path, max_frames=None):
        for frame in real(path, max_frames):
            decoded.append(1)
            yield frame

    monkeypatch.setattr(harness, "iter_frames", counting)
    again = harness._lr_frames(video, {4, 1}, None, cache)
    assert not decoded  # every frame from the cache
    more = harness._lr_frames(video, {1, 4, 6}, None, cache)
    assert len(decoded) == 7  # frames 0..6, no further
    for out in (first, again, more):
        assert all(np.array_equal(out[i], plain[i]) for i in (1, 4))
    assert np.array_equal(more[6], harness._lr_frames(video, {6}, None)[6])
    assert not first[1].flags.writeable
