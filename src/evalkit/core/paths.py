"""The project's folders, derived from this file's place in the repository."""
from __future__ import annotations

import contextlib
import hashlib
import os
import re
from collections.abc import Iterator
from pathlib import Path

from .errors import EvalkitError, ParameterError

ROOT = Path(__file__).resolve().parents[3]
DATA = Path(os.environ.get("EVALKIT_DATA") or ROOT / "data")
"""Frameworks and period inputs; ``EVALKIT_DATA`` points elsewhere (a generated city, a shared folder)."""
PARAMS = ROOT / "params"
OUTPUTS = ROOT / "outputs"
INPUTS_VARIABLE = "EVALKIT_INPUTS"
"""Environment variable naming a folder laid out like the project folder (``data/<city>/...``) to read inputs
from instead: ``evalkit audit`` sets it to re-execute a run from the copies kept in its archive."""


def inputs_root() -> Path:
    """The folder that ``data/`` and relative input paths are read from: the project folder unless
    ``EVALKIT_INPUTS`` names another."""
    return Path(os.environ.get(INPUTS_VARIABLE) or ROOT)


NAME_PATTERN = r"^[^\W_](?:[\w-]|\.(?=[\w-])){0,63}(?![\s\S])"
r"""A city's or a period's name, as a folder of ``data/`` and ``params/`` is named: up to 64 letters, digits,
``-``, ``_`` and single dots inside, starting with a letter or a digit. No ``/``, ``\``, ``..``, leading dot,
space, NUL or control character: a name from outside never walks out of its folder. (``(?![\s\S])`` is the end of
the text, where ``$`` would let a final newline through; the framework and params schemas use the same pattern.)"""
_NAME = re.compile(NAME_PATTERN)


def city_name(text: object, what: str = "city") -> str:
    """``text`` if it is a plain name (:data:`NAME_PATTERN`), else a :class:`ParameterError`: every city (and period)
    name that comes from outside (the command line, a params file's place or ``city:``, a notebook parameter, a
    manifest) goes through here before it becomes part of a path.

    >>> city_name("synthetic")
    'synthetic'
    >>> city_name("../../elsewhere/x")
    Traceback (most recent call last):
    evalkit.core.errors.ParameterError: city '../../elsewhere/x': expected a plain name (letters, digits, '-', '_', single dots inside), not a path (城市应为名称（只含字母、数字、“-”“_”和中间的“.”），不能是路径)
    """
    if isinstance(text, str) and _NAME.search(text):
        return text
    zh = {"city": "城市", "period": "期间"}.get(what, what)
    raise ParameterError(f"{what} {text!r}: expected a plain name (letters, digits, '-', '_', single dots inside), not a path "
                         f"({zh}应为名称（只含字母、数字、“-”“_”和中间的“.”），不能是路径)")


def city_dir(city: str) -> Path:
    """``data/<city>``: under ``EVALKIT_INPUTS`` when set (an audit's archived copies), else under :data:`DATA`.
    ``city`` must be a name (:func:`city_name`)."""
    inputs = os.environ.get(INPUTS_VARIABLE)
    return (Path(inputs) / "data" if inputs else DATA) / city_name(city)


def period_dir(city: str, period: str) -> Path:
    """``data/<city>/<period>``: the default folder of a period's input tables (both names checked)."""
    return city_dir(city) / city_name(str(period), "period")


def project_path(path: str | Path | None) -> Path | None:
    """A parameter path: relative ones are relative to the project folder (see :func:`evalkit.core.paths.inputs_root`)."""
    if path is None:
        return None
    path = Path(path)
    return path if path.is_absolute() else inputs_root() / path


def confined(base: Path, name: str | Path) -> Path:
    """``base / name`` for a name read from outside (a manifest, a folder from elsewhere), refused unless it
    stays inside ``base``: no absolute name, no ``..``, no link that leads out.

    >>> confined(Path("/t"), "inputs/ab12").as_posix()
    '/t/inputs/ab12'
    >>> confined(Path("/t"), "../../etc/passwd")
    Traceback (most recent call last):
    evalkit.core.errors.EvalkitError: '../../etc/passwd': a recorded name must stay inside its folder (no absolute path, no '..', no link out) (记录的文件名越出了所在文件夹)
    """
    text = str(name)
    parts = Path(text).parts
    refused = not text or Path(text).is_absolute() or ".." in parts or "\\" in text or "\x00" in text
    target = Path(base) / text
    if not refused:
        real, inside = os.path.realpath(target), os.path.realpath(base)
        refused = os.path.commonpath([real, inside]) != inside
    if refused:
        raise EvalkitError(f"{text!r}: a recorded name must stay inside its folder (no absolute path, no '..', no link out) "
                           "(记录的文件名越出了所在文件夹)")
    return target


_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')
_RESERVED = re.compile(r"(?i)^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$")

KEPT = "inputs"
"""The folder of a run's archive that keeps every input under its SHA-256."""


def kept_copy(run_dir: Path, digest: str) -> Path:
    """A run's kept copy ``inputs/<sha256>``, its name read from a manifest checked to be a SHA-256.

    >>> kept_copy(Path("/t"), "../x")
    Traceback (most recent call last):
    evalkit.core.errors.EvalkitError: '../x' is not a SHA-256 (不是有效的哈希值)
    """
    if not re.fullmatch(r"[0-9a-f]{64}", str(digest)):
        raise EvalkitError(f"{digest!r} is not a SHA-256 (不是有效的哈希值)")
    return confined(run_dir, f"{KEPT}/{digest}")


def file_name(text: str, limit: int = 80) -> str:
    """A file name made from a name read from outside (a lead unit, an entity): the characters no file system takes
    (``/ \\ : * ? " < > |``, control characters) become ``_``, a leading dot or space and the names Windows reserves
    are guarded, and a name so changed (or cut to ``limit`` characters) gets six characters of its hash, so two
    names never meet in one file. Join it to its folder with :func:`confined`.

    >>> file_name("市人社局")
    '市人社局'
    >>> file_name("市人社局/../../PWNED")
    '市人社局_.._.._PWNED-85b46a'
    >>> file_name("..")
    '__-5ec1f7'
    """
    safe = re.sub(r"^[.\s]|[.\s]$", "_", _UNSAFE.sub("_", str(text)))  # no hidden file, no end Windows would cut
    if not safe or _RESERVED.match(safe):
        safe = f"_{safe}"
    if safe != text or len(safe) > limit:
        safe = f"{safe[:limit]}-{hashlib.sha256(str(text).encode('utf-8')).hexdigest()[:6]}"
    return safe


@contextlib.contextmanager
def variable(name: str, value: str) -> Iterator[None]:
    """``name`` set to ``value`` in this process's environment (so in the processes it starts) for the block, then as
    it was (unset if it was)."""
    before = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = before
