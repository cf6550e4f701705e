"""Everything read from outside a run and every workbook exchanged with the lead units: the input schema,
sheet reading, a period's inputs, run parameters, score templates, the applicability workbook and the
整改清单."""
from .period import PeriodInputs, read_period

__all__ = ["PeriodInputs", "read_period"]
