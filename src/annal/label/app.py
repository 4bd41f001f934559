"""The labelling web app: one server-rendered page, a little plain JavaScript, a JSON API.

Every write (``POST``) must carry the project's CSRF token in the ``X-CSRF-Token`` header and a
JSON body; the page gets the token from its ``<meta>`` tag, another site cannot read it. Host
headers other than the served host are refused (DNS rebinding). Texts reach the page as JSON
and are shown with ``textContent`` (never as HTML); the template is autoescaped.

Routes
------
``GET /``                 the page
``GET /api/stats``        counts, class histogram, labels/min, estimated F1, stopping advice
``GET /api/items?ids=``   rows by id (fresh suggestions after a fit)
``GET /api/search``       ``q=`` substring, or ``similar=<id>`` nearest neighbours
``POST /api/next``        ``{client, n}``: the rows this tab holds, then ``n`` new ones
``POST /api/label``       ``{client, item, label}``
``POST /api/skip``        ``{client, item}``
``POST /api/undo``        ``{client}``: undoes the tab's last label or skip, returns that row
``POST /api/labels``      ``{add: name}`` or ``{rename: old, to: new}`` (merge if ``new`` exists)
"""

from __future__ import annotations

import contextlib
import ipaddress
import secrets
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from annal.errors import AnnalError
from annal.label.background import BackgroundTrainer
from annal.label.project import Project
from annal.label.status import project_status

STATIC = Path(__file__).parent / "static"
#: Rows a tab asks for at a time.
BATCH_FETCH = 5
SEARCH_LIMIT = 20
#: The index behind "similar": exact cosine search with FAISS (annal's ``exact`` backend imports
#: torch on first use, seconds the page would wait).
SIMILAR_INDEX = "faiss:flat?metric=cosine"

_templates = Environment(
    loader=PackageLoader("annal.label", "templates"),
    autoescape=select_autoescape(["html"]),
)


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class LabelApp:
    """The app's state: the project, its background trainer, the neighbour index.

    Parameters
    ----------
    folder : str or PathLike
        The project folder.
    who : str
        Name recorded with every label from this server.
    trainer : bool
        Run the background trainer (off in tests of the page alone).
    """

    def __init__(self, folder, *, who: str = "local", trainer: bool = True) -> None:
        self.project = Project(folder)
        self.store = self.project.store
        self.who = who
        self.token = self.store.token
        self.trainer = BackgroundTrainer(self.project) if trainer else None
        self._index = None

    # -- read side -------------------------------------------------------------------------

    def stats(self) -> dict:
        """Everything the progress panel shows (see :func:`project_status`) and the trainer's state."""
        return {
            **project_status(self.project),
            "training": bool(self.trainer and self.trainer.busy),
            "trainer_error": None if self.trainer is None else self.trainer.last_error,
        }

    def similar(self, item: int, limit: int) -> list:
        """Rows nearest to row ``item`` (:data:`SIMILAR_INDEX`), the row itself left out."""
        import numpy as np

        from annal.index import make_index

        if self._index is None:
            X = self.project.vectors
            self._index = make_index(SIMILAR_INDEX).build(X, np.arange(len(X), dtype=np.int64))
        X = self.project.vectors
        if not 0 <= item < len(X):
            raise AnnalError(f"no row with id {item}")
        _, found = self._index.search(X[item : item + 1], k=limit + 1)
        ids = [int(i) for i in found[0] if int(i) != item and int(i) >= 0][:limit]
        return self.project.suggest(self.store.items(ids))

    def after_write(self) -> None:
        """Tell the trainer labels changed (it fits when due, in its own process)."""
        if self.trainer is not None:
            self.trainer.poke()


def _client(body: dict) -> str:
    client = body.get("client")
    if not isinstance(client, str) or not 1 <= len(client) <= 100:
        raise AnnalError("the request needs a 'client' id (1-100 characters)")
    return client


def _int(body: dict, key: str) -> int:
    try:
        return int(body[key])
    except (KeyError, TypeError, ValueError):
        raise AnnalError(f"the request needs an integer {key!r}") from None


