"""The fetch tests cannot reach the network: the autouse guard in conftest.py blocks it."""

from __future__ import annotations

import socket

import pytest
import requests

from tests.fetch.conftest import NetworkBlocked


def test_socket_connection_is_blocked() -> None:
    with pytest.raises(NetworkBlocked, match="must not touch the network"):
        socket.create_connection(("api.worldbank.org", 443), timeout=1)
    with pytest.raises(NetworkBlocked):
        socket.getaddrinfo("comtradeapi.un.org", 443)
    with socket.socket() as sock, pytest.raises(NetworkBlocked):
        sock.connect(("127.0.0.1", 9))


def test_http_client_request_is_blocked() -> None:
    with pytest.raises(requests.ConnectionError):
        requests.get("https://api.imf.org/external/sdmx/2.1/dataflow", timeout=1)
