"""Every bad-input case of ``bad_input_cases`` through the command line, in-process: the exit status it must
give, one clear line naming the culprit (no traceback), and nothing half-written left behind."""

import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from bad_input_cases import CASES, make_inputs, said

from arsr_lib.run.cli import main


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, str]:
    return make_inputs(tmp_path_factory.mktemp("bad_input"))


def run_case(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exc:  # argparse's errors
        return int(exc.code or 0)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_gives_one_clear_line(case, inputs, capsys, monkeypatch):
    monkeypatch.chdir(inputs["dir"])
    argv = [a.format(**inputs) for a in case.argv]
    with warnings.catch_warnings(record=True) as warned:  # a real process prints them first, on stderr
        warnings.simplefilter("always")
        status = run_case(argv)
    err = capsys.readouterr().err
    assert not warned, [str(w.message)[:200] for w in warned]
    assert "Traceback" not in err
    assert status == case.status, (argv, err[-1500:])
    assert re.search(case.says, said(err)), (argv, said(err))
    folder = Path(inputs["dir"])
    if case.output:
        assert not (folder / case.output).exists(), f"{case.output} left behind"
    assert not list(folder.glob("**/.*partial*")), "a temporary file left behind"
    assert not (folder / "pwned.txt").exists()


def test_a_write_error_names_the_output_not_the_temporary_file(inputs, monkeypatch):
    import errno

    from arsr_lib.core.atomic import OutputError
    from arsr_lib.sr import inference

    def full_disk(folder, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(folder / "img_00001.png"))

    monkeypatch.setattr(inference, "write_rawframes", full_disk)
    out = Path(inputs["dir"]) / "frames_out"
    frames = np.zeros((2, 8, 8, 3), np.uint8)
    with pytest.raises(OutputError, match=rf"^cannot write {re.escape(str(out))}: No space left on device$"):
        inference.save_sr(frames, out)
    assert not out.exists() and not list(out.parent.glob(".frames_out.partial*"))


def test_the_progress_bar_counts_the_frames_that_decode(inputs, capsys):
    """A clip whose container declares 40 frames but holds fewer: the bar counts to what decodes."""
    out = Path(inputs["dir"]) / "progress.avi"
    assert run_case(["sr", inputs["truncated"], "-m", "bicubic", "-o", str(out)]) == 0
    err, printed = capsys.readouterr().err, None
    decoded = int(re.search(r"(\d+) of 40 declared frames decode", err).group(1))
    printed = re.findall(r"(\d+)/(\d+) \[", err)
    assert decoded < 40 and printed and printed[-1] == (str(decoded), str(decoded)), err[-800:]
