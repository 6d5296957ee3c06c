"""Where a connection's settings come from: arguments, then the environment, then the demo.

Credentials come from the arguments, else ``CLOUDFLARE_API_TOKEN``, ``CLOUDFLARE_ACCOUNT_ID``
and ``RTK_APP_ID`` (``CLOUDFLARE_BASE_URL`` moves the API, as it does for the official SDK).
With no token anywhere, the connection uses the built-in demo backend and says so once.
A base URL carrying credentials (``https://user:token@host/...``) is refused: the URL shows up
in reprs, errors and cache namespaces, where a credential must not.

Settings are plain data: this module decides *whether* to use the demo, and ``connect``
(``rtk_notebook.kit``) builds the demo world and fills in its account and app ids.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from rtk_notebook.errors import ValidationError  # a bottom-layer module

REAL_BASE_URL = "https://api.cloudflare.com/client/v4"
DEMO_BASE_URL = "https://demo.realtimekit.invalid/client/v4"  # never resolves: nothing leaves

#: The environment variables a connection to your own account reads, in the order to set them.
CREDENTIAL_VARIABLES = ("CLOUDFLARE_API_TOKEN", "CLOUDFLARE_ACCOUNT_ID", "RTK_APP_ID")


def credential_variables_text() -> str:
    """The variables as a sentence names them: ``A, B and C``."""
    *first, last = CREDENTIAL_VARIABLES
    return f"{', '.join(first)} and {last}"


@dataclass(frozen=True)
class Settings:
    token: str | None = field(repr=False)
    account_id: str | None
    app_id: str | None
    base_url: str
    # The built-in demo backend, served in-process; its ids come from the world connect builds.
    demo: bool = False


def _env(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _checked_base_url(url: str | None, source: str) -> str | None:
    """``url``, unless it carries a user or password before its host, or would send the token
    unencrypted: then a ``ValidationError`` that names where it came from but never quotes
    the credentials."""
    if url is None:
        return None
    scheme, sep, rest = url.partition("://")
    if not sep:  # no scheme: what comes first is the host (or credentials)
        scheme, rest = "", url
    for stop in "/?#":
        rest = rest.split(stop, 1)[0]
    if "@" in rest:
        raise ValidationError(
            f"{source} must not carry credentials (a user, password or token before the host): "
            "pass the API token as connect(token=...) or CLOUDFLARE_API_TOKEN instead"
        )
    if scheme.lower() not in ("http", "https") or not rest:
        raise ValidationError(f"{source} must be an https:// URL (got {url!r})")  # no @ in it
    host = (urlsplit(url).hostname or "").lower()
    if scheme.lower() == "http" and host not in LOOPBACK:
        raise ValidationError(
            f"{source} must use https: plain http would send the API token unencrypted "
            "(http is allowed only to this machine: 127.0.0.1, localhost, ::1)"
        )
    return url


def resolve(
    token: str | None = None,
    account_id: str | None = None,
    app_id: str | None = None,
    base_url: str | None = None,
    demo: bool | None = None,
) -> Settings:
    """Settings from the arguments and the environment.

    ``demo``: True uses the demo backend, False the API; None the demo only when no token
    and no base URL is given anywhere. Demo settings leave out the ids the demo world
    supplies (``account_id``, ``app_id``) unless they were given.
    """
    for name, value in (
        ("token", token),
        ("account_id", account_id),
        ("app_id", app_id),
        ("base_url", base_url),
    ):
        if value is not None and not isinstance(value, str):
            raise TypeError(f"{name} must be a string (got {type(value).__name__})")
    if demo is not None and not isinstance(demo, bool):
        raise TypeError(f"demo must be True, False or None (got {demo!r})")
    base_url = _checked_base_url(base_url, "base_url")
    if demo is None:
        demo = token is None and _env("CLOUDFLARE_API_TOKEN") is None and base_url is None
    if demo:
        return Settings(
            token=token or "demo-token",
            account_id=account_id,
            app_id=app_id,
            base_url=base_url or DEMO_BASE_URL,
            demo=True,
        )
    token = token or _env("CLOUDFLARE_API_TOKEN")
    if not token:
        raise ValueError(
            "no API token: pass connect(token=...) or set CLOUDFLARE_API_TOKEN "
            f"(your own account reads {credential_variables_text()}; "
            "leave the token unset to use the built-in demo backend)"
        )
    account_id = account_id or _env("CLOUDFLARE_ACCOUNT_ID")
    if not account_id:
        raise ValueError(
            "no account id: pass connect(account_id=...) or set CLOUDFLARE_ACCOUNT_ID "
            "(it is in the Cloudflare dashboard's URL and overview page)"
        )
    return Settings(
        token=token,
        account_id=account_id,
        app_id=app_id or _env("RTK_APP_ID"),
        base_url=(
            base_url
            or _checked_base_url(_env("CLOUDFLARE_BASE_URL"), "CLOUDFLARE_BASE_URL")
            or REAL_BASE_URL
        ).rstrip("/"),
    )
