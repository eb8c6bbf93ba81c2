"""The bench's image server: the one archive at its unguessable path, nothing else."""

from __future__ import annotations

import hashlib
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from assetctl.bench.imageserver import CHUNK, address_towards, sent, serving
from assetctl.errors import AssetctlError


def test_serves_the_archive_and_nothing_else(tmp_path: Path) -> None:
    archive = tmp_path / "famille-college-abc.tar.zst"
    content = bytes(range(256)) * 40_000  # 10 MB, sent with sendfile
    archive.write_bytes(content)
    with serving(archive, "127.0.0.1") as url:
        assert url.startswith("http://127.0.0.1:") and url.endswith("/famille-college-abc.tar.zst")
        token = url.split("/")[3]
        assert len(token) >= 20
        assert sent(url) == 0
        with urllib.request.urlopen(url, timeout=10) as response:
            assert response.headers["Content-Length"] == str(len(content))
            received = response.read()
        assert hashlib.sha256(received).digest() == hashlib.sha256(content).digest()
        assert sent(url) == len(content) > CHUNK  # counted as it went, in more than one go
        base = url.rsplit("/", 2)[0]
        for other in (f"{base}/{archive.name}", f"{base}/other/{archive.name}", base + "/"):
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(other, timeout=10)
            assert refused.value.code == 404
    with pytest.raises(urllib.error.URLError):  # stopped with the deployment
        urllib.request.urlopen(url, timeout=5)


def test_address_towards_a_machine() -> None:
    assert address_towards("127.0.0.1") == "127.0.0.1"
    with pytest.raises(AssetctlError, match="image_address"):
        address_towards("no-such-host.invalid")


def test_a_taken_port_is_a_clear_error(tmp_path: Path) -> None:
    archive = tmp_path / "image.tar.zst"
    archive.write_bytes(b"x")
    with serving(archive, "127.0.0.1") as url:
        port = int(url.split(":")[2].split("/")[0])
        with (
            pytest.raises(AssetctlError, match=r"cannot serve the image on 127\.0\.0\.1"),
            serving(archive, "127.0.0.1", port),
        ):
            pass


def test_deployments_at_once_share_one_port(tmp_path: Path) -> None:
    """`bench prepare --parallel` with a fixed [bench] image_port: each deployment gets its
    own path on the one server, which stops with the last."""
    from lab.sshd import free_port

    port = free_port()
    first, second = tmp_path / "a.tar.zst", tmp_path / "b.tar.zst"
    first.write_bytes(b"first image")
    second.write_bytes(b"second image")
    with serving(first, "127.0.0.1", port) as one:
        with serving(second, "127.0.0.1", port) as two:
            assert one != two and f":{port}/" in one and f":{port}/" in two
            assert urllib.request.urlopen(two, timeout=10).read() == b"second image"
        assert urllib.request.urlopen(one, timeout=10).read() == b"first image"
        with pytest.raises(urllib.error.HTTPError):  # the finished deployment's path is gone
            urllib.request.urlopen(two, timeout=10)
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(one, timeout=5)
