"""A FHIR Bulk Data (`$export`) client: kick-off at system, Group or Patient level, polling
that honours `Retry-After` (seconds, an HTTP date, or the absolute epoch some servers send;
always capped), the manifest, and streamed downloads that resume where they stopped.

Downloads are written to owner-only files in an owner-only folder and the caller deletes
them once imported: they are patient data outside the database only for that long.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from pcc_tui.core.errors import PccError
from pcc_tui.core.interop.smart_auth import TokenSource
from pcc_tui.core.store.files import FILE_MODE

FHIR_JSON = "application/fhir+json"
LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
DOWNLOAD_TRIES = 4


class ExportError(PccError):
    """The EHR could not export (its OperationOutcome's code, never its text: it may quote
    data), or a file could not be fetched."""


def check_url(url: str, what: str = "[ehr] base_url") -> None:
    """HTTPS, except to this machine: the traffic is patient data."""
    parts = urlsplit(url)
    if parts.scheme == "https":
        return
    if parts.scheme == "http" and (parts.hostname or "") in LOOPBACK:
        return
    raise PccError(f"{what} must be https:// (plain http only to 127.0.0.1 or localhost)")


@dataclass(frozen=True)
class ExportRequest:
    level: str = "system"  # system, group or patient
    group: str | None = None
    types: tuple[str, ...] = ()
    since: str | None = None  # an instant, as the server's transactionTime gave it
    type_filters: tuple[str, ...] = ()


@dataclass(frozen=True)
class OutputFile:
    type: str
    url: str
    count: int | None = None


@dataclass
class Manifest:
    transaction_time: str
    requires_token: bool
    output: list[OutputFile] = field(default_factory=list)
    deleted: list[OutputFile] = field(default_factory=list)
    errors: list[OutputFile] = field(default_factory=list)


Progress = Callable[[str | None, float | None], None]  # (server's words, fraction done)


def retry_after(value: str | None, now: float, cap: float, default: float = 2.0) -> float:
    """Seconds to wait: Retry-After as delta-seconds, an HTTP date, or an absolute epoch
    (a server quirk), never more than `cap`, never less than half a second."""
    wait = default
    if value:
        text = value.strip()
        if text.isdigit():
            number = float(text)
            wait = number - now if number > 1_000_000_000 else number
        else:
            try:
                wait = parsedate_to_datetime(text).timestamp() - now
            except (TypeError, ValueError):
                wait = default
    return max(0.5, min(wait, cap))


class BulkClient:
    def __init__(
        self,
        http: httpx.Client,
        base_url: str,
        tokens: TokenSource | None,
        *,
        now: Callable[[], datetime],
        sleep: Callable[[float], None] = time.sleep,
        poll_cap: float = 60.0,
        give_up_after: float = 3600.0,
    ) -> None:
        check_url(base_url)
        self.http, self.base = http, base_url.rstrip("/")
        self.tokens, self.now, self.sleep = tokens, now, sleep
        self.poll_cap, self.give_up_after = poll_cap, give_up_after
        self.waited = 0.0

    def _headers(self, **extra: str) -> dict[str, str]:
        headers = dict(extra)
        if self.tokens is not None:
            headers["Authorization"] = f"Bearer {self.tokens.get(self.now())}"
        return headers

    def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One request; on 401 the token is renewed once (it may have been revoked)."""
        extra = kwargs.pop("headers", {})
        for attempt in range(2):
            try:
                reply = self.http.request(method, url, **kwargs, headers=self._headers(**extra))
            except httpx.HTTPError as exc:
                raise ExportError(f"the EHR did not answer ({type(exc).__name__})") from None
            if reply.status_code == 401 and self.tokens is not None and attempt == 0:
                self.tokens.forget()
                continue
            return reply
        return reply

    def kick_off(self, request: ExportRequest) -> str:
        if request.level == "group":
            if not request.group:
                raise PccError("a Group export needs [ehr] group (the Group's id)")
            path = f"/Group/{request.group}/$export"
        elif request.level == "patient":
            path = "/Patient/$export"
        else:
            path = "/$export"
        params: list[tuple[str, str]] = []
        if request.types:
            params.append(("_type", ",".join(request.types)))
        if request.since:
            params.append(("_since", request.since))
        params.extend(("_typeFilter", f) for f in request.type_filters)
        while True:
            reply = self._send(
                "GET",
                self.base + path,
                params=params,
                headers={"Accept": FHIR_JSON, "Prefer": "respond-async"},
            )
            if reply.status_code == 429:
                self._wait(reply)
                continue
            if reply.status_code != 202 or "content-location" not in reply.headers:
                raise ExportError(f"the export was not started: {_outcome(reply)}")
            return str(reply.headers["content-location"])

    def wait_for(self, status_url: str, progress: Progress | None = None) -> Manifest:
        while True:
            reply = self._send("GET", status_url, headers={"Accept": "application/json"})
            if reply.status_code == 200:
                try:
                    body = reply.json()
                except ValueError:
                    raise ExportError("the export's manifest is not JSON") from None
                if not body.get("output") and not body.get("error") and body.get("link"):
                    self._wait(reply)  # a partial manifest before the real one
                    continue
                return _manifest(body, self.now())
            if reply.status_code in (202, 429):
                if progress is not None and reply.status_code == 202:
                    said = reply.headers.get("x-progress")
                    progress(said, _fraction(said))
                self._wait(reply)
                continue
            raise ExportError(f"the export failed: {_outcome(reply)}")

    def _wait(self, reply: httpx.Response) -> None:
        wait = retry_after(reply.headers.get("retry-after"), time.time(), self.poll_cap)
        self.waited += wait
        if self.waited > self.give_up_after:
            raise ExportError(f"the export was not ready after {int(self.waited)} s of waiting")
        self.sleep(wait)

    def cancel(self, status_url: str) -> None:
        """Tell the server the files may go (after a download, or to stop an export)."""
        with suppress(ExportError):  # else they expire on the server: nothing of ours lost
            self._send("DELETE", status_url)

    def download(self, item: OutputFile, dest: Path, requires_token: bool) -> int:
        """Stream one file into `dest` (0600), resuming from what a failed try wrote when the
        server honours Range, else starting again; returns its size."""
        check_url(item.url, "a manifest file URL")
        last: str = ""
        for _ in range(DOWNLOAD_TRIES):
            have = dest.stat().st_size if dest.exists() else 0
            headers = {"Accept": "application/fhir+ndjson"}
            if have:
                headers["Range"] = f"bytes={have}-"
            if requires_token and self.tokens is not None:
                headers["Authorization"] = f"Bearer {self.tokens.get(self.now())}"
            try:
                with self.http.stream("GET", item.url, headers=headers) as reply:
                    if reply.status_code == 401 and self.tokens is not None:
                        self.tokens.forget()
                        last = "HTTP 401"
                        continue
                    if reply.status_code not in (200, 206):
                        last = f"HTTP {reply.status_code}"
                        if reply.status_code < 500 and reply.status_code != 429:
                            break
                        continue
                    append = reply.status_code == 206 and have > 0
                    with _private(dest, append) as out:
                        for chunk in reply.iter_raw() if _raw_ok(reply) else reply.iter_bytes():
                            out.write(chunk)
                return dest.stat().st_size
            except httpx.HTTPError as exc:
                last = type(exc).__name__  # cut off mid-file: the next try resumes
        raise ExportError(f"could not download the {item.type} file ({last or 'no answer'})")


