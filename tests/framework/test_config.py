"""Configuration files read strictly: duplicate keys at any depth, aliases, lines, and schema problems located by file,
line and key path, every one of them at once."""
from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evalkit import FrameworkError
from evalkit.core.errors import EvalkitError
from evalkit.framework import config

SCHEMA = config.record({
    "strict": {"type": "boolean"},
    "weights": {"type": "object", "additionalProperties": {"type": "number", "minimum": 0, "maximum": 1,
                                                           "expected": ("a number from 0 to 1", "0 至 1 之间的数字")}},
    "items": {"type": "array", "items": config.record({"id": {"type": "integer"}, "name": config.text("a name")}, ["id"])},
}, ["strict"])


def parse(text: str) -> config.Document:
    return config.parse(text, "p.yaml", FrameworkError)


def test_a_key_given_twice_is_refused_with_both_lines():
    doc = parse("strict: true\nweights: {a: 1}\nstrict: false\n")
    assert doc.problems == ("p.yaml, line 3, strict: given twice (first at line 1); keep one (同一个键出现两次，只保留一个)",)


def test_a_key_given_twice_deep_inside_is_refused():
    doc = parse("strict: true\nitems:\n  - id: 1\n    name: a\n  - id: 2\n    name: b\n    name: c\n")
    assert doc.problems == ("p.yaml, line 7, items[1].name: given twice (first at line 6); keep one (同一个键出现两次，只保留一个)",)
    assert config.problems(doc, SCHEMA) == list(doc.problems)  # the data (the last value kept) are checked too


def test_true_and_one_are_the_same_key():
    """YAML reads ``1`` and ``true`` as keys that Python's dict merges: one of them would vanish silently."""
    assert "given twice" in parse("strict: true\nweights: {1: 0.5, true: 0.5}\n").problems[0]


@pytest.mark.parametrize("text,message", [
    ("a: &x {b: 1}\nc: *x\n", "line 2, c: an alias repeats the value given at line 1; write the value out"),
    ("base: &b {x: 1}\nother:\n  <<: *b\n", "line 3, other: a key must be a plain name"),
    ("? [a, b]\n: 1\n", "line 1: a key must be a plain name"),
])
def test_aliases_merges_and_complex_keys_are_refused(text, message):
    doc = parse(text)
    assert doc.data is None and message in doc.problems[0]


def test_a_billion_laughs_is_refused_quickly():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"] + [f"a{k}: &a{k} [{', '.join([f'*a{k - 1}'] * 10)}]" for k in range(1, 9)]
    doc = parse("\n".join(lines) + "\n")
    assert doc.data is None and len(doc.problems) == 8 * 9 + 8  # each alias once, never expanded


@pytest.mark.parametrize("text,message", [
    ("strict: [true\n", "p.yaml, line 2: not valid YAML"),
    ("a: 1\n---\nb: 2\n", "not valid YAML"),
    ("strict: !!python/object:os.system x\n", "not valid YAML"),
])
def test_text_that_is_not_yaml_is_refused_with_its_line(text, message):
    with pytest.raises(FrameworkError, match=message):
        parse(text)


def test_a_file_that_is_not_utf8(tmp_path):
    (tmp_path / "p.yaml").write_bytes("strict: 是\n".encode("gbk"))
    with pytest.raises(FrameworkError, match="not UTF-8 text"):
        config.read(tmp_path / "p.yaml", FrameworkError)


