"""The model in the browser: a Mesa SolaraViz app of the border region (`calexico viz`).

Why Solara's server: Solara's own server (`solara run`) serves the page, its bundled front-end
assets (the `solara-assets` package, so nothing is fetched from a CDN) and the websocket; we
only choose the address and switch its telemetry off.
"""

import os
import sys
from pathlib import Path

APP = Path(__file__).with_name("app.py")


def command(host: str = "127.0.0.1", port: int = 8765) -> list[str]:
    """The `solara run` command line that serves the app."""
    solara = Path(sys.executable).with_name("solara")
    exe = [str(solara)] if solara.exists() else [sys.executable, "-m", "solara"]
    return [*exe, "run", str(APP), "--host", host, "--port", str(port), "--no-open", "--no-check-version"]


def environment() -> dict:
    """The server's environment: no telemetry, no CDN."""
    return {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
            "MPLBACKEND": "Agg"}


def serve(host: str = "127.0.0.1", port: int = 8765) -> int:
    """Print the address, then become the Solara server (signals reach it directly)."""
    print(f"Calexico model in the browser: http://{host}:{port}/ (Ctrl-C to stop)", flush=True)
    cmd = command(host, port)
    os.execve(cmd[0], cmd, environment())
    return 0  # not reached
