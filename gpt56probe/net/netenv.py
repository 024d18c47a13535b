"""What the machine's network path looks like: proxy settings and VPN-like interfaces.

Used by the support packet's "VPN/proxy status" line. Every function takes what
it reads (an environment mapping, a list of interface names, a sysfs folder) as
an argument and defaults to the OS, so tests can hand it anything.

Nothing here returns a credential: proxy URLs are reduced to host and port.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping, Sequence
from urllib.parse import urlsplit

from gpt56probe.core.vantage import NO_PROXY_LIMIT, Vantage, check_name

DEFAULT_API_URL = "https://api.openai.com/v1"
SYS_CLASS_NET = "/sys/class/net"

# Interface name prefixes VPN clients create (WireGuard, OpenVPN, Tailscale, ZeroTier, NordVPN, Proton, IPsec, PPP).
VPN_PREFIXES: tuple[str, ...] = ("tun", "tap", "wg", "utun", "ppp", "tailscale", "zt", "nordlynx", "proton", "ipsec")

# Verdicts that point at the region check or the network edge rather than at the account.
NETWORK_VERDICTS: frozenset[str] = frozenset({"region_vpn"})
PATH_VERDICTS: frozenset[str] = frozenset({"network_error", "timeout"})


def sanitize_proxy(value: str) -> str:
    """``http://user:pw@proxy.corp:3128/`` -> ``proxy.corp:3128``: host and port only."""
    text = (value or "").strip()
    if not text:
        return ""
    if "://" not in text:
        text = "http://" + text
    try:
        parts = urlsplit(text)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "(unparseable proxy setting)"
    if not host:
        return "(unparseable proxy setting)"
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    return f"{host}:{port}" if port else host


def _environ_proxies(environ: Mapping[str, str]) -> tuple[dict[str, str], str]:
    """``{scheme: raw proxy url}`` and the no_proxy value, as urllib/requests read them.

    Lower-case names win over upper case, as in ``urllib.request.getproxies_environment``.
    """
    proxies: dict[str, str] = {}
    no_proxy = ""
    upper: dict[str, str] = {}
    lower: dict[str, str] = {}
    for name, value in environ.items():
        if not value or len(name) <= 6 or name[-6:].lower() != "_proxy":
            continue
        scheme = name[:-6].lower()
        (lower if name == name.lower() else upper)[scheme] = value
    # CGI: HTTP_PROXY can be set by a client header; urllib ignores it there.
    if "REQUEST_METHOD" in environ:
        upper.pop("http", None)
    for scheme in set(upper) | set(lower):
        value = lower.get(scheme) or upper.get(scheme, "")
        if scheme == "no":
            no_proxy = value
        else:
            proxies[scheme] = value
    return proxies, no_proxy


def _bypassed(host: str, no_proxy: str) -> bool:
    """Whether ``host`` is listed in a no_proxy value (suffix match, ``*`` for all)."""
    host = host.lower().strip("[]")
    for entry in no_proxy.replace(" ", ",").split(","):
        entry = entry.strip().lower().lstrip(".")
        if not entry:
            continue
        if entry == "*":
            return True
        entry_host = entry.split(":")[0] if entry.count(":") == 1 else entry
        if host == entry_host or host.endswith("." + entry_host):
            return True
    return False


@dataclass(frozen=True)
class ProxyStatus:
    configured: dict[str, str] = field(default_factory=dict)  # scheme -> host:port (credentials removed)
    applies: str | None = None  # host:port used for the API URL, if any
    source: str = ""  # "--proxy", "environment", "system"
    bypassed: bool = False  # a proxy is configured but no_proxy exempts the API host


def proxy_status(url: str = DEFAULT_API_URL, environ: Mapping[str, str] | None = None, explicit: str | None = None) -> ProxyStatus:
    """The proxies requests would use for ``url``: ``--proxy`` first, then the environment.

    With ``environ`` None the OS settings are read through requests
    (``getproxies`` also sees the macOS and Windows system proxy settings).
    """
    parts = urlsplit(url)
    scheme = (parts.scheme or "https").lower()
    host = parts.hostname or ""
    if environ is None:
        import urllib.request

        import requests.utils

        raw = {k: v for k, v in urllib.request.getproxies().items() if k != "no"}
        no_proxy = os.environ.get("no_proxy") or os.environ.get("NO_PROXY") or ""
        try:
            bypass = bool(raw) and requests.utils.should_bypass_proxies(url, no_proxy=None)
        except Exception:  # noqa: BLE001 - a broken system setting must not stop the packet
            bypass = _bypassed(host, no_proxy)
        source = "system"
    else:
        raw, no_proxy = _environ_proxies(environ)
        bypass = bool(raw) and _bypassed(host, no_proxy)
        source = "environment"
    configured = {k: sanitize_proxy(v) for k, v in sorted(raw.items()) if v}
    if explicit:
        return ProxyStatus(configured, sanitize_proxy(explicit), "--proxy", False)
    chosen = None
    if not bypass:
        for key in (f"{scheme}://{host}", scheme, f"all://{host}", "all"):
            if raw.get(key):
                chosen = sanitize_proxy(raw[key])
                break
    return ProxyStatus(configured, chosen, source, bypass)


