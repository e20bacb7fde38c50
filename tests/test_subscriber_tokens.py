"""Link tokens and VERP tags: unforgeable, bound to one subscriber, expiring, rotatable."""

from __future__ import annotations

import itertools
import re
import string
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from newsletter.app import App
from newsletter.settings import SubscriberSettings
from subscribers.addresses import parse_address
from subscribers.details import Details
from subscribers.models import Subscriber
from subscribers.tokens import PURPOSES, InvalidToken, Tokens

NOW = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
NEW_KEY, OLD_KEY = b"n" * 40, b"o" * 40
URL_SAFE = string.ascii_letters + string.digits + "_.-"


@dataclass(frozen=True)
class Ref:
    """A subscriber as tokens see it: an id and the hash of an address."""

    id: int
    email_hash: str


MARIE = Ref(4182, "3f" * 32)


def tokens(*keys: bytes, at: datetime = NOW) -> Tokens:
    return Tokens(keys or (NEW_KEY,), SubscriberSettings(), clock=lambda: at)


def person(app: App, session: sa.orm.Session, email: str) -> Subscriber:
    store = app.subscriber_store(session)
    return store.create(parse_address(email), Details(profile="elu"), NOW)


def refusal(action: object) -> str:
    with pytest.raises(InvalidToken) as caught:
        action()  # type: ignore[operator]
    return str(caught.value)


def test_token_resolves_to_its_subscriber(app: App) -> None:
    """A token issued for a purpose gives back its subscriber and lists."""
    with app.database.session() as session:
        marie = person(app, session, "marie.dupont@ville-bobigny.fr")
        token = tokens().issue("confirm", marie, ["lettre", "reaap"])
        found, claims = tokens().resolve(session, "confirm", token)
        assert found.id == marie.id
        assert claims.lists == ("lettre", "reaap")
        assert claims.issued_at == NOW


def test_forged_tampered_or_foreign_tokens_get_one_neutral_answer(app: App) -> None:
    """Tampering, another purpose, a foreign key or an erased person: the same refusal."""
    with app.database.session() as session:
        marie = person(app, session, "marie.dupont@ville-bobigny.fr")
        karim = person(app, session, "karim.benali@cs-aubervilliers.fr")
        token = tokens().issue("unsubscribe", marie)
        signature = token.rpartition(".")[2]
        forged_claims = tokens().issue("unsubscribe", karim).rpartition(".")[0]
        answers = {
            refusal(
                lambda: tokens().resolve(session, "unsubscribe", forged_claims + "." + signature)
            ),
            refusal(lambda: tokens().resolve(session, "unsubscribe", token[:-2] + "xy")),
            refusal(lambda: tokens().resolve(session, "preferences", token)),
            refusal(lambda: tokens(b"x" * 40).resolve(session, "unsubscribe", token)),
            refusal(lambda: tokens().resolve(session, "unsubscribe", "n'importe-quoi")),
        }
        session.delete(marie)
        session.flush()
        answers.add(refusal(lambda: tokens().resolve(session, "unsubscribe", token)))
    assert answers == {"ce lien n'est pas valide ou a expiré — demandez un nouveau lien si besoin"}


def test_token_never_acts_on_another_subscriber_with_a_reused_id(app: App) -> None:
    """A token for A, after A is erased and B gets A's id, does not act on B."""
    with app.database.session() as session:
        marie = person(app, session, "marie.dupont@ville-bobigny.fr")
        token, marie_id = tokens().issue("unsubscribe", marie), marie.id
        session.delete(marie)
        session.flush()
        store = app.subscriber_store(session)
        karim = store.create(parse_address("karim.benali@cs-aubervilliers.fr"), Details(), NOW)
        session.execute(sa.update(Subscriber).where(Subscriber.id == karim.id).values(id=marie_id))
        session.expire_all()
        assert session.get(Subscriber, marie_id).email_key == "karim.benali@cs-aubervilliers.fr"
        with pytest.raises(InvalidToken):
            tokens().resolve(session, "unsubscribe", token)


def test_confirmation_expires_but_unsubscribe_lasts_years(app: App) -> None:
    """Confirmation links die after 7 days; unsubscribe links still work 9 years later."""
    with app.database.session() as session:
        marie = person(app, session, "marie.dupont@ville-bobigny.fr")
        confirm = tokens().issue("confirm", marie, ["lettre"])
        leave = tokens().issue("unsubscribe", marie)
        tokens(at=NOW + timedelta(days=6)).resolve(session, "confirm", confirm)
        with pytest.raises(InvalidToken):
            tokens(at=NOW + timedelta(days=8)).resolve(session, "confirm", confirm)
        later = tokens(at=NOW + timedelta(days=9 * 365))
        assert later.resolve(session, "unsubscribe", leave)[0].id == marie.id


