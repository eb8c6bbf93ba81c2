"""The households: the diagnostic form, the register, the recommendation rule, personal data
(export and purge) and imports, one module each. This package's face re-exports what the
commands and the other rooms use."""

from assetctl.households.form import (
    CHOICES,
    FACT_FIELDS,
    FORM_FIELDS,
    PERSONAL_FIELDS,
    REQUESTABLE,
    age_on,
    check_form,
    parse_children,
    parse_form,
    parse_requested,
)
from assetctl.households.importer import import_households
from assetctl.households.personal_data import export, purge, purge_candidates
from assetctl.households.recommendation import Item, equipment, recommend, recommend_items
from assetctl.households.registry import (
    add,
    edit,
    find,
    list_rows,
    next_ref,
    status,
    status_of,
    view,
)
from assetctl.neighbourhoods import parse_qpv

__all__ = [
    "CHOICES",
    "FACT_FIELDS",
    "FORM_FIELDS",
    "PERSONAL_FIELDS",
    "REQUESTABLE",
    "Item",
    "add",
    "age_on",
    "check_form",
    "edit",
    "equipment",
    "export",
    "find",
    "import_households",
    "list_rows",
    "next_ref",
    "parse_children",
    "parse_form",
    "parse_qpv",
    "parse_requested",
    "purge",
    "purge_candidates",
    "recommend",
    "recommend_items",
    "status",
    "status_of",
    "view",
]
