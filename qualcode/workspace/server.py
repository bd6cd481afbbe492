"""Start and stop the workspace's web server: 127.0.0.1 only, a free port unless one is given, and a random
token per run that every request must carry.

>>> ws = Workspace("transcripts_sample/", coder="alice")          # doctest: +SKIP
>>> ws.url                                                         # doctest: +SKIP
'http://127.0.0.1:50123/?token=...'
>>> ws.run()          # serves until Ctrl-C                        # doctest: +SKIP
"""

from __future__ import annotations

import errno
import secrets
import socket
from pathlib import Path

from ..errors import WorkspaceError

HOST = "127.0.0.1"


def _bind(port: int) -> socket.socket:
    """A listening socket on 127.0.0.1:``port`` (0 = a free one), or a :class:`WorkspaceError` naming another port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind((HOST, port))
    except OSError as exc:
        sock.close()
        if exc.errno in (errno.EADDRINUSE, errno.EACCES):
            free = _free_port()
            why = "is in use (another `qualcode review`, or another program)" if exc.errno == errno.EADDRINUSE else \
                "cannot be used without special rights"
            raise WorkspaceError(
                f"port {port} on {HOST} {why}. Choose another with --port {free}, or leave --port out to use a free one."
            ) from None
        raise WorkspaceError(f"cannot listen on {HOST}:{port} ({exc.strerror}); try another --port.") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


class Workspace:
    """The workspace over the project in ``folder`` for one ``coder``, listening once made.

    ``port=None`` takes a free port. :attr:`url` is the one address to open: it carries :attr:`token`,
    without which every request is refused (403). :meth:`run` serves until interrupted (Ctrl-C) and
    closes the project.
    """

    def __init__(self, folder: str | Path, coder: str, port: int | None = None, *, corpus=None):
        from ..project import Project

        coder = (coder or "").strip()
        if not coder:
            raise WorkspaceError("a coder name is needed (--coder NAME): every decision, coding and memo records who made it.")
        self.folder = Path(folder)
        self.coder = coder
        self.token = secrets.token_urlsafe(18)
        from .app import make_app

        # the project is opened (and checked) on the thread that will use it, before the port is taken
        app = make_app(lambda: Project(self.folder), coder=coder, token=self.token, port=None, corpus=corpus)
        self.socket = _bind(port or 0)
        self.port = self.socket.getsockname()[1]
        app.listen_on(self.port)
        self.app = app

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/?token={self.token}"

    def run(self) -> None:
        """Serve until Ctrl-C (SIGINT) or SIGTERM; the socket and the project are closed on the way out."""
        import uvicorn

        config = uvicorn.Config(self.app, log_level="warning", lifespan="off", access_log=False,
                                server_header=False, timeout_graceful_shutdown=3)
        server = uvicorn.Server(config)
        try:
            server.run(sockets=[self.socket])
        finally:
            self.socket.close()
            self.app.close()


def serve(folder: str | Path, coder: str, port: int | None = None, *, ready=None) -> None:
    """Start the workspace and serve until Ctrl-C; ``ready(url)`` is called once it listens."""
    workspace = Workspace(folder, coder, port)
    if ready:
        ready(workspace.url)
    workspace.run()
