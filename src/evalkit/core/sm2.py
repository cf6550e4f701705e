"""SM2 signatures with SM3 (国密, GB/T 32918 and GB/T 32905) for a city that requires them, through tongsuopy (the
Python binding of the Tongsuo cryptography library, whose API follows ``cryptography``'s); ``cryptography`` itself
does not offer SM2. Keys are PEM files like the Ed25519 ones (PKCS#8 and SubjectPublicKeyInfo, curve SM2)."""
from __future__ import annotations

import hashlib
from typing import Any

from tongsuopy.crypto import hashes, serialization
from tongsuopy.crypto.asymciphers import ec
from tongsuopy.crypto.exceptions import InternalError, InvalidSignature

ALGORITHM = "sm2-sm3"


def generate() -> Any:
    """A new SM2 private key."""
    return ec.generate_private_key(ec.SM2())


def load_private(pem: bytes) -> Any | None:
    """An SM2 private key from PEM, or None when the PEM holds another kind of key."""
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError):
        return None
    return key if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name == "SM2" else None


def load_public(pem: bytes) -> Any | None:
    """An SM2 public key from PEM, or None when the PEM holds another kind of key."""
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError):
        return None
    return key if isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name == "SM2" else None


def is_private(key: Any) -> bool:
    return isinstance(key, ec.EllipticCurvePrivateKey)


def fingerprint(public: Any) -> str:
    """The first 16 hex digits of the SHA-256 of the public point (uncompressed)."""
    point = public.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return hashlib.sha256(point).hexdigest()[:16]


def sign(key: Any, data: bytes) -> bytes:
    """The SM2 signature of ``data`` with SM3 as its hash."""
    return key.sign(data, ec.ECDSA(hashes.SM3()))


def verify(public: Any, signature: bytes, data: bytes) -> bool:
    try:
        public.verify(signature, data, ec.ECDSA(hashes.SM3()))
    except (InvalidSignature, InternalError):  # a signature that is not even DER is Tongsuo's "internal" error
        return False
    return True


def private_pem(key: Any) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def public_pem(key: Any) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
