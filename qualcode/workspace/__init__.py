"""The browser workspace (``qualcode review``): a local web server over a project, for reading, coding and
reviewing in a browser.

:mod:`.server` starts it (127.0.0.1 only, a per-run token); :mod:`.app` holds the Starlette routes, each a
thin handler that parses a request, calls the project's Python API and renders a template; :mod:`.views`
turns a source and its codings into what the templates draw (runs of text, highlights, margin stripes);
``templates/`` and ``static/`` are the Jinja2 pages and the small amount of plain JavaScript and CSS they use.
No analysis logic and no SQL live here.

Layer 6: it may import the project (layer 5) and everything below; only the CLI imports it.
"""

from __future__ import annotations

from .server import Workspace, serve  # noqa: F401
