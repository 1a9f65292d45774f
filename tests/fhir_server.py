"""The SMART Bulk Data reference server from ../shared/fhir-server, for the sync tests.

It is started from its own build (`setup.sh`, ~2.5 min, cached in ~/.cache/pcc-fhir-server):
`.ci/run` builds it and sets PCC_REQUIRE_FHIR_SERVER=1, which turns a missing server into a
failure; on a laptop without ../shared the tests skip and say why. A test may start its own
instance with another public base URL (a proxy in front of it).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode
from urllib.request import Request, urlopen

import pytest

SHARED = Path(
    os.environ.get("PCC_FHIR_SERVER_DIR")
    or Path(__file__).resolve().parent.parent.parent / "shared" / "fhir-server"
)
BUILD = Path(os.environ.get("BDS_ROOT") or Path.home() / ".cache" / "pcc-fhir-server") / "server"
SECURE = "eyJzZWN1cmUiOnRydWV9"  # base64url of {"secure":true}: the base that checks tokens


def unavailable() -> str | None:
    if not (SHARED / "bin" / "serve.js").is_file():
        return f"{SHARED} is not beside the project (the SMART Bulk Data reference server)"
    if not (BUILD / "database.r4.db").is_file():
        return f"the reference server is not built: run `bash {SHARED}/setup.sh` (~2.5 min)"
    return None


def require() -> None:
    reason = unavailable()
    if reason is None:
        return
    if os.environ.get("PCC_REQUIRE_FHIR_SERVER") == "1":
        pytest.fail(f"PCC_REQUIRE_FHIR_SERVER=1 but {reason}")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    port: int
    public: str  # the origin its manifests name (itself, or a proxy in front)
    proc: subprocess.Popen[bytes]

    @property
    def secure_base(self) -> str:
        return f"{self.public}/{SECURE}/fhir"

    def register(self, jwks: dict[str, object]) -> str:
        """POST /auth/register: the client id (the server keeps no state)."""
        body = urlencode({"jwks": json.dumps(jwks)}).encode()
        with urlopen(Request(f"http://127.0.0.1:{self.port}/auth/register", data=body)) as r:
            return r.read().decode()

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def start(port: int | None = None, public_port: int | None = None) -> Server:
    """As start.sh does, with the public origin (what manifests name) settable."""
    port = port or free_port()
    public = f"http://127.0.0.1:{public_port or port}"
    env = {
        **os.environ,
        "PORT": str(port),
        "BASE_URL": public,
        "NODE_ENV": "production",
        "SECRET": "bds-local-test-secret",
    }
    log = open(BUILD.parent / f"server-{port}.log", "wb")  # noqa: SIM115 - the server's own
    proc = subprocess.Popen(
        ["node", str(SHARED / "bin" / "serve.js")], cwd=BUILD, env=env, stdout=log, stderr=log
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the reference server exited; see {log.name}")
        try:
            with urlopen(f"http://127.0.0.1:{port}/fhir/metadata", timeout=2):
                return Server(port, public, proc)
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the reference server did not answer within 60 s")


@pytest.fixture(scope="session")
def fhir_server() -> Iterator[Server]:
    require()
    server = start()
    try:
        yield server
    finally:
        server.stop()


class CuttingProxy:
    """A TCP proxy in front of the server that cuts the first `cuts` downloads of a Bulk
    Data file after `after` bytes of the answer: a server failing mid-file."""

    def __init__(self, target: int, cuts: int, after: int = 20_000) -> None:
        self.target, self.cuts, self.after = target, cuts, after
        self.cut = 0
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(32)
        self.port = int(self.sock.getsockname()[1])
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        upstream = socket.create_connection(("127.0.0.1", self.target))
        request = client.recv(65536)
        upstream.sendall(request)
        cut = b"/bulkfiles/" in request.split(b"\r\n", 1)[0] and self.cut < self.cuts
        if cut:
            self.cut += 1
        sent = 0

        def pump_up() -> None:
            try:
                while data := client.recv(65536):
                    upstream.sendall(data)
            except OSError:
                pass

        threading.Thread(target=pump_up, daemon=True).start()
        try:
            while data := upstream.recv(65536):
                if cut and sent + len(data) > self.after:
                    client.sendall(data[: max(self.after - sent, 0)])
                    break
                client.sendall(data)
                sent += len(data)
        except OSError:
            pass
        finally:
            for s in (client, upstream):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()

    def close(self) -> None:
        self.sock.close()
