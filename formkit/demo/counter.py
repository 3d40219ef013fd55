"""A simulated counter tablet for `formkit demo`: paired with a code, given its officer by PIN,
then rating a few dossiers over HTTP exactly as the page's script does (one request per rating,
a tablet-made id each, a receipt number on most, one resent as after a lost answer)."""

from __future__ import annotations

import json
import random
import time
import urllib.request
import uuid

from ..kiosk import manage

DOSSIERS = 6
CHOICES = [{"1.1": "Tốt", "1.2": "Dễ hiểu", "1.3": "Tốt"}, {"1.1": "Tốt", "1.2": "Bình thường", "1.3": "Tốt"},
           {"1.1": "Bình thường", "1.2": "Dễ hiểu", "1.3": "Tốt"}, {"1.1": "Kém", "1.2": "Khó hiểu", "1.3": "Kém"}]


def _post(port: int, path: str, body: dict, token: str | None = None) -> dict:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=json.dumps(body).encode("utf-8"),
                                     headers={"Content-Type": "application/json",
                                              **({"Authorization": f"Bearer {token}"} if token else {})})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def rate_dossiers(ws, port: int, seed: int = 20) -> dict:
    rng = random.Random(seed)
    commune = ws.communes[0]
    device, code = manage.pair(ws, commune.id, "Quầy 1", "can-bo-3", "intake", commune.fields[0])
    token = _post(port, "/api/pair", {"code": code})["token"]
    officer = commune.officers[0]
    pin = manage.new_pins(ws, commune.id, (officer.id,))[officer.id]
    _post(port, "/api/officer", {"pin": pin}, token)
    stored = 0
    for n in range(1, DOSSIERS + 1):
        rating = {"id": str(uuid.uuid4()), "at": int(time.time() * 1000), "officer": officer.id,
                  "answers": rng.choice(CHOICES), "receipt": f"HS-{n:04d}" if n % 3 else "", "comment": ""}
        stored += len(_post(port, "/api/ratings", {"ratings": [rating]}, token)["acked"])
        if n == 2:  # the answer was lost: the tablet sends it again, and it is stored once
            _post(port, "/api/ratings", {"ratings": [rating]}, token)
    return {"counter": device.counter, "commune": commune.display_name, "stored": stored}
