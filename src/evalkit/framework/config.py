"""Configuration files (``framework.yaml``, ``params/<city>/<period>.yaml``) read strictly and checked against the
one declaration of their shape, a JSON Schema.

Reading (:func:`read`, :func:`parse`): libyaml (the C parser) composes the file into nodes; every key's line is
recorded by its path, and a key given twice in one mapping (at any depth), an alias (``*name``: the same value in
two places, or a merge ``<<``) and a key that is not a plain value are problems. Checking (:func:`check`): the data
against the schema, with numbers that are numbers (``true`` is not a weight, ``.nan`` is not a number) and whole
numbers that are whole. Each problem names the file, the line and the key path, says what was expected and what was
found, with a short Chinese gloss, and all of them are listed at once (:func:`listing`)::

    params/<city>/2022H1.yaml, line 4, weights.monitoring: expected a number from 0 to 1, got true (应为 0 至 1 之间的数字)

A schema node may carry ``expected``: ``(English, 中文)``, what a value there must be, for the messages and for the
README's tables (:func:`label`); ``description`` and ``default`` are JSON Schema's own.
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..core import paths
from ..core.errors import EvalkitError

Schema = Mapping[str, Any]
TYPES = {"number": ("a number", "数字"), "integer": ("a whole number", "整数"), "string": ("text", "文本"),
         "boolean": ("true or false", "true 或 false"), "object": ("a mapping of keys to values", "键值映射"),
         "array": ("a list", "列表"), "null": ("null", "空值（null）")}
"""JSON Schema's types in the words of the messages."""
_MERGE = "tag:yaml.org,2002:merge"
_LINE = re.compile(r", line (\d+)[,:]")


@dataclass(frozen=True)
class Document:
    """A configuration file's data, the line of every key and item by its path, and the problems found reading it."""

    file: str  # as messages show it: relative to the project folder when inside it
    data: Any
    lines: Mapping[tuple, int] = field(default_factory=dict)
    problems: tuple[str, ...] = ()

    def line(self, path: Sequence[Any]) -> int | None:
        """The line of ``path``, or of its nearest ancestor whose line is known."""
        path = tuple(path)
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path)

    def at(self, path: Sequence[Any], message: str, zh: str) -> str:
        """``file, line N, key.path: message (中文)`` (without the gloss when ``zh`` is empty)."""
        line, dotted = self.line(path), key_path(self.data, path)
        return f"{self.file}{f', line {line}' if line else ''}{f', {dotted}' if dotted else ''}: {message}{f' ({zh})' if zh else ''}"


def shown(path: str | Path) -> str:
    """A file as messages name it: relative to the project folder when inside it."""
    try:
        return Path(path).resolve().relative_to(paths.ROOT).as_posix()
    except ValueError:
        return str(path)


def key_path(data: Any, path: Iterable[Any]) -> str:
    """``aspects[0].categories[1].points``: keys joined by dots, list positions in brackets.

    >>> key_path({"weights": {"monitoring": True}}, ("weights", "monitoring"))
    'weights.monitoring'
    >>> key_path({"methods": [{"key": "a"}]}, ("methods", 0, "key"))
    'methods[0].key'
    """
    out, node = "", data
    for step in path:
        if isinstance(node, list) and isinstance(step, int):
            out += f"[{step}]"
            node = node[step] if -len(node) <= step < len(node) else None
        else:
            out += f"{'.' if out else ''}{step}"
            node = node.get(step) if isinstance(node, dict) else None
    return out


