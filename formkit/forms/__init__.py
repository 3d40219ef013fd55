"""Forms on Google: the request bodies (formspec), `create`, the state file, linking to a spreadsheet, `status`."""
