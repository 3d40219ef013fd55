"""The counter tablet (`formkit kiosk`): the office PC serves a rating page to tablets paired with
counters, on the commune's own network; their ratings go into the response store, channel "quầy".

  registry  state/kiosk.sqlite: pairings, hashed device tokens and officer PINs, the audit trail
  server    the HTTP server (stdlib, bounded) and its JSON API; one writer thread owns the store
  ratings   a tablet's rating → a ResponseRow (one per tablet-made id, one per dossier and stage)
  limits    token buckets: ratings, requests and PIN tries per device
  audit     what the report says about counters: pairings and refusals, participation by receipt
  static/   the page (HTML, CSS, JS; no build step, nothing from the internet)
"""
