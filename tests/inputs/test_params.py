"""Run parameters: one YAML per run, validated on load."""
from __future__ import annotations

import pytest

from evalkit import ParameterError
from evalkit.core import paths
from evalkit.inputs.params import HALF_DEFAULTS, all_params, load_params


def test_baotou_params():
    specs = all_params("baotou")
    assert [str(s.period) for s in specs] == ["2022H1", "2022H2", "2023H1", "2023H2", "2022", "2023"]
    h1 = load_params("baotou", "2022H1")
    assert h1.parameters == {**HALF_DEFAULTS, "city": "baotou", "period": "2022H1", "previous": None, "year_before": None}
    h2 = load_params("baotou", "2022H2")
    assert h2.parameters["previous"] == {**HALF_DEFAULTS, "city": "baotou", "period": "2022H1"}
    later = load_params("baotou", "2023H2")
    assert (later.parameters["previous"]["period"], later.parameters["year_before"]["period"]) == ("2023H1", "2022H2")
    assert h1.notebook == paths.ROOT / "notebooks" / "10_period_assessment.ipynb"
    year = load_params("baotou", "2022")
    assert year.notebook.name == "20_annual_assessment.ipynb"
    assert year.parameters["h1"]["period"] == "2022H1" and year.parameters["h2"]["period"] == "2022H2"
    assert year.parameters["previous_year"] is None
    assert load_params("baotou", "2023").parameters["previous_year"]["h2"]["period"] == "2022H2"


@pytest.mark.parametrize("text,message", [
    ("city: baotou\nperiod: 2022H1\ncolour: red\n", "unknown parameter 'colour'"),
    ("city: jinan\nperiod: 2022H1\n", "city is 'jinan'; expected 'baotou'"),
    ("city: baotou\nperiod: 2022H2\n", "period is '2022H2'; expected '2022H1'"),
    ("city: baotou\nperiod: 2022H1\nstrict: yes please\n", "strict is 'yes please'; expected true or false"),
    ("city: baotou\nperiod: 2022H1\naggregation: median\n", "aggregation is 'median'"),
    ("city: baotou\nperiod: 2022H1\nweights: [1, 2]\n", "weights must map each method to a number"),
    ("city: baotou\nperiod: [2022H1\n", "not valid YAML"),
])
def test_bad_params_are_refused_with_the_file_named(tmp_path, text, message):
    (tmp_path / "baotou").mkdir()
    (tmp_path / "baotou" / "2022H1.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ParameterError, match="2022H1.yaml") as exc:
        load_params("baotou", "2022H1", tmp_path)
    assert message in str(exc.value)


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
    with pytest.raises(ParameterError, match="annual_total is 'rounded'; expected one of precise, printed"):
        load_params("baotou", "2022", tmp_path)
