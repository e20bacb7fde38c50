"""Double opt-in: a request makes pending subscriptions and sends ONE confirmation email
covering every chosen list; the link in it activates them and records the consent.

A request never changes what is stored about someone who already exists (anyone can type
any address in a form), and never tells whether the address was known. At most
``subscribers.confirmations_per_day`` emails go to one address in 24 hours.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from newsletter.db import utcnow
from newsletter.errors import InputError
from newsletter.settings import Category, SubscriberSettings
from subscribers.addresses import Address, parse_address
from subscribers.consent import Consent, record_consents
from subscribers.details import Details
from subscribers.mailer import Mailer
from subscribers.models import Subscriber
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

    def request(self, request: Request, now: datetime | None = None) -> bool:
        """Record the wish and send the confirmation; False when nothing was sent."""
        now = now or utcnow()
        address = parse_address(request.email)
        lists = sorted({self.store.check_list(key) for key in request.lists})
        if not lists:
            raise InputError("aucune lettre choisie", "cochez au moins une lettre")
        details = request.details.checked(self.themes)
        subscriber = self.store.find(address.key) or self.store.create(address, details, now)
        if subscriber.status == "blocked":
            return False
        pending = []
        for key in lists:
            subscription = self.store.subscription(subscriber, key)
            if subscription is None or subscription.status != "active":
                self.store.set_subscription(subscriber, key, "pending", request.source, now)
                pending.append(key)
        day_ago = now - timedelta(days=1)
        limit = self.settings.confirmations_per_day
        if not pending or self.store.confirmations_since(subscriber.email_hash, day_ago) >= limit:
            return False
        self.mailer.send(self._message(address, subscriber, pending, now))
        self.store.record_confirmation(subscriber.email_hash, now)
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
            if subscription is not None and subscription.status == "pending":
                self.store.set_subscription(subscriber, key, "active", "", now)
                activated.append(key)
                consent = Consent("form", self.settings.consent_wording, subscription.source, ip)
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
        message = EmailMessage()
        message["Subject"] = "Confirmez votre abonnement — Profession Banlieue"
        message["From"] = self.sender
        message["To"] = address.email
        message["Date"] = format_datetime(now)
        message["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2].strip(">"))
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(
            "Bonjour,\n\n"
            f"Vous avez demandé à recevoir :\n{labels}\n\n"
            f"Pour confirmer, ouvrez ce lien (valable {days:g} jours) :\n{link}\n\n"
            "Si vous n'êtes pas à l'origine de cette demande, ignorez ce message : "
            "vous ne recevrez rien.\n\n"
            "Profession Banlieue — centre de ressources politique de la ville "
            "de Seine-Saint-Denis\n"
        )
        return message
