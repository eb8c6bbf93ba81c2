"""Asset tags: ``PREFIX-CODE-NUMBER`` (e.g. ``LMM-PC-00042``), issued once, never reused.

The counter per prefix and kind code lives in the ``tag_sequence`` table and is advanced with
one ``UPDATE ... RETURNING`` inside the caller's transaction, so two benches sharing a
PostgreSQL database never get the same number. A tag given by the user (an existing label, a
pre-printed one) that has our shape moves the counter past it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import text
from sqlmodel import Session

from assetctl.config import Settings
from assetctl.errors import ValidationError

TAG_RE = re.compile(r"^[A-Z0-9][A-Z0-9._/-]{0,31}$")


def normalize_tag(raw: str) -> str:
    """Tags are matched trimmed and case-insensitively: stored and compared upper-case."""
    return "".join(raw.split()).upper()


def format_tag(settings: Settings, kind_code: str, number: int) -> str:
    return f"{settings.tag_prefix}-{kind_code}-{number:0{settings.tag_digits}d}"


@dataclass(frozen=True)
class ParsedTag:
    prefix: str
    kind_code: str
    number: int


def parse_own_tag(settings: Settings, tag: str) -> ParsedTag | None:
    """Split a tag of our own shape; None for foreign tags (kept as they are)."""
    match = re.fullmatch(rf"({re.escape(settings.tag_prefix)})-([A-Z0-9]+)-(\d+)", tag)
    if not match:
        return None
    return ParsedTag(match.group(1), match.group(2), int(match.group(3)))


def validate_tag(settings: Settings, raw: str, kind: str) -> str:
    """Check a tag given by the user for a device of ``kind``; return it normalised."""
    tag = normalize_tag(raw)
    if not TAG_RE.match(tag):
        raise ValidationError(
            f"tag {raw!r} is not valid: use 1 to 32 letters, digits and - . / _, "
            f"e.g. {format_tag(settings, settings.kind_codes[kind], 42)}"
        )
    parsed = parse_own_tag(settings, tag)
    if parsed is not None:
        owner = settings.kind_for_code(parsed.kind_code)
        if owner is None:
            codes = ", ".join(f"{code} ({k})" for k, code in settings.kind_codes.items())
            raise ValidationError(
                f"tag {tag}: unknown kind code {parsed.kind_code!r}; codes are {codes}"
            )
        if owner != kind:
            raise ValidationError(
                f"tag {tag} is a {owner} tag ({parsed.kind_code}), but the device is a {kind}; "
                f"use a {settings.kind_codes[kind]} tag or leave --tag out"
            )
    return tag


def _ensure_sequence(session: Session, prefix: str, kind_code: str) -> None:
    session.execute(
        text(
            "INSERT INTO tag_sequence (prefix, kind_code, last_number) "
            "VALUES (:prefix, :code, 0) ON CONFLICT (prefix, kind_code) DO NOTHING"
        ),
        {"prefix": prefix, "code": kind_code},
    )


def next_number(session: Session, prefix: str, code: str, count: int = 1) -> int:
    """Take ``count`` numbers from the counter (prefix, code); returns the last one taken.
    Counters never go back, so a number is never issued twice (tags, references)."""
    _ensure_sequence(session, prefix, code)
    last: int = session.execute(
        text(
            "UPDATE tag_sequence SET last_number = last_number + :count "
            "WHERE prefix = :prefix AND kind_code = :code RETURNING last_number"
        ),
        {"count": count, "prefix": prefix, "code": code},
    ).scalar_one()
    return last


def next_tags(session: Session, settings: Settings, kind: str, count: int = 1) -> list[str]:
    """Reserve ``count`` new consecutive tags for ``kind``."""
    if count < 1:
        return []
    code = settings.kind_codes[kind]
    last = next_number(session, settings.tag_prefix, code, count)
    return [format_tag(settings, code, number) for number in range(last - count + 1, last + 1)]


def claim_tags(session: Session, settings: Settings, tags: list[str]) -> None:
    """Move the counters past tags given by the user, so generated ones never collide."""
    highest: dict[str, int] = {}
    for tag in tags:
        parsed = parse_own_tag(settings, tag)
        if parsed is not None:
            highest[parsed.kind_code] = max(highest.get(parsed.kind_code, 0), parsed.number)
    for code, number in highest.items():
        _ensure_sequence(session, settings.tag_prefix, code)
        session.execute(
            text(
                "UPDATE tag_sequence SET last_number = :number "
                "WHERE prefix = :prefix AND kind_code = :code AND last_number < :number"
            ),
            {"number": number, "prefix": settings.tag_prefix, "code": code},
        )


def reserved_kinds(session: Session, tags: list[str]) -> dict[str, str]:
    """The kind each of ``tags`` was reserved for (pre-printed labels not yet claimed)."""
    from sqlmodel import col, select

    from assetctl.models.scans import TagReservation

    if not tags:
        return {}
    rows = session.exec(
        select(TagReservation.tag, TagReservation.kind).where(
            col(TagReservation.tag).in_(tags), col(TagReservation.asset_id).is_(None)
        )
    )
    return dict(rows.all())


def claim_reservations(session: Session, tag_ids: dict[str, int]) -> None:
    """Link reserved tags to the devices registered with them."""
    from sqlmodel import col, update

    from assetctl.models.scans import TagReservation
    from assetctl.models.types import utcnow

    now = utcnow()
    for tag, asset_id in tag_ids.items():
        session.execute(
            update(TagReservation)
            .where(col(TagReservation.tag) == tag, col(TagReservation.asset_id).is_(None))
            .values(asset_id=asset_id, claimed_at=now)
        )
