"""The project's folders, derived from this file's place in the repository."""
from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from .errors import EvalkitError

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


def city_dir(city: str) -> Path:
    """``data/<city>``: under ``EVALKIT_INPUTS`` when set (an audit's archived copies), else under :data:`DATA`."""
    inputs = os.environ.get(INPUTS_VARIABLE)
    return (Path(inputs) / "data" if inputs else DATA) / city


def period_dir(city: str, period: str) -> Path:
    """``data/<city>/<period>``: the default folder of a period's input tables."""
    return city_dir(city) / str(period)


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
