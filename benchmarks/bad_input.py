"""The bad-input report: every case of ``tests/bad_input_cases.py`` run as a real ``arsr`` process, with its
command, exit status and the first line it printed (argparse's usage lines left out), checked against what
the case requires; also that no traceback was printed and nothing half-written was left.

    python benchmarks/bad_input.py          # writes reports/benchmarks/bad_input.md
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from bad_input_cases import CASES, make_inputs, said  # noqa: E402


def main() -> int:
    rows, failures = [], 0
    with tempfile.TemporaryDirectory() as tmp:
        inputs = make_inputs(Path(tmp) / "in")
        for case in CASES:
            argv = [a.format(**inputs) for a in case.argv]
            done = subprocess.run(
                [sys.executable, "-m", "arsr_lib", *argv], cwd=inputs["dir"], capture_output=True, text=True
            )
            line = said(done.stderr)
            folder = Path(inputs["dir"])
            clean = not list(folder.glob("**/.*partial*")) and not (
                case.output and (folder / case.output).exists()
            )
            ok = (
                done.returncode == case.status
                and re.search(case.says, line) is not None
                and "Traceback" not in done.stderr
                and clean
                and not (folder / "pwned.txt").exists()
            )
            failures += not ok
            shown = " ".join(shlex.quote(a.replace(inputs["dir"], ".")) for a in argv)
            first = line.replace(inputs["dir"] + "/", "").replace(inputs["dir"], ".")
            cells = [case.name, f"`arsr {shown}`", str(done.returncode), first, "yes" if ok else "NO"]
            rows.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
            print(f"{'ok ' if ok else 'BAD'} {case.name}: {done.returncode} {first}", flush=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    text = [
        "# Bad input: what the command line says",
        "",
        f"Made by `benchmarks/bad_input.py` at commit {commit.stdout.strip()}: each case of "
        "`tests/bad_input_cases.py` run as a fresh `arsr` process in a folder of generated inputs (clips: "
        "good, truncated to half its bytes, one frame, empty, text; config files: empty, binary, without a "
        "base, out-of-range values, a folder; checkpoints: a pickle with code in it, a truncated one; a "
        "regular file to write under). `first line`: the first line on stderr after argparse's usage (paths "
        "shortened to the inputs folder). `holds`: the exit status and line the case requires, no "
        "traceback, nothing half-written left, and (for the pickle) no code run. `tests/test_bad_input.py` "
        "checks the same cases in-process on every `make test`.",
        "",
        f"{len(CASES) - failures} of {len(CASES)} cases hold.",
        "",
        "| case | command | exit | first line | holds |",
        "|---|---|---|---|---|",
        *rows,
    ]
    out = ROOT / "reports" / "benchmarks" / "bad_input.md"
    out.write_text("\n".join(text) + "\n")
    print(out)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
