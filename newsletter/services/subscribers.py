"""What editors do to subscribers — find them, see one person, add them (or invite them),
change their details, unsubscribe them, erase them, reactivate an address — with the
permission rules (accounts.permissions) and the audit trail: one entry per action, naming
the person by id only (and the list concerned). The web pages and the command line both go
through here, so that each rule holds whoever acts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy.orm import Session

from newsletter.accounts.permissions import Actor, check_list, check_subscriber, lists_of
from newsletter.audit.models import AuditEntry
from newsletter.audit.store import AuditStore
from newsletter.db import Database, utcnow
from newsletter.dispatch.ledger import Delivery
from newsletter.dispatch.store import LedgerStore
from newsletter.editions.models import Edition
from newsletter.editions.store import EditionStore
from newsletter.errors import InputError
from newsletter.settings import Settings
from newsletter.vocabulary import PROFILES
from subscribers import directory
from subscribers.addresses import parse_address
from subscribers.consent import Consent
from subscribers.details import Details
from subscribers.directory import Filters, Found
from subscribers.models import ALL_LISTS, BounceEvent, ConsentRecord, Subscriber, Subscription
from subscribers.optin import OptIn, Request
from subscribers.profiles import FORMATS, STATUSES, SUBSCRIPTION_STATUSES
from subscribers.rgpd import Labels, access, erase
from subscribers.store import SubscriberStore
from subscribers.suppression import entries_for

PAGE_SIZE = 50
RECENT_EDITIONS = 6
HISTORY = 100
INVITATION = "invitation par un éditeur"
FIELD_LABELS = {"civility": "civilité", "first_name": "prénom", "last_name": "nom",
                "organisation": "organisme", "function": "fonction", "profile": "profil",
                "commune": "commune", "department": "département", "format": "format",
                "themes": "thèmes"}  # fmt: skip


@dataclass(frozen=True)
class PersonPage:
    """One person as an editor may see them: a coordinator sees only their lists'
    subscriptions, consents, exclusions and history."""

    subscriber: Subscriber
    subscriptions: list[Subscription]
    consents: list[ConsentRecord]
    bounces: list[BounceEvent]
    excluded: list[tuple[str, str]]  # (list key or "*", reason)
    deliveries: list[tuple[Edition, Delivery | None]]
    history: list[AuditEntry]


@dataclass(frozen=True)
class Added:
    subscriber_id: int | None
    lists: list[str]
    invited: bool  # a confirmation email was asked for, rather than a direct subscription


class Subscribers:
    def __init__(
        self,
        settings: Settings,
        database: Database,
        store: Callable[[Session], SubscriberStore],
        optin: Callable[[Session], OptIn],
    ) -> None:
        self.settings = settings
        self.database = database
        self.store = store
        self.optin = optin

    def visible_lists(self, actor: Actor) -> list[str]:
        return lists_of(actor, self.settings.subscribers.lists)

    def scope(self, actor: Actor) -> list[str] | None:
        """The lists narrowing what the actor sees; None: everything."""
        return self.visible_lists(actor) if actor.coordinator else None

    # -- reading --------------------------------------------------------------------------

    def search(self, actor: Actor, filters: Filters, page: int = 1) -> Found:
        if filters.list_key:
            self._check_list(actor, "view", filters.list_key)
        for value, known in ((filters.subscription, SUBSCRIPTION_STATUSES),
                             (filters.status, STATUSES), (filters.profile, PROFILES),
                             (filters.format, FORMATS),
                             (filters.theme, self.settings.classification.themes)):  # fmt: skip
            if value and value not in known:
                raise InputError(f"filtre inconnu « {value} »", "choisissez dans la liste")
        with self.database.session() as session:
            offset = (max(page, 1) - 1) * PAGE_SIZE
            return directory.search(session, filters, self.scope(actor), offset, PAGE_SIZE)

    def locate(self, email: str) -> int:
        """The id of the person at this address (the command line names people so)."""
        with self.database.session() as session:
            return self.store(session).get(email).id

    def person(self, actor: Actor, subscriber_id: int) -> PersonPage:
        with self.database.session() as session:
            subscriber = self._person(session, actor, "view", subscriber_id)
            seen = set(self.visible_lists(actor))
            newsletters = [key for key, letter in self.settings.newsletters.items()
                           if letter.list in seen]  # fmt: skip
            editions = EditionStore(session).in_states(newsletters, ("sent", "sending", "paused"),
                                                       RECENT_EDITIONS)  # fmt: skip
            rows = LedgerStore(session).deliveries_of(subscriber.id, [e.id for e in editions])
            scope = self.scope(actor)
            history = AuditStore(session).entries(subscriber_id=subscriber.id, lists=scope,
                                                  limit=HISTORY)  # fmt: skip
            excluded = [(entry.list_key, entry.reason)
                        for entry in entries_for(session, subscriber.email_hash)
                        if entry.list_key in seen or entry.list_key == ALL_LISTS]  # fmt: skip
            return PersonPage(
                subscriber=subscriber,
                subscriptions=[s for s in subscriber.subscriptions if s.list_key in seen],
                consents=[c for c in subscriber.consents if c.list_key in seen],
                bounces=sorted(subscriber.bounces, key=lambda b: b.received_at, reverse=True),
                excluded=excluded,
                deliveries=[(edition, rows.get(edition.id)) for edition in editions],
                history=history,
            )

    def access(self, actor: Actor, subscriber_id: int) -> dict[str, Any]:
        """Everything stored about the person (``subscribers.rgpd.access``), a coordinator
        seeing their lists' subscriptions, consents and exclusions only."""
        with self.database.session() as session:
            person = self._person(session, actor, "view", subscriber_id)
            data = access(session, person, Labels.of(self.settings))
        seen = {*self.visible_lists(actor), ALL_LISTS}
        for key in ("abonnements", "consentements", "liste_exclusion"):
            data[key] = [entry for entry in data[key] if entry["liste"] in seen]
        return data

    def erasure(self, actor: Actor, subscriber_id: int) -> list[str]:
        """What erasing the person removes, in French, for the confirmation."""
        with self.database.session() as session:
            return _erased(self._person(session, actor, "forget", subscriber_id))

    # -- acting ---------------------------------------------------------------------------

    def add(
        self, actor: Actor, email: str, details: Details, lists: Sequence[str], source: str
    ) -> Added:
        """Subscribed at once when the editor states where the consent comes from (a phone
        call, a letter, a form on paper); otherwise invited: the person gets the
        confirmation email of the double opt-in and is subscribed only by its link."""
        keys = sorted(set(lists))
        if not keys:
            raise InputError("aucune liste choisie", "cochez au moins une liste")
        for key in keys:
            self._check_list(actor, "add", key)
        details = details.checked(self.settings.classification.themes)
        with self.database.session() as session:
            audit = AuditStore(session)
            if source.strip():
                consent = Consent("admin", self.settings.subscribers.consent_wording, source)
                subscriber = self.store(session).admin_add(email, details, keys, consent)
                for key in keys:
                    audit.record(actor.label, "subscriber_add", user_id=actor.user_id,
                                 subscriber_id=subscriber.id, list_key=key,
                                 detail=f"consentement : {source.strip()}")  # fmt: skip
                return Added(subscriber.id, keys, invited=False)
            optin = self.optin(session)
            optin.store.refuse_barred(parse_address(email), keys)
            optin.request(Request(email, keys, details, INVITATION))
            found = optin.store.find(email)
            for key in keys:
                audit.record(actor.label, "subscriber_invite", user_id=actor.user_id,
                             subscriber_id=found.id if found else None,
                             list_key=key)  # fmt: skip
            return Added(found.id if found else None, keys, invited=True)

    def edit(self, actor: Actor, subscriber_id: int, details: Details) -> list[str]:
        """New details (what the form shows, all of it); the labels of the fields changed."""
        details = details.checked(self.settings.classification.themes)
        with self.database.session() as session:
            store = self.store(session)
            subscriber = self._person(session, actor, "edit", subscriber_id)
            before = store.details(subscriber)
            changed = [FIELD_LABELS[f.name] for f in fields(Details)
                       if set(_as_set(getattr(before, f.name)))
                       != set(_as_set(getattr(details, f.name)))]  # fmt: skip
            if changed:
                store.update(subscriber, details, utcnow())
                self._record(session, actor, "subscriber_edit", subscriber, ", ".join(changed))
            return changed

    def unsubscribe(self, actor: Actor, subscriber_id: int, list_key: str | None) -> list[str]:
        """From one list, or all (a coordinator's « all » is all of theirs); the lists left."""
        with self.database.session() as session:
            store = self.store(session)
            subscriber = self._person(session, actor, "unsubscribe", subscriber_id)
            if list_key:
                self._check_list(actor, "unsubscribe", list_key)
            # No list named leaves every list (and excludes the address from all of them).
            targets = [list_key] if list_key else self.scope(actor) or []
            if actor.coordinator and not targets:
                raise InputError("aucune de vos listes n’est déclarée", "voyez la rédaction")
            _, left = store.leave(subscriber, targets, utcnow())
            for key in left:
                self._record(session, actor, "unsubscribe", subscriber, list_key=key)
            return left

    def forget(self, actor: Actor, subscriber_id: int) -> list[str]:
        """RGPD erasure: the person and everything linked go, the address's keyed hash
        stays on the exclusion list. What was erased, in French."""
        with self.database.session() as session:
            subscriber = self._person(session, actor, "forget", subscriber_id)
            erased = _erased(subscriber)
            self._record(session, actor, "forget", subscriber)
            erase(session, subscriber)
            return erased

    def reactivate(self, actor: Actor, subscriber_id: int, reason: str) -> None:
        """An address that bounced or complained receives again; the reason is kept."""
        if not reason.strip():
            raise InputError("motif de la réactivation manquant",
                             "dites pourquoi l’adresse fonctionne de nouveau")  # fmt: skip
        with self.database.session() as session:
            subscriber = self._person(session, actor, "reactivate", subscriber_id)
            self.store(session).reactivate(subscriber, utcnow())
            self._record(session, actor, "reactivate", subscriber, reason.strip())

    # -- shared ---------------------------------------------------------------------------

    def _check_list(self, actor: Actor, action: str, list_key: str) -> None:
        if list_key not in self.settings.subscribers.lists:
            known = ", ".join(self.visible_lists(actor))
            raise InputError(f"liste inconnue « {list_key} »", f"listes : {known}")
        check_list(actor, action, list_key)

    @staticmethod
    def _person(session: Session, actor: Actor, action: str, subscriber_id: int) -> Subscriber:
        subscriber = directory.person(session, subscriber_id)
        check_subscriber(actor, action, directory.lists_of(subscriber))
        return subscriber

    @staticmethod
    def _record(
        session: Session, actor: Actor, action: str, subscriber: Subscriber, detail: str = "",
        list_key: str | None = None,
    ) -> None:  # fmt: skip
        AuditStore(session).record(actor.label, action, user_id=actor.user_id,
                                   subscriber_id=subscriber.id, list_key=list_key,
                                   detail=detail)  # fmt: skip


def _as_set(value: object) -> tuple[object, ...]:
    return tuple(value) if isinstance(value, tuple) else (value,)


def _erased(subscriber: Subscriber) -> list[str]:
    """What an erasure removes, named for the editor who confirms it."""
    return [
        f"l’adresse {subscriber.email} et son identité "
        "(civilité, prénom, nom, organisme, fonction, profil, commune, département)",
        f"ses choix : thèmes ({len(subscriber.themes)}) et format",
        f"ses abonnements ({len(subscriber.subscriptions)}) et leurs consentements "
        f"({len(subscriber.consents)})",
        f"son historique de rebonds ({len(subscriber.bounces)})",
        "son nom dans les registres d’envoi des éditions (les comptes restent)",
    ]