def create_app(
    folder,
    *,
    who: str = "local",
    host: str = "127.0.0.1",
    trainer: bool = True,
) -> Starlette:
    """The Starlette app serving the project in ``folder``.

    Parameters
    ----------
    folder : str or PathLike
        The project folder.
    who : str
        Recorded with each label.
    host : str
        The address served; on a loopback address only loopback host names are accepted.
    trainer : bool
        Start the background trainer with the app.
    """
    state = LabelApp(folder, who=who, trainer=trainer)
    store, project = state.store, state.project

    async def body_of(request: Request) -> dict:
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            raise AnnalError("writes must send JSON (Content-Type: application/json)")
        try:
            body = await request.json()
        except ValueError:
            raise AnnalError("the request body is not valid JSON") from None
        if not isinstance(body, dict):
            raise AnnalError("the request body must be a JSON object")
        return body

    async def page(request: Request) -> Response:
        stats = await run_in_threadpool(state.stats)
        html = _templates.get_template("page.html").render(
            name=state.project.name, token=state.token, stats=stats, who=who
        )
        return HTMLResponse(html, headers={"Cache-Control": "no-store"})

    async def api_stats(request: Request) -> Response:
        return JSONResponse(await run_in_threadpool(state.stats))

    async def api_items(request: Request) -> Response:
        raw = request.query_params.get("ids", "")
        try:
            ids = [int(v) for v in raw.split(",") if v.strip()][:200]
        except ValueError:
            raise AnnalError("ids must be integers separated by commas") from None
        items = await run_in_threadpool(lambda: project.suggest(store.items(ids)))
        return JSONResponse({"items": [i.as_dict() for i in items]})

    async def api_search(request: Request) -> Response:
        q = request.query_params.get("q", "")
        similar = request.query_params.get("similar")
        if similar is not None:
            try:
                item = int(similar)
            except ValueError:
                raise AnnalError("similar must be a row id") from None
            items = await run_in_threadpool(state.similar, item, SEARCH_LIMIT)
        elif q.strip():
            items = await run_in_threadpool(lambda: project.suggest(store.search(q, SEARCH_LIMIT)))
        else:
            items = []
        return JSONResponse({"items": [i.as_dict() for i in items]})

    async def api_next(request: Request) -> Response:
        body = await body_of(request)
        n = max(0, min(_int(body, "n") if "n" in body else BATCH_FETCH, 50))
        client = _client(body)
        items = await run_in_threadpool(lambda: project.suggest(store.claim(client, n)))
        state.after_write()
        return JSONResponse({"items": [i.as_dict() for i in items]})

    async def api_label(request: Request) -> Response:
        body = await body_of(request)
        label = body.get("label")
        if not isinstance(label, str):
            raise AnnalError("the request needs a 'label' name")
        await run_in_threadpool(
            store.label, _int(body, "item"), label, who=who, client=_client(body)
        )
        state.after_write()
        return JSONResponse({"ok": True, "stats": await run_in_threadpool(state.stats)})

    async def api_skip(request: Request) -> Response:
        body = await body_of(request)
        await run_in_threadpool(store.skip, _int(body, "item"), who=who, client=_client(body))
        state.after_write()
        return JSONResponse({"ok": True, "stats": await run_in_threadpool(state.stats)})

    async def api_undo(request: Request) -> Response:
        body = await body_of(request)
        item_id = await run_in_threadpool(store.undo, client=_client(body), who=who)
        items = [] if item_id is None else project.suggest(store.items([item_id]))
        state.after_write()
        return JSONResponse(
            {
                "item": items[0].as_dict() if items else None,
                "stats": await run_in_threadpool(state.stats),
            }
        )

    async def api_labels(request: Request) -> Response:
        body = await body_of(request)
        if "add" in body:
            labels = await run_in_threadpool(store.add_label, str(body["add"]))
        elif "rename" in body and "to" in body:
            labels = await run_in_threadpool(
                store.rename_label, str(body["rename"]), str(body["to"])
            )
        else:
            raise AnnalError("send {add: name} or {rename: old, to: new}")
        state.after_write()
        if state.trainer is not None:
            state.trainer.poke(force=True)
        return JSONResponse({"labels": labels, "stats": await run_in_threadpool(state.stats)})

    async def on_error(request: Request, exc: Exception) -> Response:
        return JSONResponse({"error": str(exc)}, status_code=400)

    class CSRFMiddleware:
        """Refuses any non-GET request without the project's token."""

        def __init__(self, app) -> None:
            self.app = app

        async def __call__(self, scope, receive, send) -> None:
            if scope["type"] == "http" and scope["method"] not in ("GET", "HEAD", "OPTIONS"):
                headers = dict(scope.get("headers") or [])
                sent = headers.get(b"x-csrf-token", b"").decode("latin-1")
                if not secrets.compare_digest(sent, state.token):
                    resp = JSONResponse({"error": "missing or wrong CSRF token"}, status_code=403)
                    await resp(scope, receive, send)
                    return
            await self.app(scope, receive, send)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        if state.trainer is not None:
            state.trainer.start()
        yield
        if state.trainer is not None:
            state.trainer.stop()

    hosts = ["127.0.0.1", "localhost", "[::1]", "::1"] if is_loopback(host) else ["*"]
    app = Starlette(
        routes=[
            Route("/", page),
            Route("/api/stats", api_stats),
            Route("/api/items", api_items),
            Route("/api/search", api_search),
            Route("/api/next", api_next, methods=["POST"]),
            Route("/api/label", api_label, methods=["POST"]),
            Route("/api/skip", api_skip, methods=["POST"]),
            Route("/api/undo", api_undo, methods=["POST"]),
            Route("/api/labels", api_labels, methods=["POST"]),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ],
        middleware=[
            Middleware(TrustedHostMiddleware, allowed_hosts=hosts),
            Middleware(CSRFMiddleware),
        ],
        exception_handlers={AnnalError: on_error},
        lifespan=lifespan,
    )
    app.state.label = state
    return app


def serve(
    folder,
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    who: str = "local",
    log=print,
    warn=lambda m: print(f"warning: {m}"),
) -> None:
    """Serve the project until interrupted (uvicorn); ``log``/``warn`` print one line each."""
    import uvicorn

    app = create_app(folder, who=who, host=host)
    if not is_loopback(host):
        warn(
            f"serving on {host}, not a loopback address: anyone who can reach this machine "
            "can read the texts and label them"
        )
    log(f"annal label: {app.state.label.project.name} at http://{host}:{port}/ (Ctrl-C stops)")
    uvicorn.run(app, host=host, port=port, log_level="warning")
