"""Our CSV records are the ones csv.writer writes, and csv.reader reads back every cell."""

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from tiktok_claims.api.csv_export import neutralise_formula, raw_cell, raw_record, spreadsheet_record

# Text that a CSV writer must take care of: separators, quotes, line breaks, formula starts.
TRICKY = st.text(alphabet=st.sampled_from(",\"\r\n\t =+-@'; aé€\U0001f600"), max_size=12)
CELLS = st.one_of(st.none(), st.integers(min_value=-(10**6), max_value=10**6), TRICKY, st.text(max_size=20))
# Our files have several columns: csv.writer quotes a record of one empty field apart ('""').
ROWS = st.lists(CELLS, min_size=2, max_size=8)


def csv_writer_record(cells):
    buffer = io.StringIO()
    csv.writer(buffer).writerow(cells)
    return buffer.getvalue()


@given(ROWS)
def test_a_raw_record_is_what_csv_writer_writes(row):
    assert raw_record(row) == csv_writer_record(row)


@given(ROWS)
def test_a_spreadsheet_record_is_csv_writer_on_neutralised_cells(row):
    assert spreadsheet_record(row) == csv_writer_record([neutralise_formula(value) for value in row])


@given(st.lists(ROWS, min_size=1, max_size=5))
def test_csv_reader_reads_back_every_cell(rows):
    """Many records in a row, as a file: the reader finds each cell as stored (None as empty)."""
    text = "".join(map(raw_record, rows))
    assert list(csv.reader(io.StringIO(text, newline=""))) == [list(map(raw_cell, row)) for row in rows]


def test_spreadsheet_cells_never_start_a_formula():
    record = spreadsheet_record(["=SUM(A1)", "+1", "-2", "@x", "\tx", "\rx", "plain", -3, None])
    [cells] = csv.reader(io.StringIO(record, newline=""))
    assert cells == ["'=SUM(A1)", "'+1", "'-2", "'@x", "'\tx", "'\rx", "plain", "'-3", ""]
