"""Safe HTTP GET for feeds and pages (stdlib `http.client`, no proxy, no cookies).

- Only `http` and `https` URLs, with no credentials in them.
- Every address a host name resolves to is checked before connecting, and the connection is made
  to the checked address (no second lookup a DNS rebinding could change). Loopback, private,
  link-local (cloud metadata), shared, multicast and reserved addresses are refused unless
  ANALYST_FETCH_ALLOW_PRIVATE=true or the host / network is in ANALYST_FETCH_ALLOW_HOSTS.
- Redirects are followed by hand, each hop checked like the first; at most ANALYST_FETCH_MAX_REDIRECTS.
- One deadline (ANALYST_FETCH_TIMEOUT_S) covers connecting, waiting and reading; the body is capped
  at ANALYST_FETCH_MAX_BYTES (after gzip decompression too); unexpected content types are refused."""
from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
import zlib
from dataclasses import dataclass
from typing import Any, Iterable
from urllib.parse import urljoin, urlsplit

from retrieval.errors import AnalystError

FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/rdf+xml",
                        "application/xml", "text/xml", "application/x-rss+xml", "text/plain"})
PAGE_TYPES = frozenset({"text/html", "application/xhtml+xml"})
REDIRECTS = (301, 302, 303, 307, 308)
_CHUNK = 64 * 1024


class FetchError(AnalystError):
    """A URL that could not be fetched; `user_message` says why (refused, timed out, HTTP 500…).
    `blocked` marks a refusal for safety (scheme, credentials, a non-public address)."""

    user_message = "The address could not be fetched."

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None,
                 blocked: bool = False) -> None:
        super().__init__(message)
        self.status, self.retry_after, self.blocked = status, retry_after, blocked


@dataclass
class Response:
    url: str  # after redirects
    status: int  # 200, or 304 for a conditional request whose resource did not change
    content_type: str
    charset: str | None
    body: bytes
    etag: str | None = None
    last_modified: str | None = None

    def text(self) -> str:
        return self.body.decode(self.charset or "utf-8", errors="replace")


class AddressPolicy:
    """Which resolved addresses may be contacted."""

    def __init__(self, allow_private: bool = False, allow_hosts: Iterable[str] = ()) -> None:
        self.allow_private = allow_private
        self.hosts: set[str] = set()
        self.networks: list[Any] = []
        for item in allow_hosts:
            try:
                self.networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                self.hosts.add(item.lower().rstrip("."))

    @classmethod
    def from_settings(cls, settings: Any) -> "AddressPolicy":
        return cls(settings.fetch_allow_private, settings.fetch_allow_hosts)

    def refusal(self, host: str, ip: str) -> str | None:
        """None when `ip` (an address `host` resolved to) may be contacted, else the reason why not."""
        addr = ipaddress.ip_address(ip.split("%", 1)[0])
        if addr.version == 6 and addr.ipv4_mapped:
            addr = addr.ipv4_mapped
        if self.allow_private or (addr.is_global and not addr.is_multicast):
            return None
        if host.lower().rstrip(".") in self.hosts or any(addr in n for n in self.networks):
            return None
        what = f"{addr} is a" if host.strip("[]") == ip else f"{host} resolves to {addr}, a"
        return (f"{what} {address_kind(addr)} address: refused "
                "(set ANALYST_FETCH_ALLOW_PRIVATE=true to allow private addresses)")


def address_kind(addr: Any) -> str:
    if addr.is_loopback:
        return "loopback"
    if addr.is_link_local:
        return "link-local (cloud metadata)"
    if addr.is_multicast:
        return "multicast"
    if addr.is_unspecified:
        return "unspecified"
    if addr.is_private:
        return "private"
    return "non-public"


