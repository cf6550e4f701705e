"""The task force's signing keys (Ed25519, with ``cryptography``): the private key of a city kept outside the
repository, its public keys as city data, and signing and checking bytes with them.

- Private keys of a city: ``$EVALKIT_KEYS/<city>.pem`` (Ed25519: manifests and ledger entries) and
  ``$EVALKIT_KEYS/<city>-pdf.pem`` (ECDSA P-256: the PDFs, which common readers verify; they do not verify
  Ed25519), default folder ``~/.config/evalkit/keys``, readable by their owner only.
- Trusted public keys of a city: ``$EVALKIT_TRUST/<city>/keys/*.pub`` and the PDF certificates ``*.crt`` (default the
  project's ``data/``), PEM; files named ``demo-*`` are a demo key (示例密钥): what it signs is example data.

A signature is a small record ``{"algorithm": "ed25519", "key": FINGERPRINT, "signature": BASE64}``. A city that
requires 国密 holds an SM2 record key instead (``evalkit keys new CITY --sm2``): its records are signed with SM2
and SM3 (``"algorithm": "sm2-sm3"``, :mod:`evalkit.core.sm2`).
"""
from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from . import paths, sm2
from .errors import EvalkitError

KEYS_VARIABLE = "EVALKIT_KEYS"
TRUST_VARIABLE = "EVALKIT_TRUST"
ALGORITHM = "ed25519"


@dataclass(frozen=True)
class PublicKey:
    """One trusted public key of a city."""

    fingerprint: str
    key: Any  # Ed25519PublicKey, or an SM2 public key (tongsuopy)
    demo: bool
    path: Path
    algorithm: str = ALGORITHM


def keys_dir() -> Path:
    """Where private keys are kept: ``$EVALKIT_KEYS``, else ``~/.config/evalkit/keys`` (never in the repository)."""
    return Path(os.environ.get(KEYS_VARIABLE) or Path.home() / ".config" / "evalkit" / "keys")


def trust_dir(city: str) -> Path:
    """Where a city's trusted public keys are: ``$EVALKIT_TRUST/<city>/keys``, else ``data/<city>/keys``."""
    return Path(os.environ.get(TRUST_VARIABLE) or paths.DATA) / city / "keys"


def fingerprint(key: Ed25519PublicKey) -> str:
    """The first 16 hex digits of the SHA-256 of the raw public key."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def private_key(city: str) -> Any:
    """The city's record key (Ed25519, or SM2), or None when this machine has none (runs are then unsigned, and say so)."""
    path = keys_dir() / f"{city}.pem"
    if not path.is_file():
        return None
    pem = path.read_bytes()
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except UnsupportedAlgorithm:
        key = sm2.load_private(pem)
    except (ValueError, TypeError) as exc:
        raise EvalkitError(f"{path}: not a PEM private key ({exc}) (签名私钥无法读取)") from None
    if not isinstance(key, Ed25519PrivateKey) and not sm2.is_private(key):
        raise EvalkitError(f"{path}: neither an Ed25519 nor an SM2 key (签名私钥类型不符)")
    return key


def public_keys(city: str) -> dict[str, PublicKey]:
    """The city's trusted public keys by fingerprint."""
    found = {}
    for path in sorted(trust_dir(city).glob("*.pub")):
        demo = path.name.startswith("demo-")
        try:
            key = serialization.load_pem_public_key(path.read_bytes())
        except UnsupportedAlgorithm:
            key = sm2.load_public(path.read_bytes())
            if key is not None:
                found[sm2.fingerprint(key)] = PublicKey(sm2.fingerprint(key), key, demo, path, sm2.ALGORITHM)
            continue
        except ValueError:
            continue
        if isinstance(key, Ed25519PublicKey):
            found[fingerprint(key)] = PublicKey(fingerprint(key), key, demo, path)
    return found


