"""One person's browser tab, as Streamlit's own protocol sees it: no browser, no drawing.

The browser opens a Streamlit page this way (Streamlit 1.67, ``static/js/index.*.js``): it
loads the page, asks ``/_stcore/health`` (which sets the ``_streamlit_xsrf`` cookie) and
``/_stcore/host-config``, then opens the websocket ``/_stcore/stream`` with the
``Sec-WebSocket-Protocol`` header ``streamlit, <the XSRF cookie's value>`` (a third entry would
resume an earlier session). Every script run is a ``BackMsg`` ``rerun_script`` carrying the
URL's query string, the widgets' values, the page's script hash (empty on the first run, which
names the page by its path) and the hashes of the messages the tab keeps; the server answers
with ``ForwardMsg``s (``new_session``, ``delta``s, ``page_info_changed`` when the script
rewrites the URL, …) up to ``script_finished``.

:class:`Tab` does the same, keeps the cookies (a reverse proxy's affinity cookie too), the URL
the app wrote, the page's widgets by key, and the messages the browser would cache, and times
each run from the request to ``script_finished``.
"""

from __future__ import annotations

import asyncio
import http.cookiejar
import time
import urllib.request
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

XSRF_COOKIE = "_streamlit_xsrf"
FINISHED = ForwardMsg.ScriptFinishedStatus
# A run that ends with one of these drew the page; a rerun the script asked for (st.rerun) is
# followed by the run that draws it.
DONE = {FINISHED.FINISHED_SUCCESSFULLY, FINISHED.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}


class RunFailed(Exception):
    """A run that did not draw its page: an exception shown, an error alert, a lost connection."""


@dataclass
class Widget:
    """A widget the last run drew: its id, kind and choices (labels, as the browser sends them)."""

    id: str
    kind: str
    options: list[str] = field(default_factory=list)
    value: Any = None


@dataclass
class Run:
    """One script run as the tab saw it."""

    seconds: float
    messages: int
    bytes: int
    elements: int


def _http_get(opener: urllib.request.OpenerDirector, url: str, timeout: float) -> bytes:
    with opener.open(url, timeout=timeout) as r:
        return r.read()


