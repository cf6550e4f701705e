"""An applicability what-if (``applicability=FILE``): a period read and scored under an adjusted 考评对象适用范围.

The lead units scored what the framework's applicability asked of them. Under an override, a problem is
theirs only if it is also a problem under the framework's own applicability; the rest follow from the
override and are listed as its consequences, never as a strict-mode error (METHOD.md §4, missing scores):

- a newly assigned ``(lead unit, entity, indicator)`` with no submitted score counts 0, as in lenient mode;
- a score submitted for a pair the override removed is set aside, not counted;
- anything else that differs (e.g. a method score of an entity no longer assessed) is listed as it is.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from ..core.errors import InputError, Problem
from ..core.files import sha256
from ..framework.model import Framework
from ..framework.periods import Period
from ..inputs.applicability import load_applicability
from ..inputs.period import PeriodInputs, read_period
from .scores import PeriodResult

KEY = ["lead_unit", "entity", "indicator"]
CODE_LENGTH = 12
"""How many hex digits of the override file's SHA-256 the outputs print as its 核验码."""
OFFICIAL = "非正式结果"


@dataclass(frozen=True)
class Override:
    """The adjusted applicability a run used, and what followed from it."""

    file: str  # the file's name, as the outputs print it
    sha256: str
    added: pd.DataFrame  # lead_unit, entity, indicator: assigned by the override, not by the framework
    removed: pd.DataFrame  # lead_unit, entity, indicator: assigned by the framework, not by the override
    unscored: pd.DataFrame  # lead_unit, entity, indicator: added, no score submitted, counted 0
    set_aside: pd.DataFrame  # lead_unit, entity, indicator, score, file, row: submitted for a removed pair, not counted
    other: tuple[Problem, ...] = ()  # any other problem that only the override makes

    @property
    def code(self) -> str:
        """The first :data:`CODE_LENGTH` hex digits of the file's SHA-256."""
        return self.sha256[:CODE_LENGTH]

    @property
    def check(self) -> str:
        """The file's check value in digits (:func:`check_value`), for the public edition."""
        return check_value(self.sha256)

    def statement(self, public: bool = False) -> str:
        """One sentence for the top of every output; the public edition names no file and no code, only digits."""
        source = f"调整文件校验值 {self.check}" if public else \
            f"文件“{self.file}”，校验值 {self.check}，SHA-256 前 {CODE_LENGTH} 位 {self.code}"
        return f"本结果按调整后的考评对象适用范围（{source}）测算，{OFFICIAL}，不得作为考评结果公开发布。"

    def summary(self) -> str:
        """What changed and what was done about it, in one paragraph."""
        return (f"与指标体系的适用范围相比，新增评分事项 {len(self.added)} 项，减少 {len(self.removed)} 项。"
                f"新增事项中有 {len(self.unscored)} 项牵头考核单位此前未被要求评分、未报送评分，按 0 分计入；"
                f"已报送但调整后不再考评的评分 {len(self.set_aside)} 项，未计入。"
                "上述事项由调整适用范围产生，不属于牵头考核单位报送差错。")

    def consequences(self) -> pd.DataFrame:
        """The listed consequences: 处理, 牵头考核单位, 考评对象, 指标, 说明."""
        zero = self.unscored.assign(处理="按 0 分计", 说明="调整后新增考评，牵头考核单位未报送评分")
        aside = self.set_aside.assign(处理="未计入", 说明=[f"已报送 {s:g} 分（{f}，第 {r} 行）；调整后不再考评"
                                                        for s, f, r in zip(self.set_aside["score"], self.set_aside["file"], self.set_aside["row"])])
        other = pd.DataFrame({"处理": "列示", "lead_unit": "", "entity": "", "indicator": pd.NA,
                              "说明": [p.zh or p.message for p in self.other]})
        cols = ["处理", "lead_unit", "entity", "indicator", "说明"]
        out = pd.concat([t[cols] for t in (zero, aside, other) if len(t)], ignore_index=True) if len(zero) + len(aside) + len(other) \
            else pd.DataFrame(columns=cols)
        return out.rename(columns={"lead_unit": "牵头考核单位", "entity": "考评对象", "indicator": "指标"})

    def record(self) -> dict[str, object]:
        """What a run's manifest keeps of it."""
        return {"file": self.file, "sha256": self.sha256, "check": self.check, "added": len(self.added), "removed": len(self.removed),
                "unscored": len(self.unscored), "set_aside": len(self.set_aside)}


