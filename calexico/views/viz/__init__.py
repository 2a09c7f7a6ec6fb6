"""The model in the browser: a Mesa SolaraViz app of the border region (`calexico viz`).

Why Solara's server: Solara's own server (`solara run`) serves the page, its bundled front-end
assets (the `solara-assets` package, so nothing is fetched from a CDN) and the websocket; we
only choose the address and switch off what would call outside the machine: the telemetry, the
version check, and the page's "success check" (outside production mode Solara embeds a hidden
iframe to solara.dev on a first page load; `--production` turns it off).
"""

import os
import signal
import sys
from pathlib import Path

APP = Path(__file__).with_name("app.py")


def command(host: str = "127.0.0.1", port: int = 8765) -> list[str]:
    """The command line that serves the app: `solara run`'s options, through `server.py` (Ctrl-C
    then ends in one line and exit code 130, not Solara's "Aborted." and 1).
    """
    return [sys.executable, "-m", "calexico.views.viz.server", str(APP), "--host", host, "--port", str(port),
            "--no-open", "--no-check-version", "--production"]


def environment() -> dict:
    """The server's environment: no telemetry, no CDN, production mode (no success check)."""
    return {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
            "MPLBACKEND": "Agg", "SOLARA_MODE": "production",
            # Assets come from solara-assets through Solara's local proxy; one it lacked would be
            # fetched from this address, which is this machine's closed port 9 (discard), never a CDN.
            "SOLARA_ASSETS_CDN": "http://127.0.0.1:9/"}


def serve(host: str = "127.0.0.1", port: int = 8765) -> int:
    """Print the address, then become the Solara server (signals reach it directly)."""
    print(f"Calexico model in the browser: http://{host}:{port}/ (Ctrl-C to stop)", flush=True)
    cmd = command(host, port)
    # Ignored through the exec until server.py sets its handler (a Ctrl-C in those milliseconds
    # would otherwise be a KeyboardInterrupt traceback from Python's start-up).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.execve(cmd[0], cmd, environment())
    return 0  # not reached
