"""``qualcode review``: the browser workspace over a project."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from .app import app
from .common import console, err_console


@app.command(epilog="Example: qualcode review transcripts_sample/ --coder alice\n\n"
                    "Example: qualcode review transcripts_sample/ --coder bob --port 8765 --no-browser")
def review(
    folder: Annotated[Path, typer.Argument(help="Folder of transcripts that holds a project (made by `qualcode init`).")],
    coder: Annotated[str, typer.Option("--coder", help="Your name: recorded with every decision, coding and memo.")],
    port: Annotated[Optional[int], typer.Option("--port", help="Port on 127.0.0.1 (default: a free one).", min=1,
                                                max=65535)] = None,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="Print the address only; do not open a browser.")] = False,
) -> None:
    """Read, code and review the project in your browser: a local server on 127.0.0.1 behind a per-run token.
    Ctrl-C stops it."""
    from ..workspace import Workspace

    workspace = Workspace(folder, coder, port)
    console.print(f"qualcode review: {folder} as {workspace.coder}. Open {workspace.url}", highlight=False, soft_wrap=True)
    err_console.print("Only this address (with its token) opens the workspace. Press Ctrl-C to stop.", highlight=False)
    if not no_browser:
        import webbrowser

        try:
            webbrowser.open(workspace.url)
        except Exception:  # no browser here: the printed address is enough
            pass
    try:
        workspace.run()
    except KeyboardInterrupt:
        pass
    err_console.print("Stopped; every change was saved as it was made.", highlight=False)
