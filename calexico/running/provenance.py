"""What produced a result: code version, package versions, machine."""

import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

PACKAGES = ("mesa", "numpy", "scipy", "pandas", "pyarrow", "networkx", "numba")


def code_version() -> str:
    """The git commit of the code (with '+dirty' for uncommitted changes), or the package version."""
    root = Path(__file__).resolve().parents[2]
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                                text=True, timeout=5, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=5).stdout.strip()
        return commit + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "calexico " + metadata.version("calexico")


def package_versions() -> dict:
    """Versions of Python and the packages the model's numbers depend on."""
    out = {"python": sys.version.split()[0], "platform": platform.platform()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out
