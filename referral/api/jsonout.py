"""JSON responses encoded with orjson: the same bytes as Flask's own provider (the standard library's
``json``, ``ensure_ascii`` off, compact), about four times faster on a match answer (~20 KB: ~0.35 ms
of a ~3 ms request at 10k services, bench/request_split.py).

Only ``response`` (``jsonify`` and views returning a dict) changes, and only where the output is
provably the standard library's: keys unsorted, not ASCII-escaped, compact. Whenever orjson would
write something else, the standard library writes it instead:

- a value orjson refuses (an int over 64 bits, a key that is not a string, a lone surrogate, a float
  subclass such as numpy's): its ``TypeError``;
- a float below 1e-4 in magnitude: orjson writes ``1e-7`` and ``0.00001`` where ``repr`` writes ``1e-07``
  and ``1e-05``. ``repr`` never writes a one-digit exponent nor a number that starts ``0.0000``, so
  output holding either (``_repr_differs``; inside a string too: then merely slower) is written again.
  Every other finite float orjson formats as ``repr`` does (shortest round trip).

Dates, datetimes and dataclasses go to Flask's ``default`` as before (orjson's own forms differ), and
``dumps`` (templates' ``tojson``, the CLI) stays the standard library's. Two differences are left: a
NaN or infinite float, which no answer holds (the presenter answers ``null`` for an unknown place),
would be ``null`` (valid JSON) instead of ``NaN`` (not JSON); and an ``Enum`` that is neither a str nor
an int, which no view returns (the standard library refused it: a 500), would be written as its value.
"""

from __future__ import annotations

import re
from typing import Any

import orjson
from flask.json.provider import DefaultJSONProvider
from werkzeug.sansio.response import Response  # what the base class is declared to return

OPTIONS = orjson.OPT_APPEND_NEWLINE | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
ONE_DIGIT_EXPONENT = re.compile(rb"e-[0-9][,\]}\n]")  # 1e-7 where repr writes 1e-07 (a literal prefix: fast)


class OrjsonProvider(DefaultJSONProvider):
    """Flask's default JSON provider, with its compact, unsorted, non-ASCII responses written by orjson."""

    def response(self, *args: Any, **kwargs: Any) -> Response:
        if self.sort_keys or self.ensure_ascii or self.compact is False or (self.compact is None and self._app.debug):
            return super().response(*args, **kwargs)
        obj = self._prepare_response_obj(args, kwargs)
        try:
            body = orjson.dumps(obj, default=self.default, option=OPTIONS)
        except TypeError:  # orjson.JSONEncodeError is one
            return super().response(*args, **kwargs)
        if _repr_differs(body):
            return super().response(*args, **kwargs)
        return self._app.response_class(body, mimetype=self.mimetype)  # type: ignore[arg-type]  # a Flask Response


def _repr_differs(body: bytes) -> bool:
    """Whether orjson's ``body`` may hold a float written otherwise than by ``repr`` (~20 µs on 20 KB)."""
    if ONE_DIGIT_EXPONENT.search(body):
        return True
    start = body.find(b"0.0000")  # 0.00001 where repr writes 1e-05; 100.00001 is repr's too
    while start >= 0:
        if start == 0 or body[start - 1] in b":,[-":
            return True
        start = body.find(b"0.0000", start + 1)
    return False
