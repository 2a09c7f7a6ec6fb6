"""Writing results so that a reader sees a whole file, a whole set of files, or the old ones.

Why: a run is four files (daily table, summary, resolved scenario, manifest) that only make
sense together, and a researcher may press Ctrl-C at any moment or point `--out` at a folder
holding last week's run. So a run's set is written into a temporary folder beside the target
and swapped into place in one rename; a crash leaves the old set or the new one, never a mix.
The temporary folder exists only while the set is written (milliseconds), so a run killed while
it simulates leaves nothing beside `--out`; one killed while writing leaves a temporary that the
next run into the same folder cleans. Two runs into one folder at once would clean each other's
temporaries, so the second is refused while the first holds the folder. Files get the
permissions the user's umask asks for (colleagues on a shared cluster file system can read
them), and JSON is strict: no `NaN` or `Infinity`, which other tools cannot read.
"""

import ctypes
import errno
import hashlib
import json
import math
import os
import shutil
import socket
import sys
import tempfile
from pathlib import Path

from model.parameters import ParameterError

RUN_FILES = ("daily.parquet", "summary.json", "scenario.toml", "manifest.json", "report.html", "report.png",
             "report.pdf")
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


class OutputError(ValueError):
    """A result that cannot be written as promised (e.g. a NaN on its way into strict JSON)."""


def current_umask() -> int:
    """The process's umask (Python can only read it by setting it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write(path: Path, data: bytes):
    """Write a file so that a reader never sees it half written; mode follows the umask."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, 0o666 & ~current_umask())  # mkstemp makes 0600 whatever the umask
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def strict_json(obj, what: str, indent: int | None = 2) -> bytes:
    """Encode as strict JSON (RFC 8259: no NaN or ±Infinity).

    Raises:
        OutputError: names the first key holding a non-finite number, and `what` was written.

    """
    try:
        return json.dumps(obj, indent=indent, allow_nan=False).encode()
    except ValueError:
        key = _first_non_finite(obj)
        raise OutputError(f"{what}: {key} is not a finite number, and strict JSON cannot hold it; "
                          "nothing was written (please report this as a bug)") from None


def _first_non_finite(obj, prefix: str = "") -> str:
    if isinstance(obj, float) and not math.isfinite(obj):
        return f"{prefix or '(value)'} = {obj!r}"
    items = obj.items() if isinstance(obj, dict) else enumerate(obj) if isinstance(obj, list | tuple) else ()
    for key, value in items:
        found = _first_non_finite(value, f"{prefix}.{key}" if prefix else str(key))
        if found:
            return found
    return ""


def same_json(a, b) -> bool:
    """Whether two JSON-able values are equal as their JSON text (NaN equals NaN here)."""
    return json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)


def check_out_file(path, option: str = "--out"):
    """Refuse, before any work, an output file whose folder cannot be made or written."""
    path = Path(path)
    if path.is_dir():
        raise ParameterError("command line", option, str(path), "a file name (this is a folder)")
    _check_writable_folder(path.parent, option, str(path))


