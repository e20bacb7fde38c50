"""Hard or soft: what a failure's status codes and wording say, read conservatively.

A hard bounce suppresses a reader at once, so it needs strong evidence that the address
cannot receive mail: an RFC 3463 addressing code (5.1.1 bad mailbox, 5.1.2 bad domain, 5.1.3
bad address syntax, 5.1.6 mailbox moved, 5.1.10 null MX), or wording that says the user is
unknown, the domain does not exist or the mailbox is disabled (English, French, German,
Spanish, Italian, Portuguese). Everything else is soft: a temporary code (4.x.x), a full
mailbox or a retry timeout whatever the code, no code at all, a bare 5.0.0, refusals for
content, policy, reputation or authentication. Temporary wording wins over everything (a
full mailbox reported with 5.1.1 stays soft).
"""

from __future__ import annotations

import re

STATUS = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.]*\d)")
HARD_STATUSES = frozenset({"5.1.1", "5.1.2", "5.1.3", "5.1.6", "5.1.10"})

TEMPORARY = re.compile(
    r"quota|over\s?quota|(mail\s?box|mailfolder|inbox|account|maildir)\W+(is\s+|was\s+)?"
    r"(full|over)|full\s+mail\s?box|insufficient\s+(storage|space|disk)|not\s+enough\s+"
    r"(storage\s+)?space|disk\s?space|try\s+(again\s+)?later|not\s+found,\s+try\s+again|"
    r"temporar|temp_failure|"
    r"timed?\s?out|expired|too\s+many|rate\s+limit|gr[ae]ylist|"
    r"bo[iî]te\s+(aux\s+lettres\s+)?pleine|essayer\s+plus\s+tard|r[ée]essayer|"
    r"postfach\s+(ist\s+)?voll|buz[oó]n\s+lleno|casella\s+piena|caixa\s+cheia",
    re.IGNORECASE,
)
HARD = re.compile(
    # the user or mailbox does not exist
    r"user\s+(is\s+)?unknown|unknown\s+(user|recipient|address|addressee|alias|local|mailbox"
    r"|account)|unknown\s+or\s+illegal|(addressee|address|recipient)\s+unknown|no\s+such\s+"
    r"(user|recipient|mailbox|address|account|person|domain)|(user|recipient|mailbox)\s+not\s+"
    r"(found|known)|recipnotfound|(does\s+not|doesn'?t|did\s+not)\s+exist|doesn'?t\s+have\s+"
    r"an?\s+\S+\s+account|invalid\s+(recipient|mailbox|user|address|final\s+delivery)|"
    r"bad\s+destination\s+mailbox|non-?existent\s+(user|mailbox|account|address|domain)|"
    r"no\s+mailbox\s+here|recipient\s+name\s+is\s+not\s+recognized|not\s+listed\s+in\s+"
    r"(the\s+)?(public|domino)|no\s+matches\s+to\s+nameserver|no\s+final\s+email\s+delivery|"
    r"does\s+not\s+have\s+a\s+final\s+email\s+delivery|not\s+a\s+valid\s+(user|recipient|"
    r"mailbox)|address\s+is\s+wrong\s+or\s+no\s+longer\s+valid|"
    # the mailbox is disabled
    r"(account|mailbox)\s+(that\s+you\s+tried\s+to\s+reach\s+)?(has\s+been\s+|is\s+)?"
    r"(disabled|deactivated|discontinued|closed|deleted|terminated)|"
    # the domain does not exist
    r"(host|domain)(\s+name)?\s+not\s+found|unknown\s+host|host\s+unknown|unroute?able\s+"
    r"(mail\s+)?domain|domain\s+(does\s+not|doesn'?t)\s+exist|"
    # French, German, Spanish, Italian, Portuguese
    r"utilisateur\s+(inconnu|non\s+recens|introuvable)|(adresse|destinataire|compte|bo[iî]te"
    r"(\s+aux\s+lettres)?)\s+(inconnu|inexistant|introuvable)|n'existe\s+(pas|plus)|"
    r"(compte|bo[iî]te|adresse)\b[^.;]{0,40}?\b(d[ée]sactiv|supprim|ferm)|"
    r"domaine\s+(inconnu|inexistant)|unbekannt|"
    r"existiert\s+nicht|usuario\s+(desconocido|inexistente)|no\s+existe|utente\s+"
    r"(sconosciuto|inesistente)|non\s+esiste|usu[aá]rio\s+desconhecido|n[aã]o\s+existe",
    re.IGNORECASE,
)


def classify(status: str, text: str) -> str:
    """``hard`` or ``soft`` for a failure: its DSN status (may be empty) and the words the
    servers gave (diagnostic code, SMTP reply, notification text)."""
    codes = [".".join(match.groups()) for match in STATUS.finditer(f"{status} {text}")]
    if status.startswith("4") or (codes and all(code.startswith("4") for code in codes)):
        return "soft"
    if TEMPORARY.search(text):
        return "soft"
    if HARD_STATUSES.intersection(codes) or HARD.search(text):
        return "hard"
    return "soft"


def precise_status(status: str, diagnostic: str) -> str:
    """The status to record: a vague ``x.0.0`` (or none) gives way to the first code of the
    diagnostic ("5.0.0" often hides "550 5.7.1")."""
    declared = STATUS.search(status)
    detailed = STATUS.search(diagnostic)
    if declared and not (declared.group(0).endswith(".0.0") and detailed):
        return declared.group(0)
    return detailed.group(0) if detailed else ""
