"""The scanning station: one scanned code in, one clear line out, whatever the code.

A USB scanner types the code and Enter. A code may be the tag, the manufacturer's serial
number, or the QR code's URL, in any case, with stray spaces and carriage returns. A scanner
set to a US (QWERTY) keyboard plugged into a French (AZERTY) PC types ``LMM-PC-00042`` as
``L??)PC)àààç'é``: such codes are read back too, with a hint to fix the scanner.

Modes decide what a scan does (look up, check in at a place, audit a place, take a device back
at the return desk); a new mode subclasses :class:`Mode` and is registered in :data:`MODES`.
Each scan is its own transaction: a bad code never undoes a good one.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from sqlmodel import Session, col, func, select

from assetctl.config import Settings
from assetctl.db import session_scope
from assetctl.errors import AssetctlError, ValidationError
from assetctl.models import Asset
from assetctl.models.scans import Audit, AuditItem, TagReservation
from assetctl.models.types import utcnow

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

# A scanner set to US (QWERTY) sends the keys of a US keyboard; a French (AZERTY) PC reads them
# with its own layout. Each pair: what the PC shows -> what the scanner meant.
_AZERTY_TO_QWERTY = str.maketrans(
    {
        "&": "1",
        "é": "2",
        '"': "3",
        "'": "4",
        "(": "5",
        "-": "6",
        "è": "7",
        "_": "8",
        "ç": "9",
        "à": "0",
        ")": "-",
        "°": "_",
        "?": "M",
        ",": "m",
        "M": ":",
        "m": ";",
        ";": ",",
        ":": ".",
        "!": "/",
        "§": "?",
        ".": "<",
        "/": ">",
        "a": "q",
        "q": "a",
        "A": "Q",
        "Q": "A",
        "z": "w",
        "w": "z",
        "Z": "W",
        "W": "Z",
    }
)
# Characters a tag or serial never has, but a misconfigured scanner types.
_AZERTY_SIGNS = frozenset("&é\"'(èçà)?°§!")
MAX_CODE = 200


@dataclass
class ScanLine:
    """What the station says about one scan."""

    ok: bool
    text: str
    asset_tag: str | None = None


class Mode:
    """What a scan does. Subclasses set ``name`` and override :meth:`handle`."""

    name: ClassVar[str] = ""

    def __init__(self, settings: Settings, actor: str, location: str | None) -> None:
        self.settings = settings
        self.actor = actor
        self.location = location

    def start(self, session: Session) -> None:
        """Called once, before the first scan."""

    def handle(self, session: Session, asset: Asset) -> str:
        """Do this mode's work on a scanned device; returns the end of the OK line."""
        return ""

    def unknown(self, session: Session, code: str) -> None:
        """A code that matched no device."""

    def finish(self, session: Session) -> list[str]:
        """Called at the end: lines of the summary."""
        return []


class LookupMode(Mode):
    name = "lookup"


class CheckinMode(Mode):
    """The device is now at the station's place: its location is updated (with history)."""

    name = "checkin"

    def handle(self, session: Session, asset: Asset) -> str:
        from assetctl.assets import edit

        assert self.location is not None
        changes = edit(
            session,
            self.settings,
            asset,
            {"location": self.location},
            actor=self.actor,
            reason="scan checkin",
        )
        return "checked in" if changes else "already here"


