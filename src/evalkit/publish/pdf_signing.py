"""Signing the PDF reports: a self-signed certificate, a PAdES baseline (B-B) signature made with pyHanko,
and the check that a signed report is intact, wholly covered and signed by a given certificate.

The document-signing key is ECDSA P-256 (signed with SHA-256), because common PDF readers (poppler's
``pdfsig``, for one) do not verify Ed25519 signatures in PDFs; Ed25519 keys (with SHA-512) still work.

A reader (or ``pyhanko sign validate --trust CERT.pem report.pdf``) trusts the signature when it is told
to trust the certificate; nothing is fetched from the network.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import functools
import hashlib
import io
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from asn1crypto import algos
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from ..core.errors import EvalkitError
from ..core.files import write_atomic

DEMO_MARK = "（示例）"
"""Ends the common name of a demo certificate."""
DEMO_ORGANIZATION = "示例密钥"
"""The organization (O) of a demo certificate."""
ALGORITHMS = {"p256": ("sha256_ecdsa", "sha256"), "ed25519": ("ed25519", "sha512")}
"""Each key type's signature mechanism and digest; Ed25519 in CMS uses SHA-512 (RFC 8419), pyHanko no other."""

_T = TypeVar("_T")


def _kind(key: Ed25519PrivateKey | ec.EllipticCurvePrivateKey) -> str:
    """``'p256'`` or ``'ed25519'``; an EvalkitError for any other key type or curve."""
    if isinstance(key, Ed25519PrivateKey):
        return "ed25519"
    if isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1):
        return "p256"
    what = f"an EC key on {key.curve.name}" if isinstance(key, ec.EllipticCurvePrivateKey) else type(key).__name__
    raise EvalkitError(f"the signing key must be an ECDSA P-256 or Ed25519 private key, not {what} "
                       "(签名密钥须为 ECDSA P-256 或 Ed25519)")


def _der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(_der(cert))


