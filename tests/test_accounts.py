"""Editors' accounts on both databases: passwords, roles, login throttling, API tokens, CLI."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from newsletter.accounts.login import authenticate
from newsletter.accounts.models import User
from newsletter.accounts.permissions import Actor, may_act_on_newsletter
from newsletter.accounts.store import AccountStore
from newsletter.accounts.throttle import Throttle, ThrottlePolicy
from newsletter.db import Database, utcnow
from newsletter.errors import InputError, NotFoundError

PASSWORD = "une phrase de passe solide"
POLICY = ThrottlePolicy(max_failures=5, lockout=timedelta(minutes=15))
NEWSLETTER = Path(sys.executable).with_name("newsletter")
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
        assert authenticate(session, "ALICE@exemple.fr ", PASSWORD, "10.0.0.1", POLICY) is user
        assert authenticate(session, "alice@exemple.fr", "mauvais", "10.0.0.1", POLICY) is None
        assert user.last_login_at is not None and user.failed_attempts == 1


def test_account_rules(database: Database) -> None:
    """Addresses are unique whatever their case; short passwords, unknown roles and
    coordinators without newsletters are refused."""
    add(database)
    cases = [
        ("ALICE@exemple.fr", "editor", PASSWORD, (), "existe déjà"),
        ("bob@exemple.fr", "editor", "court", (), "trop court"),
        ("bob@exemple.fr", "chef", PASSWORD, (), "rôle inconnu"),
        ("bob@exemple.fr", "coordinator", PASSWORD, (), "au moins une lettre"),
        ("bob@exemple.fr", "coordinator", PASSWORD, ("Réaap!",), "clé de lettre invalide"),
        ("pas une adresse", "editor", PASSWORD, (), "adresse électronique invalide"),
    ]
    for email, role, password, newsletters, message in cases:
        with database.session() as session, pytest.raises(InputError, match=message):
            AccountStore(session).add(email, role, password, "", newsletters)
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
    """Five failures lock the account, even for the right password, and the lock is in
    the database: another process (a new engine) sees it; a success resets the count."""
    add(database)
    for _ in range(5):
        with database.session() as session:
            assert authenticate(session, "alice@exemple.fr", "faux", "10.0.0.1", POLICY) is None
    restarted = Database(database.url)
    try:
        with restarted.session() as session:
            assert authenticate(session, "alice@exemple.fr", PASSWORD, "10.0.0.2", POLICY) is None
    finally:
        restarted.dispose()
    generous = ThrottlePolicy(max_failures=10, lockout=timedelta(minutes=15))
    with database.session() as session:
        user = authenticate(session, "alice@exemple.fr", PASSWORD, "10.0.0.3", generous)
        assert user is not None and user.failed_attempts == 0
    with database.session() as session:
        assert not Throttle(session, POLICY).locked(["compte:alice@exemple.fr"], utcnow())


def test_throttle_window_and_lockout_expire(database: Database) -> None:
    """Failures older than the lockout no longer count; a lock ends after the lockout."""
    keys = ["ip:192.0.2.7"]
    start = utcnow()
    with database.session() as session:
        throttle = Throttle(session, POLICY)
        for minute in range(4):
            throttle.fail(keys, start + timedelta(minutes=minute))
        assert not throttle.locked(keys, start + timedelta(minutes=4))
        throttle.fail(keys, start + timedelta(minutes=4))
        assert throttle.locked(keys, start + timedelta(minutes=10))
        assert not throttle.locked(keys, start + timedelta(minutes=20))
        throttle.fail(keys, start + timedelta(minutes=40))  # a new window starts at 1
        assert not throttle.locked(keys, start + timedelta(minutes=41))


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


def run(config: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(NEWSLETTER), "--config", str(config), *args], input=stdin, capture_output=True,
        text=True, timeout=60, env={"PATH": "/usr/bin:/bin", "COLUMNS": "200"},
    )  # fmt: skip


def test_users_commands(tmp_path: Path) -> None:
    """`newsletter users add/list/passwd/token` manage accounts from the command line;
    a bad role or a short password is one French error line."""
    config = tmp_path / "config.toml"
    config.write_text((ROOT / "config.toml").read_text(encoding="utf-8"), encoding="utf-8")
    assert run(config, "init").returncode == 0
    added = run(config, "users", "add", "coord@exemple.fr", "--role", "coordinator",
                "--newsletter", "reaap", "--name", "Réaap 93", "--password-stdin",
                stdin=PASSWORD + "\n")  # fmt: skip
    assert added.returncode == 0 and "Compte créé : coord@exemple.fr" in added.stdout
    listed = run(config, "users", "list")
    assert "coord@exemple.fr" in listed.stdout and "reaap" in listed.stdout
    short = run(config, "users", "passwd", "coord@exemple.fr", "--password-stdin", stdin="court\n")
    assert short.returncode == 1 and "trop court" in short.stderr
    assert short.stderr.count("\n") == 1
    changed = run(config, "users", "passwd", "coord@exemple.fr", "--password-stdin",
                  stdin="un autre mot de passe solide\n")  # fmt: skip
    assert changed.returncode == 0
    token = run(config, "users", "token", "coord@exemple.fr", "--label", "site")
    assert token.returncode == 0 and token.stdout.strip().splitlines()[-1].startswith("lettre_")
    unknown = run(config, "users", "token", "personne@exemple.fr")
    assert unknown.returncode == 1 and "introuvable" in unknown.stderr
    database = Database(f"sqlite:///{tmp_path / 'var' / 'lettre.db'}")
    try:
        with database.session() as session:
            user = AccountStore(session).by_email("coord@exemple.fr")
            assert user.role == "coordinator" and user.newsletters == ["reaap"]
            assert authenticate(session, user.email, "un autre mot de passe solide", "::1", POLICY)
    finally:
        database.dispose()