class AuditMode(Mode):
    """An inventory of one place: expected devices, found, missing, misplaced, unknown."""

    name = "audit"

    def start(self, session: Session) -> None:
        assert self.location is not None
        audit = Audit(location=self.location, operator=self.actor)
        session.add(audit)
        session.flush()
        assert audit.id is not None
        self.audit_id: int = audit.id
        self.seen: set[int] = set()

    def handle(self, session: Session, asset: Asset) -> str:
        assert asset.id is not None and self.location is not None
        if asset.id in self.seen:
            return "already scanned"
        self.seen.add(asset.id)
        here = asset.location.lower() == self.location.lower()
        session.add(
            AuditItem(
                audit_id=self.audit_id,
                outcome="found" if here else "misplaced",
                code=asset.tag,
                asset_id=asset.id,
                recorded_location=asset.location,
            )
        )
        return "expected here" if here else f"NOT EXPECTED HERE (recorded at {asset.location})"

    def unknown(self, session: Session, code: str) -> None:
        session.add(AuditItem(audit_id=self.audit_id, outcome="unknown", code=code[:MAX_CODE]))

    def finish(self, session: Session) -> list[str]:
        assert self.location is not None
        expected = session.exec(
            select(Asset)
            .where(
                func.lower(Asset.location) == self.location.lower(),
                col(Asset.status).not_in(("retired", "given")),
            )
            .order_by(col(Asset.tag))
        ).all()
        for asset in expected:
            if asset.id not in self.seen:
                session.add(
                    AuditItem(
                        audit_id=self.audit_id,
                        outcome="missing",
                        code=asset.tag,
                        asset_id=asset.id,
                        recorded_location=asset.location,
                    )
                )
        session.flush()
        audit = session.get(Audit, self.audit_id)
        assert audit is not None
        counts = Counter(
            session.exec(select(AuditItem.outcome).where(AuditItem.audit_id == self.audit_id)).all()
        )
        audit.expected = len(expected)
        audit.found, audit.missing = counts["found"], counts["missing"]
        audit.misplaced, audit.unknown = counts["misplaced"], counts["unknown"]
        audit.finished_at = utcnow()
        session.add(audit)
        from assetctl.audits import audit_report_lines

        return audit_report_lines(session, audit)


class ReturnMode(Mode):
    """The return desk: each device scanned comes back from its family under its contract
    (condition from ``--condition``), and must be wiped and imaged before the next one."""

    name = "return"
    condition = "ok"
    returned = 0

    def handle(self, session: Session, asset: Asset) -> str:
        from assetctl.access import resolve
        from assetctl.contracts import return_device

        contract, closed = return_device(
            session,
            resolve(session, self.actor),
            asset,
            condition=self.condition,
            location=self.location,
        )
        self.returned += 1
        end = f"contract {contract.number} closed" if closed else f"contract {contract.number}"
        return f"returned ({self.condition}), {end}; wipe and image it before any family"

    def finish(self, session: Session) -> list[str]:
        return [f"{self.returned} device(s) returned"]


MODES: dict[str, type[Mode]] = {m.name: m for m in (LookupMode, CheckinMode, AuditMode, ReturnMode)}
NEEDS_LOCATION = frozenset({"checkin", "audit"})


def url_pattern(template: str) -> re.Pattern[str] | None:
    if template == "{tag}":
        return None
    before, after = template.split("{tag}")
    return re.compile(re.escape(before) + r"([^/?#\s]+)" + re.escape(after) + r"/?", re.IGNORECASE)


# what a scanned line holds where its bytes were not UTF-8 (see the CLI's reader)
NOT_TEXT = "\ufffd"


def clean_code(raw: str) -> str:
    """Drop what scanners and keyboards add: spaces, CR/LF, control characters."""
    return "".join(ch for ch in raw if ch.isprintable() and not ch.isspace())


