"""The API's routers, and the few helpers they share: strict JSON encoding and ready-encoded cached answers."""

from __future__ import annotations

import gzip
import hashlib
import json
from typing import Any

import numpy as np
from fastapi import Request, Response
from starlette.concurrency import run_in_threadpool

CATALOG_CACHE = "public, max-age=3600"  # optimizer and surface lists change only with a new release
GRID_CACHE = "public, max-age=86400"  # a grid is a pure function of its URL

_MESSAGE = {"application/json": {"schema": {"$ref": "#/components/schemas/Message"}}}
# Spelled out as JSON, so that on the stream they are not documented as the route's text/event-stream.
BODY_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "The body could not be read (not UTF-8, or nested too deeply)", "content": _MESSAGE},
    413: {"description": "The body is larger than the limit", "content": _MESSAGE},
    503: {"description": "The server is busy: retry after the Retry-After header's seconds", "content": _MESSAGE,
          "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait"}}},
}


def _dumps_json(data: Any) -> bytes:
    return json.dumps(data, allow_nan=False, separators=(",", ":"), ensure_ascii=False).encode()


def dumps(data: Any) -> bytes:
    """Compact JSON. Floats are written as the shortest text that reads back as the same double, so numbers
    survive the trip exactly.

    orjson when installed: encoding floats is most of this service's own cost (a double takes ~0.5 us with the
    standard library's repr, ~20 ns with orjson's Ryu), so it makes the seed figure's answer 3 ms faster. orjson
    would write NaN as null where json refuses it; callers pass finite numbers only (see :func:`finite_list`).
    """
    return _dumps(data)


try:
    import orjson

    _dumps = orjson.dumps
except ImportError:  # pragma: no cover - the same answer, slower
    _dumps = _dumps_json


def finite_list(a: np.ndarray) -> list:
    """``a.tolist()`` for an array that must be finite (a path before its divergence); a bug otherwise."""
    if not np.isfinite(a).all():
        raise ValueError("non-finite number in a path: it must end at diverged_at")
    return a.tolist()


def json_response(body: bytes, *, cache: str | None = None) -> Response:
    """A ready-encoded answer: no second validation or encoding pass over long lists of floats."""
    headers = {"Cache-Control": cache} if cache else None
    return Response(body, media_type="application/json", headers=headers)


class Encoded:
    """A cached answer kept as bytes, plus its gzip, made once (in a worker thread) the first time a client
    takes gzip. The GZip middleware passes it through, as it does anything already encoded.

    Level 1: these answers are mostly digits, which level 1 packs within about 10% of level 6 at a fraction of the
    CPU (a new 400 x 400 grid spent 93% of its time compressing at 6). With ``etag``, the answer carries a strong
    ETag (a hash of the body) and a matching If-None-Match gets 304.
    """

    def __init__(self, body: bytes, media_type: str = "application/json", *, etag: bool = False, level: int = 1):
        self.body = body
        self.media_type = media_type
        self.level = level
        self.etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"' if etag else None
        self._gzipped: bytes | None = None

    def _compress(self) -> bytes:
        self._gzipped = gzip.compress(self.body, self.level, mtime=0)
        return self._gzipped

    async def response(self, request: Request, cache: str) -> Response:
        headers = {"Cache-Control": cache}
        if self.etag is not None:
            headers["ETag"] = self.etag
            if self.etag in request.headers.get("if-none-match", ""):
                return Response(status_code=304, headers=headers)
        if "gzip" in request.headers.get("accept-encoding", "") and len(self.body) >= 1000:
            headers.update({"Content-Encoding": "gzip", "Vary": "Accept-Encoding"})
            body = self._gzipped or await run_in_threadpool(self._compress)
            return Response(body, media_type=self.media_type, headers=headers)
        return Response(self.body, media_type=self.media_type, headers=headers)


def finite_or_none(a: np.ndarray) -> list:
    """``a.tolist()`` with null wherever a value is not finite."""
    finite = np.isfinite(a)
    if finite.all():
        return a.tolist()
    out = a.astype(object)
    out[~finite] = None
    return out.tolist()
