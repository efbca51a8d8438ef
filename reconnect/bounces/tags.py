"""The opaque tag of an email: in the envelope sender (VERP, ``bounces+<tag>@domain``), so
a bounce mailed back names its email, and as provider metadata.

A tag is one AES block holding the delivery's id and eight zero bytes, encrypted with a
key derived from RECONNECT_SECRET_KEY, written in base32: it reveals nothing (no row id,
no count), cannot be made up (a made-up tag decrypts to non-zero padding), and needs no
storage. Changing the secret key makes older tags unreadable; bounces then still match by
Message-ID.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import struct
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

_PAD = bytes(8)
_TAG = re.compile(r"^[a-z2-7]{26}$")


@lru_cache(maxsize=4)
def _cipher(secret_key: str) -> Cipher[modes.ECB]:
    key = hmac.new(secret_key.encode(), b"reconnect bounce tag", hashlib.sha256).digest()[:16]
    # One block of fixed layout: ECB is a plain block permutation here, nothing more.
    return Cipher(algorithms.AES(key), modes.ECB())  # noqa: S305


def tag_for(secret_key: str, delivery_id: int) -> str:
    encryptor = _cipher(secret_key).encryptor()
    block = encryptor.update(struct.pack(">Q", delivery_id) + _PAD) + encryptor.finalize()
    return base64.b32encode(block).decode().rstrip("=").lower()


def delivery_of(secret_key: str, tag: str) -> int | None:
    tag = tag.strip().lower()
    if not _TAG.match(tag):
        return None
    try:
        block = base64.b32decode(tag.upper() + "======")
    except binascii.Error:
        return None
    decryptor = _cipher(secret_key).decryptor()
    plain = decryptor.update(block) + decryptor.finalize()
    if plain[8:] != _PAD:
        return None
    return int(struct.unpack(">Q", plain[:8])[0])


def verp_address(bounce_address: str, tag: str) -> str:
    local, _, domain = bounce_address.rpartition("@")
    return f"{local}+{tag}@{domain}"


def tag_in(address: str, bounce_address: str) -> str | None:
    """The tag of ``bounces+<tag>@domain`` when it is our bounce address, else None."""
    local, _, domain = bounce_address.lower().rpartition("@")
    found = re.search(rf"{re.escape(local)}\+([a-z2-7]{{26}})@{re.escape(domain)}",
                      address.lower())
    return found.group(1) if found else None
