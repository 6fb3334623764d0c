import pytest

from arsr_lib.core.errors import DatasetError
from arsr_lib.data.datasets import safe_join
from arsr_lib.data.splitfiles import load_dataset, load_folder, load_hmdb51, load_ucf101

UCF_COUNTS = {1: (9537, 3783), 2: (9586, 3734), 3: (9624, 3696)}


@pytest.mark.parametrize("split", [1, 2, 3])
def test_ucf101_official_counts(realdata, split):
    ds = load_ucf101(realdata / "ucf101_splits", split)
    assert len(ds.classes) == 101
    assert (len(ds.train), len(ds.test)) == UCF_COUNTS[split]
    assert ds.counts()["distinct"] == 13320
    assert {i.rel_path for i in ds.train}.isdisjoint({i.rel_path for i in ds.test})
    # official test groups: g01-07, g08-14, g15-21; train groups never in test
    test_groups = {i.group for i in ds.test}
    assert test_groups == set(range(7 * split - 6, 7 * split + 1))
    assert test_groups.isdisjoint({i.group for i in ds.train})


def test_ucf101_labels_quirks_and_all_videos(realdata):
    ds1 = load_ucf101(realdata / "ucf101_splits", 1)
    assert ds1.classes[0] == "ApplyEyeMakeup" and ds1.classes[-1] == "YoYo"
    hs = [i for i in ds1.train if i.class_name == "HandstandPushups"]
    assert hs and all("v_HandStandPushups_" in i.rel_path for i in hs)
    assert all(i.label == ds1.classes.index(i.class_name) for i in ds1.train + ds1.test)
    every = set()
    for s in (1, 2, 3):
        every |= {i.rel_path for i in load_ucf101(realdata / "ucf101_splits", s).all_items()}
    assert len(every) == 13320
    first = ds1.train[0]
    assert (
        first.rel_path == "ApplyEyeMakeup/v_ApplyEyeMakeup_g08_c01.avi"
        and first.group == 8
        and first.clip == 1
    )


@pytest.mark.parametrize("split", [1, 2, 3])
def test_hmdb51_official_counts(realdata, split):
    ds = load_hmdb51(realdata / "hmdb51_splits", split)
    assert len(ds.classes) == 51
    assert (len(ds.train), len(ds.test), len(ds.unused)) == (3570, 1530, 1666)
    assert ds.counts()["distinct"] == 6766
    assert ds.classes[0] == "brush_hair"


def test_filter_present_real_clips(realdata):
    ds = load_dataset("ucf101", realdata / "ucf101_splits", 1, realdata / "clips" / "ucf101")
    present = ds.filter_present()
    assert len(present.test) == 11 and len(present.train) == 0  # all 11 clips are split-1 test videos
    assert any(i.rel_path.endswith(".mp4") for i in present.test)  # re-encoded copies found by stem
    assert present.missing == 13309  # how many were left out, said by data preparation
    with pytest.raises(DatasetError, match=r"13309 listed video\(s\) missing") as exc:
        ds.filter_present(strict=True)
    assert "ApplyEyeMakeup/v_ApplyEyeMakeup_g08_c01.avi" in str(exc.value)


def _ucf_dir(
    tmp_path,
    classind="1 Run\r\n2 Jump\r\n",
    train="Run/v_Run_g01_c01.avi 1\r\n",
    test="Jump/v_Jump_g02_c01.avi\r\n",
):
    d = tmp_path / "lists"
    d.mkdir()
    (d / "classInd.txt").write_bytes(classind.encode())
    (d / "trainlist01.txt").write_bytes(train.encode())
    (d / "testlist01.txt").write_bytes(test.encode())
    return d


def test_crlf_and_labels(tmp_path):
    ds = load_ucf101(_ucf_dir(tmp_path), 1)
    assert ds.classes == ["Run", "Jump"]
    assert ds.train[0].label == 0 and ds.test[0].label == 1 and ds.test[0].group == 2


def test_bad_split_files(tmp_path):
    with pytest.raises(DatasetError, match="split file not found: .*classInd.txt"):
        load_ucf101(tmp_path, 1)
    d = _ucf_dir(tmp_path, train="Swim/v_Swim_g01_c01.avi 1\r\n")
    with pytest.raises(DatasetError, match=r"trainlist01.txt:1: unknown class 'Swim'"):
        load_ucf101(d, 1)


@pytest.mark.parametrize(
    "entry", ["../../etc/passwd", "/etc/passwd", "Run/../../x.avi", "Run\\..\\x.avi", "C:/x.avi"]
)
def test_paths_escaping_root_are_refused(tmp_path, entry):
    with pytest.raises(DatasetError, match="absolute|escape"):
        safe_join(tmp_path, entry)
    d = tmp_path / "t"
    d.mkdir()
    with pytest.raises(DatasetError):
        load_ucf101(_ucf_dir(d, test=entry + "\r\n"), 1)


def test_label_mismatch_and_wrong_folder(tmp_path):
    with pytest.raises(DatasetError, match="label 2 does not match class 'Run'"):
        load_ucf101(_ucf_dir(tmp_path, train="Run/v_Run_g01_c01.avi 2\r\n"), 1)
    d = tmp_path / "b"
    d.mkdir()
    with pytest.raises(DatasetError, match="does not belong to class folder 'Run'"):
        load_ucf101(_ucf_dir(d, train="Run/v_Jump_g01_c01.avi 1\r\n"), 1)


def test_hmdb_bad_line(tmp_path):
    (tmp_path / "wave_test_split1.txt").write_text("a.avi 1 \nb.avi 7 \n")
    with pytest.raises(DatasetError, match=r"wave_test_split1.txt:2"):
        load_hmdb51(tmp_path, 1)
    with pytest.raises(DatasetError, match="no '<class>_test_split2.txt'"):
        load_hmdb51(tmp_path, 2)


def test_folder_dataset(tmp_path):
    (tmp_path / "b_class").mkdir()
    (tmp_path / "a_class").mkdir()
    (tmp_path / "a_class" / "x.avi").write_bytes(b"0")
    (tmp_path / "b_class" / "y.mp4").write_bytes(b"0")
    (tmp_path / "b_class" / "notes.txt").write_text("not a video")
    ds = load_folder(tmp_path)
    assert ds.classes == ["a_class", "b_class"]
    assert [(i.rel_path, i.label) for i in ds.test] == [("a_class/x.avi", 0), ("b_class/y.mp4", 1)]
    with pytest.raises(DatasetError, match="dataset folder not found"):
        load_folder(tmp_path / "missing")


def test_prepare_dataset_says_how_many_are_missing(realdata, tmp_path, capsys):
    from arsr_lib import config
    from arsr_lib.data.prep import prepare_dataset

    root = realdata / "clips" / "ucf101"
    exp = config.load(
        "paper", env={"ARSR_UCF101_ROOT": str(root), "ARSR_UCF101_SPLITS": str(realdata / "ucf101_splits")}
    )
    ds = prepare_dataset(exp, progress=False)
    assert len(ds.test) == 11 and "13309 of 13320 listed videos are missing" in capsys.readouterr().out
    strict = config.override(exp, {"data": {"strict": True}})
    with pytest.raises(DatasetError, match=r"13309 listed video\(s\) missing"):
        prepare_dataset(strict, progress=False)
