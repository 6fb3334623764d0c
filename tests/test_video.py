import numpy as np
import pytest

from arsr_lib.core.errors import VideoError
from arsr_lib.data.video import count_frames, declared_info, read_video, write_video

# decoded frame counts from ../shared/realdata/MANIFEST.md
MANIFEST_FRAMES = {
    "ApplyEyeMakeup/v_ApplyEyeMakeup_g01_c01.avi": (164, 320, 240),
    "Basketball/v_Basketball_g01_c01.avi": (141, 320, 240),
    "Basketball/v_Basketball_g01_c02.mp4": (180, 340, 256),
    "Basketball/v_Basketball_g07_c04.mp4": (101, 340, 256),
    "Biking/v_Biking_g01_c01.mp4": (151, 340, 256),
    "CliffDiving/v_CliffDiving_g03_c01.mp4": (92, 340, 256),
    "Fencing/v_Fencing_g01_c06.mp4": (174, 340, 256),
    "HorseRiding/v_HorseRiding_g01_c03.mp4": (98, 340, 256),
    "IceDancing/v_IceDancing_g02_c05.mp4": (244, 340, 256),
    "SalsaSpin/v_SalsaSpin_g03_c01.mp4": (168, 340, 256),
    "SkateBoarding/v_SkateBoarding_g02_c01.mp4": (369, 340, 256),
}


@pytest.mark.parametrize("rel", sorted(MANIFEST_FRAMES))
def test_real_clips_decode_to_manifest_counts(realdata, rel):
    n, w, h = MANIFEST_FRAMES[rel]
    path = realdata / "clips" / "ucf101" / rel
    assert count_frames(path) == n
    if rel.endswith(".avi"):  # full decode for the original encodings: shape, dtype, RGB
        frames = read_video(path)
        assert frames.shape == (n, h, w, 3) and frames.dtype == np.uint8


def test_raw_mpeg4_stream_container_claim_is_not_used(realdata):
    path = realdata / "clips/ucf101/Biking/v_Biking_g01_c01.mp4"
    claim = declared_info(path)["declared_frames"]
    assert count_frames(path) == 151
    assert claim != 151  # the bare stream reports garbage; we never rely on it


@pytest.mark.parametrize("codec", ["FFV1", "PNG"])
def test_lossless_write_read_roundtrip(tmp_path, codec):
    rng = np.random.RandomState(0)
    frames = rng.randint(0, 256, (5, 24, 40, 3)).astype(np.uint8)
    out = write_video(tmp_path / "x.avi", frames, fps=10, codec=codec)
    back = read_video(out)
    np.testing.assert_array_equal(back, frames)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp files left


def test_grayscale_frames_become_rgb(tmp_path):
    gray = np.tile(np.arange(32, dtype=np.uint8)[None, None] * 7, (3, 16, 1))
    write_video(tmp_path / "g.avi", gray)
    back = read_video(tmp_path / "g.avi")
    assert back.shape == (3, 16, 32, 3)
    np.testing.assert_array_equal(back[..., 0], gray)
    np.testing.assert_array_equal(back[..., 0], back[..., 2])


def test_missing_empty_corrupt_and_short(tmp_path):
    with pytest.raises(VideoError, match="no such video file.*nope.avi|nope.avi.*no such"):
        read_video(tmp_path / "nope.avi")
    empty = tmp_path / "empty.avi"
    empty.write_bytes(b"")
    with pytest.raises(VideoError, match="empty.avi.*empty file"):
        read_video(empty)
    corrupt = tmp_path / "corrupt.avi"
    corrupt.write_bytes(b"RIFF\x00\x00\x00\x00AVI garbage" * 50)
    with pytest.raises(VideoError, match="corrupt.avi"):
        count_frames(corrupt)
    ok = write_video(tmp_path / "one.avi", np.zeros((1, 8, 8, 3), np.uint8))
    with pytest.raises(VideoError, match="one.avi: 1 decodable frame.*at least 2"):
        read_video(ok, min_frames=2)


def test_write_rejects_lossy_or_bad_input(tmp_path):
    with pytest.raises(VideoError, match="lossless"):
        write_video(tmp_path / "a.avi", np.zeros((2, 8, 8, 3), np.uint8), codec="MJPG")
    with pytest.raises(VideoError, match="uint8"):
        write_video(tmp_path / "a.avi", np.zeros((2, 8, 8, 3), np.float32))
    with pytest.raises(VideoError, match=".avi"):
        write_video(tmp_path / "a.mp4", np.zeros((2, 8, 8, 3), np.uint8))


def test_temporal_window_pads_with_black_frames():
    from arsr_lib.data.video import temporal_window

    frames = np.arange(1, 5, dtype=np.uint8)[:, None, None, None] * np.ones((4, 2, 3, 3), np.uint8)
    window = temporal_window(frames, 0, 5)
    assert window.shape == (5, 2, 3, 3)
    assert [int(f.max()) for f in window] == [0, 0, 1, 2, 3]
    assert [int(f.max()) for f in temporal_window(frames, 3, 3)] == [3, 4, 0]
    assert [int(f.max()) for f in temporal_window(frames, 2, 1)] == [3]
