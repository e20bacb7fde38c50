"""Link tokens and VERP tags: unforgeable, bound to one subscriber, expiring, rotatable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from newsletter.app import App
from newsletter.settings import SubscriberSettings
from subscribers.addresses import parse_address
from subscribers.details import Details
from subscribers.models import Subscriber
from subscribers.tokens import InvalidToken, Tokens

NOW = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
NEW_KEY, OLD_KEY = b"n" * 40, b"o" * 40


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
        _, _, signature = token.partition(".")
        forged_payload = tokens().issue("unsubscribe", karim).partition(".")[0]
        answers = {
            refusal(
                lambda: tokens().resolve(session, "unsubscribe", forged_payload + "." + signature)
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
    """Tokens carry a 256-bit signature and differ for each subscriber and moment."""
    with app.database.session() as session:
        marie = person(app, session, "marie.dupont@ville-bobigny.fr")
        karim = person(app, session, "karim.benali@cs-aubervilliers.fr")
        first = tokens().issue("unsubscribe", marie)
        assert len(first.rpartition(".")[2]) >= 43  # base64 of 32 bytes
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
