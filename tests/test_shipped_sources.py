"""Sources shown to users point only to what users have.

The data files ship with the model and their `source`/`assumption` notes are printed by
`calexico parameters`, the generated docs and the reports. A note that cites a design note, an
issue number or a folder outside the project ("the facts file", "DESIGN.md", "issue 2",
"../shared") sends the reader to something they cannot open: it must name the original source
(publisher, title, date, address where known) or say it is an assumption.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ["model/data", "calexico/data", "calexico/views/viz/data", "scenarios"]
TEXT_SUFFIXES = {".toml", ".csv", ".md", ".txt", ".json", ".geojson"}

# What a user does not have: the team's notes and the tracker.
UNREACHABLE = re.compile(r"facts[ -]file|calexico-facts|DESIGN\.md|\bissue \d+|\bshared/", re.IGNORECASE)


def shipped_text_files() -> list[Path]:
    """Every text file shipped in a data folder or as a scenario."""
    out = []
    for folder in SHIPPED:
        base = ROOT / folder
        if base.exists():
            out += [p for p in sorted(base.rglob("*")) if p.is_file() and p.suffix in TEXT_SUFFIXES]
    return out


def test_there_are_shipped_data_files_to_check():
    names = {p.name for p in shipped_text_files()}
    assert {"parameters.toml", "targets.csv", "baseline.toml", "outputs.toml"} <= names


@pytest.mark.parametrize("path", shipped_text_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_shipped_data_cites_only_what_users_have(path):
    bad = [f"{path.relative_to(ROOT)}:{n}: {m.group(0)!r}"
           for n, line in enumerate(path.read_text(errors="replace").splitlines(), 1)
           for m in UNREACHABLE.finditer(line)]
    assert not bad, "cite the original source instead of:\n" + "\n".join(bad)


def test_the_check_catches_each_kind_of_unreachable_citation():
    for text in ["(facts file section 6)", "a facts-file row", "(DESIGN.md)", "(issue 3)", "../shared/reference"]:
        assert UNREACHABLE.search(text), text
    for text in ["data are shared before arrival", "pre-shared manifests", "docs/odd.md, section 1"]:
        assert not UNREACHABLE.search(text), text
