"""Signed download links: the shape of R2's and S3's pre-signed GETs, and never working ones."""

from __future__ import annotations

import datetime as dt

from rtk_notebook.demo.routes.common import Call
from rtk_notebook.demo.world import DemoWorld, fake_secret
from rtk_notebook.spec.endpoints import iso_z

WEEK_S = 7 * 24 * 3600  # the longest a SigV4 pre-signed link may live


def presigned(world: DemoWorld, url: str, signed_at: dt.datetime, expires_in: int) -> str:
    """``url`` pre-signed as R2 and S3 sign a GET (SigV4 in the query): deterministic, shaped
    like the real thing, and never a working link (the host does not resolve)."""
    key_id = fake_secret(world.seed, "r2-access-key-id", length=32)
    stamp = signed_at.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    signature = fake_secret(world.seed, url, stamp, expires_in, length=64)
    return (
        f"{url}?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        f"&X-Amz-Credential={key_id}%2F{stamp[:8]}%2Fauto%2Fs3%2Faws4_request"
        f"&X-Amz-Date={stamp}&X-Amz-Expires={expires_in}"
        f"&X-Amz-SignedHeaders=host&X-Amz-Signature={signature}"
    )


def download_link(call: Call, file_name: str, session_id: str) -> tuple[str, str]:
    """(link, expiry) for one of a session's files, signed now for an hour."""
    base = f"https://downloads.demo.realtimekit.invalid/{call.app.id}/{session_id}/{file_name}"
    url = presigned(call.world, base, call.now, 3600)
    return url, iso_z(call.now + dt.timedelta(hours=1))
