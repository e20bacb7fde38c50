"""Editors' accounts on both databases: passwords, roles, login throttling, API tokens, CLI."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

import pydantic
import pytest
from click.testing import CliRunner, Result
from sqlalchemy.orm import Session

from newsletter.accounts import passwords
from newsletter.accounts.login import authenticate
from newsletter.accounts.models import LoginThrottle, User
from newsletter.accounts.permissions import Actor, may_act_on_newsletter
from newsletter.accounts.store import AccountStore
from newsletter.accounts.throttle import Throttle, ThrottlePolicy, address_key, pair_key
from newsletter.cli import cli
from newsletter.db import Database, utcnow
from newsletter.errors import InputError, NotFoundError
from newsletter.settings.operations import WebSettings
from tests.conftest import HASHING

PASSWORD = "une phrase de passe solide"
POLICY = ThrottlePolicy(max_failures=5, lockout=timedelta(minutes=15))
ROOT = Path(__file__).resolve().parent.parent


def add(database: Database, email: str = "Alice@Exemple.fr", role: str = "editor",
        newsletters: tuple[str, ...] = ()) -> None:  # fmt: skip
    with database.session() as session:
        AccountStore(session).add(email, role, PASSWORD, "Alice", newsletters)


def test_passwords_are_hashed_with_argon2id(database: Database) -> None:
    """Only an Argon2id hash is stored; the right password logs in, a wrong one does not."""
    add(database)
    with database.session() as session:
        user = AccountStore(session).by_email("alice@exemple.fr")
        assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
    logged = authenticate(database, "ALICE@exemple.fr ", PASSWORD, "10.0.0.1", POLICY)
    assert logged is not None and logged.id == user.id
    assert authenticate(database, "alice@exemple.fr", "mauvais", "10.0.0.1", POLICY) is None
    with database.session() as session:
        user = AccountStore(session).by_email("alice@exemple.fr")
        assert user.last_login_at is not None and user.failed_attempts == 1


def test_account_rules(database: Database) -> None:
    """Addresses are unique whatever their case; short, common or trivial passwords (12
    identical characters, spaces, the account's name), unknown roles, undeclared
    newsletters and coordinators without newsletters are refused."""
    add(database)
    cases = [
        ("ALICE@exemple.fr", "editor", PASSWORD, (), "existe déjà"),
        ("bob@exemple.fr", "editor", "court", (), "trop court"),
        ("bob@exemple.fr", "chef", PASSWORD, (), "rôle inconnu"),
        ("bob@exemple.fr", "coordinator", PASSWORD, (), "au moins une lettre"),
        ("bob@exemple.fr", "coordinator", PASSWORD, ("Réaap!",), "clé de lettre invalide"),
        ("pas une adresse", "editor", PASSWORD, (), "adresse électronique invalide"),
        ("bob@exemple.fr", "editor", "a" * 12, (), "trop facile"),
        ("bob@exemple.fr", "editor", " " * 12, (), "trop facile"),
        ("bob@exemple.fr", "editor", "azertyuiop123", (), "trop facile"),
        ("bob@exemple.fr", "editor", "motdepasse2026", (), "trop facile"),
        ("bob.martin@exemple.fr", "editor", "bob.martin@exemple.fr", (), "trop facile"),
        ("bob@exemple.fr", "coordinator", PASSWORD, ("reapp",), "lettre inconnue : reapp"),
    ]
    for email, role, password, newsletters, message in cases:
        with database.session() as session, pytest.raises(InputError, match=message):
            AccountStore(session).add(email, role, password, "", newsletters,
                                      known=("reaap", "lettre", "clas"))  # fmt: skip
    with database.session() as session, pytest.raises(NotFoundError):
        AccountStore(session).by_email("personne@exemple.fr")


def test_coordinators_act_on_their_newsletters_only() -> None:
    """Admins and editors may act on any newsletter, a coordinator only on theirs."""
    coordinator = Actor.of(User(role="coordinator", newsletters=["reaap"]))
    assert may_act_on_newsletter(coordinator, "reaap")
    assert not may_act_on_newsletter(coordinator, "lettre-pb")
    assert may_act_on_newsletter(Actor.of(User(role="editor", newsletters=[])), "lettre-pb")
    assert may_act_on_newsletter(Actor.of(User(role="admin", newsletters=[])), "reaap")


def test_lockout_after_failures_survives_a_restart(database: Database) -> None:
    """Five failures from one address lock that account for that address, even for the
    right password, and the lock is in the database: another process (a new engine) sees
    it; from another address the editor still logs in, and a success resets the count."""
    add(database)
    for _ in range(5):
        assert authenticate(database, "alice@exemple.fr", "faux", "10.0.0.1", POLICY) is None
    restarted = Database(database.url)
    try:
        assert authenticate(restarted, "alice@exemple.fr", PASSWORD, "10.0.0.1", POLICY) is None
    finally:
        restarted.dispose()
    user = authenticate(database, "alice@exemple.fr", PASSWORD, "10.0.0.2", POLICY)
    assert user is not None and user.failed_attempts == 0
    with database.session() as session:
        pair = pair_key("alice@exemple.fr", "10.0.0.1")
        assert locked(session, pair, utcnow())
        assert not locked(session, pair_key("alice@exemple.fr", "10.0.0.2"), utcnow())


def test_a_new_hashing_cost_applies_at_the_next_login(database: Database) -> None:
    """After the cost settings change, a password hashed at the old cost still logs in
    and is hashed again at the new one; the settings refuse a cost under OWASP's lowest."""
    passwords.configure(WebSettings())  # the defaults: 64 MiB, 3 passes
    add(database)
    passwords.configure(WebSettings(**HASHING))
    assert authenticate(database, "alice@exemple.fr", PASSWORD, "10.0.0.1", POLICY)
    with database.session() as session:
        rehashed = AccountStore(session).by_email("alice@exemple.fr").password_hash
    assert rehashed.startswith("$argon2id$v=19$m=19456,t=2,p=4$")
    assert authenticate(database, "alice@exemple.fr", PASSWORD, "10.0.0.1", POLICY)
    for cheaper in ({"password_memory_mib": 8}, {"password_passes": 1}):
        with pytest.raises(pydantic.ValidationError):
            WebSettings(**cheaper)


def locked(session: Session, key: str, now: datetime) -> bool:
    """Whether logins from ``key`` are refused at ``now`` (its lockout runs)."""
    row = session.get(LoginThrottle, key)
    return row is not None and row.locked_until is not None and row.locked_until > now


def test_throttle_window_and_progressive_lockouts(database: Database) -> None:
    """Attempts older than the lockout no longer count; past the limit a key is locked for
    the lockout, then twice as long at the next lockout; a quiet period starts afresh."""
    key = address_key("192.0.2.7")
    start = utcnow()
    with database.session() as session:
        throttle = Throttle(session, POLICY)
        assert all(throttle.attempt([key], start + timedelta(minutes=m)) for m in range(5))
        assert not throttle.attempt([key], start + timedelta(minutes=5))  # the 6th: locked
        assert locked(session, key, start + timedelta(minutes=19))
        assert not locked(session, key, start + timedelta(minutes=21))
        again = start + timedelta(minutes=21)
        assert all(throttle.attempt([key], again + timedelta(seconds=s)) for s in range(5))
        assert not throttle.attempt([key], again + timedelta(seconds=5))
        assert locked(session, key, again + timedelta(minutes=29))  # 30 minutes this time
        assert not locked(session, key, again + timedelta(minutes=31))
        later = again + timedelta(minutes=50)  # after the lockout: a new window starts at 1
        assert throttle.attempt([key], later)


def test_api_tokens_are_stored_as_digests(database: Database) -> None:
    """A token maps back to its account; only its SHA-256 is kept; revoking ends it."""
    add(database)
    with database.session() as session:
        token = AccountStore(session).create_token("alice@exemple.fr", "site")
    with database.session() as session:
        store = AccountStore(session)
        user = store.user_for_token(token)
        assert user is not None and user.email == "alice@exemple.fr"
        assert store.user_for_token(token[:-1]) is None and store.user_for_token("x") is None
        assert store.count_tokens() == {user.id: 1}
        assert store.revoke_tokens("alice@exemple.fr") == 1
        assert store.user_for_token(token) is None


def test_tokens_expire_and_die_with_a_password_change_or_a_disabled_account(
    database: Database,
) -> None:
    """A token has a name, an expiry and a last-use date; it is refused once expired, and
    revoked by a new password or by disabling the account, which also ends every session;
    a change of role ends the sessions too."""
    add(database)
    now = utcnow()
    with database.session() as session:
        store = AccountStore(session)
        old = store.create_token("alice@exemple.fr", "ancien", days=1, now=now - timedelta(days=2))
        live = store.create_token("alice@exemple.fr", "site", days=30)
        user = store.by_email("alice@exemple.fr")
        sessions = [store.open_session(user, 3600) for _ in range(2)]
    with database.session() as session:
        store = AccountStore(session)
        assert store.user_for_token(old) is None and store.user_for_token(live) is not None
        [site, ancien] = store.tokens()
        assert (site.label, ancien.label) == ("site", "ancien") and site.last_used_at is not None
        assert site.expires_at is not None and site.expires_at > now + timedelta(days=29)
        assert all(store.session_user(sid) is not None for sid in sessions)
        store.set_access("alice@exemple.fr", "coordinator", ["reaap"], ("reaap",))
        assert all(store.session_user(sid) is None for sid in sessions)
        assert store.user_for_token(live) is not None  # a role change keeps the tokens
        sid = store.open_session(store.by_email("alice@exemple.fr"), 3600)
        store.set_password("alice@exemple.fr", "un autre mot de passe solide")
        assert store.user_for_token(live) is None and store.session_user(sid) is None
        fresh = store.create_token("alice@exemple.fr", "nouveau")
        sid = store.open_session(store.by_email("alice@exemple.fr"), 3600)
        store.disable("alice@exemple.fr")
        assert store.user_for_token(fresh) is None and store.session_user(sid) is None
        assert store.tokens() == []
        with pytest.raises(InputError, match="désactivé"):
            store.create_token("alice@exemple.fr")
    assert authenticate(database, "alice@exemple.fr", "un autre mot de passe solide", "10.1.1.1",
                        POLICY) is None  # fmt: skip
    with database.session() as session:
        AccountStore(session).enable("alice@exemple.fr")
    assert authenticate(database, "alice@exemple.fr", "un autre mot de passe solide", "10.1.1.1",
                        POLICY) is not None  # fmt: skip


def run(config: Path, *args: str, stdin: str = "") -> Result:
    """The command run in this process (its output and exit code as in a shell)."""
    return CliRunner().invoke(cli, ["--config", str(config), *args], input=stdin,
                              env={"COLUMNS": "200"})  # fmt: skip


def test_users_commands(tmp_path: Path) -> None:
    """`newsletter users add/list/passwd/token` manage accounts from the command line;
    a bad role or a short password is one French error line; the hash costs what the
    settings say (the project's: RFC 9106's second profile, 64 MiB and 3 passes)."""
    config = tmp_path / "config.toml"
    config.write_text((ROOT / "config.toml").read_text(encoding="utf-8"), encoding="utf-8")
    assert run(config, "init").exit_code == 0
    added = run(config, "users", "add", "coord@exemple.fr", "--role", "coordinator",
                "--newsletter", "reaap", "--name", "Réaap 93", "--password-stdin",
                stdin=PASSWORD + "\n")  # fmt: skip
    assert added.exit_code == 0 and "Compte créé : coord@exemple.fr" in added.stdout
    listed = run(config, "users", "list")
    assert "coord@exemple.fr" in listed.stdout and "reaap" in listed.stdout
    short = run(config, "users", "passwd", "coord@exemple.fr", "--password-stdin", stdin="court\n")
    assert short.exit_code == 1 and "trop court" in short.stderr
    assert short.stderr.count("\n") == 1
    changed = run(config, "users", "passwd", "coord@exemple.fr", "--password-stdin",
                  stdin="un autre mot de passe solide\n")  # fmt: skip
    assert changed.exit_code == 0
    token = run(config, "users", "token", "coord@exemple.fr", "--label", "site")
    assert token.exit_code == 0 and token.stdout.strip().splitlines()[-1].startswith("lettre_")
    unknown = run(config, "users", "token", "personne@exemple.fr")
    assert unknown.exit_code == 1 and "introuvable" in unknown.stderr
    database = Database(f"sqlite:///{tmp_path / 'var' / 'lettre.db'}")
    try:
        with database.session() as session:
            user = AccountStore(session).by_email("coord@exemple.fr")
            assert user.role == "coordinator" and user.newsletters == ["reaap"]
            assert user.password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
            email = user.email
        assert authenticate(database, email, "un autre mot de passe solide", "::1", POLICY)
    finally:
        database.dispose()


def test_parallel_guesses_reach_the_password_at_most_the_limit(database: Database) -> None:
    """30 wrong guesses at once, each in its own transactions: the attempts are counted
    before the password is checked, atomically, so 5 reach it (failures recorded), the
    others are refused unchecked, on both databases; then the right password is refused."""
    add(database)
    start = threading.Barrier(30)

    def guess(_: int) -> object:
        start.wait()
        return authenticate(database, "alice@exemple.fr", "mauvais", "10.0.0.9", POLICY)

    with ThreadPoolExecutor(30) as pool:
        assert list(pool.map(guess, range(30))) == [None] * 30
    with database.session() as session:
        assert AccountStore(session).by_email("alice@exemple.fr").failed_attempts == 5
    assert authenticate(database, "alice@exemple.fr", PASSWORD, "10.0.0.9", POLICY) is None