@pytest.mark.parametrize("text,message", [
    ("strict: true\nweights:\n  monitoring: true\n",
     "p.yaml, line 3, weights.monitoring: expected a number from 0 to 1, got true (应为 0 至 1 之间的数字)"),
    ("strict: true\nweights: {a: .nan}\n", "p.yaml, line 2, weights.a: expected a number from 0 to 1, got .nan"),
    ("strict: true\nweights: {a: '0.5'}\n", "weights.a: expected a number from 0 to 1, got '0.5'"),
    ("strict: yes please\n", "p.yaml, line 1, strict: expected true or false, got 'yes please' (应为 true 或 false)"),
    ("strict: true\ncolour: red\n", "p.yaml, line 2, colour: unknown key; expected strict, weights, items (未知的键，请删除或改正拼写)"),
    ("weights: {}\n", "p.yaml, line 1, strict: missing; expected true or false (缺少此项)"),
    ("strict: true\nitems:\n  - {id: 1.0}\n", "p.yaml, line 3, items[0].id: expected a whole number, got 1.0 (应为整数)"),
    ("strict: true\nitems:\n  - {id: 1, name: ''}\n", "items[0].name: expected text that is not empty, got ''"),
    ("strict: true\nitems:\n  - {id: 1, name: 7}\n", "items[0].name: expected text, got 7 (应为文本)"),
    ("- strict\n", "p.yaml, line 1: expected a mapping of keys to values, got a list"),
    ("", "p.yaml: expected a mapping of keys to values, got null"),
])
def test_schema_problems_name_file_line_and_key(text, message):
    found = config.problems(parse(text), SCHEMA)
    assert len(found) == 1 and message in found[0]


def test_every_problem_is_listed_at_once_in_the_order_of_the_file():
    doc = parse("colour: red\nweights: {a: true, b: 2}\nstrict: true\nstrict: 1\n")
    found = config.problems(doc, SCHEMA)
    assert [p.split(", ")[1].split(":")[0] for p in found] == ["line 1", "line 2", "line 2", "line 4", "line 4"]
    assert "4 problem(s)" not in config.listing("p.yaml", found) and "5 problem(s) (5 个问题)" in config.listing("p.yaml", found)


def _flow(value, twice: list[int], counter: list[int]) -> str:
    """``value`` as YAML flow text (JSON scalars), repeating the first key of the mapping numbered ``twice[0]``."""
    if isinstance(value, dict):
        counter[0] += 1
        mine = counter[0]
        items = [f"{_scalar(k)}: {_flow(v, twice, counter)}" for k, v in value.items()]
        if mine == twice[0] and value:
            items.append(f"{_scalar(next(iter(value)))}: null")
        return "{" + ", ".join(items) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v, twice, counter) for v in value) + "]"
    return _scalar(value)


def _scalar(value) -> str:
    return json.dumps(value, ensure_ascii=False)  # JSON's scalars are YAML's (astral characters written as they are)


WORDS = st.text(st.characters(categories=("L", "N", "P", "S", "Zs")), max_size=4)
TREES = st.recursive(st.none() | st.booleans() | st.integers() | WORDS,
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(WORDS, inner, max_size=3),
                     max_leaves=12)


@given(st.dictionaries(WORDS, TREES, min_size=1, max_size=3))
def test_any_tree_reads_back_as_written(tree):
    doc = parse(_flow(tree, [0], [0]))
    assert doc.problems == () and doc.data == tree


@given(st.dictionaries(WORDS, TREES, min_size=1, max_size=3), st.integers(1, 8))
def test_a_key_given_twice_at_any_depth_is_found(tree, which):
    counter = [0]
    text = _flow(tree, [which], counter)
    non_empty = []
    _count(tree, non_empty)
    doc = parse(text)
    if which <= len(non_empty) and non_empty[which - 1]:
        assert len(doc.problems) == 1 and "given twice" in doc.problems[0]
    else:
        assert doc.problems == ()


def _count(value, out: list[bool]) -> None:
    """Whether each mapping, in the order :func:`_flow` numbers them, has a key."""
    if isinstance(value, dict):
        out.append(bool(value))
        for v in value.values():
            _count(v, out)
    elif isinstance(value, list):
        for v in value:
            _count(v, out)


@given(TREES)
def test_checking_anything_raises_nothing_but_a_list(value):
    found = config.problems(config.Document("p.yaml", value), SCHEMA)
    assert isinstance(found, list) and all(isinstance(p, str) and p.startswith("p.yaml") for p in found)


def test_an_error_class_of_evalkit_is_raised():
    with pytest.raises(EvalkitError):
        config.parse("a: [\n", "p.yaml", FrameworkError)
