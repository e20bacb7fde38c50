"""Double opt-in: a request makes pending subscriptions and sends ONE confirmation email
covering every chosen list; the link in it activates them and records the consent.

A request never changes what is stored about someone who already exists (anyone can type
any address in a form), and never tells whether the address was known. Emails are limited
per mailbox, per client address and in all (``subscribers.quotas``), counted before
anything else: requests for one mailbox run one after the other. Someone who had left a
list and asks for it again gets a separate pending request (``PendingRequest``): the old
subscription is neither revived nor extended until they confirm.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage

from newsletter.db import utcnow
from newsletter.errors import InputError
from newsletter.mail import notice
from newsletter.settings import Category, SubscriberSettings
from subscribers.addresses import Address, parse_address
from subscribers.consent import Consent, record_consents
from subscribers.details import Details
from subscribers.mailer import Mailer
from subscribers.models import Subscriber
from subscribers.quotas import Quotas
from subscribers.store import SubscriberStore
from subscribers.suppression import lift
from subscribers.tokens import InvalidToken, Tokens

FORM_SOURCE = "formulaire du site"


@dataclass(frozen=True)
class Request:
    email: str
    lists: Sequence[str]
    details: Details = field(default_factory=Details)
    source: str = FORM_SOURCE
    client: str = ""  # the address the request came from (quotas)


class OptIn:
    def __init__(
        self,
        store: SubscriberStore,
        tokens: Tokens,
        mailer: Mailer,
        settings: SubscriberSettings,
        sender: str,
        themes: Mapping[str, Category],
        confirm_url: Callable[[str], str],
    ) -> None:
        self.store = store
        self.tokens = tokens
        self.mailer = mailer
        self.settings = settings
        self.sender = sender
        self.themes = themes
        self.confirm_url = confirm_url  # the page a confirmation token opens

    def checked(self, request: Request) -> tuple[Address, list[str], Details]:
        """The request's address, lists and details, or the ``InputError`` to show; reads
        and writes nothing, so the answer is the same whatever the address."""
        address = parse_address(request.email)
        lists = sorted({self.store.check_list(key) for key in request.lists})
        if not lists:
            raise InputError("aucune lettre choisie", "cochez au moins une lettre")
        return address, lists, request.details.checked(self.themes)

    def request(self, request: Request, now: datetime | None = None) -> bool:
        """Record the wish and send the confirmation; False when nothing was sent."""
        now = now or utcnow()
        address, lists, details = self.checked(request)
        quotas = Quotas(self.store.session, self.settings, self.store.pepper)
        if not quotas.take_mailbox(address, now):
            return False
        subscriber = self.store.find(address.key) or self.store.create(address, details, now)
        if subscriber.status == "blocked":
            quotas.give_back_mailbox(address, now)
            return False
        pending = []
        for key in lists:
            subscription = self.store.subscription(subscriber, key)
            if subscription is None or subscription.status == "pending":
                self.store.set_subscription(subscriber, key, "pending", request.source, now)
            elif subscription.status == "unsubscribed":
                self.store.request_again(subscriber, key, request.source, now)
            else:
                continue
            pending.append(key)
        if not pending or not quotas.take_sending(request.client, now):
            quotas.give_back_mailbox(address, now)  # nothing sent: the mailbox's room stays
            return False
        self.mailer.send(self._message(address, subscriber, pending, now))
        return True

    def confirm(self, token: str, ip: str = "", now: datetime | None = None) -> list[str]:
        """Activate the lists the link was sent for; the lists activated by this click."""
        now = now or utcnow()
        subscriber, claims = self.tokens.resolve(self.store.session, "confirm", token, now)
        if subscriber.status == "blocked":
            raise InvalidToken()
        activated = []
        for key in claims.lists:
            subscription = self.store.subscription(subscriber, key)
            again = self.store.take_request(subscriber, key)
            if again is not None:
                source = again
            elif subscription is not None and subscription.status == "pending":
                source = subscription.source
            else:
                continue
            self.store.set_subscription(subscriber, key, "active", source, now)
            activated.append(key)
            consent = Consent("form", self.settings.consent_wording, source, ip)
            record_consents(self.store.session, consent, [(subscriber.id, key)], now)
        if activated:
            # A confirmed, fresh consent: the address works and the person wants the lists.
            lift(self.store.session, subscriber.email_hash, activated)
            subscriber.status = "active"
        return activated

    def _message(
        self, address: Address, subscriber: Subscriber, lists: list[str], now: datetime
    ) -> EmailMessage:
        labels = "\n".join(f"  – {self.settings.lists[key].label}" for key in lists)
        link = self.confirm_url(self.tokens.issue("confirm", subscriber, lists, now))
        days = self.settings.confirm_token_days
        body = (
            "Bonjour,\n\n"
            f"Vous avez demandé à recevoir :\n{labels}\n\n"
            f"Pour confirmer, ouvrez ce lien (valable {days:g} jours) :\n{link}\n\n"
            "Si vous n'êtes pas à l'origine de cette demande, ignorez ce message : "
            "vous ne recevrez rien.\n"
        )
        subject = "Confirmez votre abonnement — Profession Banlieue"
        return notice(self.sender, address.email, subject, body, now)
