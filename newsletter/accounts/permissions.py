"""Who may do what: the one place the rules live, for the web, the API, the command line
and the scheduler alike.

Admins and editors act on every newsletter and every item. A network coordinator acts
only on the newsletters of their account, and on the items of their networks (the
networks those newsletters are made of) that no other newsletter's edition carries; on
any other item they may propose a correction, which an editor accepts or refuses. The
command line (an operator on the server) and the scheduler act as editors.

Subscribers: a coordinator sees and manages the people subscribed (whatever the status) to
the lists of their newsletters, and of those people only these lists' subscriptions. They
may not erase or reactivate someone who is also on another list (that changes what the
other lists' editors rely on), nor work on segments (a segment spans every list).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from newsletter.accounts.models import User
from newsletter.errors import PermissionDenied
from newsletter.vocabulary import ROLES

EDITION_ACTIONS = ("view", "assemble", "edit", "approve", "discard", "schedule", "send",
                   "pause", "resume", "cancel", "test_send")  # fmt: skip
ITEM_ACTIONS = ("create", "edit", "propose")
SUBSCRIBER_ACTIONS = ("view", "add", "edit", "unsubscribe", "forget", "reactivate")
LIST_ACTIONS = ("view", "add", "unsubscribe", "import", "export")
SEGMENT_ACTIONS = ("view", "save", "delete")
# What a coordinator may do only to people on none but their lists.
WHOLE_PERSON = ("forget", "reactivate")


@dataclass(frozen=True)
class Actor:
    """Who acts: an editor's account, an operator on the command line, or the scheduler."""

    label: str  # how the audit trail names them
    role: str  # a role of vocabulary.ROLES, or "operator", "scheduler"
    newsletters: frozenset[str] = frozenset()  # a coordinator's
    networks: frozenset[str] = frozenset()  # a coordinator's (from their newsletters)
    user_id: int | None = None
    lists: frozenset[str] = frozenset()  # a coordinator's (their newsletters' lists)

    @classmethod
    def of(cls, user: User, networks: Collection[str] = (), lists: Collection[str] = ()) -> Actor:
        """An editor's account; ``networks`` and ``lists``: those its newsletters are made
        of and sent to."""
        return cls(f"{user.name} ({ROLES.get(user.role, user.role)})", user.role,
                   frozenset(user.newsletters), frozenset(networks), user.id,
                   frozenset(lists))  # fmt: skip

    @property
    def coordinator(self) -> bool:
        return self.role == "coordinator"


OPERATOR = Actor("ligne de commande", "operator")
SCHEDULER = Actor("planificateur", "scheduler")


def may_act_on_newsletter(actor: Actor, newsletter: str) -> bool:
    return not actor.coordinator or newsletter in actor.newsletters


def check_edition(actor: Actor, action: str, newsletter: str) -> None:
    """``action`` (one of EDITION_ACTIONS) on an edition of ``newsletter``."""
    if action not in EDITION_ACTIONS:
        raise ValueError(f"unknown edition action {action!r}")
    if not may_act_on_newsletter(actor, newsletter):
        raise PermissionDenied(
            f"accès refusé à la lettre « {newsletter} »",
            f"votre compte coordonne : {', '.join(sorted(actor.newsletters)) or 'aucune lettre'}",
        )


def check_item(
    actor: Actor,
    action: str,
    networks: Collection[str],
    carried_by: Collection[str] = (),
) -> None:
    """``action`` on an item of these ``networks`` (after the change, for create and edit),
    carried by editions of the newsletters ``carried_by``."""
    if action not in ITEM_ACTIONS:
        raise ValueError(f"unknown item action {action!r}")
    if not actor.coordinator or action == "propose":
        return
    theirs = ", ".join(sorted(actor.networks)) or "aucun"
    if not networks or not set(networks) <= actor.networks:
        raise PermissionDenied(
            "cet élément ne relève pas de votre réseau",
            f"vos réseaux : {theirs} ; proposez la correction à la rédaction",
        )
    others = sorted(set(carried_by) - actor.newsletters)
    if others:
        raise PermissionDenied(
            f"cet élément figure dans une édition d’une autre lettre ({', '.join(others)})",
            "proposez la correction à la rédaction, qui l’acceptera",
        )


def lists_of(actor: Actor, lists: Collection[str]) -> list[str]:
    """Those of ``lists`` the actor sees and manages: all of them, or a coordinator's."""
    return [key for key in lists if not actor.coordinator or key in actor.lists]


def _theirs(actor: Actor) -> str:
    return f"vos listes : {', '.join(sorted(actor.lists)) or 'aucune'}"


def check_list(actor: Actor, action: str, list_key: str) -> None:
    """``action`` (one of LIST_ACTIONS) on the subscribers of one list."""
    if action not in LIST_ACTIONS:
        raise ValueError(f"unknown list action {action!r}")
    if actor.coordinator and list_key not in actor.lists:
        raise PermissionDenied(f"la liste « {list_key} » ne relève pas de votre réseau",
                               _theirs(actor))  # fmt: skip


def check_subscriber(actor: Actor, action: str, lists: Collection[str]) -> None:
    """``action`` (one of SUBSCRIBER_ACTIONS) on a person with subscriptions (whatever
    their status) to ``lists``."""
    if action not in SUBSCRIBER_ACTIONS:
        raise ValueError(f"unknown subscriber action {action!r}")
    if not actor.coordinator:
        return
    if not set(lists) & actor.lists:
        raise PermissionDenied("cette personne n’est abonnée à aucune liste de votre réseau",
                               _theirs(actor))  # fmt: skip
    if action in WHOLE_PERSON and set(lists) - actor.lists:
        raise PermissionDenied(
            "cette personne reçoit aussi d’autres lettres que les vôtres",
            "seule la rédaction peut l’effacer ou la réactiver : demandez-le-lui",
        )


def check_segments(actor: Actor, action: str) -> None:
    """``action`` (one of SEGMENT_ACTIONS) on segments, which span every list."""
    if action not in SEGMENT_ACTIONS:
        raise ValueError(f"unknown segment action {action!r}")
    if actor.coordinator:
        raise PermissionDenied(
            "les segments sont réservés à la rédaction",
            "un segment porte sur toutes les listes ; exportez votre liste depuis « Listes »",
        )


def may_change_logo(actor: Actor) -> bool:
    """The masthead's logo serves every newsletter: the editorial team's, not a network's."""
    return not actor.coordinator


def check_logo(actor: Actor) -> None:
    if not may_change_logo(actor):
        raise PermissionDenied("le logo est choisi par la rédaction",
                               "demandez à un éditeur ou à un administrateur")  # fmt: skip
