"""The attacks of the security review (issue 17), each replayed against the real server
with real parallel requests, and each now refused: throttling that loses the race, mail
bombing, unbounded and slow requests, sessions that outlive a logout, trusted forwarding
headers, secrets in logs."""

from __future__ import annotations

import logging
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
import uvicorn

from newsletter.accounts.models import LoginThrottle
from newsletter.accounts.store import AccountStore
from newsletter.app import App
from newsletter.web.app import SESSION_COOKIE, create_app
from newsletter.web.server import server_config
from subscribers.addresses import parse_address
from subscribers.models import MailQuota, Subscriber
from tests.conftest import ON_SQLITE
from tests.dispatching import relay
from tests.images import noise
from tests.polling import wait_until
from tests.smtp_server import SmtpTestServer
from tests.web.client import (
    PASSWORD,
    csrf_of,
    http_client,
    http_get,
    http_post,
    login,
    reserve,
    serve,
    url_of,
)
from tests.web.conftest import add_user, public_site

EDITOR = "redaction@exemple.fr"
PARALLEL = 30


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpTestServer]:
    with SmtpTestServer() as server:
        yield server


@pytest.fixture
def served(
    tmp_path: Path, project_config: dict[str, Any], smtp: SmtpTestServer
) -> Callable[..., Any]:
    """The public site with ``web`` settings changed (e.g. trusted proxies, timeouts)."""

    def serve_with(**web: Any) -> Any:
        return public_site(tmp_path, project_config, transport=relay(smtp.port), web=web)

    return serve_with


def parallel(count: int, call: Callable[[int], Any]) -> list[Any]:
    """``call(0..count-1)`` from ``count`` threads released at the same instant."""
    start = threading.Barrier(count)

    def run(index: int) -> Any:
        start.wait()
        return call(index)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def login_forms(url: str, count: int, forwarded_for: str = "") -> list[tuple[httpx.Client, str]]:
    """``count`` browsers on the login page: each its cookie and CSRF token."""
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    browsers = []
    for _ in range(count):
        client = http_client(base_url=url, timeout=60, headers=headers)
        browsers.append((client, csrf_of(client.get("/editeurs/connexion").text)))
    return browsers


def try_login(browser: tuple[httpx.Client, str], email: str, password: str) -> int:
    client, token = browser
    form = {"csrf_token": token, "email": email, "password": password}
    return client.post("/editeurs/connexion", data=form).status_code


def test_parallel_guesses_cannot_outrun_the_throttle(served: Callable[..., Any]) -> None:
    """29 wrong guesses at once: at most 5 reach the password check (the review saw 18),
    and the right password, 30th, is refused; the lock holds for that client only — the
    editor logs in from elsewhere (a trusted proxy names the address)."""
    with served(trusted_proxies=["127.0.0.1"]) as (url, app):
        add_user(app, EDITOR)
        browsers = login_forms(url, PARALLEL, forwarded_for="203.0.113.66")
        wrong = PARALLEL - 1
        codes = parallel(wrong, lambda n: try_login(browsers[n], EDITOR, "mauvais mot de passe"))
        assert codes == [400] * wrong
        with app.database.session() as session:
            assert AccountStore(session).by_email(EDITOR).failed_attempts == 5
        assert try_login(browsers[-1], EDITOR, PASSWORD) == 400
        [elsewhere] = login_forms(url, 1, forwarded_for="198.51.100.7")
        assert try_login(elsewhere, EDITOR, PASSWORD) == 303
        for client, _ in browsers:
            client.close()


def test_forwarded_for_is_ignored_unless_the_proxy_is_trusted(
    served: Callable[..., Any],
) -> None:
    """Without web.trusted_proxies, X-Forwarded-For changes nothing: five failures from
    the loopback lock it whatever address each request claims."""
    with served() as (url, app):
        add_user(app, EDITOR)
        for number in range(5):
            [browser] = login_forms(url, 1, forwarded_for=f"192.0.2.{number}")
            assert try_login(browser, EDITOR, "mauvais mot de passe") == 400
        [browser] = login_forms(url, 1, forwarded_for="192.0.2.200")
        assert try_login(browser, EDITOR, PASSWORD) == 400
        with app.database.session() as session:
            keys = set(session.scalars(sa.select(LoginThrottle.key)))
        assert keys == {f"compte:{EDITOR}|ip:127.0.0.1", "ip:127.0.0.1"}