def _write_private(path: Path, pem: bytes) -> None:
    """A private key's PEM, created with mode 0600 and never over an existing file."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)


def new_key(city: str, *, demo: bool, use_sm2: bool = False) -> tuple[Path, Path]:
    """Make the city's keys: the record key (Ed25519, or SM2 with ``use_sm2``) and the P-256 document key in
    :func:`keys_dir` (mode 0600, never overwritten), and the record key's public half among the city's trusted keys
    (``demo-<fingerprint>.pub`` for a demo key); the document key's certificate is written with :func:`write_certificate`."""
    private = keys_dir() / f"{city}.pem"
    if private.exists() or (keys_dir() / f"{city}-pdf.pem").exists():
        raise EvalkitError(f"{private} exists: a signing key is never overwritten (签名私钥已存在)")
    if use_sm2:
        key = sm2.generate()
        pem, name = sm2.private_pem(key), sm2.fingerprint(key.public_key())
        public_pem = sm2.public_pem(key)
    else:
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        name = fingerprint(key.public_key())
        public_pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    _write_private(private, pem)
    pdf = ec.generate_private_key(ec.SECP256R1())
    _write_private(keys_dir() / f"{city}-pdf.pem",
                   pdf.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    public = trust_dir(city) / f"{'demo-' if demo else ''}{name}.pub"
    public.parent.mkdir(parents=True, exist_ok=True)
    public.write_bytes(public_pem)
    return private, public


def document_key(city: str) -> ec.EllipticCurvePrivateKey | None:
    """The city's P-256 key that signs the PDFs, or None when this machine has none."""
    path = keys_dir() / f"{city}-pdf.pem"
    if not path.is_file():
        return None
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise EvalkitError(f"{path}: not an ECDSA P-256 key (文档签名私钥类型不符)")
    return key


def certificates(city: str) -> list[x509.Certificate]:
    """The city's trusted PDF-signing certificates."""
    return [x509.load_pem_x509_certificate(p.read_bytes()) for p in sorted(trust_dir(city).glob("*.crt"))]


def write_certificate(city: str, cert: x509.Certificate, *, demo: bool) -> Path:
    """Add a PDF-signing certificate to the city's trusted keys."""
    digest = hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()[:16]
    path = trust_dir(city) / f"{'demo-' if demo else ''}{digest}.crt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


def sign(city: str, data: bytes) -> dict[str, str] | None:
    """The signature record of ``data`` with the city's record key; None when this machine has none."""
    key = private_key(city)
    if key is None:
        return None
    if sm2.is_private(key):
        return {"algorithm": sm2.ALGORITHM, "key": sm2.fingerprint(key.public_key()),
                "signature": base64.b64encode(sm2.sign(key, data)).decode("ascii")}
    return {"algorithm": ALGORITHM, "key": fingerprint(key.public_key()), "signature": base64.b64encode(key.sign(data)).decode("ascii")}


def check(city: str, data: bytes, record: dict[str, str] | None) -> tuple[str, str]:
    """``(state, text)`` of a signature record over ``data``: state ``signed``, ``demo`` (a demo key), ``unsigned``,
    ``unknown`` (a key the city does not trust) or ``forged`` (the signature does not match the data)."""
    if not record:
        return "unsigned", "not signed (未签名)"
    trusted = public_keys(city).get(str(record.get("key")))
    if trusted is None or record.get("algorithm") != trusted.algorithm:
        return "unknown", f"signed with key {record.get('key')!r}, which {city} does not trust (签名密钥不在该城市的可信密钥中)"
    try:
        signature = base64.b64decode(str(record.get("signature", "")), validate=True)
        if trusted.algorithm == sm2.ALGORITHM:
            if not sm2.verify(trusted.key, signature, data):
                raise InvalidSignature
        else:
            trusted.key.verify(signature, data)
    except (InvalidSignature, ValueError):
        return "forged", "the signature does not match: the signed content was changed or the signature forged (签名不符：内容被修改或签名伪造)"
    if trusted.demo:
        return "demo", f"signed with the demo key {trusted.fingerprint} (示例密钥签名，仅供演示)"
    return "signed", f"signed with {city}'s key {trusted.fingerprint} ({'SM2 ' if trusted.algorithm == sm2.ALGORITHM else ''}签名有效)"
