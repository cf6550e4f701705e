"""Signing PDF reports with P-256 or Ed25519 (PAdES B-B, pyHanko): what validates (in pyHanko and poppler's
pdfsig), what is reported, what stays untouched."""
from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.x509.oid import NameOID, SignatureAlgorithmOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import PageObject, PdfFileWriter

from evalkit.core.errors import EvalkitError
from evalkit.publish.pdf_signing import certificate, sign_pdf, signature_algorithm, validate_pdf

HOLDER = "包头市数字政府建设专班"
PYHANKO = Path(sys.executable).with_name("pyhanko")
SCORE = b"(Total score 87.25)"
ALGORITHM = {"p256": ("ecdsa", "sha256"), "ed25519": ("ed25519", "sha512")}
"""Each key type's signature algorithm and digest as they read back from the PDF."""


def _new(kind: str) -> Ed25519PrivateKey | ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1()) if kind == "p256" else Ed25519PrivateKey.generate()


def _report() -> bytes:
    """A one-page PDF written by pyHanko's own writer; its text is in an uncompressed content stream."""
    w = PdfFileWriter(stream_xrefs=False)
    font = generic.DictionaryObject({generic.pdf_name("/Type"): generic.pdf_name("/Font"),
                                     generic.pdf_name("/Subtype"): generic.pdf_name("/Type1"),
                                     generic.pdf_name("/BaseFont"): generic.pdf_name("/Helvetica")})
    resources = generic.DictionaryObject({generic.pdf_name("/Font"): generic.DictionaryObject(
        {generic.pdf_name("/F1"): w.add_object(font)})})
    content = w.add_object(generic.StreamObject(stream_data=b"BT /F1 24 Tf 72 720 Td " + SCORE + b" Tj ET"))
    w.insert_page(PageObject(contents=content, media_box=(0, 0, 595, 842), resources=resources))
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