def test_parallel_logins_of_unknown_accounts_wait_their_turn(served: Callable[..., Any]) -> None:
    """30 logins at once on unknown accounts (each an Argon2 at 64 MiB): all answered, the
    hashes bounded by web.password_checks (memory is measured by
    benchmarks/bench_security.py)."""
    with served(trusted_proxies=["127.0.0.1"], password_checks=1) as (url, _):
        browsers = [login_forms(url, 1, forwarded_for=f"10.9.0.{n}")[0] for n in range(PARALLEL)]
        codes = parallel(PARALLEL, lambda n: try_login(browsers[n], f"x{n}@exemple.fr", "x" * 12))
        assert codes == [400] * PARALLEL


def test_mail_bombing_is_limited_per_mailbox_and_client(
    served: Callable[..., Any], smtp: SmtpTestServer
) -> None:
    """10 « +tag » and dotted variants of one Gmail mailbox, then 20 requests at once for
    one address: 3 emails in all, no error; one client asking for 15 different addresses
    gets 10 emails (web.confirmations_per_client_hour)."""
    with served() as (url, app):
        before = len(smtp.messages)
        variants = [f"vic.time+{n}@gmail.com" for n in range(5)]
        variants += [f"v.i.c.t.i.m.e+{n}@googlemail.com" for n in range(5)]
        browsers = [http_client(base_url=url, timeout=30) for _ in range(30)]
        forms = [csrf_of(client.get("/abonnement").text) for client in browsers]

        def ask(index: int) -> int:
            email = variants[index] if index < 10 else "victime@gmail.com"
            data = {"csrf_token": forms[index], "email": email, "lists": ["lettre"]}
            return browsers[index].post("/abonnement", data=data).status_code

        assert parallel(30, ask) == [303] * 30

        def counted(prefix: str) -> int:
            with app.database.session() as session:
                query = sa.select(sa.func.sum(MailQuota.count)).where(
                    MailQuota.key.like(f"{prefix}%")
                )
                return int(session.scalar(query) or 0)

        def settled(mailboxes: int, emails: int) -> bool:
            """The requests a mailbox allowed counted (a refusal takes no room), and every
            email that went counted (committed after it went)."""
            sent = len(smtp.messages) - before
            return counted("boite:") == mailboxes and counted("tous") == sent == emails

        wait_until(lambda: settled(3, 3), timeout=30)
        assert len(smtp.messages) - before == 3
        others = [f"personne{n}@exemple.fr" for n in range(15)]
        for index, email in enumerate(others):
            data = {"csrf_token": forms[index], "email": email, "lists": ["lettre"]}
            assert browsers[index].post("/abonnement", data=data).status_code == 303
        wait_until(lambda: settled(3 + 7, 10), timeout=30)  # 8 refused: mailboxes given back
        sent = [m for m in smtp.messages[before:] if "personne" in m.recipients[0]]
        assert len(sent) == 10 - 3  # the client's 10 an hour, 3 of them for the mailbox
        for client in browsers:
            client.close()