def check_out_folder(out, option: str = "--out"):
    """Refuse, before any work, an output folder that is a file or sits where nothing can be written."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ParameterError("command line", option, str(out), "a folder (this is an existing file)")
    _check_writable_folder(out if out.exists() else out.parent, option, str(out))


def _check_writable_folder(folder: Path, option: str, shown: str):
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = tempfile.TemporaryFile(dir=folder)
        probe.close()
    except OSError as err:
        raise ParameterError("command line", option, shown,
                             f"a place you can write to ({err.strerror or err})") from None


class RunFolder:
    """A run's output folder, written as one set.

    `RunFolder(out)` checks the place and claims it (before the run, so a bad `--out`, or one
    another run is writing into, fails in a second, not after the simulation); `commit(files)`
    writes the set into a temporary folder beside it and swaps it into place; `discard()` removes
    the temporary folder, if any, and lets the place go.
    """

    def __init__(self, out, option: str = "--out"):
        self.out = Path(out)
        self.tmp = None
        check_out_folder(self.out, option)
        _check_writable_folder(self.out.parent, option, str(self.out))  # the set is written beside it
        if self.out.is_dir():
            foreign = sorted(p.name for p in self.out.iterdir() if p.name not in RUN_FILES)
            if foreign:
                raise ParameterError("command line", option, str(self.out),
                                     "a new folder or one holding only a run's files "
                                     f"({', '.join(RUN_FILES)}); it also holds {', '.join(foreign[:3])}")
        self._claim = _Claim(self.out)
        if not self._claim.held:
            raise ParameterError("command line", option, str(self.out),
                                 "a folder no other calexico run is writing into now (one is: wait for it to "
                                 "finish, or choose another --out)")
        clean_stale(self.out)  # safe: no other run can be writing here now

    def commit(self, files: dict[str, bytes]):
        """Write the files into a temporary folder beside `out`, then put the set in place in one step."""
        try:
            self.tmp = Path(tempfile.mkdtemp(dir=self.out.parent, prefix=f".{self.out.name}.tmp-"))
            os.chmod(self.tmp, 0o777 & ~current_umask())  # mkdtemp makes 0700
            for name, data in files.items():
                with open(self.tmp / name, "wb") as f:  # a plain open honours the umask
                    f.write(data)
            if self.out.exists():
                _exchange(self.tmp, self.out)  # the temporary folder now holds the old set
            else:
                os.rename(self.tmp, self.out)
        except OSError as err:  # e.g. the disk filled up during the run
            raise OutputError(f"{self.out}: the run's files could not be written ({err.strerror or err}); "
                              "a previous run's files there are untouched") from None
        finally:
            self.discard()

    def discard(self):
        """Remove the temporary folder (and the old set swapped into it), if any; let the place go."""
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None
        self._claim.release()


class _Claim:
    """A claim on an output folder that ends with the process, however it ends (even `kill -9`).

    Why not a lock file beside the folder: a killed run would leave it there. On Linux the claim
    is a Unix socket in the abstract namespace, named after the folder's real path: the kernel
    frees the name when the process ends and no file is made. Elsewhere it is an flock on a file
    in the system's temporary folder. Either way it sees other runs on this machine (and, on
    Linux, in this network namespace) only, not runs on other nodes of a shared file system.
    """

    def __init__(self, out: Path):
        self._handle = None
        if sys.platform == "linux":
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.bind("\0" + self.name(out))
            except OSError as err:
                sock.close()
                if err.errno != errno.EADDRINUSE:
                    raise
                return
            self._handle = sock
            return
        import fcntl

        handle = open(Path(tempfile.gettempdir()) / f"{self.name(out)}.lock", "a")  # noqa: SIM115 (held)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return
        self._handle = handle

    @staticmethod
    def name(out: Path) -> str:
        """The claim's name: from the folder's real path, so two spellings of one folder meet."""
        return "calexico-out-" + hashlib.sha256(os.fsencode(Path(out).resolve())).hexdigest()[:32]

    @property
    def held(self) -> bool:
        """Whether this process holds the claim (False: another process does)."""
        return self._handle is not None

    def release(self):
        """Let the folder go (also done by the kernel when the process ends)."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None


def clean_stale(out: Path):
    """Remove temporaries an interrupted write left beside `out`; bring back an old set whose
    swap was cut between its two renames (only on systems without an atomic exchange).
    """
    out = Path(out)
    if not out.parent.is_dir():
        return
    olds = sorted(out.parent.glob(f".{out.name}.old-*"))
    if olds and not out.exists():
        os.rename(olds.pop(), out)
    for path in [*out.parent.glob(f".{out.name}.tmp-*"), *olds]:
        shutil.rmtree(path, ignore_errors=True)


def _exchange(new: Path, target: Path):
    """Swap two folders atomically (Linux renameat2 RENAME_EXCHANGE); elsewhere, two renames."""
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None) if sys.platform == "linux" else None
    if renameat2 is not None:
        if renameat2(_AT_FDCWD, os.fsencode(new), _AT_FDCWD, os.fsencode(target), _RENAME_EXCHANGE) == 0:
            return
        code = ctypes.get_errno()
        if code not in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
            raise OSError(code, os.strerror(code), str(target))
    old = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.old-"))
    os.rmdir(old)
    os.rename(target, old)  # a cut here leaves only .old-*: clean_stale brings it back
    os.rename(new, target)
    os.rename(old, new)  # so that discard() removes the old set
