"""Serving a sandbox on a loopback port in a background thread, for tests, the demo and benchmarks."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import uvicorn


@contextmanager
def serve_in_thread(make_config: Callable[[int], uvicorn.Config], *, host: str, port: int, name: str) -> Iterator[int]:
    """Start uvicorn with ``make_config(port)`` on a bound socket (a free port when ``port`` is 0); yields
    the port once the server answers, and stops it on exit."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    bound = sock.getsockname()[1]
    server = uvicorn.Server(make_config(bound))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name=name, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    if not server.started:
        sock.close()
        raise RuntimeError(f"the {name} did not start")
    try:
        yield bound
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