def _raw_ok(reply: httpx.Response) -> bool:
    return "content-encoding" not in reply.headers


class _private:
    """An owner-only file opened for writing, appended to when resuming."""

    def __init__(self, path: Path, append: bool) -> None:
        self.path, self.append = path, append

    def __enter__(self) -> Any:
        import os

        flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if self.append else os.O_TRUNC)
        fd = os.open(self.path, flags, FILE_MODE)
        os.fchmod(fd, FILE_MODE)
        self.fh = os.fdopen(fd, "ab" if self.append else "wb")
        return self.fh

    def __exit__(self, *exc: object) -> None:
        self.fh.close()


def _files(items: Any) -> list[OutputFile]:
    out = []
    for item in items or []:
        if isinstance(item, dict) and item.get("url"):
            count = item.get("count")
            out.append(
                OutputFile(
                    str(item.get("type") or "Resource"),
                    str(item["url"]),
                    int(count) if isinstance(count, int) else None,
                )
            )
    return out


def _manifest(body: dict[str, Any], now: datetime) -> Manifest:
    return Manifest(
        transaction_time=str(body.get("transactionTime") or now.astimezone(UTC).isoformat()),
        requires_token=bool(body.get("requiresAccessToken")),
        output=_files(body.get("output")),
        deleted=_files(body.get("deleted")),
        errors=_files(body.get("error")),
    )


def _fraction(said: str | None) -> float | None:
    if not said:
        return None
    digits = said.strip().split("%", 1)[0].strip()
    try:
        return max(0.0, min(float(digits) / 100, 1.0))
    except ValueError:
        return None


def _outcome(reply: httpx.Response) -> str:
    """HTTP status and the OperationOutcome's issue code (not its text)."""
    code = ""
    try:
        issues = reply.json().get("issue") or []
        code = str(issues[0].get("code") or "") if issues else ""
    except (ValueError, AttributeError, IndexError):
        pass
    return f"HTTP {reply.status_code}" + (f" ({code[:40]})" if code else "")
