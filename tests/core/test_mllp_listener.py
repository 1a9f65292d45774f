"""`pcc listen hl7` as a real process on both databases, fed by third-party MLLP clients
(python-hl7's `mllp_send` and `MLLPClient`) and by raw sockets for the faults."""

from __future__ import annotations

import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hl7.client import MLLPClient
from sqlalchemy import create_engine, func, select, text

from pcc_tui.core.store.tables import Hl7MessageRow, StayEventRow
from tests.core.test_cli import pcc
from tests.hl7_builders import adt, sample_files, start_listener

VT, FS, CR = b"\x0b", b"\x1c", b"\r"


class Running:
    def __init__(self, proc: subprocess.Popen[str], port: int, url: str) -> None:
        self.proc, self.port, self.url = proc, port, url

    def stop(self) -> str:
        self.proc.send_signal(signal.SIGTERM)
        out, _ = self.proc.communicate(timeout=60)
        return out


def start(url: str, config: Path) -> Running:
    proc, port = start_listener(url, config)
    return Running(proc, port, url)


@pytest.fixture
def listener(db_url: str, tmp_path: Path) -> Iterator[Running]:
    config = tmp_path / "config.toml"
    config.write_text("[hl7]\nmax_frame_bytes = 65536\nidle_timeout_seconds = 2\n")
    running = start(db_url, config)
    yield running
    if running.proc.poll() is None:
        running.stop()


def frame(message: str) -> bytes:
    return VT + message.encode() + FS + CR


def read_ack(sock: socket.socket) -> str:
    data = b""
    while not data.endswith(FS + CR):
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data.strip(VT + FS + CR).decode()


def rows(url: str, *where: object) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            stmt = select(func.count()).select_from(Hl7MessageRow).where(*where)
            return int(conn.execute(stmt).scalar_one())
    finally:
        engine.dispose()


def test_every_sample_through_mllp_send(listener: Running) -> None:
    mllp_send = shutil.which("mllp_send") or str(Path(sys.executable).parent / "mllp_send")
    codes = {}
    for path in sample_files():
        sent = subprocess.run(
            [mllp_send, "--loose", "-p", str(listener.port), "-f", str(path), "127.0.0.1"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert sent.returncode == 0, sent.stderr
        found = re.search(r"MSA\|(A[AER])\|", sent.stdout)
        assert found, sent.stdout
        codes[path.name] = found.group(1)
    assert codes["ADT-A01-01.hl7"] == "AA" and codes["edge-empty-segments.hl7"] == "AE"
    assert codes["orm-o01-order.hl7"] == "AR"
    assert rows(listener.url) == len(codes)
    out = listener.stop()
    assert f"{len(codes)} messages" in out


def test_ack_after_commit_and_many_clients_at_once(listener: Running) -> None:
    acks: list[str] = []
    lock = threading.Lock()

    def client(n: int) -> None:
        with MLLPClient("127.0.0.1", listener.port) as c:
            for i in range(15):
                ack = c.send_message(adt("A01", f"MRN8{n:02d}{i:02d}", f"C{n}-{i}"))
                with lock:
                    acks.append(ack.decode() if isinstance(ack, bytes) else str(ack))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(acks) == 120 and all("MSA|AA|" in a for a in acks)
    # Every ACKed message is in the database with what it did.
    assert rows(listener.url, Hl7MessageRow.outcome == "AA") == 120
    engine = create_engine(listener.url)
    with engine.connect() as conn:
        events = conn.execute(select(func.count()).select_from(StayEventRow)).scalar_one()
    engine.dispose()
    assert events == 120


def test_a_client_that_drops_mid_frame_leaves_nothing(listener: Running) -> None:
    whole = frame(adt("A01", "MRN900", "H1"))
    with socket.create_connection(("127.0.0.1", listener.port)) as sock:
        sock.sendall(whole[: len(whole) // 2])
    with socket.create_connection(("127.0.0.1", listener.port)) as sock:
        sock.sendall(frame(adt("A01", "MRN901", "H2")))
        assert "MSA|AA|H2" in read_ack(sock)
    assert rows(listener.url) == 1


def test_an_oversize_frame_is_refused_and_the_listener_goes_on(listener: Running) -> None:
    big = adt("A01", "MRN902", "B1", extra=("NTE|1||" + "x" * 70_000,))
    with socket.create_connection(("127.0.0.1", listener.port)) as sock:
        sock.sendall(frame(big))
        ack = read_ack(sock)
    assert "MSA|AR|" in ack and "65536 bytes" in ack
    with socket.create_connection(("127.0.0.1", listener.port)) as sock:
        sock.sendall(frame(adt("A01", "MRN903", "B2")))
        assert "MSA|AA|B2" in read_ack(sock)


def test_an_idle_connection_is_closed(listener: Running) -> None:
    with socket.create_connection(("127.0.0.1", listener.port)) as sock:
        sock.settimeout(30)
        assert sock.recv(10) == b""  # closed by the listener after its idle timeout
    assert "1 idle" in listener.stop()


def test_sigterm_with_messages_in_flight_loses_nothing_acked(listener: Running) -> None:
    acked: list[str] = []
    stop = threading.Event()

    def client(n: int) -> None:
        try:
            with socket.create_connection(("127.0.0.1", listener.port)) as sock:
                for i in range(10_000):
                    if stop.is_set():
                        return
                    control = f"T{n}-{i}"
                    sock.sendall(frame(adt("A01", f"MRN9{n}{i:04d}", control)))
                    ack = read_ack(sock)
                    if not ack:
                        return
                    assert f"MSA|AA|{control}" in ack
                    acked.append(control)
        except OSError:
            return

    threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    while len(acked) < 40:
        time.sleep(0.01)
    listener.proc.send_signal(signal.SIGTERM)
    assert listener.proc.wait(timeout=60) == 0
    stop.set()
    for t in threads:
        t.join(timeout=30)
    engine = create_engine(listener.url)
    with engine.connect() as conn:
        stored = set(
            conn.execute(text("SELECT control_id FROM hl7_message WHERE outcome = 'AA'")).scalars()
        )
        half = conn.execute(
            text(
                "SELECT count(*) FROM hl7_message m WHERE m.outcome = 'AA' AND NOT EXISTS"
                " (SELECT 1 FROM stay_event e WHERE e.message_id = m.id)"
            )
        ).scalar_one()
    engine.dispose()
    assert set(acked) <= stored  # every ACK means "in the database"
    assert half == 0  # and nothing is half-applied


def test_a_non_loopback_bind_is_refused_without_allow_remote(db_url: str) -> None:
    result = pcc("listen", "hl7", "--host", "0.0.0.0", "--port", "0", url=db_url)
    assert result.returncode == 2
    assert "not a loopback address" in result.stderr and "--allow-remote" in result.stderr
