"""Where a check ran from: its vantage, and the network facts that explain a network verdict.

Preview access can differ by where you call from (region, VPN, proxy), so every result says
where it was made: ``--vantage NAME`` (default: the host name), plus the proxy the API requests
went through (host and port, never its userinfo), NO_PROXY and the base URL's host. The facts
come from gpt56probe.net.netenv, which the support packet's VPN/proxy line also uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

NAME_LIMIT = 64
NO_PROXY_LIMIT = 300


class VantageError(ValueError):
    """A vantage name that cannot be used; says why."""


@dataclass(frozen=True)
class Vantage:
    """One place a check runs from, and what its network path looked like."""

    name: str
    base_url_host: str = ""
    proxy: str | None = None  # host:port the API requests went through (never its userinfo)
    proxy_source: str = ""  # "--proxy", "environment" or "system"
    proxy_bypassed: bool = False  # a proxy is configured, but NO_PROXY exempts the API host
    no_proxy: str = ""
    vpn: tuple[str, ...] = ()  # VPN-like interfaces that were up

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (schema: the top-level ``vantage`` of a check result)."""
        return {"name": self.name, "base_url_host": self.base_url_host, "proxy": self.proxy,
                "proxy_source": self.proxy_source or None, "proxy_bypassed": self.proxy_bypassed,
                "no_proxy": self.no_proxy or None, "vpn_interfaces": list(self.vpn)}

    def describe(self) -> str:
        """``eu-office: api.openai.com via proxy squid.corp:3128 (environment); NO_PROXY=.corp; VPN wg0``."""
        path = f"{self.base_url_host or 'the API'} " + (f"via proxy {self.proxy} ({self.proxy_source or 'settings'})"
                                                        if self.proxy else "direct")
        if self.proxy_bypassed:
            path += " (a proxy is configured, NO_PROXY exempts this host)"
        parts = [path]
        if self.no_proxy:
            parts.append(f"NO_PROXY={self.no_proxy}")
        if self.vpn:
            parts.append("VPN " + ", ".join(self.vpn))
        return f"{self.name}: " + "; ".join(parts)


def check_name(name: str) -> str:
    """A vantage name: printable, one line, at most NAME_LIMIT characters (it becomes a Prometheus label)."""
    text = (name or "").strip()
    if not text:
        raise VantageError("must not be empty (name the place, e.g. eu-office or us-ci)")
    if not all(c.isprintable() for c in text):
        raise VantageError("must be printable text on one line")
    if len(text) > NAME_LIMIT:
        raise VantageError(f"must be at most {NAME_LIMIT} characters")
    return text


def from_dict(data: Any, fallback_name: str = "") -> Vantage | None:
    """A Vantage from a result document's ``vantage`` (an object, or a bare name); None when there is none."""
    if isinstance(data, str) and data.strip():
        return Vantage(data.strip())
    if not isinstance(data, Mapping):
        return Vantage(fallback_name) if fallback_name else None
    name = data.get("name")
    name = name.strip() if isinstance(name, str) and name.strip() else fallback_name
    if not name:
        return None

    def text(key: str) -> str:
        value = data.get(key)
        return value if isinstance(value, str) else ""

    vpn = data.get("vpn_interfaces")
    return Vantage(name, text("base_url_host"), text("proxy") or None, text("proxy_source"), data.get("proxy_bypassed") is True,
                   text("no_proxy"), tuple(v for v in vpn if isinstance(v, str)) if isinstance(vpn, list) else ())


def annotate(doc: dict[str, Any], vantage: Vantage | None) -> dict[str, Any]:
    """A check-result document with the vantage added: each result's ``vantage`` (its name) and the
    top-level ``vantage`` object (name and network facts). Unchanged when there is no vantage."""
    if vantage is None:
        return doc
    for result in doc.get("results", []):
        if isinstance(result, dict):
            result["vantage"] = vantage.name
    doc["vantage"] = vantage.to_dict()
    return doc
