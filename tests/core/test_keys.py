"""Signing keys: the Ed25519 record key, the SM2 option (国密), and what a check says of every kind of signature."""
from __future__ import annotations

import stat

import pytest

from evalkit.core import keys
from evalkit.core.errors import EvalkitError


@pytest.fixture
def keyring(tmp_path, monkeypatch):
    """A private keys folder and a trust folder of this test's own."""
    monkeypatch.setenv(keys.KEYS_VARIABLE, str(tmp_path / "private"))
    monkeypatch.setenv(keys.TRUST_VARIABLE, str(tmp_path / "trust"))
    return tmp_path


@pytest.mark.parametrize("use_sm2, algorithm", [(False, "ed25519"), (True, "sm2-sm3")])
def test_a_signature_holds_and_any_change_is_forged(keyring, use_sm2, algorithm):
    private, public = keys.new_key("somecity", demo=False, use_sm2=use_sm2)
    assert stat.S_IMODE(private.stat().st_mode) == 0o600 and public.parent == keyring / "trust" / "somecity" / "keys"
    record = keys.sign("somecity", b"manifest bytes")
    assert record["algorithm"] == algorithm and record["key"] == public.stem
    assert keys.check("somecity", b"manifest bytes", record)[0] == "signed"
    assert keys.check("somecity", b"manifest bytez", record)[0] == "forged"
    assert keys.check("somecity", b"manifest bytes", {**record, "signature": "AAAA" + record["signature"][4:]})[0] == "forged"
    assert keys.check("somecity", b"manifest bytes", None)[0] == "unsigned"
    assert keys.check("othercity", b"manifest bytes", record)[0] == "unknown"  # a key that city does not trust


def test_a_record_claiming_the_other_algorithm_is_not_trusted(keyring):
    keys.new_key("somecity", demo=False, use_sm2=True)
    record = keys.sign("somecity", b"x")
    assert keys.check("somecity", b"x", {**record, "algorithm": "ed25519"})[0] == "unknown"


def test_demo_keys_say_so_and_keys_are_never_overwritten(keyring):
    keys.new_key("democity", demo=True)
    assert keys.check("democity", b"x", keys.sign("democity", b"x"))[0] == "demo"
    with pytest.raises(EvalkitError, match="never overwritten"):
        keys.new_key("democity", demo=True)


def test_the_cli_makes_an_sm2_key_whose_signatures_verify(keyring):
    from evalkit import cli

    assert cli.main(["keys", "new", "baotou", "--sm2"]) == 0
    assert keys.sign("baotou", b"x")["algorithm"] == "sm2-sm3" and keys.certificates("baotou")


def test_keys_new_if_missing_keeps_the_key_make_demo_made(keyring):
    from evalkit import cli

    assert cli.main(["keys", "new", "baotou", "--demo", "--if-missing"]) == 0
    before = (keyring / "private" / "baotou.pem").read_bytes()
    assert cli.main(["keys", "new", "baotou", "--demo", "--if-missing"]) == 0
    assert (keyring / "private" / "baotou.pem").read_bytes() == before