def resolve(host: str, port: int, policy: AddressPolicy) -> list[tuple[int, tuple]]:
    """(family, sockaddr) for every address of `host`; refused outright if any one is not allowed."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise FetchError(f"cannot resolve {host} ({exc.strerror or exc})") from None
    addrs = list(dict.fromkeys((family, sockaddr) for family, _, _, _, sockaddr in infos))
    for _, sockaddr in addrs:
        reason = policy.refusal(host, sockaddr[0])
        if reason:
            raise FetchError(reason, blocked=True)
    return addrs


def _open_socket(host: str, port: int, policy: AddressPolicy, connect_timeout: float) -> socket.socket:
    last: OSError | None = None
    for family, sockaddr in resolve(host, port, policy):
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.settimeout(connect_timeout)
        try:
            sock.connect(sockaddr)
            return sock
        except OSError as exc:
            sock.close()
            last = exc
    raise last or OSError(f"no address for {host}")


class _HTTP(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, policy: AddressPolicy, connect_timeout: float) -> None:
        super().__init__(host, port)
        self.policy, self.connect_timeout = policy, connect_timeout

    def connect(self) -> None:
        self.sock = _open_socket(self.host, self.port, self.policy, self.connect_timeout)


class _HTTPS(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, policy: AddressPolicy, connect_timeout: float) -> None:
        super().__init__(host, port, context=ssl.create_default_context())
        self.policy, self.connect_timeout = policy, connect_timeout

    def connect(self) -> None:
        sock = _open_socket(self.host, self.port, self.policy, self.connect_timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def check_url(url: str) -> Any:
    """The split URL if it is an absolute http(s) URL without credentials; FetchError otherwise."""
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018  (raises ValueError on a bad port)
    except ValueError:
        raise FetchError(f"invalid URL {url[:200]!r}", blocked=True) from None
    if parts.scheme not in ("http", "https"):
        raise FetchError(f"only http and https URLs are fetched, not {parts.scheme or 'a relative URL'!r}",
                         blocked=True)
    if not parts.hostname:
        raise FetchError(f"URL without a host: {url[:200]!r}", blocked=True)
    if parts.username or parts.password:
        raise FetchError("URLs with credentials are not fetched", blocked=True)
    return parts


def get(url: str, settings: Any, *, kinds: frozenset[str], etag: str | None = None,
        last_modified: str | None = None, policy: AddressPolicy | None = None) -> Response:
    """GET `url` safely; 200 and 304 are answers, anything else raises FetchError."""
    policy = policy or AddressPolicy.from_settings(settings)
    deadline = time.monotonic() + settings.fetch_timeout_s
    headers = {"User-Agent": settings.fetch_user_agent, "Accept-Encoding": "gzip",
               "Accept": ", ".join(sorted(kinds)) + ", */*;q=0.1"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    visited = [url]
    for _ in range(settings.fetch_max_redirects + 1):
        resp, sock, conn = _request(url, headers, settings, policy, deadline)
        status = resp.status
        try:
            if status not in REDIRECTS:
                return _answer(url, resp, sock, settings, kinds, deadline)
            location = resp.getheader("Location")
        finally:
            conn.close()
        if not location:
            raise FetchError(f"HTTP {status} redirect without a Location", status=status)
        url = urljoin(url, location.strip())
        if url in visited:
            raise FetchError(f"redirect loop ({' -> '.join(visited[-3:])} -> {url})", status=status)
        visited.append(url)
    raise FetchError(f"too many redirects (more than {settings.fetch_max_redirects})")


def _request(url: str, headers: dict, settings: Any, policy: AddressPolicy, deadline: float):
    parts = check_url(url)
    cls = _HTTPS if parts.scheme == "https" else _HTTP
    port = parts.port or (443 if parts.scheme == "https" else 80)
    connect_timeout = max(0.1, min(settings.fetch_connect_timeout_s, deadline - time.monotonic()))
    conn = cls(parts.hostname, port, policy, connect_timeout)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        conn.connect()
        sock = conn.sock
        _budget(sock, deadline, settings)
        conn.request("GET", target, headers=headers)
        return conn.getresponse(), sock, conn
    except FetchError:
        conn.close()
        raise
    except Exception as exc:  # noqa: BLE001  (socket, TLS and protocol errors alike)
        conn.close()
        raise _as_fetch_error(exc, settings) from None


def _budget(sock: socket.socket, deadline: float, settings: Any) -> None:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise FetchError(f"timed out after {settings.fetch_timeout_s:g} s")
    sock.settimeout(remaining)


def _answer(url: str, resp: Any, sock: socket.socket, settings: Any, kinds: frozenset[str],
            deadline: float) -> Response:
    status = resp.status
    etag, modified = resp.getheader("ETag"), resp.getheader("Last-Modified")
    if status == 304:
        return Response(url, 304, "", None, b"", etag, modified)
    if status != 200:
        raise FetchError(f"HTTP {status} {resp.reason}".strip(), status=status,
                         retry_after=_retry_after(resp.getheader("Retry-After")))
    ctype, charset = _content_type(resp.getheader("Content-Type") or "")
    if ctype not in kinds and not (ctype.endswith("+xml") and "application/xml" in kinds):
        what = "a feed" if "application/rss+xml" in kinds else "a web page"
        raise FetchError(f"content type {ctype or 'missing'!r} is not {what}", status=status)
    body = _read_body(resp, sock, settings, deadline)
    return Response(url, 200, ctype, charset, body, etag, modified)


def _read_body(resp: Any, sock: socket.socket, settings: Any, deadline: float) -> bytes:
    limit = settings.fetch_max_bytes
    length = resp.getheader("Content-Length")
    if length and length.isdigit() and int(length) > limit:
        raise FetchError(f"too large ({int(length):,} bytes > ANALYST_FETCH_MAX_BYTES {limit:,})")
    gz = (resp.getheader("Content-Encoding") or "").lower() in ("gzip", "x-gzip")
    inflate = zlib.decompressobj(16 + zlib.MAX_WBITS) if gz else None
    out = bytearray()
    try:
        while True:
            _budget(sock, deadline, settings)
            chunk = resp.read1(_CHUNK)
            if not chunk:
                break
            out += inflate.decompress(chunk, limit + 1 - len(out)) if inflate else chunk
            if len(out) > limit:
                raise FetchError(f"too large (more than ANALYST_FETCH_MAX_BYTES {limit:,} bytes)")
    except FetchError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise _as_fetch_error(exc, settings) from None
    return bytes(out)


def _content_type(header: str) -> tuple[str, str | None]:
    ctype, _, params = header.partition(";")
    charset = None
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip('"').lower()
    try:
        "".encode(charset or "utf-8")
    except LookupError:
        charset = None
    return ctype.strip().lower(), charset


def _retry_after(value: str | None) -> float | None:
    if value and value.strip().isdigit():
        return float(value.strip())
    return None


def _as_fetch_error(exc: BaseException, settings: Any) -> FetchError:
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return FetchError(f"timed out after {settings.fetch_timeout_s:g} s")
    if isinstance(exc, ConnectionRefusedError):
        return FetchError("connection refused")
    if isinstance(exc, ssl.SSLError):
        return FetchError(f"TLS error ({exc.reason or exc})")
    if isinstance(exc, (http.client.HTTPException, zlib.error)):
        return FetchError(f"malformed HTTP response ({type(exc).__name__})")
    if isinstance(exc, OSError):
        return FetchError(f"network error ({exc.strerror or type(exc).__name__})")
    return FetchError(f"fetch failed ({type(exc).__name__})")
