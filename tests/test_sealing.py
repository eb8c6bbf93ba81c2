"""The sealing primitives: what one key seals only that key opens, and a key file of any bytes
is a clear error."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assetctl.errors import AccessDeniedError, ConfigError
from assetctl.sealing import new_key_file, unlock

PASSPHRASE = "a long enough passphrase"


@pytest.fixture(scope="module")
def key() -> tuple[object, bytes]:
    return new_key_file(PASSPHRASE)


def test_what_is_sealed_opens_with_the_key_file_and_passphrase(key: tuple) -> None:
    public, content = key
    value = {"child_name": "Lina Martin", "children": [{"birth_date": "2014-03-02"}]}
    sealed = public.seal(value)
    assert sealed.startswith("s1:") and "Lina" not in sealed
    assert public.seal(value) != sealed  # a fresh ephemeral key each time: no equal ciphertexts
    assert unlock(content, PASSPHRASE, "k").open(sealed) == value


def test_a_changed_byte_another_key_or_a_wrong_passphrase_opens_nothing(key: tuple) -> None:
    public, content = key
    sealed = public.seal("06 12 34 56 78")
    opener = unlock(content, PASSPHRASE, "k")
    body = bytearray(sealed.encode())
    body[10] = ord("A") if body[10] != ord("A") else ord("B")
    with pytest.raises(AccessDeniedError, match="not sealed for this key"):
        opener.open(body.decode())
    _, other_content = new_key_file("another long passphrase")
    with pytest.raises(AccessDeniedError):
        unlock(other_content, "another long passphrase", "k2").open(sealed)
    with pytest.raises(AccessDeniedError, match="passphrase does not open"):
        unlock(content, "not the passphrase", "k")
    with pytest.raises(AccessDeniedError, match="not sealed in a format"):
        opener.open("plain text")


def test_a_key_file_asking_for_absurd_work_is_refused(key: tuple) -> None:
    _, content = key
    document = json.loads(content)
    document["kdf"]["memlimit"] = 1 << 40  # a terabyte of memory to derive the key
    with pytest.raises(ConfigError, match="key-derivation settings"):
        unlock(json.dumps(document).encode(), PASSPHRASE, "k")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=4096))
def test_any_bytes_as_a_key_file_are_a_clear_error(data: bytes) -> None:
    with pytest.raises((ConfigError, AccessDeniedError)):
        unlock(data, PASSPHRASE, "any.key")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(
    st.fixed_dictionaries(
        {"format": st.just("assetctl-programme-key/1")},
        optional={
            "kdf": st.fixed_dictionaries(
                {}, optional={k: json_values for k in ("salt", "opslimit", "memlimit")}
            )
            | json_values,
            "private_key": json_values,
        },
    )
)
def test_a_key_file_of_the_right_shape_with_any_values_is_a_clear_error(doc: dict) -> None:
    with pytest.raises((ConfigError, AccessDeniedError)):
        unlock(json.dumps(doc).encode(), PASSPHRASE, "any.key")


def test_many_values_open_in_order_on_every_core(key: tuple) -> None:
    from assetctl.sealing import PARALLEL_FROM

    public, content = key
    values = [{"n": n} for n in range(PARALLEL_FROM + 7)]
    opener = unlock(content, PASSPHRASE, "k")
    assert opener.open_many([public.seal(v) for v in values]) == values
    sealed = [public.seal(v) for v in values]
    sealed[-3] = sealed[-3][:-8] + "AAAAAAA="  # one damaged value among many: refused
    with pytest.raises(AccessDeniedError):
        opener.open_many(sealed)
