"""Our own HTTP client for sources: timeouts, size cap, bounded redirects, conditional GET."""

from __future__ import annotations

import asyncio
import functools
import ssl
import zlib
from dataclasses import dataclass

import certifi
import httpx

from newsletter.errors import SourceError
from newsletter.settings import FetchSettings

ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml, text/calendar, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1"
)


@dataclass(frozen=True)
class Validators:
    """What the server said last time, sent back so that it can answer 304."""

    etag: str = ""
    last_modified: str = ""

    def headers(self) -> dict[str, str]:
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


@dataclass(frozen=True)
class Fetched:
    """A response worth parsing (``body``), or ``body is None`` for 304 Not Modified."""

    url: str
    body: bytes | None
    content_type: str
    validators: Validators


@functools.cache
def _tls() -> ssl.SSLContext:
    """Loading the CA bundle costs ~50 ms: once per process, not once per run."""
    return ssl.create_default_context(cafile=certifi.where())


def make_client(settings: FetchSettings) -> httpx.AsyncClient:
    timeout = httpx.Timeout(
        connect=settings.connect_timeout,
        read=settings.read_timeout,
        write=settings.read_timeout,
        pool=settings.total_timeout,
    )
    return httpx.AsyncClient(
        verify=_tls(),
        timeout=timeout,
        follow_redirects=True,
        max_redirects=settings.max_redirects,
        limits=httpx.Limits(
            max_connections=settings.concurrency, max_keepalive_connections=settings.concurrency
        ),
        headers={
            "User-Agent": settings.user_agent,
            "Accept": ACCEPT,
            "Accept-Encoding": "gzip, deflate",
        },
    )


async def fetch(
    client: httpx.AsyncClient, url: str, validators: Validators, settings: FetchSettings
) -> Fetched:
    """GET one source; every failure becomes a ``SourceError`` with a French message."""
    try:
        return await asyncio.wait_for(
            _get(client, url, validators, settings.max_bytes), settings.total_timeout
        )
    except TimeoutError:
        raise SourceError(f"délai dépassé ({settings.total_timeout:g} s au total)") from None
    except httpx.TooManyRedirects:
        raise SourceError(f"trop de redirections (plus de {settings.max_redirects})") from None
    except httpx.HTTPError as exc:
        raise SourceError(network_error(exc)) from None


TIMEOUTS = {
    httpx.ConnectTimeout: "délai de connexion dépassé",
    httpx.ReadTimeout: "délai de lecture dépassé (le serveur ne répond plus)",
    httpx.WriteTimeout: "délai d’envoi de la requête dépassé",
    httpx.PoolTimeout: "délai dépassé (trop de connexions en attente)",
}
CONNECT = (
    ("name or service not known", "nom de domaine introuvable"),
    ("nodename nor servname", "nom de domaine introuvable"),
    ("temporary failure in name resolution", "nom de domaine introuvable pour l’instant"),
    ("no address associated", "nom de domaine sans adresse"),
    ("connection refused", "connexion refusée par le serveur"),
    ("all connection attempts failed", "connexion refusée ou serveur injoignable"),
    ("network is unreachable", "réseau injoignable"),
    ("no route to host", "serveur injoignable"),
    ("certificate", "certificat TLS refusé (le site n’est pas sûr)"),
    ("ssl", "échec de la connexion chiffrée (TLS)"),
)
STATUS = {401: "authentification demandée", 403: "accès refusé", 404: "page introuvable",
          410: "page supprimée", 429: "trop de requêtes", 500: "erreur du serveur",
          502: "passerelle en erreur", 503: "service indisponible",
          504: "passerelle hors délai"}  # fmt: skip


def _causes(exc: BaseException) -> list[BaseException]:
    """The exception and those it was raised from (the socket's own error is deepest)."""
    found = [exc]
    while (cause := found[-1].__cause__ or found[-1].__context__) and len(found) < 8:
        found.append(cause)
    return found


def network_error(exc: httpx.HTTPError) -> str:
    """An httpx failure in French, for editors reading ``newsletter sources``."""
    for kind, message in TIMEOUTS.items():
        if isinstance(exc, kind):
            return message
    text = " ".join(str(cause).lower() for cause in _causes(exc))
    if isinstance(exc, httpx.ConnectError):
        found = next((said for key, said in CONNECT if key in text), "")
        return f"connexion impossible : {found}" if found else "connexion impossible"
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError):
        return "connexion interrompue par le serveur"
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return "adresse du flux invalide"
    return f"erreur réseau ({type(exc).__name__})"


async def _get(
    client: httpx.AsyncClient, url: str, validators: Validators, max_bytes: int
) -> Fetched:
    async with client.stream("GET", url, headers=validators.headers()) as response:
        final_url = str(response.url)
        if response.status_code == 304:
            return Fetched(final_url, None, "", validators)
        if response.status_code >= 400:
            meaning = STATUS.get(response.status_code, "erreur")
            raise SourceError(f"le serveur a répondu HTTP {response.status_code} ({meaning})")
        declared = int(response.headers.get("Content-Length") or 0)
        if declared > max_bytes:
            raise SourceError(f"flux trop volumineux ({declared} octets > {max_bytes})")
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_raw():
            size += len(chunk)
            if size > max_bytes:
                raise SourceError(f"flux trop volumineux (plus de {max_bytes} octets)")
            chunks.append(chunk)
        body = _decompress(response, b"".join(chunks), max_bytes)
        fresh = Validators(
            etag=response.headers.get("ETag", ""),
            last_modified=response.headers.get("Last-Modified", ""),
        )
        return Fetched(final_url, body, response.headers.get("Content-Type", ""), fresh)


def _decompress(response: httpx.Response, raw: bytes, max_bytes: int) -> bytes:
    """Undo Content-Encoding ourselves, so a compressed bomb cannot exceed the cap."""
    encoding = response.headers.get("Content-Encoding", "identity").lower()
    if encoding in ("", "identity"):
        return raw
    if encoding not in ("gzip", "deflate", "x-gzip"):
        raise SourceError(f"encodage de transfert non pris en charge : {encoding}")
    decoder = zlib.decompressobj(zlib.MAX_WBITS | 32)
    try:
        body = decoder.decompress(raw, max_bytes + 1)
    except zlib.error as exc:
        raise SourceError(f"contenu compressé illisible : {exc}") from None
    if len(body) > max_bytes:
        raise SourceError(f"flux trop volumineux une fois décompressé (> {max_bytes} octets)")
    return body
