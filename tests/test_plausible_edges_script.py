"""scripts/plausible_edges.py refuses a user's mistakes with a message naming the argument, the value
and what is allowed, exit code 2, and nothing written (a full run takes minutes: docs/history_matching.md)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "plausible_edges.py"


def _run(*args):
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], capture_output=True, text=True, cwd=ROOT)


def test_an_unknown_factor_is_refused_before_any_run(tmp_path):
    out = tmp_path / "edges"
    done = _run(out, "labour.ready_share", "port.not_a_factor")
    assert done.returncode == 2
    assert "FACTOR 'port.not_a_factor'" in done.stderr and "allowed" in done.stderr
    assert "Traceback" not in done.stderr and not out.exists()


def test_an_existing_folder_is_not_written_into(tmp_path):
    (tmp_path / "mine.txt").write_text("keep")
    done = _run(tmp_path, "labour.ready_share")
    assert done.returncode == 2 and "OUT" in done.stderr and "a new folder" in done.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["mine.txt"]