def test_key_rotation_keeps_old_links_valid(app: App) -> None:
    """After a new key is put first, links signed with the old key still verify."""
    with app.database.session() as session:
        marie = person(app, session, "marie.dupont@ville-bobigny.fr")
        old_link = tokens(OLD_KEY).issue("unsubscribe", marie)
        rotated = tokens(NEW_KEY, OLD_KEY)
        assert rotated.resolve(session, "unsubscribe", old_link)[0].id == marie.id
        new_link = rotated.issue("unsubscribe", marie)
        tokens(NEW_KEY).resolve(session, "unsubscribe", new_link)
        with pytest.raises(InvalidToken):
            tokens(OLD_KEY).resolve(session, "unsubscribe", new_link)


def test_tokens_are_not_guessable(app: App) -> None:
    """Tokens carry a 144-bit signature and differ for each subscriber and moment."""
    with app.database.session() as session:
        marie = person(app, session, "marie.dupont@ville-bobigny.fr")
        karim = person(app, session, "karim.benali@cs-aubervilliers.fr")
        first = tokens().issue("unsubscribe", marie)
        assert len(first.rpartition(".")[2]) == 24  # base64url of 18 bytes
        later = tokens(at=NOW + timedelta(seconds=1)).issue("unsubscribe", marie)
        assert len({first, later, tokens().issue("unsubscribe", karim)}) == 3


def test_verp_address_is_signed(app: App) -> None:
    """A VERP address names its subscriber and cannot be forged for another one."""
    with app.database.session() as session:
        marie = person(app, session, "marie.dupont@ville-bobigny.fr")
        karim = person(app, session, "karim.benali@cs-aubervilliers.fr")
        signer = tokens(NEW_KEY, OLD_KEY)
        address = signer.verp_address(marie)
        assert address.startswith(f"bounces+{marie.id}-")
        assert address.endswith("@lettre.professionbanlieue.org")
        assert signer.verp_subscriber_id(address.upper()) == marie.id
        assert signer.verp_matches(address.upper(), marie)
        forged = address.replace(f"+{marie.id}-", f"+{karim.id}-")
        assert signer.verp_subscriber_id(forged) == karim.id
        assert not signer.verp_matches(forged, karim)
        assert signer.verp_matches(tokens(OLD_KEY).verp_address(marie), marie)
        assert signer.verp_subscriber_id("bounces@lettre.professionbanlieue.org") is None


def test_token_is_short_dotted_url_safe_text() -> None:
    """A typical token is version, id, issue time, binding, lists and a 24-character MAC,
    in at most 70 URL-safe characters."""
    token = tokens().issue("unsubscribe", MARIE, ["lettre"])
    prefix = f"1.4182.{int(NOW.timestamp())}.3f3f3f3f3f3f3f3f.lettre."
    assert token.startswith(prefix) and re.fullmatch(r"[A-Za-z0-9_-]{24}", token[len(prefix) :])
    assert len(token) <= 70


def test_changing_any_single_character_is_refused() -> None:
    """Replacing any one character of a token by any other URL-safe one, dropping its last
    character or adding one: refused, without any database."""
    signer = tokens()
    token = signer.issue("unsubscribe", MARIE, ["lettre", "reaap"])
    changed = [token[:-1], token + "A"] + [
        token[:position] + replacement + token[position + 1 :]
        for position, original in enumerate(token)
        for replacement in URL_SAFE.replace(original, "")
    ]
    for bad in changed:
        with pytest.raises(InvalidToken):
            signer.verify("unsubscribe", bad)


def test_rotation_verifies_every_listed_key_and_no_other() -> None:
    """With several keys, tokens signed with any of them verify, the first one signs, and a
    token signed with a key not listed is refused."""
    third = b"t" * 40
    rotated = tokens(third, NEW_KEY, OLD_KEY)
    for key in (third, NEW_KEY, OLD_KEY):
        claims, _ = rotated.verify("preferences", tokens(key).issue("preferences", MARIE))
        assert claims.subscriber_id == MARIE.id
    tokens(third).verify("preferences", rotated.issue("preferences", MARIE))
    with pytest.raises(InvalidToken):
        rotated.verify("preferences", tokens(b"x" * 40).issue("preferences", MARIE))
    with pytest.raises(InvalidToken):
        tokens(NEW_KEY, OLD_KEY).verify("preferences", rotated.issue("preferences", MARIE))