def _sync(call: Callable[[], _T]) -> _T:
    """Run a pyHanko call that uses ``asyncio.run``; in a thread of its own where a loop runs (a notebook)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return call()
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()


def certificate(key: Ed25519PrivateKey | ec.EllipticCurvePrivateKey, *, holder: str, demo: bool,
                valid_from: dt.datetime | None = None, years: int = 10) -> x509.Certificate:
    """A self-signed certificate for ``key``, issued to and by ``holder`` (the CN), for document signing.

    A demo certificate's CN ends with （示例） and its O says 示例密钥. The serial number is derived from the
    public key, so one key always gives the same serial. A P-256 certificate is signed with ECDSA-SHA256.
    ``valid_from`` defaults to now (a naive time is UTC).
    """
    kind = _kind(key)
    if not holder.strip():
        raise EvalkitError("the certificate needs a holder's name (证书须写明持有者)")
    start = (valid_from or dt.datetime.now(dt.timezone.utc)).replace(microsecond=0)
    if start.tzinfo is None:
        start = start.replace(tzinfo=dt.timezone.utc)
    try:
        end = start.replace(year=start.year + years)
    except ValueError:  # 29 February
        end = start.replace(year=start.year + years, day=28)
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, holder + DEMO_MARK if demo else holder)]
    if demo:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, DEMO_ORGANIZATION))
    name = x509.Name(attributes)
    public = key.public_key()
    raw = (public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw) if kind == "ed25519"
           else public.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))
    usage = x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                          data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                          encipher_only=False, decipher_only=False)
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(public)
               .serial_number(int.from_bytes(hashlib.sha256(raw).digest()[:16], "big") or 1)
               .not_valid_before(start).not_valid_after(end)
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(usage, critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False))
    return builder.sign(key, None if kind == "ed25519" else hashes.SHA256())


def sign_pdf(pdf: Path, key: Ed25519PrivateKey | ec.EllipticCurvePrivateKey, cert: x509.Certificate, *,
             reason: str, location: str = "") -> None:
    """Sign ``pdf`` in place with ``key`` (P-256 or Ed25519) as ``cert``'s holder: a PAdES B-B signature in a new
    invisible field, written beside the file and renamed over it, so that on any error the file is unchanged."""
    pdf = Path(pdf)
    try:
        mechanism, digest = ALGORITHMS[_kind(key)]
    except EvalkitError as e:
        raise EvalkitError(f"{pdf.name}: {e}") from None
    if key.public_key() != cert.public_key():
        raise EvalkitError(f"{pdf.name}: the certificate is not the signing key's (证书与签名密钥不符)")
    try:
        original = pdf.read_bytes()
    except OSError as e:
        raise EvalkitError(f"{pdf}: cannot read the PDF to sign: {e.strerror or e} (无法读取待签名的 PDF)") from e
    signing_key = asn1_keys.PrivateKeyInfo.load(key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    signer = signers.SimpleSigner(signing_cert=_asn1(cert), signing_key=signing_key, cert_registry=None,
                                  signature_mechanism=algos.SignedDigestAlgorithm({"algorithm": mechanism}))
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(original), strict=False)
        taken = {name for name, _, _ in fields.enumerate_sig_fields(writer.prev, filled_status=None)}
        field = next(f"Signature{n}" for n in range(1, len(taken) + 2) if f"Signature{n}" not in taken)
        meta = signers.PdfSignatureMetadata(field_name=field, md_algorithm=digest, reason=reason or None,
                                            location=location or None, subfilter=fields.SigSeedSubFilter.PADES)
        out = _sync(lambda: signers.PdfSigner(meta, signer).sign_pdf(writer, in_place=False))
        signed = out.getvalue()
    except Exception as e:  # pyHanko raises many kinds (PdfReadError, SigningError, ValueError, …)
        raise EvalkitError(f"{pdf.name}: could not be signed ({e}); the file is unchanged (签名失败，文件未改动)") from e
    try:
        write_atomic(pdf, signed)
    except OSError as e:
        raise EvalkitError(f"{pdf}: the signed PDF could not be written, the file is unchanged: {e.strerror or e} "
                           "(无法写入已签名的 PDF，原文件未改动)") from e


def _problems(name: str, status: PdfSignatureStatus, cert: x509.Certificate) -> list[str]:
    found = []
    if not status.intact:
        found.append(f"{name}: the signed content was changed after signing (签名后内容被改动)")
    elif not status.valid:
        found.append(f"{name}: the signature does not verify (签名验证失败)")
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        found.append(f"{name}: the signature does not cover the whole file (签名未覆盖整个文件)")
    signer = status.signing_cert
    if signer is None or signer.dump() != _der(cert):
        subject = signer.subject.human_friendly if signer is not None else "unknown"
        found.append(f"{name}: the signer ({subject}) is not this certificate's holder (签名者不是该证书的持有者)")
    if not status.trusted:
        found.append(f"{name}: the signature is not trusted with this certificate as trust root (签名不受该证书信任)")
    return found


def validate_pdf(pdf: Path, cert: x509.Certificate) -> list[str]:
    """Every problem with ``pdf``'s signature, one line each (English, then Chinese): none when it holds exactly
    one signature, intact, covering the whole file, whose signer's certificate is ``cert`` (the trust root)."""
    pdf = Path(pdf)
    try:
        data = pdf.read_bytes()
        signatures = PdfFileReader(io.BytesIO(data), strict=False).embedded_regular_signatures
    except Exception as e:  # not a file, not a PDF, a broken PDF
        return [f"{pdf.name}: not a readable PDF: {e} (不是可读的 PDF 文件)"]
    if not signatures:
        return [f"{pdf.name}: the PDF is not signed (PDF 未签名)"]
    found = []
    if len(signatures) > 1:
        found.append(f"{pdf.name}: {len(signatures)} signatures where one is expected (签名多于一个)")
    for sig in signatures:
        name = pdf.name if len(signatures) == 1 else f"{pdf.name}, signature {sig.field_name}"
        context = ValidationContext(trust_roots=[_asn1(cert)], allow_fetching=False)
        try:
            status = _sync(functools.partial(validate_pdf_signature, sig, signer_validation_context=context))
        except Exception as e:  # a malformed signature object
            found.append(f"{name}: the signature cannot be checked: {e} (签名无法校验)")
            continue
        found.extend(_problems(name, status, cert))
    return found


def signature_algorithm(pdf: Path) -> list[str]:
    """The signature algorithm of each signature in ``pdf`` as named in its CMS object, e.g. ``['ecdsa']``."""
    signatures = PdfFileReader(io.BytesIO(Path(pdf).read_bytes()), strict=False).embedded_regular_signatures
    return [s.signer_info["signature_algorithm"].signature_algo for s in signatures]

