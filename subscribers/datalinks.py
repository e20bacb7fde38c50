"""The link to one's data (download, erasure), sent on request to the address itself.

A preferences link lasts years and travels in every email: it must not open someone's
data. The preferences page offers instead to send a ``data`` link to the address: valid
``subscribers.data_link_minutes``, serving once, limited like confirmations (quotas).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from newsletter.mail import notice
from newsletter.settings import SubscriberSettings
from subscribers.addresses import parse_address
from subscribers.mailer import Mailer
from subscribers.models import Subscriber
from subscribers.quotas import Quotas
from subscribers.tokens import Tokens

SUBJECT = "Vos données — Profession Banlieue"


class DataLinks:
    def __init__(
        self,
        quotas: Quotas,
        tokens: Tokens,
        mailer: Mailer,
        settings: SubscriberSettings,
        url: Callable[[str], str],
    ) -> None:
        self.quotas = quotas
        self.tokens = tokens
        self.mailer = mailer
        self.settings = settings
        self.url = url  # the page a data token opens

    def send(self, subscriber: Subscriber, client: str, now: datetime) -> bool:
        """Email the link to the person's address; False when the quotas refuse it."""
        address = parse_address(subscriber.email)
        if not self.quotas.take_mailbox(address, now):
            return False
        if not self.quotas.take_sending(client, now):
            self.quotas.give_back_mailbox(address, now)
            return False
        link = self.url(self.tokens.issue("data", subscriber, now=now))
        minutes = self.settings.data_link_minutes
        body = (
            "Bonjour,\n\n"
            "Vous avez demandé à consulter les données que nous gardons sur vous. "
            f"Ce lien vous permet de les voir, de les télécharger ou de les effacer ; il est "
            f"valable {minutes:g} minutes et ne sert qu'une fois :\n{link}\n\n"
            "Si vous n'êtes pas à l'origine de cette demande, ignorez ce message.\n"
        )
        self.mailer.send(notice(self.settings.sender, address.email, SUBJECT, body, now))
        return True
