"""Responses: pulled from Google (linked sheet or Forms API) or read from CSV exports into the
local store that reports read.

  pull        `formkit pull`: linked tabs (spreadsheets.get + values:batchGet) or the Forms API
  columns     a table of answers (a tab, a CSV export) → ResponseRows, columns matched by title
  timestamps  Google's times (serial numbers, RFC 3339) → Vietnam local time
  csvfiles    Google's CSV exports, for `formkit report --from-csv`
  store       state/responses.sqlite: the raw answers, kept for good, and the coded answers
  coding      the answer coding the store writes and the report reads (blank 0, invalid 255, flags)
  columnar    the columnar copy of the coded answers the report reads as numpy arrays
  queries     the store's read queries (what reports ask of it), as rows: no SQL outside this package
"""
