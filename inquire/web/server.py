"""``inquire serve``: Datasette on 127.0.0.1 over the index, with the inquire plugin."""

from __future__ import annotations

import errno
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

from inquire.errors import InquireError

HOST = "127.0.0.1"
DEFAULT_PORT = 8001
SETTINGS = {
    "truncate_cells_html": 300,  # long recommendation texts stay readable in the tracker table
    "default_page_size": 100,
    "sql_time_limit_ms": 3000,
    "facet_time_limit_ms": 1000,  # the tracker's facets on a slow or busy machine (Datasette's default: 200)
    "suggest_facets": False,  # the tracker's facets are configured; suggesting more cost a second per table page
}


class ServeError(InquireError):
    """The server cannot start (the port is taken, or the web extra is not installed)."""


def require_web() -> None:
    """A one-line error naming the install command when the web extra is missing."""
    try:
        import datasette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        raise ServeError(f"the web pages need the web extra ({exc.name} is missing): pip install 'inquire[web]'") from None


def register_plugin() -> None:
    """Make sure the plugin is loaded (it is when inquire is installed with its entry point; an older
    editable install may predate the entry point)."""
    from datasette.plugins import pm

    from inquire.web import plugin

    if not pm.is_registered(plugin) and pm.get_plugin("inquire") is None:
        pm.register(plugin, name="inquire")


def make_datasette(index_dir: Path, embedder: Any = None, **settings: Any):
    """A Datasette instance over the index at ``index_dir`` with the inquire plugin; ``embedder``: the
    model already loaded (else the plugin loads the configured one on the first search)."""
    require_web()
    from datasette.app import Datasette

    from inquire.web import plugin

    register_plugin()
    location = Path(index_dir).expanduser().resolve()
    ds = Datasette(metadata={"plugins": {"inquire": {"index": str(location)}}}, settings={**SETTINGS, **settings})
    plugin.configure(ds, location, embedder)
    return ds


def bind(port: int, host: str = HOST) -> socket.socket:
    """A listening socket on ``host:port`` (port 0: any free port); a taken port is a one-line error."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ServeError(f"port {port} on {host} is already in use; choose another with --port") from None
        raise ServeError(f"cannot listen on {host}:{port} ({exc.strerror}); choose another with --port") from None
    sock.listen(128)
    return sock


def serve(index_dir: Path, port: int = DEFAULT_PORT, embedder: Any = None, announce: Callable[[str], None] = print) -> None:
    """Serve until interrupted; ``announce`` gets the search page's URL once the port is open."""
    ds = make_datasette(index_dir, embedder)
    import uvicorn

    sock = bind(port)
    url = f"http://{HOST}:{sock.getsockname()[1]}/-/inquire/search"
    server = uvicorn.Server(uvicorn.Config(ds.app(), log_level="warning", lifespan="on"))
    announce(url)
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
