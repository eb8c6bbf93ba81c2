"""The bench serves an image over HTTP while machines stream it onto their disks.

A live system fetches the archive itself (as FOG or an iPXE setup would) instead of receiving
a copy first: no temporary copy in the machine's memory (/run is a tmpfs, and a family image
is larger than some old desktops' RAM), and extraction starts with the first byte. The server
answers one unguessable path, the one archive, for the length of the deployment, on one
address; the image holds no secret (the passwords are set after extraction). The machine
checks the sha256 of what it received against the image's manifest.
"""

from __future__ import annotations

import secrets
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from assetctl.errors import AssetctlError


def address_towards(host: str, port: int = 22) -> str:
    """The bench's own address on the route to ``host`` (what the machine can reach)."""
    try:
        family, _, _, _, sockaddr = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)[0]
        with socket.socket(family, socket.SOCK_DGRAM) as probe:
            probe.connect(sockaddr)  # UDP: no packet is sent, the kernel only picks a route
            return str(probe.getsockname()[0])
    except OSError as exc:
        raise AssetctlError(
            f"no route from the bench to {host} to serve the image ({exc}); set "
            "[bench] image_address"
        ) from exc


CHUNK = 8 * 1024 * 1024  # bytes handed to sendfile at a time: the count moves this often
_sent: dict[str, int] = {}  # path -> bytes of the archive sent so far (deployments' progress)


def sent(url: str) -> int:
    """How many bytes of the archive at ``url`` (from :func:`serving`) the machine was sent so
    far (by its last request: a machine that starts again starts from 0)."""
    from urllib.parse import urlsplit

    return _sent.get(urlsplit(url).path, 0)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    files: dict[str, Path]  # path -> archive, one per deployment in progress


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:  # http.server's naming
        archive = self.server.files.get(self.path)
        if archive is None:
            self.send_error(404)
            return
        with archive.open("rb") as handle:
            size = archive.stat().st_size
            self.send_response(200)
            self.send_header("Content-Type", "application/zstd")
            self.send_header("Content-Length", str(size))
            self.end_headers()
            # the machine may give up half-way: its module says why
            _sent[self.path] = 0
            with suppress(BrokenPipeError, ConnectionResetError):
                while _sent[self.path] < size:
                    count = self.connection.sendfile(handle, _sent[self.path], CHUNK)
                    if count <= 0:
                        break
                    _sent[self.path] += count

    def log_message(self, format: str, *args: object) -> None:
        pass  # the deployment's record says what happened, not an access log on stderr


# One server per address and port in this process: `bench prepare --parallel` deploys several
# machines at once, possibly on the one port a firewall lets in.
_servers: dict[tuple[str, int], _Server] = {}
_lock = threading.Lock()


def _start(address: str, port: int) -> _Server:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET

    class Server(_Server):
        address_family = family

    try:
        server = Server((address, port), _Handler)
    except OSError as exc:
        raise AssetctlError(
            f"the bench cannot serve the image on {address}:{port} ({exc}); check "
            "[bench] image_address and image_port"
        ) from exc
    server.files = {}
    threading.Thread(target=server.serve_forever, name="image-server", daemon=True).start()
    return server


@contextmanager
def serving(archive: Path, address: str, port: int = 0) -> Iterator[str]:
    """Serve ``archive`` on ``address``:``port`` (0: a free port) at a path of its own;
    yields its URL. Deployments in progress at once share the server."""
    with _lock:
        server = _servers.get((address, port))
        if server is None:
            server = _servers[(address, port)] = _start(address, port)
        path = f"/{secrets.token_urlsafe(16)}/{archive.name}"
        server.files[path] = archive
    host = f"[{address}]" if server.address_family == socket.AF_INET6 else address
    try:
        yield f"http://{host}:{server.server_address[1]}{path}"
    finally:
        with _lock:
            del server.files[path]
            _sent.pop(path, None)
            if not server.files:  # the last deployment in progress
                del _servers[(address, port)]
                server.shutdown()
                server.server_close()
