"""Offline test harness for the loaders.

* ``_no_network`` (autouse): any DNS lookup or socket connection raises :class:`NetworkBlocked`,
  so a test that tries to reach the internet fails instead of touching it.
* ``_isolated_cache`` (autouse): the fetched-data cache lives in the test's tmp directory.
* ``fake_web``: answers HTTP requests from fixture files, underneath the real client libraries
  (urllib3 for comtradeapicall, requests for wbgapi and sdmx1), and records every URL asked for.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
import urllib3
from requests.structures import CaseInsensitiveDict

FIXTURES = Path(__file__).parent / "fixtures"


class NetworkBlocked(OSError):
    """Raised by any attempt to open a network connection during the fetch tests."""


def _blocked(*args: Any, **kwargs: Any) -> Any:
    raise NetworkBlocked(f"tests must not touch the network (attempted: {args[1:] or args!r})")


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", _blocked)
    monkeypatch.setattr(socket, "create_connection", _blocked)
    monkeypatch.setattr(socket.socket, "connect", _blocked)
    monkeypatch.setattr(socket.socket, "connect_ex", _blocked)


@pytest.fixture(autouse=True)
def _isolated_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    root = tmp_path / "bf-data"
    monkeypatch.setenv("BORDERFLOWS_DATA_DIR", str(root))
    return root


@dataclass
class Reply:
    """A canned HTTP answer; ``error`` (an exception) is raised instead when set."""

    body: bytes = b""
    status: int = 200
    content_type: str = "application/json"
    error: BaseException | None = None


@dataclass
class FakeWeb:
    """Routes requests to canned replies by URL substring; the first matching route wins."""

    routes: list[tuple[str, Reply | Callable[[str], Reply]]] = field(default_factory=list)
    seen: list[str] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)

    def add(self, fragment: str, reply: Reply | Callable[[str], Reply]) -> None:
        self.routes.append((fragment, reply))

    def add_file(self, fragment: str, name: str, *, status: int = 200, content_type: str = "application/json") -> None:
        self.add(fragment, Reply((FIXTURES / name).read_bytes(), status, content_type))

    def answer(self, url: str) -> Reply:
        self.seen.append(url)
        for fragment, reply in self.routes:
            if fragment in url:
                return reply(url) if callable(reply) else reply
        return Reply(b'{"statusCode": 404, "message": "no fixture for this URL"}', 404)


@pytest.fixture
def fake_web(monkeypatch: pytest.MonkeyPatch) -> FakeWeb:
    web = FakeWeb()

    def urlopen(self: Any, method: str, url: str, *args: Any, **kwargs: Any) -> urllib3.HTTPResponse:
        reply = web.answer(url)
        if reply.error is not None:
            raise reply.error
        return urllib3.HTTPResponse(
            body=reply.body, status=reply.status, headers={"Content-Type": reply.content_type}, preload_content=True
        )

    def send(self: Any, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        url = str(request.url)
        web.headers.append(dict(request.headers))
        reply = web.answer(url)
        if reply.error is not None:
            raise reply.error
        response = requests.Response()
        response.status_code = reply.status
        response._content = reply.body
        response.headers = CaseInsensitiveDict({"Content-Type": reply.content_type})
        response.url = url
        response.request = request
        response.reason = "OK" if reply.status == 200 else "Error"
        return response

    monkeypatch.setattr(urllib3.PoolManager, "urlopen", urlopen)
    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", send)
    return web
