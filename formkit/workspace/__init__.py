"""The workspace, the first stage: what a commune's IT staff edit, validated before any remote call.

  config     formkit.toml: the unit, the communes and their officers, office hours, credentials
  roster     officer rosters (CSV/XLSX) a commune may list instead of officers in formkit.toml
  templates  the question sets (templates/*.toml) and their index rule
  toml       the one TOML reader and its problem helpers, shared by every data file
  lock       one formkit run per workspace at a time
  example    the example workspace `formkit init` writes
"""
