"""Sealing the audit trail into signed, hash-linked blocks, and signed anchors of its head.

Rows are written freely (`audit.append`); the sealer, one at a time (an advisory lock on
PostgreSQL, the write lock on SQLite), takes the committed rows not yet in a block, in number
order, and writes a block: how many rows, the first and last number, the digest of their
contents, the hash of the block before, and an Ed25519 signature over all of it by a key only
the sealer holds (a file the cockpits' accounts cannot read). A row that commits late, with a
number below rows already sealed, goes into the next block: a block is the rows it names.

An anchor is the newest block's number and hash with the time, signed by the same key and
kept outside the database (`pcc audit anchor --out FILE`): a trail cut short or wiped no
longer reaches it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Engine, func, select, text, update
from sqlalchemy.orm import Session

from pcc_tui.core.errors import DomainError
from pcc_tui.core.store.engine import writer
from pcc_tui.core.store.files import write_private
from pcc_tui.core.store.tables import AuditBlockRow, AuditEventRow

GENESIS = "0" * 64
SEAL_LOCK = 7_320_001  # pg_advisory_xact_lock key: one sealer at a time
BLOCK_ROWS = 5000


def row_digest(row: Any) -> str:
    """The hash of one audit row's content (what a block's digest is made of)."""
    stamp = row.recorded_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
    fields = [
        row.seq,
        stamp,
        row.actor,
        row.action,
        row.outcome,
        row.patient_id,
        row.entity_type,
        row.entity_id,
        row.detail,
        row.client,
        row.db_user,
    ]
    return hashlib.sha256(json.dumps(fields, separators=(",", ":")).encode()).hexdigest()


MARK = 8  # hex digits of each row's hash kept in its block, to name the row at fault


def seq_ranges(seqs: Iterable[int]) -> str:
    """1,2,3,5 -> "1-3,5"."""
    out: list[str] = []
    start = prev = None
    for s in seqs:
        if prev is not None and s == prev + 1:
            prev = s
            continue
        if start is not None:
            out.append(f"{start}-{prev}" if prev != start else str(start))
        start = prev = s
    if start is not None:
        out.append(f"{start}-{prev}" if prev != start else str(start))
    return ",".join(out)


def expand_ranges(text_ranges: str) -> list[int]:
    out: list[int] = []
    for part in filter(None, text_ranges.split(",")):
        low, _, high = part.partition("-")
        out.extend(range(int(low), int(high or low) + 1))
    return out


def rows_digest(digests: Iterable[str]) -> str:
    h = hashlib.sha256()
    for d in digests:
        h.update(bytes.fromhex(d))
    return h.hexdigest()


def block_hash(
    block: int, prev_hash: str, first: int, last: int, count: int, digest: str, at: datetime
) -> str:
    stamp = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
    payload = [block, prev_hash, first, last, count, digest, stamp]
    return hashlib.sha256(json.dumps(payload, separators=(",", ":")).encode()).hexdigest()


# --- keys -------------------------------------------------------------------------------


def public_text(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def key_id(public: str) -> str:
    return hashlib.sha256(base64.b64decode(public)).hexdigest()[:16]


def load_public(text_key: str) -> Ed25519PublicKey:
    try:
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(text_key, validate=True))
    except ValueError as exc:
        raise DomainError("not an audit public key (base64 of 32 bytes)") from exc


def new_signing_key(path: Path) -> str:
    """Write a new private key (owner-only file, refused if one exists); returns its public
    half, the text to pin as `[audit] public_key`."""
    if path.exists():
        raise DomainError(f"{path} exists: a signing key is never overwritten")
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    write_private(path, pem)
    return public_text(key.public_key())


def load_signing_key(path: Path) -> Ed25519PrivateKey:
    try:
        if path.stat().st_mode & 0o077:
            raise DomainError(f"{path} is readable by others: chmod 600 {path}")
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except OSError as exc:
        raise DomainError(f"cannot read the audit signing key {path}: {exc.strerror}") from exc
    except ValueError as exc:
        raise DomainError(f"{path} is not an audit signing key") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise DomainError(f"{path} is not an Ed25519 key")
    return key


def signature_ok(public: Ed25519PublicKey, signature: str, message: str) -> bool:
    try:
        public.verify(bytes.fromhex(signature), message.encode())
    except (InvalidSignature, ValueError):
        return False
    return True


# --- sealing ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SealResult:
    blocks: int
    rows: int


def _server_now(session: Session) -> datetime:
    if session.get_bind().dialect.name == "postgresql":
        found = session.scalar(select(func.clock_timestamp()))
        assert isinstance(found, datetime)
        return found.astimezone(UTC)
    return datetime.now(UTC)


def _take_turn(session: Session) -> bool:
    if session.get_bind().dialect.name != "postgresql":
        return True  # BEGIN IMMEDIATE already made this the only writer
    return bool(session.scalar(text(f"SELECT pg_try_advisory_xact_lock({SEAL_LOCK})")))


def seal(engine: Engine, key: Ed25519PrivateKey, *, max_blocks: int = 1000) -> SealResult:
    """Seal every committed unsealed row, BLOCK_ROWS to a block, each block its own commit.
    Returns at once (0 blocks) if another sealer is at work."""
    public = public_text(key.public_key())
    kid = key_id(public)
    blocks = rows = 0
    while blocks < max_blocks:
        with Session(writer(engine)) as session, session.begin():
            if not _take_turn(session):
                break
            found = session.execute(
                select(AuditEventRow)
                .where(AuditEventRow.block.is_(None))
                .order_by(AuditEventRow.seq)
                .limit(BLOCK_ROWS)
            ).scalars()
            batch = list(found)
            if not batch:
                break
            last = session.execute(
                select(AuditBlockRow.block, AuditBlockRow.hash)
                .order_by(AuditBlockRow.block.desc())
                .limit(1)
            ).first()
            number = 1 if last is None else int(last.block) + 1
            prev = GENESIS if last is None else str(last.hash)
            digests = [row_digest(r) for r in batch]
            digest = rows_digest(digests)
            at = _server_now(session)
            first_seq, last_seq = int(batch[0].seq), int(batch[-1].seq)
            digest_of_block = block_hash(number, prev, first_seq, last_seq, len(batch), digest, at)
            session.add(
                AuditBlockRow(
                    block=number,
                    first_seq=first_seq,
                    last_seq=last_seq,
                    row_count=len(batch),
                    rows_digest=digest,
                    row_seqs=seq_ranges(int(r.seq) for r in batch),
                    row_marks="".join(d[:MARK] for d in digests),
                    prev_hash=prev,
                    hash=digest_of_block,
                    key_id=kid,
                    public_key=public,
                    signature=key.sign(digest_of_block.encode()).hex(),
                    sealed_at=at,
                )
            )
            _mark(session, number, [int(r.seq) for r in batch])
            blocks, rows = blocks + 1, rows + len(batch)
    return SealResult(blocks, rows)


def _mark(session: Session, number: int, seqs: Sequence[int]) -> None:
    # By number, not by range: a row committed meanwhile inside the range is not in this block.
    for i in range(0, len(seqs), 500):
        chunk = seqs[i : i + 500]
        session.execute(
            update(AuditEventRow)
            .where(AuditEventRow.seq.in_(chunk), AuditEventRow.block.is_(None))
            .values(block=number)
            .execution_options(synchronize_session=False)
        )


# --- anchors ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Anchor:
    block: int
    hash: str
    last_seq: int
    rows: int
    at: str
    key_id: str
    signature: str

    def message(self) -> str:
        return json.dumps(
            [self.block, self.hash, self.last_seq, self.rows, self.at, self.key_id],
            separators=(",", ":"),
        )

    def as_line(self) -> str:
        return json.dumps(self.__dict__, separators=(",", ":"))


def make_anchor(engine: Engine, key: Ed25519PrivateKey) -> Anchor | None:
    """The newest sealed block as a signed checkpoint (None while nothing is sealed)."""
    with Session(engine) as session:
        last = session.execute(
            select(AuditBlockRow).order_by(AuditBlockRow.block.desc()).limit(1)
        ).scalar_one_or_none()
        if last is None:
            return None
        rows = int(session.scalar(select(func.sum(AuditBlockRow.row_count))) or 0)
        at = _server_now(session).isoformat()
    public = public_text(key.public_key())
    unsigned = Anchor(int(last.block), last.hash, int(last.last_seq), rows, at, key_id(public), "")
    signature = key.sign(unsigned.message().encode()).hex()
    return Anchor(**(unsigned.__dict__ | {"signature": signature}))


def append_anchor(path: Path, anchor: Anchor) -> None:
    """One JSON line per anchor; the file is created owner-only."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a") as out:
        out.write(anchor.as_line() + "\n")


def read_anchors(path: Path) -> list[Anchor]:
    out: list[Anchor] = []
    try:
        lines = path.read_text().splitlines()
    except OSError as exc:
        raise DomainError(f"cannot read the anchors file {path}: {exc.strerror}") from exc
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            out.append(
                Anchor(
                    int(data["block"]),
                    str(data["hash"]),
                    int(data["last_seq"]),
                    int(data["rows"]),
                    str(data["at"]),
                    str(data["key_id"]),
                    str(data["signature"]),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise DomainError(f"{path}, line {number}: not an audit anchor") from exc
    return out
