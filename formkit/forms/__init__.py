"""Forms on Google (or the embedded backend): one stage of the pipeline, after the workspace.

  formspec  the request bodies a template and a commune make; prefilled links
  create    `formkit create`: plan, then create → build → publish → let anyone answer, resumable
  state     the state file (state/forms.json + its journal): which form belongs to which commune
  linking   forms → their group's spreadsheet: the Apps Script for Google, the link endpoint locally
  status    `formkit status`: what the backend says about each form now
"""
