"""Responses: pulled from Google (linked sheet or Forms API) or read from CSV exports into the
local store that reports read."""
