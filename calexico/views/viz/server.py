"""The process `calexico viz` becomes: Solara's `run` command, ending on Ctrl-C with one line and exit 130.

Why not Solara's own command line: on Ctrl-C it ends with click's "Aborted." and exit code 1,
unlike every other `calexico` command. Here Ctrl-C while the server starts ends at once; while
it serves, the server (uvicorn) shuts down first and then passes the Ctrl-C on to our handler,
which says so in one line and exits with 130 (128 + SIGINT).
"""

import os
import signal
import sys
import warnings


def _stopped(*_):
    print("calexico: interrupted (Ctrl-C); the browser page is stopped", file=sys.stderr, flush=True)
    os._exit(130)


def main(argv: list[str]) -> int:
    """Run `solara run ARGV...` in this process."""
    signal.signal(signal.SIGINT, _stopped)
    # Served on this machine over plain http, Solara's cookie falls back to samesite=lax, as it
    # should; its warning about https on every first page load is noise in the user's terminal.
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https", category=UserWarning)
    from solara.__main__ import cli

    return cli.main(args=["run", *argv], prog_name="solara", standalone_mode=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
