"""The counter tablet (`formkit kiosk`): the office PC serves a rating page to tablets paired with
counters, on the commune's own network; their ratings go into the response store, channel "quầy".

  registry  state/kiosk.sqlite: pairings, hashed device tokens and officer PINs, the audit trail
  server    the HTTP server (stdlib, bounded) and its JSON API
  writer    the one thread that writes the store: a rating is acknowledged once committed
  ratings   a tablet's rating → a ResponseRow (one per tablet-made id, one per dossier and stage)
  limits    token buckets: ratings, requests and PIN tries per device
  manage    what `formkit kiosk pair | pins | devices | revoke` do, checked first (and the pairing QR)
  audit     what the report says about counters: pairings, refusals, bursts, off hours; participation
            by receipt number
  static/   the page (HTML, CSS, JS; no build step, nothing from the internet)
"""
