"""The programme's neighbourhoods (QPV), as configured, and how people write them."""

from __future__ import annotations

from assetctl.config import Settings
from assetctl.errors import ValidationError
from assetctl.vocabulary import fold


def parse_qpv(settings: Settings, value: str) -> str:
    wanted = fold(value).replace("-", " ")
    for name in settings.programme.neighbourhoods:
        if fold(name).replace("-", " ") == wanted:
            return name
    if wanted.startswith(("hors", "outside")) or wanted == "none":
        for name in settings.programme.neighbourhoods:
            if fold(name).startswith("hors"):
                return name
    raise ValidationError(
        f"qpv {value!r} is not a configured neighbourhood: "
        f"{'; '.join(settings.programme.neighbourhoods)}"
    )
