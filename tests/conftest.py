"""Shared fixtures: Baotou's framework, METHOD.md §7's example and a small framework to break."""
from __future__ import annotations

import copy
import hashlib
import os
from pathlib import Path

import pandas as pd
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import settings

import evalkit
from evalkit.core import keys, paths

settings.register_profile("evalkit", deadline=None)
settings.load_profile("evalkit")
"""Property tests check values, never time: on a loaded machine (two test processes, a browser) an example may take
longer than hypothesis' 200 ms deadline. Speed is measured in benchmarks/."""

EXAMPLE = paths.DATA / "baotou" / "examples" / "method_7"


TEST_KEY = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"evalkit test suite").digest())
"""Baotou's record key in the tests: the same in every test process (pytest-xdist), so that each can check the
runs another made; never a real key."""
TEST_PDF_KEY = ec.derive_private_key(int.from_bytes(hashlib.sha256(b"evalkit test suite pdf").digest(), "big"), ec.SECP256R1())


def _shared(tmp_path_factory) -> Path:
    """The session's temporary folder that every test process (pytest-xdist worker) shares."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session", autouse=True)
def signing_keys(tmp_path_factory):
    """Every run in the tests is signed, as in production: Baotou holds its record key and its PDF key (in a private
    keys folder) and trusts their public halves only; the other cities have no key. One trust folder for all test
    processes (a PDF certificate's own signature is random: each process must trust the same one). The project's
    own key folders are never touched."""
    import fcntl

    from evalkit.publish.pdf_signing import certificate

    root = _shared(tmp_path_factory) / "keys"
    os.environ["EVALKIT_AUDITS"] = str(tmp_path_factory.mktemp("audits"))  # the auditor's own folder and ledger
    with open(_shared(tmp_path_factory) / "keys.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        os.environ[keys.KEYS_VARIABLE], os.environ[keys.TRUST_VARIABLE] = str(root / "private"), str(root / "trust")
        if not (root / "done").exists():
            (root / "private").mkdir(parents=True, exist_ok=True)
            for name, key in (("baotou.pem", TEST_KEY), ("baotou-pdf.pem", TEST_PDF_KEY)):
                (root / "private" / name).write_bytes(key.private_bytes(
                    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
            (root / "trust" / "baotou" / "keys").mkdir(parents=True, exist_ok=True)
            (root / "trust" / "baotou" / "keys" / f"{keys.fingerprint(TEST_KEY.public_key())}.pub").write_bytes(
                TEST_KEY.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
            keys.write_certificate("baotou", certificate(TEST_PDF_KEY, holder="包头市数字政府建设专班（测试）", demo=True), demo=False)
            (root / "done").touch()
    return root


@pytest.fixture(scope="session", autouse=True)
def font_cache(tmp_path_factory) -> Path:
    """One font cache for the session's test processes and the runs they start, empty at its start: the tests neither
    read nor fill the user's own (~/.cache/evalkit)."""
    path = _shared(tmp_path_factory) / "fonts.sqlite3"
    os.environ["EVALKIT_FONT_CACHE"] = str(path)
    return path


@pytest.fixture(scope="session")
def baotou() -> evalkit.Framework:
    return evalkit.load_framework("baotou")


def full_marks(fw: evalkit.Framework, methods: float = 100.0) -> evalkit.PeriodInputs:
    """Every assignment at its indicator's points and every method at ``methods``."""
    need = fw.assignments()
    mon = need[need["input"] == "score"].assign(score=lambda d: d["indicator"].map(fw.indicators.set_index("id")["points"]))
    meth = pd.DataFrame({"entity": fw.entities["entity"]})
    for m in fw.methods:
        if m.key != "monitoring":
            meth[m.key] = methods
    return evalkit.PeriodInputs.from_tables("2022H1", mon.drop(columns="input"), meth)


SMALL = {
    "city": "small",
    "name": "测试市",
    "title": "测试",
    "groups": {"district": "区县", "department": "部门"},
    "methods": [
        {"key": "monitoring", "name": "日常监测", "weight": 0.6},
        {"key": "field", "name": "实地调研", "weight": 0.2},
        {"key": "survey", "name": "民意调查", "weight": 0.1},
        {"key": "third_party", "name": "第三方评估", "weight": 0.1},
    ],
    "aspects": [
        {"id": "一", "name": "甲", "points": 60, "categories": [
            {"id": "一", "name": "甲一", "points": 40, "indicators": [
                {"id": 1, "text": "t1", "points": 10, "deadline": "6月底完成", "lead_units": ["局甲"], "applies": ["all"]},
                {"id": 2, "text": "t2", "deadline": "10月底完成", "lead_units": ["局甲", "局乙"], "applies": ["districts", "leads"]},
                {"id": 3, "text": "t3", "deadline": "持续推进", "lead_units": ["局乙"], "applies": ["leads"]},
            ]},
            {"id": "二", "name": "甲二", "points": 20, "indicators": [
                {"id": 4, "text": "t4", "deadline": "5月底取得阶段性成效并持续推进", "lead_units": ["局甲"], "applies": ["departments"]},
            ]},
        ]},
        {"id": "二", "name": "乙", "points": 40, "categories": [
            {"id": "一", "name": "乙一", "indicators": [
                {"id": 5, "text": "t5", "deadline": "11月取得明显成效", "lead_units": ["局乙"], "applies": ["districts"]},
                {"id": 6, "text": "t6", "deadline": "按进度推进", "lead_units": ["局乙"], "applies": ["all"]},
            ]},
        ]},
    ],
}
SMALL_ENTITIES = pd.DataFrame({
    "entity": ["东区", "西区", "局甲", "局乙"],
    "group": ["district", "district", "department", "department"],
    "aliases": [("东城区",), (), ("甲局",), ()],
})


@pytest.fixture
def small_spec() -> dict:
    return copy.deepcopy(SMALL)


@pytest.fixture
def small(small_spec) -> evalkit.Framework:
    return evalkit.build_framework(small_spec, SMALL_ENTITIES.copy())


@pytest.fixture(scope="session")
def demo_archive(tmp_path_factory):
    """Baotou's two demo half-years and their year run into a fresh outputs folder, then 2022H1 run again
    with ``--force`` (the first run kept aside), and the current runs published: the archive that the reports' tests read and that the
    history store and the site are built from. Tests read it and never change it. Built once per test
    session, also when ``make test`` spreads the tests over processes (pytest-xdist): the first process
    to need it builds it under the session's shared temporary folder while the others wait."""
    import fcntl

    from evalkit.runs.batch import run_all
    from evalkit.inputs.params import load_params
    from evalkit.runs.publication import publish
    from evalkit.runs.runner import run

    shared = _shared(tmp_path_factory)
    out = shared / "demo-archive"
    with open(shared / "demo-archive.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (shared / "demo-archive.done").exists():
            outcomes = run_all([load_params("baotou", p) for p in ("2022H1", "2022H2", "2022")], outputs=out, progress=False)
            assert all(o.ok for o in outcomes), [o.message for o in outcomes]
            run(load_params("baotou", "2022H1"), outputs=out, force=True)
            for period in ("2022H1", "2022H2", "2022"):  # the site and the history's published view show published records
                publish(out / "baotou" / period)
            (shared / "demo-archive.done").touch()
    return out


def shared_runs(tmp_path_factory, name: str, specs: list) -> Path:
    """``specs`` run as ``run --all`` does into the outputs folder ``name`` under the session's shared temporary folder,
    once per test session whichever test process (pytest-xdist worker) asks first, the others waiting; each run
    succeeded. Tests read the folder and never change it."""
    import fcntl

    from evalkit.runs.batch import run_all

    shared = _shared(tmp_path_factory)
    out = shared / name
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (shared / f"{name}.done").exists():
            outcomes = run_all(specs, outputs=out, jobs=2, progress=False)
            assert all(o.ok for o in outcomes), [o.message for o in outcomes if not o.ok]
            (shared / f"{name}.done").touch()
    return out


FIXTURE_PARAMS = Path(__file__).parent / "fixtures" / "params"
"""Params of METHOD.md §7's worked example as Baotou's 2022H1 (its own applicability: a what-if, never published)."""


@pytest.fixture(scope="session")
def fixture_run(tmp_path_factory) -> Path:
    """The outputs folder of one run of the worked example (:data:`FIXTURE_PARAMS`), with its ledger and store, made
    once per test session for every test file that reads it (tests/runs/test_runner.py, test_audit.py); a test that
    changes it works on a copy."""
    from evalkit.inputs.params import load_params

    return shared_runs(tmp_path_factory, "fixture-run", [load_params("baotou", "2022H1", FIXTURE_PARAMS)])


PLAN_CITIES = ["xining", "jinan", "yuncheng", "ulanhot"]


@pytest.fixture(scope="session")
def plan_runs(tmp_path_factory) -> Path:
    """Each plan city's second half-year (with its change against the first) and the year of the two cities whose
    methods differ most (Xining four methods, Ulanhot three), in one outputs folder: tests/framework/test_cities.py
    checks and audits them, tests/publish/test_layout.py their pages."""
    from evalkit.inputs.params import all_params

    specs = [s for s in all_params() if s.city in PLAN_CITIES
             and (s.period.half == 2 or (s.period.is_annual and s.city in ("xining", "ulanhot")))]
    assert len(specs) == 6
    return shared_runs(tmp_path_factory, "plan-runs", specs)
