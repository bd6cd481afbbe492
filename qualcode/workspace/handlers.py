"""The workspace's handlers: parse, call the project, render. See :mod:`.app` for the routes."""

from __future__ import annotations

import json
import math
import time

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse

from ..errors import QualcodeError, did_you_mean
from . import views

#: Filters the source page and the review queue take from the query string.
FILTERS = ("code", "origin", "status", "coder")
#: At most this many search hits are drawn on the search page (the count says how many there are).
SEARCH_LIMIT = 500


class State:
    """What the handlers share: the project thread, the coder, the templates and the corpus (loaded once)."""

    def __init__(self, pt, *, coder: str, templates, corpus=None):
        self.pt, self.coder, self.templates = pt, coder, templates
        self._corpus = corpus
        # Sources changed on disk since the project read them: from the project's status when the server starts
        # and whenever the overview is drawn (the status takes a while on a large project, so a source page
        # does not ask for it).
        self.changed: set[str] = set(pt.sync(lambda p: p.status().changed_sources))

    # -- helpers ------------------------------------------------------------------------------------------
    def corpus(self, p):
        """The corpus of the project's folder (turn structure, speakers, researcher turns, participants)."""
        if self._corpus is None:
            from ..corpus.loading import load_corpus

            self._corpus = load_corpus(p.folder)
        return self._corpus

    def page(self, request: Request, name: str, status_code: int = 200, **context) -> HTMLResponse:
        return self.templates.TemplateResponse(request, name, {"page": name.split(".")[0], **context},
                                               status_code=status_code)

    def error_page(self, request: Request, status_code: int, message: str) -> HTMLResponse:
        return self.page(request, "error.html", status_code=status_code, message=message)

    async def not_found(self, request: Request, exc):
        code = getattr(exc, "status_code", 404)
        what = "no such page" if code == 404 else "that method is not allowed here"
        return self.error_page(request, code, f"{request.url.path}: {what}. Start from the overview.")

    async def call(self, fn, *args, **kwargs):
        return await self.pt(fn, *args, **kwargs)

    async def api(self, request: Request, fn) -> JSONResponse:
        """Run a change: ``fn(project, body)`` -> dict; errors become JSON with a status a page can act on."""
        try:
            body = await request.json()
        except ValueError:
            return JSONResponse({"error": "the request body is not JSON."}, 400)
        if not isinstance(body, dict):
            return JSONResponse({"error": "the request body must be a JSON object."}, 400)
        try:
            result = await self.call(fn, body)
        except QualcodeError as exc:
            return JSONResponse({"error": str(exc)}, _status_of(exc))
        return JSONResponse({"ok": True, **(result or {})})

    # -- pages --------------------------------------------------------------------------------------------
    async def overview(self, request: Request):
        group = request.query_params.get("group") or None
        attribute = request.query_params.get("attribute") or None

        def build(p):
            corpus = self.corpus(p)
            status = p.status()
            self.changed = set(status.changed_sources)
            return views.overview(corpus, p.codebook, status, p.source_counts(), p.origin_counts(), group=group,
                                  attribute=attribute)

        try:
            data = await self.call(build)
        except QualcodeError as exc:
            return self.error_page(request, _status_of(exc), str(exc))
        return self.page(request, "overview.html", **data)

    async def source(self, request: Request):
        source_id = request.path_params["source_id"]
        filters = {k: request.query_params.get(k) or None for k in FILTERS}

        def build(p):
            corpus = self.corpus(p)
            if source_id not in corpus:
                raise NotFound(f"no source {source_id!r} in this project{did_you_mean(source_id, corpus.source_ids)}; "
                               "the overview lists the sources.")
            return views.source_page(corpus, corpus.source(source_id), p.codebook, p.codings(source_id=source_id), p.memos(),
                                     self.changed, filters)

        try:
            t0 = time.perf_counter()
            data = await self.call(build)
        except QualcodeError as exc:
            return self.error_page(request, _status_of(exc), str(exc))
        response = self.page(request, "source.html", **data)
        response.headers["Server-Timing"] = f"build;dur={(time.perf_counter() - t0) * 1000:.1f}"
        return response

    async def coding(self, request: Request):
        coding_id = request.path_params["coding_id"]

        def find(p):
            source_id = p.source_of(coding_id)
            if source_id is None:
                raise NotFound(f"no coding {coding_id!r} in this project (it may have been undone); open its source "
                               "from the overview.")
            return source_id

        try:
            source_id = await self.call(find)
        except QualcodeError as exc:
            return self.error_page(request, _status_of(exc), str(exc))
        return RedirectResponse(f"/source/{source_id}#coding={coding_id}", 303)

    async def queue(self, request: Request):
        params = request.query_params
        code = params.get("code") or None
        try:
            position = max(0, int(params.get("i") or 0))
        except ValueError:
            position = 0

        def build(p):
            corpus = self.corpus(p)
            book = p.codebook
            if code is not None and code not in book.nodes:
                raise NotFound(f"no code {code!r} in the codebook{did_you_mean(code, book.nodes)}; the review "
                               "queue takes a code id from the codebook page.")
            origin = params.get("origin") or None
            per_code = p.waiting_counts(origin=origin)
            ids = {code, *(n.id for n in book.descendants(code))} if code else None
            total = sum(n for c, n in per_code.items() if ids is None or c in ids)
            at = min(position, max(total - 1, 0))
            # the page reads the one suggestion it shows, and that suggestion's source's codings
            chosen = p.waiting(code=code, origin=origin, offset=at, limit=1) if total else None
            row = None
            if chosen is not None and len(chosen):
                one = p.codings(source_id=chosen.source_id.iloc[0])
                row = one[one.coding_id == chosen.coding_id.iloc[0]].iloc[0].to_dict()
            return views.queue_page(corpus, book, per_code, row, total=total, position=at, code=code, origin=origin)

        try:
            data = await self.call(build)
        except QualcodeError as exc:
            return self.error_page(request, _status_of(exc), str(exc))
        return self.page(request, "queue.html", **data)

    async def codebook(self, request: Request):
        def build(p):
            status = p.status()
            waiting = dict(zip(status.per_code.code_id, status.per_code.pending))
            memos = p.memos()
            return {"tree": views.tree(p.codebook, waiting), "book": p.codebook,
                    "memos": views.memo_rows(memos[memos.kind == "code"])}

        data = await self.call(build)
        return self.page(request, "codebook.html", **data)

    async def memos(self, request: Request):
        def build(p):
            return {"memos": views.memo_rows(p.memos())}

        data = await self.call(build)
        return self.page(request, "memos.html", **data)

    async def search(self, request: Request):
        """Keyword in context across the project's sources (words, phrases, wildcards; lemmas if asked)."""
        from ..analysis.search import search

        params = request.query_params
        pattern = (params.get("q") or "").strip()
        lemma = params.get("lemma") in ("1", "on", "true")
        researchers = params.get("researchers") in ("1", "on", "true")
        context = {"q": pattern, "lemma": lemma, "researchers": researchers, "hits": [], "total": 0, "error": ""}
        if not pattern:
            return self.page(request, "search.html", **context)

        def build(p):
            hits = search(self.corpus(p), pattern, lemma=lemma, include_researchers=researchers)
            return views.search_rows(hits, limit=SEARCH_LIMIT), len(hits)

        try:
            context["hits"], context["total"] = await self.call(build)
        except QualcodeError as exc:
            context["error"] = str(exc)
            return self.page(request, "search.html", status_code=400, **context)
        return self.page(request, "search.html", limit=SEARCH_LIMIT, **context)

    async def history(self, request: Request):
        mine = request.query_params.get("coder") or None

        def build(p):
            frame = p.history(coder=mine)
            rows = frame.tail(200).iloc[::-1].to_dict("records")
            return {"entries": [{k: ("" if v is None or (isinstance(v, float) and math.isnan(v)) else v)
                                 for k, v in r.items()} for r in rows], "who": mine or ""}

        data = await self.call(build)
        return self.page(request, "history.html", **data)

    # -- changes --------------------------------------------------------------------------------------------
    async def api_code(self, request: Request):
        def run(p, body):
            source_id = _need(body, "source_id")
            start, end = _offset(body, "start"), _offset(body, "end")
            if end <= start:
                raise QualcodeError("the selection is empty: select some text first, then choose a code.")
            corpus = self.corpus(p)
            if source_id not in corpus:
                raise NotFound(f"no source {source_id!r} in this project{did_you_mean(source_id, corpus.source_ids)}.")
            other = body.get("end_source_id")
            if other and other != source_id:
                raise QualcodeError(f"the selection runs from source {source_id} into {other}: a coding lies within "
                                    "one source. Select within one transcript.")
            coding_id = p.code(source_id, start, end, _need(body, "code_id"), coder=self.coder,
                               memo=(body.get("memo") or None))
            return {"coding_id": coding_id, "message": "Coded."}

        return await self.api(request, run)

    async def api_decide(self, request: Request):
        def run(p, body):
            decision = _need(body, "decision")
            if decision not in ("accept", "reject"):
                raise QualcodeError(f"decision {decision!r}: use accept or reject.")
            act = p.accept if decision == "accept" else p.reject
            result = act(_need(body, "coding_id"), coder=self.coder, memo=body.get("memo") or None,
                         expected=_expected(body))
            return {"status": result.get("status"), "message": f"{decision.capitalize()}ed."}

        return await self.api(request, run)

    async def api_recode(self, request: Request):
        def run(p, body):
            new_id = p.recode(_need(body, "coding_id"), _need(body, "code_id"), coder=self.coder,
                              expected=_expected(body))
            return {"coding_id": new_id, "message": "Recoded."}

        return await self.api(request, run)

    async def api_uncode(self, request: Request):
        def run(p, body):
            p.uncode(_need(body, "coding_id"), coder=self.coder)
            return {"message": "Coding removed (undo brings it back)."}

        return await self.api(request, run)

    async def api_memo(self, request: Request):
        def run(p, body):
            kind = body.get("kind") or "project"
            if kind not in ("project", "source", "participant", "code", "coding"):
                raise QualcodeError(f"memo kind {kind!r}: use project, source, participant, code or coding.")
            target = {} if kind == "project" else {kind: _need(body, "target")}
            memo_id = p.memo(str(body.get("text") or ""), coder=self.coder, **target)
            return {"memo_id": memo_id, "message": "Memo saved."}

        return await self.api(request, run)

    async def api_undo(self, request: Request):
        def run(p, body):
            entry = p.undo(coder=self.coder)
            return {"message": f"Undone: {entry.get('what', '')}"}

        return await self.api(request, run)

    async def api_redo(self, request: Request):
        def run(p, body):
            entry = p.redo(coder=self.coder)
            return {"message": f"Redone: {entry.get('what', '')}"}

        return await self.api(request, run)

    async def api_propose(self, request: Request):
        def run(p, body):
            from ..codebook.edit import add_node, slugify

            label = str(body.get("label") or "").strip()
            if not label:
                raise QualcodeError("a proposed code needs a name.")
            source_id = _need(body, "source_id")
            start, end = _offset(body, "start"), _offset(body, "end")
            corpus = self.corpus(p)
            if source_id not in corpus:
                raise NotFound(f"no source {source_id!r} in this project.")
            passage = corpus.text(source_id)[start:end].strip()
            if not passage:
                raise QualcodeError("the selection is empty: select the passage that shows the new code.")
            book = p.codebook
            node_id = slugify(label)
            book = add_node(book, node_id, label, parent=body.get("parent") or None,
                            definition=body.get("definition") or None, origin="inductive", status="candidate",
                            examples=[passage], reason=f"Proposed in the workspace from {source_id} {start}-{end}",
                            author=self.coder)
            p.set_codebook(book, coder=self.coder)
            return {"code_id": node_id, "message": f"Proposed {label!r} as a candidate code ({node_id})."}

        return await self.api(request, run)


class NotFound(QualcodeError):
    """An id that the project does not have (answered with 404)."""


def _status_of(exc: Exception) -> int:
    name = type(exc).__name__
    text = str(exc)
    if isinstance(exc, NotFound) or text.startswith(("no coding", "no source", "no human coding")):
        return 404
    if name == "ProjectConflictError":
        return 409
    if "is busy" in text:
        return 503
    return 400


def _need(body: dict, key: str) -> str:
    value = body.get(key)
    if value is None or str(value).strip() == "":
        raise QualcodeError(f"the request lacks {key!r}.")
    return str(value)


def _offset(body: dict, key: str) -> int:
    value = body.get(key)
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise QualcodeError(f"{key} {value!r} is not a character offset (a whole number).") from None
    return number


def _expected(body: dict):
    value = body.get("expected")
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return str(value)