def read(path: Path, error: type[EvalkitError]) -> Document:
    """Read a configuration file (:func:`parse`); ``error`` is raised when it is not UTF-8 text or not YAML."""
    file = shown(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise error(f"{file}: not UTF-8 text (byte {exc.start}); save it as UTF-8 (文件应为 UTF-8 编码)") from None
    return parse(text, file, error)


class _Loader(yaml.CSafeLoader):
    """libyaml's safe loader without YAML 1.1's timestamps: ``date: 2022-07-20`` is the text the file gives, so that
    a day that does not exist (``2022-02-30``) is a problem the checks name, not a crash of the reader."""


_Loader.yaml_implicit_resolvers = {first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
                                   for first, resolvers in yaml.CSafeLoader.yaml_implicit_resolvers.items()}


def parse(text: str, file: str, error: type[EvalkitError]) -> Document:
    """YAML text as data with the line of every key; duplicate keys, aliases and keys that are not plain values are
    the document's ``problems``. The data are made when the only problems are duplicate keys (the last value kept,
    as YAML readers do), so that the schema's problems are listed with them; an alias or a complex key leaves no
    data (an alias may repeat a value exponentially).

    >>> doc = parse("strict: true\\nstrict: false\\n", "p.yaml", EvalkitError)
    >>> doc.problems[0], doc.data
    ('p.yaml, line 2, strict: given twice (first at line 1); keep one (同一个键出现两次，只保留一个)', {'strict': False})
    """
    loader = _Loader(text)  # libyaml: ten times the pure-Python parser
    try:
        node = loader.get_single_node()
        lines: dict[tuple, int] = {(): node.start_mark.line + 1} if node is not None else {}
        twice: list[tuple[int, str]] = []
        refused: list[tuple[int, str]] = []
        if node is not None:
            _walk(loader, node, ((), ""), lines, (twice, refused), file, set())
        data = loader.construct_document(node) if node is not None and not refused else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{file}, line {mark.line + 1}" if mark else file
        raise error(f"{where}: not valid YAML: {exc.problem or exc.context} (不是有效的 YAML)") from None
    except yaml.YAMLError as exc:
        raise error(f"{file}: not valid YAML: {exc} (不是有效的 YAML)") from None
    finally:
        loader.dispose()
    return Document(file, data, lines, tuple(m for _, m in sorted(twice + refused, key=lambda lm: lm[0])))


def _walk(loader: _Loader, node: yaml.Node, at: tuple[tuple, str], lines: dict[tuple, int],
          problems: tuple[list, list], file: str, seen: set[int]) -> None:
    """Record the line of every key and item under ``node`` (at path ``at[0]``, shown as ``at[1]``); note duplicate
    keys (``problems[0]``), aliases and complex keys (``problems[1]``), each with its line."""
    (path, dotted), (twice, refused) = at, problems
    if id(node) in seen:  # the alias's own place is lost in composing: its key's line, the value's first line
        line, first = lines.get(path, 0), node.start_mark.line + 1
        refused.append((line, f"{file}, line {line}{f', {dotted}' if dotted else ''}: an alias repeats the value given at "
                              f"line {first}; write the value out (不使用锚点和别名，请直接写出取值)"))
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        first: dict[Any, int] = {}
        for key_node, value in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == _MERGE:
                refused.append((line, f"{file}, line {line}{f', {dotted}' if dotted else ''}: a key must be a plain name, "
                                      "not a list, a mapping or a merge (<<) (键应为简单的名称)"))
                continue
            key = loader.construct_object(key_node)
            where = f"{dotted}.{key}" if dotted else str(key)
            if key in first:  # the data keep the last value, so its lines are recorded
                twice.append((line, f"{file}, line {line}, {where}: given twice (first at line {first[key]}); keep one "
                                    "(同一个键出现两次，只保留一个)"))
            first.setdefault(key, line)
            lines[path + (key,)] = line
            _walk(loader, value, (path + (key,), where), lines, problems, file, seen)
    elif isinstance(node, yaml.SequenceNode):
        for k, item in enumerate(node.value):
            lines[path + (k,)] = lines.get(path, 0) if id(item) in seen else item.start_mark.line + 1
            _walk(loader, item, (path + (k,), f"{dotted}[{k}]"), lines, problems, file, seen)


def _number(_checker: Any, value: Any) -> bool:
    """JSON Schema's ``number``: an int or a float, finite, never a boolean."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _integer(_checker: Any, value: Any) -> bool:
    """JSON Schema's ``integer``: an int, never a boolean nor a float such as 1.0."""
    return isinstance(value, int) and not isinstance(value, bool)


_VALIDATORS: dict[int, Any] = {}


def _validator(schema: Schema) -> Any:
    """A Draft 2020-12 validator of ``schema`` whose numbers are finite and never booleans, made once per schema."""
    if id(schema) not in _VALIDATORS:
        from jsonschema import (  # imported when first needed (nbformat has it in kernels)
            Draft202012Validator,
            validators,
        )

        checker = Draft202012Validator.TYPE_CHECKER.redefine_many({"number": _number, "integer": _integer})
        cls = validators.extend(Draft202012Validator, type_checker=checker)
        cls.check_schema(schema)
        _VALIDATORS[id(schema)] = (schema, cls(schema))  # the schema kept alive, so its id is never reused
    return _VALIDATORS[id(schema)][1]


def check(doc: Document, schema: Schema) -> list[str]:
    """Every way ``doc``'s data break ``schema``, one located message each (one per key: a wrong type is not also a
    wrong value), in the order of the file."""
    found: dict[tuple, tuple[int, str]] = {}
    for error in _validator(schema).iter_errors(doc.data):
        for path, message in _explain(doc, error):
            if path not in found:
                found[path] = (doc.line(path) or 0, message)
    return [message for _, message in sorted(found.values(), key=lambda lm: lm[0])]


def problems(doc: Document, schema: Schema) -> list[str]:
    """The problems of reading ``doc`` and of its data against ``schema`` (when there are data to check), in the
    order of the file."""
    return ordered(list(doc.problems) + (check(doc, schema) if doc.data is not None or not doc.problems else []))


def ordered(found: Iterable[str]) -> list[str]:
    """Located problems in the order of the file (a problem without a line first)."""
    return sorted(found, key=lambda p: int(m.group(1)) if (m := _LINE.search(p)) else 0)


def _explain(doc: Document, error: Any) -> list[tuple[tuple, str]]:
    """The located messages of one jsonschema error."""
    path, schema, value, kind = tuple(error.absolute_path), error.schema, error.instance, error.validator
    if kind == "required":
        props = schema.get("properties", {})
        return [(path + (k,), doc.at(path + (k,), f"missing; expected {expected(props.get(k, {}))[0]}", "缺少此项"))
                for k in error.validator_value if k not in value]
    if kind == "additionalProperties" and schema.get("additionalProperties") is False:
        known = ", ".join(str(k) for k in schema.get("properties", {}))
        return [(path + (k,), doc.at(path + (k,), f"unknown key; expected {known}", "未知的键，请删除或改正拼写"))
                for k in value if k not in schema.get("properties", {})]
    en, zh = expected(schema)
    if "propertyNames" in error.absolute_schema_path:  # a key that is refused: its own line
        return [(path + (value,), doc.at(path + (value,), f"{_got(value)} is not a key here: expected {en}", f"键应为{zh}"))]
    if kind in ("minItems", "minLength"):
        en, zh = ("at least one item", "至少一项") if kind == "minItems" else ("text that is not empty", "非空文本")
    return [(path, doc.at(path, f"expected {en}, got {_got(value)}", f"应为{' ' if zh[:1].isascii() else ''}{zh}"))]


def expected(schema: Schema) -> tuple[str, str]:
    """What a value of ``schema`` must be, in English and Chinese: its ``expected``, or words for its type or enum.

    >>> expected({"enum": ["sum", "aspect_mean"]})
    ('one of sum, aspect_mean', 'sum、aspect_mean 之一')
    >>> expected({"type": ["string", "null"]})
    ('text or null', '文本或空值（null）')
    """
    if "expected" in schema:
        return tuple(schema["expected"])
    if "enum" in schema:
        return f"one of {', '.join(map(str, schema['enum']))}", f"{'、'.join(map(str, schema['enum']))} 之一"
    types = schema.get("type", [])
    types = [types] if isinstance(types, str) else list(types)
    return " or ".join(TYPES[t][0] for t in types) or "a value", "或".join(TYPES[t][1] for t in types) or "取值"


def _got(value: Any) -> str:
    """A value as the file writes it, shortened."""
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, float) and not math.isfinite(value):
        return ".nan" if math.isnan(value) else (".inf" if value > 0 else "-.inf")
    if isinstance(value, (dict, list)):
        return "a mapping" if isinstance(value, dict) else "a list"
    text = repr(value) if isinstance(value, (str, int, float)) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def listing(file: str, problems: Sequence[str]) -> str:
    """The message of an error listing every problem of one file."""
    return f"{file}: {len(problems)} problem(s) ({len(problems)} 个问题):\n" + "\n".join(f"  - {p}" for p in problems)


