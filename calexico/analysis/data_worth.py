"""What is known about each parameter, and what data would pin it down.

A parameter's source status (`assumption`, `source` or `calibrated`, from
model/data/parameters.toml) and the shipped hints of where better data would be
(calexico/data/data_worth_collecting.toml). Both the sensitivity screen (which factors it varies,
how it groups them) and its report (which assumptions matter most, and what to collect) read them.
"""

import fnmatch
import tomllib
from pathlib import Path

from model.parameters import SPECS

HINTS_FILE = Path(__file__).resolve().parents[1] / "data" / "data_worth_collecting.toml"


def status(key: str) -> str:
    """A factor's source status: assumption, source or calibrated ("dummy" for a key that is no parameter)."""
    spec = SPECS.get(key)
    return spec.provenance_kind if spec is not None else "dummy"


def matches(key: str, pattern: str) -> bool:
    """A dotted key against a pattern whose `*` stands for one part."""
    return fnmatch.fnmatchcase(key, pattern) and pattern.count(".") == key.count(".")


def hints_for(key: str, path: Path = HINTS_FILE) -> list[dict]:
    """The shipped 'where the data would be' hints whose patterns match a parameter key."""
    out = []
    for hint in tomllib.loads(Path(path).read_text())["hints"]:
        if any(matches(key, p) for p in hint["parameters"]):
            out.append(hint)
    return out