def test_each_purpose_expires_after_its_configured_lifetime() -> None:
    """Confirmation tokens live ``confirm_token_days``, the others ``link_token_days``: valid
    up to that age, refused one second later, and refused before they were issued."""
    settings = SubscriberSettings(confirm_token_days=2, link_token_days=30)
    signer = Tokens((NEW_KEY,), settings, clock=lambda: NOW)
    for purpose, days in (("confirm", 2), ("preferences", 30), ("unsubscribe", 30)):
        token = signer.issue(purpose, MARIE)
        end = NOW + timedelta(days=days)
        assert signer.verify(purpose, token, now=end)[0].issued_at == NOW
        for refused_at in (end + timedelta(seconds=1), NOW - timedelta(seconds=1)):
            with pytest.raises(InvalidToken):
                signer.verify(purpose, token, now=refused_at)


def test_a_token_works_only_for_its_purpose() -> None:
    """A token made for one purpose is refused for every other one and for an unknown one;
    issuing for an unknown purpose is a programming error."""
    signer = tokens()
    for made, used in [*itertools.permutations(PURPOSES, 2), ("unsubscribe", "login")]:
        with pytest.raises(InvalidToken):
            signer.verify(used, signer.issue(made, MARIE))
    with pytest.raises(ValueError, match="unknown token purpose"):
        signer.issue("login", MARIE)


def test_token_bound_to_another_address_hash_is_refused(app: App) -> None:
    """A well-signed token with a subscriber's id but another address's hash does not act on
    that subscriber."""
    with app.database.session() as session:
        marie = person(app, session, "marie.dupont@ville-bobigny.fr")
        token = tokens().issue("preferences", Ref(marie.id, "0" * 64))
        assert tokens().verify("preferences", token)[0].subscriber_id == marie.id
        with pytest.raises(InvalidToken):
            tokens().resolve(session, "preferences", token)


def test_malformed_tokens_are_refused_even_when_signed() -> None:
    """Empty, oversize, missing or extra fields, non-ASCII, another version, and well-signed
    tokens with ill-formed fields (non-digit id, odd binding, bad list key): refused."""
    signer = tokens()
    good = signer.issue("unsubscribe", MARIE, ["lettre"])
    version, number, issued, binding, _, mac = good.split(".")
    malformed = [
        "",
        ".",
        "a" * 2000,
        good + "." + mac,
        ".".join((version, number, issued, binding)),
        ".".join((version, number, binding, mac)),
        "2" + good[1:],
        good.replace("1.4182.", "1.٤١٨٢.", 1),
        good[:-1] + "é",
        good + "\n",
        " " + good,
        signer.issue("unsubscribe", Ref("41a2", MARIE.email_hash)),  # type: ignore[arg-type]
        signer.issue("unsubscribe", Ref(0, MARIE.email_hash)),
        signer.issue("unsubscribe", Ref(-4182, MARIE.email_hash)),
        signer.issue("unsubscribe", Ref(MARIE.id, MARIE.email_hash.upper())),
        signer.issue("unsubscribe", Ref(MARIE.id, "3f3f")),
        signer.issue("unsubscribe", MARIE, ["Lettre"]),
        signer.issue("unsubscribe", MARIE, [""]),
        signer.issue("unsubscribe", MARIE, ["lettre"] * 200),
    ]
    for bad in malformed:
        with pytest.raises(InvalidToken):
            signer.verify("unsubscribe", bad)


def test_verp_tag_is_lowercase_hex_and_strictly_parsed() -> None:
    """A VERP tag is 20 lowercase hex characters (80 bits); an address of any other shape,
    or on another address, claims no subscriber and matches nobody."""
    signer = tokens()
    address = signer.verp_address(MARIE)
    assert re.fullmatch(r"bounces\+4182-[0-9a-f]{20}@lettre\.professionbanlieue\.org", address)
    tag = address.partition("-")[2].partition("@")[0]
    malformed = [
        address.replace(tag, tag[:-1]),
        address.replace(tag, tag + "0"),
        address.replace(tag, "g" + tag[1:]),
        address.replace(tag, "é" + tag[1:]),
        address.replace("+4182-", "+٤١٨٢-"),
        address.replace("+4182-", "+-"),
        address.replace("@lettre.professionbanlieue.org", "@example.org"),
        address.replace("bounces+", "autre+"),
    ]
    for bad in malformed:
        assert signer.verp_subscriber_id(bad) is None, bad
        assert not signer.verp_matches(bad, MARIE), bad
