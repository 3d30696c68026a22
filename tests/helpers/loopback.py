"""A WSGI app served on 127.0.0.1 (a free port) in a daemon thread, for the test platforms."""

from __future__ import annotations

import threading
from typing import Any

from werkzeug.serving import make_server


def serve(wsgi: Any) -> tuple[Any, threading.Thread, str]:
    """Start serving; returns the server, its thread and its base URL."""
    server = make_server("127.0.0.1", 0, wsgi, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread, f"http://127.0.0.1:{server.server_port}"


def shut(server: Any, thread: threading.Thread | None) -> None:
    """Stop serving and wait for the thread (a few seconds at most)."""
    if server is not None:
        server.shutdown()
        server.server_close()
    if thread is not None:
        thread.join(5)