@dataclass
class Station:
    """A scanning session: feed it codes with :meth:`scan`, then call :meth:`finish`."""

    engine: Engine
    settings: Settings
    mode: Mode
    counts: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self._url = url_pattern(self.settings.labels.qr_payload)
        with session_scope(self.engine) as session:
            self.mode.start(session)

    def _candidates(self, code: str) -> list[tuple[str, bool]]:
        """(candidate, came through the AZERTY fix): the tag of a URL, the code, its last
        path segment; then the same for the code as a US-keyboard scanner meant it."""
        variants = [(code, False)]
        if _AZERTY_SIGNS & set(code):
            variants.append((code.translate(_AZERTY_TO_QWERTY), True))
        out: list[tuple[str, bool]] = []
        for variant, fixed in variants:
            if self._url is not None:
                match = self._url.fullmatch(variant)
                if match:
                    out.append((match.group(1), fixed))
            out.append((variant, fixed))
            if variant.lower().startswith(("http://", "https://")):
                last = variant.rstrip("/").rsplit("/", 1)[-1].split("?")[0].split("#")[0]
                if last:
                    out.append((last, fixed))
        return out

    def _find(self, session: Session, code: str) -> tuple[Asset | None, str | None]:
        """The device for a code, or (None, why not); a why that starts with
        :data:`UNREGISTERED` is a label printed ahead whose device is not registered yet."""
        for candidate, fixed in self._candidates(code):
            upper = candidate.upper()
            asset = session.exec(select(Asset).where(Asset.tag == upper)).first()
            if asset is None:
                by_serial = session.exec(select(Asset).where(Asset.serial == upper)).all()
                if len(by_serial) > 1:
                    tags = ", ".join(a.tag for a in by_serial)
                    return None, f"serial {upper} belongs to several devices ({tags}): scan the tag"
                asset = by_serial[0] if by_serial else None
            if asset is not None:
                hint = (
                    "the scanner types with a US keyboard layout: set it to French (AZERTY)"
                    if fixed
                    else None
                )
                return asset, hint
            reservation = session.get(TagReservation, upper)
            if reservation is not None and reservation.asset_id is None:
                return None, (
                    f"{UNREGISTERED} {upper} is a pre-printed label: register the device "
                    f"with `assetctl asset add --tag {upper} ...`"
                )
        return None, None

    def scan(self, raw: str) -> ScanLine | None:
        """Handle one scanned line; None for an empty one."""
        if NOT_TEXT in raw:
            self.counts["error"] += 1
            return ScanLine(
                False,
                "ERROR the scanner sent bytes that are not text: check that it is set to the "
                "keyboard's layout and to send plain text, then scan again",
            )
        code = clean_code(raw)
        if not code:
            return None
        if len(code) > MAX_CODE:
            self.counts["error"] += 1
            return ScanLine(
                False, f'ERROR code too long ({len(code)} characters): "{code[:40]}..."'
            )
        try:
            with session_scope(self.engine) as session:
                asset, why = self._find(session, code)
                if asset is None:
                    self.mode.unknown(session, code)
                    if why and why.startswith(UNREGISTERED):
                        self.counts["unregistered"] += 1
                    else:
                        self.counts["unknown"] += 1
                    return ScanLine(
                        False, f"ERROR {why}" if why else f'ERROR unknown code "{code}"'
                    )
                detail = self.mode.handle(session, asset)
                line = f"OK {asset.tag} {asset.kind} {asset.status} {asset.location}" + (
                    f" - {detail}" if detail else ""
                )
                if why:
                    line += f" (warning: {why})"
                tag = asset.tag
        except AssetctlError as exc:
            self.counts["error"] += 1
            return ScanLine(False, f"ERROR {code}: {exc}")
        self.counts["ok"] += 1
        return ScanLine(True, line, tag)

    def finish(self) -> list[str]:
        with session_scope(self.engine) as session:
            report = self.mode.finish(session)
        total = sum(self.counts.values())
        unregistered = self.counts["unregistered"]
        summary = (
            f"{total} scan(s): {self.counts['ok']} ok, {self.counts['unknown']} unknown, "
            + (f"{unregistered} not registered yet, " if unregistered else "")
            + f"{self.counts['error']} error(s)"
        )
        return [*report, summary]


UNREGISTERED = "not registered yet:"


def make_mode(
    name: str,
    settings: Settings,
    actor: str,
    location: str | None,
    condition: str | None = None,
) -> Mode:
    if name not in MODES:
        raise ValidationError(f"unknown scan mode {name!r}; modes: {', '.join(MODES)}")
    if name in NEEDS_LOCATION and not (location and location.strip()):
        raise ValidationError(f"--mode {name} needs --location PLACE")
    if location:
        from assetctl.asset_fields import normalize_location

        location = normalize_location(" ".join(location.split()))
    mode = MODES[name](settings, actor, location)
    if condition is not None:
        if not isinstance(mode, ReturnMode):
            raise ValidationError("--condition is for --mode return")
        from assetctl.vocabulary import Condition, parse

        mode.condition = parse(Condition, condition, "condition").value
    return mode
