"""Contracts: allocation of ready devices, handover, renewal, returns, losses, payments.

A contract is created by :func:`allocate` as a ``draft`` from the committee's approved decision:
it reserves ready devices (``allocated``). :func:`sign` records the handover: devices go
``on_loan`` (loan, rental) or ``given`` (gift) and the term starts. Each device comes back on
its own (:func:`return_device`, the return desk's scans) or is declared lost or stolen; the
contract closes when no device is left with the family. Every device move goes through the
lifecycle rules, which refuse a device not wiped and imaged since it last came back.

One module per job; this package's face re-exports what the commands use.
"""

from assetctl.contracts.allocation import INTERNET_TYPES, AllocationInput, allocate
from assetctl.contracts.common import devices, find, household_of, lines
from assetctl.contracts.handover import Delivery, cancel, plan_delivery, sign
from assetctl.contracts.payments import payments, record_payment
from assetctl.contracts.renewals import renew
from assetctl.contracts.returns import check_returnable, declare_lost, return_device
from assetctl.contracts.views import document_record, list_rows, view

__all__ = [
    "INTERNET_TYPES",
    "AllocationInput",
    "Delivery",
    "allocate",
    "cancel",
    "check_returnable",
    "declare_lost",
    "devices",
    "document_record",
    "find",
    "household_of",
    "lines",
    "list_rows",
    "payments",
    "plan_delivery",
    "record_payment",
    "renew",
    "return_device",
    "sign",
    "view",
]
