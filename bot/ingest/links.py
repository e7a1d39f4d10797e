"""Links made canonical: http(s) only, lowercase host, default port, no fragment and no
tracking parameters; the other parameters keep their order and text."""

from __future__ import annotations

from urllib.parse import unquote_plus, urlsplit, urlunsplit

MAX_LINK_CHARS = 2_048


_TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "mc_cid",
        "mc_eid", "ref", "ref_src", "ref_url", "cmpid", "cmp", "igshid", "_ga", "_gl",
        "ocid", "icid", "xtor", "_hsenc", "_hsmi", "mkt_tok", "s_cid", "ncid",
        "sr_share", "spm", "vero_id", "oly_anon_id", "oly_enc_id", "rb_clickid",
        "at_medium", "at_campaign", "at_custom1", "at_custom2", "at_custom3",
        "at_custom4", "ito", "feature", "smid", "wt_mc", "wt.mc_id", "__twitter_impression",
    }
)  # fmt: skip
_TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hmb_", "ga_")


def _is_tracking(param: str) -> bool:
    name = unquote_plus(param.split("=", 1)[0]).strip().lower()
    return name in _TRACKING_PARAMS or name.startswith(_TRACKING_PREFIXES)


def canonical_link(url: str | None) -> str | None:
    """The canonical http(s) form of a link, or None if it is not a web link."""
    if not url or not isinstance(url, str):
        return None
    url = url.strip()
    if not url or len(url) > MAX_LINK_CHARS or any(ord(c) < 0x20 or c == "\x7f" for c in url):
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        return None
    host = (parts.hostname or "").rstrip(".")
    if not host or " " in host:
        return None
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host
    if port is not None and (scheme, port) not in (("http", 80), ("https", 443)):
        netloc = f"{host}:{port}"
    path = parts.path or "/"
    # Parameters keep their order (and text, '&lt;' included); only trackers go.
    params = [p for p in parts.query.split("&") if p and not _is_tracking(p)]
    return urlunsplit((scheme, netloc, path, "&".join(params), ""))
