"""HL7 v2 messages: split a file or a frame into messages, normalise segment separators, parse
with python-hl7, and read fields by HL7 position (`PID-3.4`) with escapes undone.

python-hl7 rather than hl7apy: it reads any version from 2.1 to 2.8 and any encoding
characters the MSH declares without a profile, keeps Z-segments, is several times faster
(the backlog target is hundreds of messages a second), and ships the MLLP stream framing
the listener uses. What a message must hold is checked here and in the mapping, by field,
so a refusal names the segment and field at fault (HL7 ERR-2) and never quotes a value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import hl7
from hl7.util import unescape

_NEWLINES = re.compile(r"\r\n|\n|\r")
_SEGMENT_ID = re.compile(r"[A-Z][A-Z0-9]{2}")
# The segments pcc reads (hl7_map), the fields it reads of each and how many components of
# each field: only those are parsed. A segment is handed to python-hl7 packed, its read fields
# side by side (PV1-2, -3, -7... become fields 1, 2, 3...), each repetition cut after the last
# component read and each component after its first subcomponent (the only one read), since
# python-hl7 builds a container for every field, component and subcomponent, read or not. The
# MSH is kept whole up to MSH-12 (its separators are the encoding). The rest of the message
# is checked for valid segment ids and kept in the log. Reading a field or component not
# listed here is a programming error (`value` raises).
READ: dict[str, dict[int, int]] = {
    "MSH": dict.fromkeys(range(1, 13), 99),
    "EVN": {2: 1, 6: 1},
    "PID": {3: 5, 5: 3, 7: 1, 8: 1, 11: 5, 13: 12, 15: 2},
    "PV1": {2: 1, 3: 3, 7: 4, 10: 1, 18: 1, 19: 1, 36: 2, 44: 1, 45: 1},
    "NK1": {2: 3, 3: 2, 5: 12},
    "IN1": {2: 2, 3: 1, 4: 1, 8: 1, 12: 1, 13: 1, 16: 3, 17: 1, 36: 1, 49: 1},
    "DG1": {3: 2, 4: 1, 5: 1},
    "MRG": {1: 5},
    "SCH": {1: 1, 2: 1, 6: 2, 7: 2, 9: 1, 11: 4, 25: 1},
    "AIS": {3: 2, 4: 1, 7: 1},
    "AIL": {3: 4},
    "AIP": {3: 4},
    "TQ1": {7: 1, 8: 1},
}
# Registering events: next of kin (NK1) and insurance (IN1) are read from these only.
REGISTERING = frozenset({"A01", "A04", "A05", "A08", "A28", "A31"})
# Where each read field sits in its packed segment.
_PACKED: dict[str, dict[int, int]] = {
    ident: {f: (f if ident == "MSH" else n) for n, f in enumerate(sorted(fields), start=1)}
    for ident, fields in READ.items()
}


class Refusal(Exception):
    """A message pcc will not apply: AR (rejected: not a message pcc takes) or AE (an error in
    its content). `where` is the segment and field (ERR-2); `error` the HL7 table 0357 code.
    The text never carries patient data."""

    def __init__(self, code: str, reason: str, where: str | None = None, error: str = "207"):
        super().__init__(reason)
        self.code, self.reason, self.where, self.error = code, reason, where, error


def decode(block: bytes) -> str:
    """HL7 v2 text: UTF-8 when it is, else ISO 8859-1 (the standard's default set)."""
    try:
        return block.decode("utf-8")
    except UnicodeDecodeError:
        return block.decode("latin-1")


def normalise(text: str) -> str:
    r"""Segments separated by `\r` whatever the sender used (`\n`, `\r\n`), blank lines and
    surrounding whitespace dropped."""
    lines = (line.strip("\x00\t ") for line in _NEWLINES.split(text))
    return "\r".join(line for line in lines if line)


@dataclass(frozen=True)
class Header:
    """What identifies a message: MSH, and EVN-2 (or MSH-7) as the event time."""

    sender: str
    control_id: str
    message_type: str  # MSH-9.1
    trigger: str  # MSH-9.2 (never EVN-1)
    version: str
    event_time: str
    processing_id: str

    @property
    def kind(self) -> str:
        return f"{self.message_type}^{self.trigger}"


class Message:
    def __init__(self, text: str) -> None:
        self.text = text
        if not text.startswith("MSH") or len(text) < 8:
            raise Refusal("AR", "the message does not begin with an MSH segment", "MSH", "100")
        separator = text[3]
        encoding = _Encoding.of(text[4:9], separator)
        lines = text.split("\r")
        self.ids = [line.split(separator, 1)[0] for line in lines]
        for number, ident in enumerate(self.ids, start=1):
            if not _SEGMENT_ID.fullmatch(ident):
                raise Refusal(
                    "AR", f"segment {number} has no valid three-character id", None, "100"
                )
        # Only the segments pcc reads are parsed, each kind when first read, and only up to
        # the last field read: a full ADT also carries OBX, AL1, PR1, GT1... and a transfer
        # needs no IN1; parsing all of it would cost most of the time of the message.
        self._pending: dict[str, list[str]] = {}
        for line, ident in zip(lines, self.ids, strict=True):
            if ident in READ:
                self._pending.setdefault(ident, []).append(
                    _read_fields(line, encoding, READ[ident])
                )
        self._msh = self._pending["MSH"][0]
        # What python-hl7 needs to read the rest: MSH-1 and MSH-2, the encoding characters
        # (the header's other fields would be parsed again for nothing).
        self._encoding = separator.join(self._msh.split(separator, 2)[:2])
        self._segments: dict[str, list[Any]] = {}
        self._values: dict[tuple[str, int, int, int, int, int], str] = {}
        self.kept: dict[Any, Any] = {}  # what hl7_map read from it, by reader and arguments
        self._body_parsed = False
        try:
            self.parsed: Any = hl7.parse(self._msh)
        except Exception as exc:  # python-hl7 raises several kinds for broken headers
            raise Refusal(
                "AR", f"the MSH segment cannot be read ({type(exc).__name__})", "MSH", "102"
            ) from None
        self._segments["MSH"] = list(self.parsed)
        self._segments["EVN"] = self._parse_kind("EVN")  # the event time, for the header
        self.header = self._header()

    def _header(self) -> Header:
        sender = "^".join(p for p in (self.value("MSH", 3), self.value("MSH", 4)) if p)
        control_id = self.value("MSH", 10)
        message_type, trigger = self.value("MSH", 9, 1), self.value("MSH", 9, 2)
        if not message_type:
            raise Refusal("AR", "MSH-9 (message type) is empty", "MSH-9", "101")
        if not control_id:
            raise Refusal("AR", "MSH-10 (message control id) is empty", "MSH-10", "101")
        event_time = self.value("EVN", 2) or self.value("MSH", 7)
        return Header(
            sender=sender[:200] or "unknown",
            control_id=control_id[:200],
            message_type=message_type.upper()[:3],
            trigger=trigger.upper()[:3],
            version=self.value("MSH", 12),
            event_time=event_time[:40],
            processing_id=self.value("MSH", 11),
        )

    def has(self, segment: str) -> bool:
        return segment in self.ids

    def count(self, segment: str) -> int:
        return self.ids.count(segment)

    def _parsed(self, segment: str) -> list[Any]:
        found = self._segments.get(segment)
        if found is None:
            if not self._body_parsed:
                self._parse_body()
                return self._parsed(segment)
            found = self._segments[segment] = self._parse_kind(segment)
        return found

    def read_body(self) -> None:
        """Parse now what the event reads (the intake does, before it takes the write lock)."""
        if not self._body_parsed:
            self._parse_body()

    def _parse_body(self) -> None:
        """The segments this event reads, in one parse (one pass, not one per kind); another
        kind, or all of them if python-hl7 cannot read them together, alone on first use."""
        self._body_parsed = True
        kinds = _read_by(self.header.message_type, self.header.trigger) & self._pending.keys()
        lines = [line for ident in kinds for line in self._pending[ident]]
        if not lines:
            return
        try:  # parsed under the message's own encoding characters
            parsed = list(hl7.parse("\r".join([self._encoding, *lines])))[1:]
        except Exception:
            return
        for ident in kinds:
            self._segments[ident] = []
        for seg in parsed:
            self._segments[str(seg[0])].append(seg)

    def _parse_kind(self, segment: str) -> list[Any]:
        lines = self._pending.get(segment, [])
        if not lines:
            return []
        try:
            return list(hl7.parse("\r".join([self._encoding, *lines])))[1:]
        except Exception:
            return []  # a segment python-hl7 cannot read holds no value for pcc

    def value(
        self, segment: str, field: int, component: int = 1, sub: int = 1, rep: int = 1, nth: int = 1
    ) -> str:
        """One value, escapes undone; "" when the segment or field is absent. Kept once read:
        the mapping asks for some (PID-3) more than once."""
        key = (segment, field, component, sub, rep, nth)
        found = self._values.get(key)
        if found is None:
            found = self._values[key] = self._value(segment, field, component, sub, rep, nth)
        return found

    def _value(self, segment: str, field: int, component: int, sub: int, rep: int, nth: int) -> str:
        at = _PACKED[segment].get(field)
        if at is None or component > READ[segment][field] or sub != 1:
            raise LookupError(f"{segment}-{field}.{component}.{sub} is not in READ: never parsed")
        found_segments = self._parsed(segment)
        if not found_segments or nth > len(found_segments):
            return ""
        try:
            found = extract(found_segments[nth - 1], at, rep, component)
        except (IndexError, KeyError, ValueError, TypeError):
            return ""
        return str(found or "").strip()

    def repetitions(self, segment: str, field: int, nth: int = 1) -> int:
        at = _PACKED[segment].get(field)
        if at is None:
            raise LookupError(f"{segment}-{field} is not in READ: it was never parsed")
        found_segments = self._parsed(segment)
        if not found_segments or nth > len(found_segments):
            return 0
        try:
            value = found_segments[nth - 1](at)
        except (IndexError, KeyError, ValueError, TypeError):
            return 0
        if isinstance(value, hl7.Field) and value and isinstance(value[0], hl7.Repetition):
            return len(value)
        return 1 if str(value) else 0


def extract(segment: Any, field: int, rep: int, component: int) -> Any:
    """What python-hl7's `segment.extract_field(…, field, rep, component, 1)` returns, by its
    rules, without the accessor it builds for every call (a tenth of a message's time went
    there). Raises IndexError where it does; tests hold the two equal on every sample."""
    field, rep, component = field or 1, rep or 1, component or 1
    if field >= len(segment):
        if rep == 1 and component == 1:
            return ""  # an optional field not sent
        raise IndexError(field)
    value = segment[field][rep - 1]  # 1-based: segment[0] is the segment's id
    if not isinstance(value, hl7.Repetition):  # a leaf: the field has no components
        if component != 1:
            raise IndexError(component)
        return value if segment[0][0] == "MSH" and field in (1, 2) else unescape(segment, value)
    if component > len(value):
        return ""
    value = value[component - 1]
    if not isinstance(value, hl7.Component):
        return unescape(segment, value)
    return unescape(segment, value[0]) if len(value) else ""


def _read_by(message_type: str, trigger: str) -> set[str]:
    """The segments an event's mapping reads (hl7_map) beyond MSH and EVN: a discharge
    also carries NK1 and IN1, a booking PV1 and DG1, neither read."""
    if message_type == "SIU":
        return {"PID", "SCH", "TQ1", "AIS", "AIL", "AIP"}
    kinds = {"PID", "PV1", "DG1"}
    if trigger in REGISTERING:
        kinds |= {"NK1", "IN1"}
    if trigger in ("A40", "A41", "A47"):
        kinds.add("MRG")
    return kinds


@dataclass(frozen=True)
class _Encoding:
    """The separators MSH-1 and MSH-2 declare (any characters, not only |^~\\&)."""

    field: str
    component: str
    repetition: str
    subcomponent: str

    @classmethod
    def of(cls, msh2: str, field: str) -> _Encoding:
        chars = msh2.split(field, 1)[0]
        chars = (chars + "\x00" * 4)[:4]  # a character not declared matches nothing
        return cls(field, chars[0], chars[1], chars[3])


def _read_fields(line: str, enc: _Encoding, fields: dict[int, int]) -> str:
    """The segment packed: its id, then only `fields`, in order ("" for one not sent), each
    cut to the components read (`_cut`). MSH counts its field separator as MSH-1, so it is
    cut after MSH-12 and not packed. A separator character in a value is always escaped
    (\\F\\, \\S\\, \\R\\, \\T\\), so the separators found here are separators."""
    last = max(fields)
    if line.startswith("MSH"):
        return enc.field.join(line.split(enc.field, last)[:last])
    parts = line.split(enc.field, last + 1)
    packed = [parts[0]]
    for f in sorted(fields):
        packed.append(_cut(parts[f], fields[f], enc) if f < len(parts) else "")
    return enc.field.join(packed)


def _cut(field: str, components: int, enc: _Encoding) -> str:
    """Each repetition's first `components` components, each its first subcomponent."""
    if enc.subcomponent not in field and field.count(enc.component) < components:
        return field  # nothing to cut (most fields)
    return enc.repetition.join(
        enc.component.join(
            c.split(enc.subcomponent, 1)[0]
            for c in rep.split(enc.component, components)[:components]
        )
        for rep in field.split(enc.repetition)
    )


def make_ack(text: str, code: str, at: str, control_id: str, refusal: Refusal | None) -> str:
    """An ACK built from a message's MSH as far as it can be read (a message that cannot be
    parsed still gets an AR naming why)."""
    field_sep = text[3] if text.startswith("MSH") and len(text) > 3 else "|"
    encoding = text[4:8] if text.startswith("MSH") and len(text) > 8 else "^~\\&"
    msh = text.split("\r", 1)[0].split(field_sep) if text.startswith("MSH") else []

    def part(n: int) -> str:  # MSH-n (MSH-1 is the separator itself)
        return msh[n - 1] if len(msh) >= n else ""

    component = encoding[0] if encoding else "^"
    trigger = part(9).split(component)[1] if component in part(9) else ""
    header = [
        "MSH",
        encoding,
        part(5),
        part(6),
        part(3),
        part(4),
        at,
        "",
        f"ACK{component}{trigger}{component}ACK",
        control_id,
        part(11) or "P",
        part(12) or "2.5",
    ]
    msa = ["MSA", code, part(10)]
    segments = [field_sep.join(header)]
    if refusal is not None:
        msa.append(_clean(refusal.reason, field_sep, encoding))
        segments.append(field_sep.join(msa))
        where = _err_location(refusal.where, component)
        severity = "E"
        segments.append(
            field_sep.join(
                ["ERR", "", where, f"{refusal.error}{component}{component}HL70357", severity]
            )
        )
    else:
        segments.append(field_sep.join(msa))
    return "\r".join(segments) + "\r"


def _clean(text: str, field_sep: str, encoding: str) -> str:
    """Our own reason text, with the message's delimiters taken out (never escaped input)."""
    for ch in field_sep + encoding:
        text = text.replace(ch, " ")
    return text[:200]


def _err_location(where: str | None, component: str) -> str:
    """ERR-2 (ERL): segment id, sequence, field position - from "PID-3" or "MSH-9"."""
    if not where:
        return ""
    found = re.fullmatch(r"([A-Z][A-Z0-9]{2})(?:-(\d+))?", where)
    if found is None:
        return ""
    segment, field = found.group(1), found.group(2) or ""
    return f"{segment}{component}1{component}{field}"
