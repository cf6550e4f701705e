"""Run parameters: one YAML per run, declared once and validated on load; what breaks the declaration is refused with\nthe file, the line and the key."""
from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evalkit import ParameterError
from evalkit.core import paths
from evalkit.inputs.params import HALF_DEFAULTS, all_params, describe, load_params


def test_baotou_params():
    specs = all_params("baotou")
    assert [str(s.period) for s in specs] == ["2022H1", "2022H2", "2023H1", "2023H2", "2022", "2023"]
    h1 = load_params("baotou", "2022H1")
    issue = {"number": 1, "date": "2022-07-25"}  # YAML's date, kept as the text the file gives
    assert h1.parameters == {**HALF_DEFAULTS, "city": "baotou", "period": "2022H1", "previous": None, "year_before": None, "issue": issue}
    h2 = load_params("baotou", "2022H2")
    assert h2.parameters["previous"] == {**{k: v for k, v in HALF_DEFAULTS.items() if k != "issue"}, "city": "baotou",
                                         "period": "2022H1"}  # without its issue: not assessed
    assert "issue" not in h2.parameters["previous"] and load_params("baotou", "2022").parameters["issue"]["number"] == 3
    later = load_params("baotou", "2023H2")
    assert (later.parameters["previous"]["period"], later.parameters["year_before"]["period"]) == ("2023H1", "2022H2")
    assert h1.notebook == paths.ROOT / "notebooks" / "10_period_assessment.ipynb"
    year = load_params("baotou", "2022")
    assert year.notebook.name == "20_annual_assessment.ipynb"
    assert year.parameters["h1"]["period"] == "2022H1" and year.parameters["h2"]["period"] == "2022H2"
    assert year.parameters["previous_year"] is None
    assert load_params("baotou", "2023").parameters["previous_year"]["h2"]["period"] == "2022H2"