@pytest.fixture(scope="module", params=["p256", "ed25519"])
def kind(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def key(kind) -> Ed25519PrivateKey | ec.EllipticCurvePrivateKey:
    return _new(kind)


@pytest.fixture(scope="module")
def cert(key) -> x509.Certificate:
    return certificate(key, holder=HOLDER, demo=True)


@pytest.fixture
def pdf(tmp_path) -> Path:
    path = tmp_path / "report.pdf"
    path.write_bytes(_report())
    return path


@pytest.fixture
def signed(pdf, key, cert) -> Path:
    sign_pdf(pdf, key, cert, reason="考评报告定稿", location="包头")
    return pdf


def _cli(pdf: Path, cert: x509.Certificate) -> subprocess.CompletedProcess:
    pem = pdf.with_name("cert.pem")
    pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return subprocess.run([str(PYHANKO), "sign", "validate", "--trust-replace", "--trust", str(pem), "--pretty-print",
                           str(pdf)], capture_output=True, text=True, timeout=60)


def test_the_certificate_is_self_signed_for_document_signing_with_a_serial_from_the_key(kind, key, cert):
    assert cert.subject == cert.issuer
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == HOLDER + "（示例）"
    assert "示例密钥" in cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value
    assert cert.public_key() == key.public_key()
    cert.verify_directly_issued_by(cert)  # its own signature holds
    assert cert.signature_algorithm_oid == {"p256": SignatureAlgorithmOID.ECDSA_WITH_SHA256,
                                            "ed25519": SignatureAlgorithmOID.ED25519}[kind]
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature and usage.value.content_commitment
    assert not usage.value.key_cert_sign
    start = dt.datetime(2024, 2, 29, 8, 30, tzinfo=dt.timezone.utc)
    again = certificate(key, holder="另一名称", demo=False, valid_from=start, years=4)
    assert again.serial_number == cert.serial_number > 0
    assert certificate(_new(kind), holder=HOLDER, demo=False).serial_number != cert.serial_number
    assert (again.not_valid_before_utc, again.not_valid_after_utc) == (start, dt.datetime(2028, 2, 29, 8, 30, tzinfo=dt.timezone.utc))


def test_only_a_demo_certificate_says_示例(key):
    real = certificate(key, holder=HOLDER, demo=False)
    assert real.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == HOLDER
    assert "示例" not in real.subject.rfc4514_string()


def test_a_signed_pdf_validates_as_one_invisible_pades_signature_of_the_keys_algorithm(pdf, kind, key, cert):
    before = pdf.read_bytes()
    sign_pdf(pdf, key, cert, reason="考评报告定稿", location="包头")
    after = pdf.read_bytes()
    assert after.startswith(before)  # an incremental update: the report's bytes are kept as they were
    assert validate_pdf(pdf, cert) == []
    algorithm, digest = ALGORITHM[kind]
    assert signature_algorithm(pdf) == [algorithm]
    (sig,) = PdfFileReader(io.BytesIO(after)).embedded_regular_signatures
    assert sig.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert sig.signer_info["digest_algorithm"]["algorithm"].native == digest
    assert sig.sig_object["/Reason"] == "考评报告定稿" and sig.sig_object["/Location"] == "包头"
    assert [float(v) for v in sig.sig_field["/Rect"]] == [0, 0, 0, 0]  # invisible
    assert sorted(p.name for p in pdf.parent.iterdir()) == ["report.pdf"]  # no temporary file left


def test_pyhanko_command_line_accepts_the_signature(signed, kind, cert):
    done = _cli(signed, cert)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "The signature is cryptographically sound" in done.stdout
    assert "The signer's certificate is trusted" in done.stdout
    assert "The signature covers the entire file" in done.stdout
    assert "judged VALID" in done.stdout
    assert f"The digest algorithm used was '{ALGORITHM[kind][1]}'" in done.stdout
    mechanism = {"p256": "sha256_ecdsa", "ed25519": "ed25519"}[kind]
    assert f"The signature mechanism used was '{mechanism}'" in done.stdout


def test_an_edit_inside_the_signed_bytes_is_reported(signed, cert):
    data = bytearray(signed.read_bytes())
    at = data.index(SCORE) + len(b"(Total score ")  # the first digit of the score, inside the signed range
    assert at < int(re.search(rb"/ByteRange \[0 (\d+) ", data).group(1))
    data[at:at + 1] = b"9"  # 87.25 becomes 97.25
    signed.write_bytes(bytes(data))
    problems = validate_pdf(signed, cert)
    assert "report.pdf: the signed content was changed after signing (签名后内容被改动)" in problems
    assert _cli(signed, cert).returncode != 0


def test_an_update_after_signing_is_reported(signed, cert):
    w = IncrementalPdfFileWriter(io.BytesIO(signed.read_bytes()))
    w.set_info(generic.DictionaryObject({generic.pdf_name("/Title"): generic.TextStringObject("改过的标题")}))
    out = io.BytesIO()
    w.write(out)
    signed.write_bytes(out.getvalue())
    assert validate_pdf(signed, cert) == ["report.pdf: the signature does not cover the whole file (签名未覆盖整个文件)"]


def test_a_signature_by_another_key_is_not_this_certificates(signed, kind, cert):
    other = _new(kind)
    problems = validate_pdf(signed, certificate(other, holder=HOLDER, demo=True))
    assert any("is not this certificate's holder (签名者不是该证书的持有者)" in p for p in problems)
    assert any("not trusted with this certificate as trust root" in p for p in problems)
    assert not any("changed" in p for p in problems)


@pytest.mark.parametrize("second", ["p256", "ed25519"])
def test_a_second_signature_is_reported(signed, cert, second):
    other = _new(second)
    sign_pdf(signed, other, certificate(other, holder="另一单位", demo=False), reason="复核")
    problems = validate_pdf(signed, cert)
    assert problems[0] == "report.pdf: 2 signatures where one is expected (签名多于一个)"
    assert "report.pdf, signature Signature1: the signature does not cover the whole file (签名未覆盖整个文件)" in problems
    assert any(p.startswith("report.pdf, signature Signature2: the signer") for p in problems)


def test_an_unsigned_or_unreadable_file_is_reported(pdf, cert, tmp_path):
    assert validate_pdf(pdf, cert) == ["report.pdf: the PDF is not signed (PDF 未签名)"]
    text = tmp_path / "notes.pdf"
    text.write_text("这不是 PDF\n", encoding="utf-8")
    (problem,) = validate_pdf(text, cert)
    assert problem.startswith("notes.pdf: not a readable PDF") and problem.endswith("(不是可读的 PDF 文件)")


@pytest.mark.parametrize("content", ["这不是 PDF\n".encode(), b"%PDF-1.7\nnot really a PDF\n", _report()[:-200]])
def test_a_failed_signing_leaves_the_file_untouched(tmp_path, key, cert, content):
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    with pytest.raises(EvalkitError, match=r"^report\.pdf: could not be signed \(.+\); the file is unchanged \(签名失败，文件未改动\)$"):
        sign_pdf(path, key, cert, reason="定稿")
    assert path.read_bytes() == content
    assert [p.name for p in tmp_path.iterdir()] == ["report.pdf"]


def test_a_failed_write_leaves_the_file_untouched(pdf, key, cert, monkeypatch):
    before = pdf.read_bytes()

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(EvalkitError, match="the signed PDF could not be written, the file is unchanged"):
        sign_pdf(pdf, key, cert, reason="定稿")
    assert pdf.read_bytes() == before
    assert [p.name for p in pdf.parent.iterdir()] == ["report.pdf"]


@pytest.mark.parametrize("other", ["p256", "ed25519"])
def test_a_key_that_is_not_the_certificates_is_refused(pdf, cert, other):
    before = pdf.read_bytes()
    with pytest.raises(EvalkitError, match="the certificate is not the signing key's"):
        sign_pdf(pdf, _new(other), cert, reason="定稿")
    assert pdf.read_bytes() == before


@pytest.mark.parametrize("curve", [ec.SECP384R1, ec.SECP256K1], ids=["P-384", "secp256k1"])
def test_a_key_of_another_curve_is_refused(pdf, cert, curve):
    before, wrong = pdf.read_bytes(), ec.generate_private_key(curve())
    refused = (rf"the signing key must be an ECDSA P-256 or Ed25519 private key, not an EC key on {wrong.curve.name} "
               r"\(签名密钥须为 ECDSA P-256 或 Ed25519\)$")
    with pytest.raises(EvalkitError, match="^" + refused):
        certificate(wrong, holder=HOLDER, demo=True)
    with pytest.raises(EvalkitError, match=r"^report\.pdf: " + refused):
        sign_pdf(pdf, wrong, cert, reason="定稿")
    assert pdf.read_bytes() == before


def test_a_key_of_another_type_is_refused():
    with pytest.raises(EvalkitError, match="must be an ECDSA P-256 or Ed25519 private key, not RSAPrivateKey"):
        certificate(rsa.generate_private_key(public_exponent=65537, key_size=2048), holder=HOLDER, demo=True)


def test_signing_and_validating_work_inside_a_running_event_loop(pdf, key, cert):
    """As in a notebook cell, where asyncio.run (which pyHanko calls) would fail."""
    async def cell() -> list[str]:
        sign_pdf(pdf, key, cert, reason="定稿")
        return validate_pdf(pdf, cert)

    # in a thread of its own, as a kernel's loop: this test process may hold Playwright's loop in its main thread
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(asyncio.run, cell()).result() == []


@pytest.mark.slow
def test_a_report_printed_by_chromium_is_signed_and_accepted(tmp_path, kind, key, cert):
    """By pyHanko and its command line; a P-256 signature also by poppler's pdfsig, which rejects Ed25519."""
    from evalkit.publish.printing import CHROMIUM_FLAGS, chromium
    page = tmp_path / "report.html"
    page.write_text("<!doctype html><html lang='zh-CN'><meta charset='utf-8'><title>考评报告</title>"
                    "<h1>包头市数字政府建设考评报告</h1><p>总分 87.25（第1名）</p></html>", encoding="utf-8")
    pdf = tmp_path / "report.pdf"
    subprocess.run([chromium(), *CHROMIUM_FLAGS, f"--print-to-pdf={pdf}", page.as_uri()],
                   check=True, capture_output=True, timeout=120)
    sign_pdf(pdf, key, cert, reason="考评报告定稿")
    assert validate_pdf(pdf, cert) == []
    done = _cli(pdf, cert)
    assert done.returncode == 0 and "judged VALID" in done.stdout, done.stdout + done.stderr
    assert signature_algorithm(pdf) == [ALGORITHM[kind][0]]
    if kind == "p256":  # the self-signed certificate may be called untrusted: only the signature is asserted on
        poppler = subprocess.run(["pdfsig", str(pdf)], capture_output=True, text=True, timeout=60)
        validity = [line.strip() for line in poppler.stdout.splitlines() if "Signature Validation" in line]
        assert validity == ["- Signature Validation: Signature is Valid."], poppler.stdout + poppler.stderr