def raw_request(url: str, head: bytes, timeout: float = 20) -> bytes:
    """Send ``head`` alone on a raw socket (no body follows); the whole answer."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(head)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
            headers, _, body = answer.partition(b"\r\n\r\n")
            found = re.search(rb"content-length: (\d+)", headers, re.IGNORECASE)
            if found and len(body) >= int(found.group(1)):
                break
        return answer


def test_bodies_over_the_limit_are_refused_before_anything_else(
    served: Callable[..., Any],
) -> None:
    """A 300 MB JSON announced to the API without a token, a 200 MB form announced to the
    subscription page: 413 at once, nothing read; a chunked body without a length is cut
    as soon as it goes over web.max_body_bytes."""
    with served() as (url, _):
        for path, kind in (("/api/v1/items", "application/json"),
                           ("/abonnement", "multipart/form-data; boundary=x")):  # fmt: skip
            head = (f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {kind}\r\n"
                    f"Content-Length: {300 * 10**6}\r\n\r\n").encode()  # fmt: skip
            answer = raw_request(url, head)
            assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        assert "trop volumineux" in raw_request(url, head).decode(errors="replace")

        def endless() -> Iterator[bytes]:
            for _ in range(10_000):  # 640 MB if nobody stops it
                yield b"x" * 65536

        with http_client(base_url=url, timeout=30) as client:
            try:
                refused = client.post("/api/v1/items", content=endless(),
                                      headers={"Content-Type": "application/json"})  # fmt: skip
            except httpx.TransportError:  # the server closed while the client was sending
                pass
            else:
                assert refused.status_code == 413


def test_an_image_up_to_its_own_limit_gets_through(served: Callable[..., Any]) -> None:
    """An image upload may be as large as fetch.max_bytes (5 MB), not web.max_body_bytes
    (1 MB): a 2 MB photo becomes the logo; 6 MB announced to the same route is refused at
    once (413)."""
    with served() as (url, app):
        add_user(app, "logo@exemple.fr", "editor")
        picture = noise(1000, 700)  # 2.1 MB of PNG: noise does not compress
        assert app.settings.web.max_body_bytes < len(picture) < app.settings.fetch.max_bytes
        with http_client(base_url=url, timeout=30) as client:
            login(client, "logo@exemple.fr")
            token = csrf_of(client.get("/editeurs/reglages").text)
            sent = client.post("/editeurs/reglages/logo", data={"csrf_token": token, "alt": "Logo"},
                               files={"fichier": ("logo.png", picture, "image/png")})  # fmt: skip
            assert sent.status_code == 303
            assert "Logo enregistré" in client.get("/editeurs/reglages").text
        head = (f"POST /editeurs/reglages/logo HTTP/1.1\r\nHost: x\r\n"
                f"Content-Type: multipart/form-data; boundary=x\r\n"
                f"Content-Length: {6 * 10**6}\r\n\r\n").encode()  # fmt: skip
        assert raw_request(url, head).startswith(b"HTTP/1.1 413")


def test_slow_headers_and_bodies_are_cut(served: Callable[..., Any]) -> None:
    """A request line dripped byte by byte is cut after web.header_timeout_seconds; a
    body that does not arrive gets 408 after web.body_timeout_seconds."""
    with served(header_timeout_seconds=1, body_timeout_seconds=1) as (url, _):
        host, port = url.removeprefix("http://").split(":")
        started = time.monotonic()
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            closed = False
            for byte in b"GET /archives/ HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 200:
                try:
                    sock.sendall(bytes([byte]))
                    sock.settimeout(0.1)  # the attack's pace: a byte every tenth of a second
                    if sock.recv(1) == b"":
                        closed = True
                        break
                except TimeoutError:
                    continue
                except OSError:
                    closed = True
                    break
            assert closed and time.monotonic() - started < 10
        head = (
            b"POST /abonnement HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n\r\n"
        )
        assert raw_request(url, head).startswith(b"HTTP/1.1 408")


def test_logout_ends_the_session_for_every_copy_of_the_cookie(
    served: Callable[..., Any],
) -> None:
    """A cookie saved before logging out no longer opens anything; nor after the account
    is disabled, its role changed or its password changed (server-side sessions)."""
    with served() as (url, app):
        for end in ("logout", "disable", "role", "password"):
            email = f"{end}@exemple.fr"
            add_user(app, email)
            with http_client(base_url=url) as browser:
                assert login(browser, email).status_code == 303
                saved = browser.cookies[SESSION_COOKIE]
                page = browser.get("/editeurs/")
                assert page.status_code == 200
                with app.database.session() as session:
                    store = AccountStore(session)
                    if end == "logout":
                        token = csrf_of(page.text)
                        browser.post("/editeurs/deconnexion", data={"csrf_token": token})
                    elif end == "disable":
                        store.disable(email)
                    elif end == "role":
                        store.set_access(email, "coordinator", ["reaap"], ("reaap",))
                    else:
                        store.set_password(email, "un tout autre mot de passe solide")
            with http_client(base_url=url) as thief:
                thief.cookies.set(SESSION_COOKIE, saved)
                assert thief.get("/editeurs/").status_code == 303, end


def test_expired_revoked_and_disabled_tokens_are_refused(served: Callable[..., Any]) -> None:
    """An API token past its expiry, or of a disabled account, gets 401."""
    with served() as (url, app):
        add_user(app, EDITOR)
        with app.database.session() as session:
            store = AccountStore(session)
            long_ago = store.by_email(EDITOR).created_at - timedelta(days=2)
            expired = store.create_token(EDITOR, "ancien", days=1, now=long_ago)
            live = store.create_token(EDITOR, "site", days=30)
        for token, status in ((expired, 401), (live, 200)):
            answer = http_get(f"{url}/api/v1/items", headers={"Authorization": f"Bearer {token}"})
            assert answer.status_code == status, token
        with app.database.session() as session:
            AccountStore(session).disable(EDITOR)
        answer = http_get(f"{url}/api/v1/items", headers={"Authorization": f"Bearer {live}"})
        assert answer.status_code == 401


@ON_SQLITE
def test_the_access_log_holds_no_token(lettre: App) -> None:
    """uvicorn's access log lines show the subscribers' pages without their tokens."""
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    handler = Collect()
    web = create_app(lettre)
    sock = reserve()
    config = server_config(web, lettre.settings.web, log_level="info", lifespan="off")
    logging.getLogger("uvicorn.access").addHandler(handler)
    try:
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        wait_until(lambda: server.started, timeout=10)
        token = "1.42.1795255200.0123456789abcdef.lettre.Xq3AbCdEfGhIjKlMnOpQrStU"
        for path in (f"/desabonnement/{token}", f"/preferences/{token}",
                     f"/abonnement/confirmer/{token}", f"/mes-donnees/{token}"):  # fmt: skip
            http_get(f"{url_of(sock)}{path}")
        wait_until(lambda: len(lines) >= 4, timeout=10)
        server.should_exit = True
        thread.join(10)
    finally:
        logging.getLogger("uvicorn.access").removeHandler(handler)
        sock.close()
    assert all(token not in line and "[jeton]" in line for line in lines), lines


@ON_SQLITE
def test_items_with_a_taken_or_bad_url_are_never_a_server_error(
    site: str, lettre: App, editor: str
) -> None:
    """A new item whose URL is another item's (the review saw a 500), or whose URL is not
    a web address, gets a French answer, never a 500."""
    with lettre.database.session() as session:
        token = AccountStore(session).create_token(editor, "site")
    headers = {"Authorization": f"Bearer {token}"}
    first = {"id": "a-1", "kind": "fiche", "title": "Une fiche", "url": "https://exemple.fr/x"}
    answers = [http_post(f"{site}/api/v1/items", json=first, headers=headers)]
    for number, (title, url) in enumerate([
        ("Une fiche", "https://exemple.fr/x"), ("Une autre fiche", "https://exemple.fr/x"),
        ("Une fiche", "https://EXEMPLE.fr/x?utm_source=lettre"), ("Lien", "javascript:alert(1)"),
        ("Lien", "ftp://exemple.fr/x"), ("Lien", "https://" + "x" * 5000 + ".fr"),
    ]):  # fmt: skip
        record = {"id": f"b-{number}", "kind": "fiche", "title": title, "url": url}
        answers.append(http_post(f"{site}/api/v1/items", json=record, headers=headers))
    codes = [answer.status_code for answer in answers]
    assert codes == [201, 200, 201, 200, 400, 400, 422], [a.text for a in answers]
    assert "adresse http(s) invalide" in answers[4].json()["error"]
    same = {answers[n].json()["id"] for n in (0, 1, 3)}  # the same fiche, merged
    assert len(same) == 1 and answers[2].json()["id"] not in same


def test_errors_are_logged_with_an_incident_id_and_no_personal_data(
    lettre: App, caplog: pytest.LogCaptureFixture
) -> None:
    """A 500 names an incident id that the log has too; the logged path has no token; a
    database error on a subscriber (the review found the address and name in the trace;
    PostgreSQL quotes the key in its DETAIL) is logged without any value."""
    web = create_app(lettre)
    token = "1.42.1795255200.0123456789abcdef.lettre.Xq3AbCdEfGhIjKlMnOpQrStU"
    address = parse_address("secrete.personne@exemple.fr")

    def add_person() -> None:
        with lettre.database.session() as session:
            session.add(Subscriber(email=address.email, email_key=address.key, email_hash="h",
                                   last_name="Secrète"))  # fmt: skip

    add_person()

    @web.get("/desabonnement/{token}/panne")
    def broken(token: str) -> None:
        add_person()  # the same address again: an IntegrityError

    with serve(web) as url, caplog.at_level(logging.ERROR, "lettre.web"):
        answer = http_get(f"{url}/desabonnement/{token}/panne")
    assert answer.status_code == 500
    incident = re.search(r"incident ([0-9a-f]{8})", answer.text)
    assert incident is not None
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert incident.group(1) in logged and "IntegrityError" in logged
    assert token not in logged and "[jeton]" in logged
    assert "secrete.personne" not in logged and "Secrète" not in logged
