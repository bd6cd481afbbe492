"""The workspace's routes. Each handler is thin: parse the request, call the project's Python API (on the one
thread that owns the project's SQLite connection), render a template or answer JSON.

Pages: ``/`` (overview), ``/source/{id}`` (read and code), ``/queue`` (review suggestions), ``/codebook``,
``/memos``, ``/history``, ``/search`` (keyword in context), ``/coding/{id}`` (jumps to the coding in its source). Changes are ``POST /api/...``
with a JSON body; they answer ``{"ok": true, ...}`` or ``{"error": message}`` with 400 (bad input), 404
(unknown id), 409 (the coding changed since the page was drawn: nothing is overwritten) or 503 (the project is
busy with another writer: the page says so and tries again).
"""

from __future__ import annotations

import asyncio
import hmac
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from ..errors import QualcodeError
from . import views

HERE = Path(__file__).resolve().parent


class ProjectThread:
    """Runs every call on the project on one thread: SQLite connections belong to the thread that opened
    them, and one writer at a time is what the project expects of a process anyway."""

    def __init__(self, opener):
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="qualcode-project")
        self.project = self.executor.submit(opener).result()
        self.cache: dict = {}

    async def __call__(self, fn, *args, **kwargs):
        return await asyncio.wrap_future(self.executor.submit(fn, self.project, *args, **kwargs))

    def sync(self, fn, *args, **kwargs):
        return self.executor.submit(fn, self.project, *args, **kwargs).result()

    def close(self):
        close = getattr(self.project, "close", None)
        if close:
            self.executor.submit(close).result()
        self.executor.shutdown(wait=True)


# -- the token ------------------------------------------------------------------------------------------
class TokenGate:
    """Refuses (403) every request that carries neither the run's token (``?token=``, the ``X-Qualcode-Token``
    header) nor the cookie set when the token was first shown; and any request whose Host is not this server
    on 127.0.0.1 or localhost (a defence against DNS rebinding)."""

    def __init__(self, app, token: str, port: int | None, project_thread=None):
        self.app, self.token, self.project_thread = app, token, project_thread
        self.listen_on(port)

    def listen_on(self, port: int | None) -> None:
        """The port this server answers on: the cookie's name and the Host header accepted follow it."""
        self.port = port
        self.cookie = f"qualcode_{port}"
        self.hosts = {f"127.0.0.1:{port}", f"localhost:{port}"}

    def close(self) -> None:
        if self.project_thread is not None:
            self.project_thread.close()

    def _ok(self, value: str | None) -> bool:
        return bool(value) and hmac.compare_digest(value.encode(), self.token.encode())

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        request = Request(scope)
        if request.headers.get("host") not in self.hosts:
            return await PlainTextResponse("Refused: this workspace answers only at 127.0.0.1.", 403)(scope, receive, send)
        query = request.query_params.get("token")
        if self._ok(query):
            if request.method == "GET":  # keep the token out of the address bar and the history
                rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
                target = request.url.path + ("?" + urlencode(rest) if rest else "")
                response = RedirectResponse(target, 303)
                response.set_cookie(self.cookie, self.token, httponly=True, samesite="strict")
                return await response(scope, receive, send)
            return await self.app(scope, receive, _with_headers(send))
        header = request.headers.get("x-qualcode-token")
        cookie = request.cookies.get(self.cookie)
        if request.method != "GET":
            ok = self._ok(header)  # changes need the header (a cookie alone could be sent by another site's form)
        else:
            ok = self._ok(cookie) or self._ok(header)
        if not ok:
            return await PlainTextResponse(
                "Refused: this request does not carry the workspace's token. Open the address that "
                "`qualcode review` printed (it ends in ?token=...).", 403)(scope, receive, send)
        return await self.app(scope, receive, _with_headers(send))


#: Sent with every answer: nothing but the workspace's own script runs, nothing is framed or cached elsewhere.
SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                                 b"img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
]


def _with_headers(send):
    async def wrapped(message):
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), *SECURITY_HEADERS]}
        await send(message)

    return wrapped


# -- the app --------------------------------------------------------------------------------------------
def make_app(project, *, coder: str, token: str, port: int | None, corpus=None):
    """The Starlette app over ``project`` for ``coder``. ``project`` is a :class:`~qualcode.project.Project`,
    or a zero-argument callable that opens one (it is then opened on the project thread)."""
    opener = project if callable(project) and not hasattr(project, "codings") else (lambda: project)
    pt = ProjectThread(opener)
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.globals.update(coder=coder, token=token)
    from . import handlers

    state = handlers.State(pt, coder=coder, templates=templates, corpus=corpus)
    routes = [
        Route("/", state.overview),
        Route("/source/{source_id:path}", state.source),
        Route("/coding/{coding_id}", state.coding),
        Route("/queue", state.queue),
        Route("/codebook", state.codebook),
        Route("/memos", state.memos),
        Route("/history", state.history),
        Route("/search", state.search),
        Route("/api/code", state.api_code, methods=["POST"]),
        Route("/api/decide", state.api_decide, methods=["POST"]),
        Route("/api/recode", state.api_recode, methods=["POST"]),
        Route("/api/uncode", state.api_uncode, methods=["POST"]),
        Route("/api/memo", state.api_memo, methods=["POST"]),
        Route("/api/undo", state.api_undo, methods=["POST"]),
        Route("/api/redo", state.api_redo, methods=["POST"]),
        Route("/api/propose", state.api_propose, methods=["POST"]),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers={404: state.not_found, 405: state.not_found})
    app.state.project_thread = pt
    return TokenGate(app, token, port, pt)