class Tab:
    """A browser tab on ``base_url`` (``http://host:port/``)."""

    def __init__(self, base_url: str, *, timeout: float = 60.0, jar: http.cookiejar.CookieJar | None = None):
        self.base = base_url.rstrip("/") + "/"
        self.timeout = timeout
        # One jar per person: the proxy's affinity cookie outlives the tab, as in a browser.
        self.jar = jar if jar is not None else http.cookiejar.CookieJar()
        self._http = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.ws: Any = None
        self.session_id = ""
        self.page_hash = ""
        self.query = ""
        self.widgets: dict[str, Widget] = {}
        self._cached: set[str] = set()
        self._tabs_block: str | None = None  # the last tab container seen, while its tabs follow

    async def open(self, query: str = "", path: str = "") -> Run:
        """Open ``base_url + path + ?query`` as a browser does, up to the end of the first run."""
        t0 = time.perf_counter()
        self.query = query
        loop = asyncio.get_running_loop()
        page = self.base + path + (f"?{query}" if query else "")
        for url in (page, self.base + "_stcore/health", self.base + "_stcore/host-config"):
            await loop.run_in_executor(None, _http_get, self._http, url, self.timeout)
        xsrf = next((c.value for c in self.jar if c.name == XSRF_COOKIE), "")
        split = urlsplit(self.base)
        ws_url = ("wss" if split.scheme == "https" else "ws") + f"://{split.netloc}{split.path}_stcore/stream"
        self.ws = await asyncio.wait_for(
            websockets.connect(
                ws_url,
                subprotocols=["streamlit", xsrf] if xsrf else ["streamlit"],  # type: ignore[list-item]
                additional_headers={
                    "Cookie": "; ".join(f"{c.name}={c.value}" for c in self.jar),
                    "Origin": f"{split.scheme}://{split.netloc}",
                },
                max_size=None,
                compression=None,
                open_timeout=self.timeout,
            ),
            self.timeout,
        )
        run = await self.rerun(page_name=path)
        run.seconds = time.perf_counter() - t0
        return run

    async def rerun(self, changes: dict[str, Any] | None = None, *, page_name: str = "") -> Run:
        """Run the page again, with the widgets keyed in ``changes`` set to new values (as a
        click does), up to ``script_finished``."""
        msg = BackMsg()
        rs = msg.rerun_script
        rs.query_string = self.query
        rs.page_script_hash = self.page_hash
        rs.page_name = "" if self.page_hash else page_name
        rs.context_info.timezone = "America/Lima"
        rs.context_info.timezone_offset = 300
        rs.context_info.locale = "es-419"
        rs.context_info.url = self.base + (f"?{self.query}" if self.query else "")
        rs.cached_message_hashes.extend(sorted(self._cached))
        for key, value in (changes or {}).items():
            w = self.widgets[key]
            state = rs.widget_states.widgets.add()
            state.id = w.id
            if isinstance(value, bool):
                state.bool_value = value
            elif isinstance(value, str):
                state.string_value = value
            else:
                raise TypeError(f"no widget value of type {type(value).__name__}")
            w.value = value
        t0 = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        return await asyncio.wait_for(self._until_finished(t0), self.timeout)

    async def _until_finished(self, t0: float) -> Run:
        messages = size = elements = 0
        self.widgets = {}
        while True:
            try:
                raw = await self.ws.recv()
            except websockets.ConnectionClosed as e:
                raise RunFailed(f"connection closed: {e}") from e
            messages += 1
            size += len(raw)
            fwd = ForwardMsg()
            fwd.ParseFromString(raw)
            kind = fwd.WhichOneof("type")
            if fwd.metadata.cacheable and fwd.hash:
                self._cached.add(fwd.hash)  # as the browser's message cache does
            if kind == "delta":
                elements += self._delta(fwd)
            elif kind == "new_session":
                self.page_hash = fwd.new_session.page_script_hash
                self.session_id = fwd.new_session.initialize.session_id or self.session_id
            elif kind == "page_info_changed":
                self.query = fwd.page_info_changed.query_string
            elif kind == "page_not_found":
                raise RunFailed("page not found")
            elif (
                kind == "session_event"
                and fwd.session_event.WhichOneof("type") == "script_compilation_exception"
            ):
                raise RunFailed("script compilation error")
            elif kind == "script_finished":
                status = fwd.script_finished
                if status in DONE:
                    return Run(time.perf_counter() - t0, messages, size, elements)
                if status == FINISHED.FINISHED_WITH_COMPILE_ERROR:
                    raise RunFailed("script compilation error")
                # FINISHED_EARLY_FOR_RERUN: the script asked for a rerun; its run follows.

    def _delta(self, fwd: ForwardMsg) -> int:
        delta = fwd.delta
        which = delta.WhichOneof("type")
        if which == "add_block":
            block = delta.add_block
            kind = block.WhichOneof("type")
            if kind == "tab_container" and block.tab_container.id:
                self._tabs_block = _key(block.tab_container.id)
                self.widgets[self._tabs_block] = Widget(block.tab_container.id, "tabs")
            elif kind == "tab" and self._tabs_block in self.widgets:
                self.widgets[self._tabs_block].options.append(block.tab.label)
            return 0
        if which != "new_element":
            return 0
        element = delta.new_element
        kind = element.WhichOneof("type")
        if kind == "exception":
            raise RunFailed(f"exception shown: {element.exception.type}: {element.exception.message[:200]}")
        if kind == "alert" and element.alert.format == element.alert.ERROR:
            raise RunFailed(f"error shown: {element.alert.body[:200]}")
        body = getattr(element, kind)
        widget_id = getattr(body, "id", "")
        if widget_id:
            options = list(getattr(body, "options", []) or [])
            self.widgets[_key(widget_id)] = Widget(widget_id, kind, options)
        return 1

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
            self.ws = None


def _key(widget_id: str) -> str:
    """The key the app gave a widget (``$$ID-<hash>-w_spot`` → ``w_spot``), else its id."""
    head, _, key = widget_id.rpartition("-")
    return key if head.startswith("$$ID") and key and key != "None" else widget_id
