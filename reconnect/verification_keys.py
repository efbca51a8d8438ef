"""Parsing the public keys relays show for verifying their signed webhooks.

Here, below both settings and the webhook providers, so that settings can refuse a
malformed key at startup with the very parser the webhook uses to verify, without the
settings importing the bounce handling that reads them.
"""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


def sendgrid_public_key(encoded: str) -> ec.EllipticCurvePublicKey:
    """The verification key as SendGrid shows it; raises ValueError if it is not one."""
    key = serialization.load_der_public_key(base64.b64decode(encoded))
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise ValueError("not an elliptic-curve public key")
    return key