def label(schema: Schema) -> str:
    """A value's shape for a README table: its ``expected``, or its enum or types, in Markdown."""
    if "enum" in schema:
        return "one of " + ", ".join(f"`{v}`" for v in schema["enum"])
    kind = schema.get("type")
    if kind == "boolean":
        return "`true` / `false`"
    if kind == "array" and "expected" not in schema:
        items = schema.get("items", {})
        return {"string": "list of text", "object": "list of mappings"}.get(items.get("type"), "list")
    if kind == "object" and "expected" not in schema:
        return "mapping"
    return expected(schema)[0]


def default(schema: Schema, required: bool) -> str:
    """A key's default for a README table: ``required``, or the default as YAML writes it."""
    if required:
        return "required"
    if "default" not in schema:
        return "—"
    return f"`{yaml.safe_dump(schema['default'], default_flow_style=True).strip().removesuffix('...').strip()}`"


def record(properties: Mapping[str, Schema], required: Iterable[str] = (), **more: Any) -> dict[str, Any]:
    """A mapping with exactly these keys (an unknown key is a problem), ``required`` among them."""
    return {"type": "object", "additionalProperties": False, "required": list(required), "properties": dict(properties), **more}


def text(description: str, **more: Any) -> dict[str, Any]:
    """Text that is not empty."""
    return {"type": "string", "minLength": 1, "description": description, **more}


def texts(description: str, *, at_least: int = 0, **more: Any) -> dict[str, Any]:
    """A list of texts that are not empty."""
    return {"type": "array", "minItems": at_least, "items": {"type": "string", "minLength": 1}, "description": description, **more}
