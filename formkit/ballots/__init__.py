"""Paper ballots (issue 10): printed with a keyed serial, read back from photos and scans, and
counted with the online answers under channel "giấy".

  layout    the ballot layout data files (ballots/*.toml)
  register  the secret, the register of serials issued, the QR payload and its check value
  render    the PDF and its `<pdf>.layout.json` geometry
  issue     `formkit ballots`: serials → register → PDF
  read      one image → one page: markers, perspective, ink per bubble
  scan      `formkit scan`: files → pages → ballots → review list / response store
  pictures  the handwritten boxes' pictures a scan keeps, and which of them anything points to
  summary   the paper statistics for the report
"""

from typing import Final

CHANNEL_PAPER: Final = "giấy"  # the store's Channel of a scanned ballot
HANDWRITTEN_COMMENT: Final = "ý kiến viết tay"  # how a scanned ballot's comment names its comment box picture
HANDWRITTEN_PHONE: Final = "số điện thoại viết tay"  # how a scanned ballot's comment names its phone box picture
