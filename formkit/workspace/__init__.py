"""The workspace: formkit.toml (config), officer rosters, question-set templates, the example `formkit init` writes."""
