"""HR rawframes made elsewhere (denseflow / mmaction2 layout) adopted after a check; mmaction2 list files."""

import numpy as np
import pytest

from arsr_lib.core.atomic import MARKER, read_marker
from arsr_lib.core.errors import ExtractionError
from arsr_lib.data import external, synth
from arsr_lib.data.flow import compute_flow
from arsr_lib.data.frames import FramesConfig, output_dir, write_rawframes
from arsr_lib.data.rawframes import load_rawframes
from arsr_lib.data.splitfiles import load_ucf101

CFG = synth.SynthConfig(
    classes=("SwingRacket", "Wave"), groups=3, clips_per_group=1, frames=5, height=32, width=32
)


@pytest.fixture
def tree(tmp_path):
    """A SynthActions split and a denseflow-style rawframes tree of it (no markers: made 'elsewhere')."""
    root = synth.generate(tmp_path / "synth", CFG, workers=1, progress=False)
    ds = load_ucf101(root / "ucfTrainTestlist", 1, root).filter_present(strict=True)
    frames_root = tmp_path / "theirs"
    for item in ds.train + ds.test:
        frames = ds.read(item)
        folder = output_dir(frames_root, item.rel_path)
        folder.mkdir(parents=True)
        write_rawframes(folder, frames, compute_flow(frames, "dis"), FramesConfig())
    return ds, frames_root


def test_a_denseflow_tree_is_checked_marked_and_read(tree):
    ds, root = tree
    assert external.adopt_dataset(ds, root, ("train", "test")) == len(ds.train) + len(ds.test)
    folder = output_dir(root, ds.test[0].rel_path)
    meta = read_marker(folder)
    assert meta["frames"] == 5 and meta["flows"] == 4 and meta["config"]["flow_method"] == "external"
    frames, flow = load_rawframes(folder)  # the project's reader opens it
    assert frames.shape == (5, 32, 32, 3) and flow.shape == (4, 32, 32, 2)
    assert external.adopt_dataset(ds, root, ("train", "test")) == 0  # marked once


def test_missing_and_mismatching_images_are_named(tree):
    ds, root = tree
    a, b, c = (output_dir(root, it.rel_path) for it in ds.train[:2] + ds.test[:1])
    (a / "flow_y_00003.jpg").unlink()
    (b / "img_00002.jpg").unlink()
    import cv2

    cv2.imwrite(str(c / "flow_x_00001.jpg"), np.zeros((16, 16), np.uint8))
    with pytest.raises(ExtractionError) as err:
        external.adopt_dataset(ds, root, ("train", "test"))
    text = str(err.value)
    assert "3 rawframes problem(s)" in text
    assert f"{a}: flow_y: 3 images for 5 frames" in text and "flow_y_00003.jpg" in text
    assert f"{b}: frames must be img_00001.jpg .. img_N.jpg without a gap" in text
    assert f"{c}: sizes differ" in text and "flow_x_00001 16x16" in text
    assert not (a / MARKER).exists()
    with pytest.raises(ExtractionError, match="no such folder"):
        external.adopt_dataset(ds, root / "nowhere", ("train",))


def test_list_files_open_in_mmaction2(tree):
    ds, root = tree
    external.adopt_dataset(ds, root, ("train", "test"))
    train, test = external.write_list_files(ds, root, ("train", "test"))
    assert train.name == f"{ds.name}_train_split_1_rawframes.txt"
    lines = test.read_text().splitlines()
    assert len(lines) == len(ds.test)
    frame_dir, total, label = lines[0].split()
    assert (root / frame_dir / "img_00001.jpg").is_file() and int(total) == 5
    assert int(label) == ds.test[0].label


def test_an_experiment_reads_its_hr_rawframes_from_the_given_tree(tree, tmp_path):
    from arsr_lib.data.prep import extract_variants

    from conftest import tmp_experiment

    ds, root = tree
    exp = tmp_experiment(tmp_path / "exp", data={"hr_rawframes": str(root)})
    assert exp.frames_root("hr") == root and exp.frames_root("bicubic") != root
    out = extract_variants(ds, exp, ("hr",), subsets=("test",), progress=False)
    assert out["hr"] == root and read_marker(output_dir(root, ds.test[0].rel_path))["config"][
        "flow_method"
    ] == ("external")
    assert (root / f"{ds.name}_test_split_1_rawframes.txt").is_file()
    assert not list(output_dir(root, ds.test[0].rel_path).glob("*.partial*"))


def test_their_list_files_are_checked_against_the_folders_and_kept(tree, tmp_path):
    """mmaction2 list files in the adopted tree: a line whose count or label disagrees with its folder, a
    folder that is not there, or one outside the tree is named with its file and line; a good list is kept
    as the user wrote it."""
    ds, root = tree
    first, second = ds.train[0], ds.train[1]
    a, b = (output_dir(root, it.rel_path).relative_to(root).as_posix() for it in (first, second))
    lst = root / f"{ds.name}_train_split_1_rawframes.txt"
    good = f"{a} 5 {first.label}\n{root / b} 5 {second.label}\n"  # relative and absolute frame_dir
    lst.write_text(good)
    assert external.adopt_dataset(ds, root, ("train",)) == len(ds.train)
    external.write_list_files(ds, root, ("train",), keep_existing=True)
    assert lst.read_text() == good
    lst.write_text(
        f"{a} 6 {first.label}\n{b} 5 {first.label + 1}\nC/nowhere 5 0\n../../etc 5 0\nshort line\n"
    )
    with pytest.raises(ExtractionError) as err:
        external.adopt_dataset(ds, root, ("train",))
    text = str(err.value)
    assert f"{lst}:1: {a} lists 6 frames, the folder has 5" in text
    assert f"{lst}:2: {b} lists label {first.label + 1}, the split says {second.label}" in text
    assert f"{lst}:3: C/nowhere: no such folder" in text
    assert f"{lst}:4: ../../etc is outside the rawframes root" in text
    assert f"{lst}:5: expected 'frame_dir total_frames label'" in text