def check_value(digest: str) -> str:
    """``DDDD-DDDD-DDDD``: a SHA-256 (hex) as a number, its last twelve decimal digits, as the outputs print them.

    >>> check_value("0" * 63 + "f")
    '0000-0000-0015'
    """
    d = f"{int(digest, 16) % 10 ** 12:012d}"
    return f"{d[:4]}-{d[4:8]}-{d[8:]}"


def _keys(df: pd.DataFrame) -> pd.MultiIndex:
    return pd.MultiIndex.from_frame(df[KEY])


def _minus(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """The ``lead_unit, entity, indicator`` rows of ``a`` not in ``b``."""
    return a.loc[~_keys(a).isin(_keys(b)), KEY].reset_index(drop=True)


def read_with_override(framework: Framework, path: str | Path, period: str | Period, data_dir: str | Path | None = None,
                       strict: bool = True) -> tuple[Framework, PeriodInputs, Override]:
    """The framework with the override applied, the period read under it, and the override's consequences.

    A problem of the override file itself (an unknown entity or indicator) is an :class:`InputError`
    naming its file, row and column. Strict mode raises only the lead units' own problems: those the
    period also has under the framework's applicability.
    """
    path = Path(path)
    adjusted = framework.with_applicability(load_applicability(framework, path))
    inputs = read_period(adjusted, period, data_dir, strict=False)
    official = read_period(framework, period, data_dir, strict=False)
    theirs = set(official.problems)
    own = [p for p in inputs.problems if p in theirs]
    if strict and own:
        raise InputError(own)
    need, asked = adjusted.assignments(), framework.assignments()
    added, removed = _minus(need, asked), _minus(asked, need)
    kind = need.set_index(KEY)["input"].reindex(_keys(added)).to_numpy()
    scored = _keys(added).isin(_keys(inputs.monitoring))
    reported = pd.MultiIndex.from_frame(added[["entity", "indicator"]]).isin(
        pd.MultiIndex.from_frame(inputs.targets[["entity", "indicator"]]))
    unscored = added[~((kind == "score") & scored) & ~((kind == "target") & reported)].reset_index(drop=True)
    submitted = official.monitoring
    aside = submitted[_keys(submitted).isin(_keys(removed))]
    set_aside = aside[[*KEY, "score", "file", "row"]].reset_index(drop=True)
    spots = set(zip(aside["file"], aside["row"]))
    other = tuple(p for p in inputs.problems if p not in theirs and p.file != "monitoring/" and (p.file, p.row) not in spots)
    override = Override(path.name, sha256(path), added, removed, unscored, set_aside, other)
    return adjusted, replace(inputs, strict=strict, problems=own), override


def settle(result: PeriodResult, inputs: PeriodInputs, override: Override) -> PeriodResult:
    """A result scored leniently under ``override`` as the run's mode reports it: the override's unscored pairs
    leave ``missing`` and the warnings (they are listed as its consequences); anything else still missing is the
    lead units' and, in strict mode (``inputs.strict``), an error."""
    missing = result.missing
    ours = pd.Series(False, index=missing.index)
    if len(missing) and len(override.added) and "lead_unit" in missing:
        rows = missing[missing["lead_unit"].notna()]
        ours[rows.index] = _keys(rows.astype({"indicator": "int64"})).isin(_keys(override.added))
    if "method" in missing and len(override.unscored):  # a target added by the override with no actual value
        rows = missing[missing["method"].eq("targets")]
        ours[rows.index] = pd.MultiIndex.from_frame(rows[["entity", "indicator"]].astype({"indicator": "int64"})).isin(
            pd.MultiIndex.from_frame(override.unscored[["entity", "indicator"]]))
    n = len(inputs.problems)  # score_period lists the inputs' problems, then one warning per missing row, in order
    listed = result.warnings[n:]
    if inputs.strict and (~ours).any():
        raise InputError([w for w, o in zip(listed, ours) if not o])
    warnings = result.warnings[:n] + [w for w, o in zip(listed, ours) if not o]
    return replace(result, missing=missing[~ours].reset_index(drop=True), warnings=warnings,
                   options={**result.options, "strict": inputs.strict, "applicability": override.record()})