@pytest.mark.parametrize("text,message", [
    ("city: baotou\nperiod: 2022H1\ncolour: red\n", "2022H1.yaml, line 3, colour: unknown key; expected city, period, data_dir"),
    ("city: jinan\nperiod: 2022H1\n", "2022H1.yaml, line 1, city: city is 'jinan'; expected 'baotou', as the file's place says"),
    ("city: baotou\nperiod: 2022H2\n", "line 2, period: period is '2022H2'; expected '2022H1'"),
    ("city: baotou\nperiod: 2022H1\nstrict: yes please\n", "line 3, strict: expected true or false, got 'yes please' (应为 true 或 false)"),
    ("city: baotou\nperiod: 2022H1\naggregation: median\n", "line 3, aggregation: expected one of sum, aspect_mean, got 'median'"),
    ("city: baotou\nperiod: 2022H1\nweights: [1, 2]\n", "line 3, weights: expected a mapping of each method to a weight from 0 to 1"),
    ("city: baotou\nperiod: [2022H1\n", "not valid YAML"),
])
def test_bad_params_are_refused_with_the_file_named(tmp_path, text, message):
    (tmp_path / "baotou").mkdir()
    (tmp_path / "baotou" / "2022H1.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ParameterError, match="2022H1.yaml") as exc:
        load_params("baotou", "2022H1", tmp_path)
    assert message in str(exc.value)


@pytest.mark.parametrize("text,message", [
    ("issue:\n  date: 2022-02-30\n", "line 4, issue.date: 2022-02-30 is not a day of the calendar (日期不存在)"),
    ("issue:\n  date: 20220720\n", "line 4, issue.date: expected a date such as 2022-07-20, or null, got 20220720"),
    ("issue:\n  number: 0\n", "line 4, issue.number: expected a whole number from 1, or null, got 0"),
    ("issue:\n  number: 3号\n", "line 4, issue.number: expected a whole number from 1, or null, got '3号'"),
    ("issue:\n  seal: red\n", "line 4, issue.seal: unknown key; expected number, date, printed, recipients, copies"),
    ("issue:\n  recipients: ''\n", "line 4, issue.recipients: expected text that is not empty"),
])
def test_bad_issue_metadata_is_refused_with_its_line(tmp_path, text, message):
    """The 公文's metadata (issue 24): a 成文日期 that is no day, a 文号 that is no number, an unknown key."""
    (tmp_path / "baotou").mkdir()
    (tmp_path / "baotou" / "2022H1.yaml").write_text("city: baotou\nperiod: 2022H1\n" + text, encoding="utf-8")
    with pytest.raises(ParameterError) as err:
        load_params("baotou", "2022H1", params_dir=tmp_path)
    assert message in str(err.value)


def test_issue_metadata_is_optional_and_reaches_the_year(tmp_path):
    (tmp_path / "baotou").mkdir()
    for name, text in (("2022H1", "period: 2022H1\n"), ("2022H2", "period: 2022H2\n"),
                       ("2022", "year: 2022\nissue:\n  number: 7\n  date: 2023-02-01\n  copies: 市委\n")):
        (tmp_path / "baotou" / f"{name}.yaml").write_text("city: baotou\n" + text, encoding="utf-8")
    assert load_params("baotou", "2022H1", params_dir=tmp_path).parameters["issue"] is None
    year = load_params("baotou", "2022", params_dir=tmp_path).parameters
    assert year["issue"] == {"number": 7, "date": "2023-02-01", "copies": "市委"} and "issue" not in year["h1"]


def test_missing_params_file(tmp_path):
    with pytest.raises(ParameterError, match="no such parameters file"):
        load_params("baotou", "2023H1", tmp_path)


def test_a_year_chooses_the_rule_of_its_annual_total(tmp_path):
    assert load_params("baotou", "2022").parameters["annual_total"] == "precise"  # the default: 尾差 noted
    (tmp_path / "baotou").mkdir()
    for half in ("2022H1", "2022H2"):
        (tmp_path / "baotou" / f"{half}.yaml").write_text(f"city: baotou\nperiod: {half}\n", encoding="utf-8")
    year = tmp_path / "baotou" / "2022.yaml"
    year.write_text("city: baotou\nyear: 2022\nannual_total: printed\n", encoding="utf-8")
    assert load_params("baotou", "2022", tmp_path).parameters["annual_total"] == "printed"
    year.write_text("city: baotou\nyear: 2022\nannual_total: rounded\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="line 3, annual_total: expected one of precise, printed, got 'rounded'"):
        load_params("baotou", "2022", tmp_path)


def test_every_params_file_loads():
    specs = all_params()
    assert len(specs) == len(list(paths.PARAMS.glob("*/*.yaml"))) == 18
    assert {s.city for s in specs} == {"baotou", "jinan", "ulanhot", "xining", "yuncheng"}


def _write(tmp_path, text, name="2022H1"):
    (tmp_path / "baotou").mkdir(exist_ok=True)
    (tmp_path / "baotou" / f"{name}.yaml").write_text(text, encoding="utf-8")


def _problems(tmp_path, text, name="2022H1") -> list[str]:
    _write(tmp_path, text, name)
    with pytest.raises(ParameterError) as exc:
        load_params("baotou", name, tmp_path)
    return [line.split(".yaml, ", 1)[1] for line in str(exc.value).splitlines()[1:]]


def test_strict_given_twice_is_refused(tmp_path):
    """The issue's case: ``strict: true`` then ``strict: false`` ran lenient."""
    assert _problems(tmp_path, "city: baotou\nperiod: 2022H1\nstrict: true\nstrict: false\n") == [
        "line 4, strict: given twice (first at line 3); keep one (同一个键出现两次，只保留一个)"]


def test_boolean_weights_are_refused(tmp_path):
    """The issue's case: ``weights: {monitoring: true, others: false}`` scored the monitoring alone."""
    assert _problems(tmp_path, "city: baotou\nperiod: 2022H1\nweights:\n  monitoring: true\n  others: false\n") == [
        "line 4, weights.monitoring: expected a number from 0 to 1, got true (应为 0 至 1 之间的数字)",
        "line 5, weights.others: expected a number from 0 to 1, got false (应为 0 至 1 之间的数字)"]


@pytest.mark.parametrize("weights,message", [
    ("{monitoring: 0.7, field: 0.1, survey: 0.1, votes: 0.1}", "line 3, weights: weights['votes']: no such method"),
    ("{monitoring: 0.7, field: 0.2, survey: 0.1}", "line 3, weights: weights['third_party']: missing"),
    ("{monitoring: 0.7, field: 0.2, survey: 0.1, third_party: 0.1}", "line 3, weights: weights: they sum to 1.1; expected 1"),
    ("{Monitoring: 1}", "line 3, weights.Monitoring: 'Monitoring' is not a key here: expected a key such as monitoring"),
])
def test_weights_are_checked_against_the_framework_on_load(tmp_path, weights, message):
    [found] = _problems(tmp_path, f"city: baotou\nperiod: 2022H1\nweights: {weights}\n")
    assert found.startswith(message)


def test_good_weights_are_kept(tmp_path):
    _write(tmp_path, "city: baotou\nperiod: 2022H1\nweights: {monitoring: 0.7, field: 0.1, survey: 0.1, third_party: 0.1}\n")
    assert load_params("baotou", "2022H1", tmp_path).parameters["weights"]["monitoring"] == 0.7


def test_every_problem_of_a_file_at_once(tmp_path):
    found = _problems(tmp_path, "city: baotou\nperiod: 2022H1\nstrict: 1\naggregation: 5\ncolour: red\ndata_dir: ''\n")
    assert [f.split(",")[0] for f in found] == ["line 3", "line 4", "line 5", "line 6"]


@pytest.mark.parametrize("city", ["../../elsewhere/x", "..", ".baotou", "baotou/2022H1", "a\x00b"])
def test_a_city_is_a_name_never_a_path(tmp_path, city):
    with pytest.raises(ParameterError, match="expected a plain name"):
        load_params(city, "2022H1", tmp_path)


def test_a_params_file_is_named_by_its_city_and_period(tmp_path):
    _write(tmp_path, "city: baotou\nperiod: 2022H1\n", name="latest")
    with pytest.raises(ParameterError, match="baotou/latest.yaml: a params file is params/<city>/<period>.yaml: period 'latest'"):
        all_params(params_dir=tmp_path)
    (tmp_path / "baotou" / "latest.yaml").unlink()
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "2022H1.yaml").write_text("city: .hidden\nperiod: 2022H1\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="hidden/2022H1.yaml: a params file is .*: city '.hidden': expected a plain name"):
        all_params(params_dir=tmp_path)


def test_readme_documents_the_params_as_declared():
    assert describe() in (paths.ROOT / "README.md").read_text(encoding="utf-8")


# Property: a good params file with an unknown key, or a key given a value of another type, never loads, and fails
# only with a ParameterError.
GOOD = {"city": "baotou", "period": "2022H1", "data_dir": None, "strict": True, "weights": None, "aggregation": "sum",
        "redistribute": False}
WRONG = {"city": st.integers() | st.booleans() | st.lists(st.text(max_size=2), max_size=2) | st.sampled_from(["../x", "", "a/b"]),
         "period": st.integers() | st.booleans() | st.none() | st.sampled_from(["2022h1", "2022", "H1"]),
         "data_dir": st.integers() | st.booleans() | st.floats() | st.lists(st.text(max_size=2), max_size=2) | st.just(""),
         "strict": st.integers() | st.floats() | st.text(max_size=5) | st.none(),
         "weights": st.integers() | st.booleans() | st.text(max_size=5) | st.lists(st.floats(), max_size=3)
         | st.dictionaries(st.sampled_from(["monitoring", "field", "survey", "third_party"]), st.booleans() | st.text(max_size=3), min_size=1),
         "aggregation": st.integers() | st.booleans() | st.none() | st.text(max_size=5).filter(lambda t: t not in ("sum", "aspect_mean")),
         "redistribute": st.integers() | st.floats() | st.text(max_size=5) | st.none()}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_wrong_params_file_never_loads(data):
    raw = dict(GOOD)
    if data.draw(st.booleans()):
        raw[data.draw(st.text(max_size=10).filter(lambda k: k not in HALF_DEFAULTS and k not in ("city", "period")))] = data.draw(
            st.integers() | st.text(max_size=4) | st.booleans() | st.none())
    else:
        key = data.draw(st.sampled_from(sorted(WRONG)))
        raw[key] = data.draw(WRONG[key])
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "baotou").mkdir()
        (Path(folder) / "baotou" / "2022H1.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
        with pytest.raises(ParameterError):
            load_params("baotou", "2022H1", Path(folder))
