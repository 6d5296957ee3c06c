"""Paging to the end, whatever shape the server pages in.

``paging`` may sit at the top level (most lists), under ``data`` (session participants), or
be absent (the reference's sessions list): then a short or empty page is the last one. When
the first page tells the total, the remaining pages are fetched concurrently (bounded by
the connection's pool); without a total, in rounds of as many pages as the connection sends
at once; ``limit`` stops early. Items are de-duplicated by ``id`` in case the
list shifted between pages (a new session arriving while paging).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable
from typing import Any

Fetch = Callable[[int, int], Awaitable[Any]]  # (page_no, per_page) -> response body
Extract = Callable[[Any], list[Any]]

MAX_PAGES = 100_000  # a guard against a server that ignores page_no


def find_paging(body: Any) -> dict[str, Any] | None:
    if not isinstance(body, dict):
        return None
    paging = body.get("paging")
    if not isinstance(paging, dict):
        data = body.get("data")
        paging = data.get("paging") if isinstance(data, dict) else None
    return paging if isinstance(paging, dict) else None


def total_count(body: Any) -> int | None:
    paging = find_paging(body)
    value = paging.get("total_count") if paging else None
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


async def fetch_all(
    fetch: Fetch,
    extract: Extract,
    *,
    per_page: int = 100,
    limit: int | None = None,
    concurrency: int = 1,
) -> list[Any]:
    """Every item of a paged list (or the first ``limit``), in the server's order.

    With a total, every remaining page is asked for at once (the connection bounds how many
    are in flight). Without one, pages are asked for ``concurrency`` at a time, in rounds,
    until a short page: at most one round more than the list holds."""
    if limit is not None and limit < 0:
        raise ValueError(f"limit must be a non-negative integer (got {limit})")
    if limit == 0:
        return []
    if limit is not None:
        per_page = min(per_page, limit)
    first = await fetch(1, per_page)
    items = list(extract(first))
    total = total_count(first)
    wanted = limit if limit is not None else math.inf
    if len(items) >= wanted or len(items) < per_page:
        return _dedupe(items)[: limit if limit is not None else None]
    page_no = 2
    if total is not None:
        last = min(math.ceil(min(total, wanted) / per_page), MAX_PAGES)
        pages = await asyncio.gather(*(fetch(n, per_page) for n in range(2, last + 1)))
        for body in pages:
            items.extend(extract(body))
        # The total may have grown while we paged: carry on in rounds if so.
        page_no = last + 1
        short = bool(pages) and len(extract(pages[-1])) < per_page
        if len(items) >= min(total, wanted) or short:
            return _dedupe(items)[: limit if limit is not None else None]
    while len(items) < wanted and page_no <= MAX_PAGES:
        needed = math.ceil((wanted - len(items)) / per_page) if limit is not None else concurrency
        count = max(1, min(concurrency, needed, MAX_PAGES - page_no + 1))
        pages = await asyncio.gather(*(fetch(page_no + i, per_page) for i in range(count)))
        page_no += count
        if _take_until_short(pages, extract, per_page, items):
            break
    return _dedupe(items)[: limit if limit is not None else None]


def _take_until_short(pages: list[Any], extract: Extract, per_page: int, items: list[Any]) -> bool:
    """Add the pages' items in order up to the first short page; whether there was one (the
    list's end: pages after it are past the end)."""
    for body in pages:
        batch = list(extract(body))
        items.extend(batch)
        if len(batch) < per_page:
            return True
    return False


def _dedupe(items: list[Any]) -> list[Any]:
    seen: set[Any] = set()
    out = []
    for item in items:
        key = item.get("id") if isinstance(item, dict) else None
        if key is not None:
            if key in seen:
                continue
            seen.add(key)
        out.append(item)
    return out
