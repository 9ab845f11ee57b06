"""The timeline's layout: time across, speakers (grouped by side) down, rebuttals as links.

Computed here so the template only draws; marks that would overlap in a row are merged into
one counted mark linking to the filtered claim list, so the drawing stays readable (and its
size bounded) however many claims there are.
"""

from claims.timeline.drawing import timeline_drawing
from claims.timeline.layouts import (
    Cell,
    CellKey,
    CountedClaims,
    CountedLink,
    CountedRow,
    Layout,
    counted_layout,
    timeline_layout,
)
from claims.timeline.queries import count_claims
from claims.timeline.scale import TimeScale
from claims.timeline.tallied import TallyFilter

__all__ = [
    "Cell",
    "CellKey",
    "CountedClaims",
    "CountedLink",
    "CountedRow",
    "Layout",
    "TallyFilter",
    "TimeScale",
    "count_claims",
    "counted_layout",
    "timeline_drawing",
    "timeline_layout",
]