def host_name() -> str:
    """This machine's host name (the default vantage of a check); "unknown-host" when the OS gives none."""
    try:
        return socket.gethostname().strip() or "unknown-host"
    except OSError:
        return "unknown-host"


def no_proxy_setting(environ: Mapping[str, str] | None = None) -> str:
    """NO_PROXY as requests reads it (``no_proxy`` wins over ``NO_PROXY``), or ""."""
    env = os.environ if environ is None else environ
    return (env.get("no_proxy") or env.get("NO_PROXY") or "").strip()


def interfaces_up(sys_class_net: str | os.PathLike[str] = SYS_CLASS_NET, names: Iterable[str] | None = None) -> list[str]:
    """Interfaces that are up. Reads ``<sys_class_net>/<name>/operstate`` (Linux);
    where there is no sysfs, every interface ``socket.if_nameindex()`` lists counts.

    Point-to-point tunnels often report ``unknown`` instead of ``up``; they count.
    """
    base = Path(sys_class_net)
    wanted = None if names is None else set(names)
    if base.is_dir():
        up = []
        for entry in sorted(base.iterdir()):
            if wanted is not None and entry.name not in wanted:
                continue
            try:
                state = (entry / "operstate").read_text(encoding="ascii", errors="replace").strip().lower()
            except OSError:
                continue
            if state in ("up", "unknown"):
                up.append(entry.name)
        return up
    if wanted is not None:
        return sorted(wanted)
    try:
        return [name for _, name in socket.if_nameindex()]
    except (OSError, AttributeError):
        return []


def vpn_interfaces(names: Iterable[str] | None = None) -> list[str]:
    """The VPN-like names among ``names`` (default: the interfaces up on this machine)."""
    if names is None:
        names = interfaces_up()
    return [n for n in names if n.lower().startswith(VPN_PREFIXES)]


@dataclass(frozen=True)
class NetEnv:
    proxy: ProxyStatus
    vpn: tuple[str, ...]
    verdict: str | None = None

    @property
    def verdict_points_at_network(self) -> bool:
        return self.verdict in NETWORK_VERDICTS


def gather(url: str = DEFAULT_API_URL, verdict: str | None = None, environ: Mapping[str, str] | None = None,
           interfaces: Sequence[str] | None = None, explicit_proxy: str | None = None) -> NetEnv:
    """Everything the packet line needs, read from the OS unless given."""
    return NetEnv(proxy_status(url, environ, explicit_proxy), tuple(vpn_interfaces(interfaces)), verdict)


def describe(env: NetEnv) -> str:
    """One line: proxy, VPN interfaces, and whether the verdict points at region or network edge."""
    p = env.proxy
    if p.applies:
        via = "--proxy" if p.source == "--proxy" else "proxy settings"
        proxy = f"proxy {p.applies} in use (from {via})"
    elif p.configured and p.bypassed:
        proxy = "proxy configured (" + ", ".join(f"{k}={v}" for k, v in p.configured.items()) + ") but bypassed for the API host by NO_PROXY"
    elif p.configured:
        proxy = "proxy configured (" + ", ".join(f"{k}={v}" for k, v in p.configured.items()) + ") but not for the API URL"
    else:
        proxy = "no proxy"
    vpn = f"VPN-like interface up: {', '.join(env.vpn)}" if env.vpn else "no VPN-like interface up"
    if env.verdict is None:
        judged = "no verdict to relate"
    elif env.verdict_points_at_network:
        judged = f"the verdict ({env.verdict}) points at region or network edge: disconnect VPN/proxy and retry"
    elif env.verdict in PATH_VERDICTS:
        judged = f"the verdict ({env.verdict}) points at the network path, not the region check"
    else:
        judged = "the verdict does not point at region or network edge"
    return f"{proxy}; {vpn}; {judged}"


def gather_vantage(name: str | None, base_url: str, explicit_proxy: str | None = None, *, trust_env: bool = True,
           environ: Mapping[str, str] | None = None, interfaces: Sequence[str] | None = None) -> Vantage:
    """The vantage of a check to ``base_url``: its name (default: this host's) and the network facts,
    read from the OS unless given. ``trust_env`` False (the demo) means no proxy from the environment."""
    label = check_name(name) if name is not None else check_name(host_name())
    host = urlsplit(base_url).hostname or ""
    status = proxy_status(base_url, environ if trust_env else {}, explicit_proxy)
    proxy, source, bypassed = status.applies, (status.source if status.applies else ""), status.bypassed
    no_proxy = no_proxy_setting(environ) if trust_env else ""
    if len(no_proxy) > NO_PROXY_LIMIT:
        no_proxy = no_proxy[: NO_PROXY_LIMIT - 1] + "\u2026"
    return Vantage(label, host, proxy, source, bypassed, no_proxy, tuple(vpn_interfaces(interfaces)))
