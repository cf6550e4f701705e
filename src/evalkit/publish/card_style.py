"""The scorecard's own styles, after the report template's in the folder's ``scorecard.css``: a half-year's card
printed on one A4 page (smaller type, the aspect profile and 历次变化 side by side, the loss table cut to its first
rows), and only the problem list, last on the card, ever running on to a second page."""
from __future__ import annotations

LOSSES_PRINTED = 5
"""Rows of the loss table a printed card shows: the page view lists them all, the print says how many more there are."""

CARD_CSS = f"""
/* evalkit scorecard: the card's own styles (notebook cells tagged card-*) */
.card-more {{ display: none; }}
@media print {{
  .card-more {{ display: block; }}
  .jp-RenderedHTMLCommon h1 {{ font-size: 17px; margin: 0 0 4px; }}
  .jp-RenderedHTMLCommon h2 {{ font-size: 13px; margin: 6px 0 3px; padding-bottom: 1px; }}
  .jp-RenderedHTMLCommon p, .jp-RenderedHTMLCommon li {{ font-size: 10.5px; line-height: 1.35; margin-top: 1px; margin-bottom: 1px; }}
  .jp-RenderedHTMLCommon ul {{ margin: 2px 0; padding-left: 18px; }}
  .celltag_card-header + .celltag_card-header ul {{ margin-top: 0; }}  /* the rank interval: one list with the headline */
  .jp-RenderedHTMLCommon blockquote {{ margin: 3px 0; padding: 2px 8px; }}
  .jp-RenderedHTMLCommon table {{ font-size: 9px; }}
  .jp-RenderedHTMLCommon th, .jp-RenderedHTMLCommon td {{ padding: 1px 5px; line-height: 1.25; }}
  .celltag_card-profile {{ float: left; width: 60%; }}
  .celltag_card-trend {{ float: right; width: 38%; }}
  .celltag_card-trend svg.chart {{ max-height: 130px; width: auto; }}
  .celltag_card-losses {{ clear: both; }}
  .celltag_card-losses tbody tr:nth-child(n+{LOSSES_PRINTED + 1}) {{ display: none; }}
  /* lab's output boxes clip (overflow) and avoid breaks: the problem list alone may run on, row by row, header repeated */
  .celltag_card-problems .jp-OutputArea, .celltag_card-problems .jp-OutputArea-child,
  .celltag_card-problems .jp-OutputArea-output {{ overflow: visible !important; break-inside: auto !important; }}
  .celltag_card-problems table {{ break-inside: auto; font-size: 9.5px; }}  /* 7 pt: the smallest a printed table is read at */
  .celltag_card-problems td {{ white-space: normal; vertical-align: top; }}
  .celltag_card-problems td.col1 {{ width: 58%; }}
  .celltag_card-problems td.col2 {{ width: 19%; }}
  .celltag_card-problems td.col4 {{ white-space: nowrap; }}
}}
"""
"""Appended to the report template's styles in every scorecard folder's ``scorecard.css``."""
