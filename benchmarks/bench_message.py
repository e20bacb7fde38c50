"""Benchmark: cost of one recipient's message for a realistic edition (~40 KB HTML, ~8 KB
text), made by the send path (``MessageFactory.compose`` filling bodies prepared once)
versus an ``email.message.EmailMessage`` built and serialised per recipient, measured in the
same run (goal: well under 0.2 ms per message). Also prints the cost of DKIM signing one
message.

    .venv/bin/python benchmarks/bench_message.py [--recipients 5000] [--reference 300]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from newsletter.db import utcnow
from newsletter.dispatch.bodies import Bodies, Body
from newsletter.dispatch.message import EditionHeaders, MessageFactory, Recipient, feedback_id
from newsletter.rendering.personalise import (
    Fillable,
    PersonalValues,
    html_values,
    marker,
    text_values,
)

EDITION = EditionHeaders(
    id=128,
    subject="La Lettre de Profession Banlieue n° 128 — été des quartiers, réussite éducative",
    sender_name="Profession Banlieue",
    sender_address="lettre@professionbanlieue.org",
    list_name="Lettre de Profession Banlieue",
    list_id="lettre.lettre.professionbanlieue.org",
    reply_to="contact@professionbanlieue.org",
    archive_url="https://lettre.professionbanlieue.org/archives/128",
    feedback_id=feedback_id(128, "lettre", "lettre"),
)
SUMMARY = (
    "Le centre social accompagne les habitants du quartier dans leurs démarches d'accès aux "
    "droits, propose des ateliers parents-enfants et un accompagnement à la scolarité. "
    "Rencontre ouverte aux professionnels et aux élus de la Seine-Saint-Denis, sur inscription."
)
ARTICLE = """<tr><td style="padding:16px 24px;font-family:Helvetica,Arial,sans-serif;\
font-size:15px;line-height:22px;color:#222222;border-bottom:1px solid #e5e5e5;">
<h2 style="margin:0 0 8px 0;font-size:18px;line-height:24px;color:#8a1538;">\
Fiche d'expérience n° {n} : participation des habitants et renouvellement urbain</h2>
<p style="margin:0 0 8px 0;">{summary}</p>
<p style="margin:0;"><a href="https://www.professionbanlieue.org/fiches/{n}?utm_source=lettre\
&amp;utm_medium=email&amp;utm_campaign=128" style="color:#8a1538;text-decoration:underline;">\
Lire la fiche</a> · Bobigny, Saint-Denis, Montreuil · {n} mars 2026</p>
</td></tr>
"""
HTML = (
    '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>La Lettre</title></head>'
    '<body style="margin:0;padding:0;background:#f4f4f4;">\n<table role="presentation" '
    'width="100%" cellpadding="0" cellspacing="0" style="max-width:640px;margin:0 auto;'
    'background:#ffffff;">\n<tr><td style="padding:24px;">{greeting}</td></tr>\n'
    + "".join(ARTICLE.format(n=n, summary=SUMMARY) for n in range(46))
    + '<tr><td style="padding:24px;font-size:12px;color:#666666;">Vous recevez cette lettre '
    'car vous y êtes abonné·e. <a href="{unsubscribe_url}">Se désabonner</a></td></tr>\n'
    "</table></body></html>\n"
)
TEXT = (
    "{greeting}\n\n"
    + "".join(
        f"* Fiche d'expérience n° {n} : participation des habitants\n  {SUMMARY[:150]}\n"
        f"  https://www.professionbanlieue.org/fiches/{n}\n\n"
        for n in range(31)
    )
    + "Se désabonner : {unsubscribe_url}\n"
)
MARKERS = {name: marker(name) for name in ("greeting", "unsubscribe_url")}


def personalised(number: int) -> tuple[Recipient, PersonalValues]:
    """A recipient and their personal values (a link with a token as long as a real one)."""
    token = f"1.{number}.1795314667.0123456789abcdef.lettre.UfKm9d4S44hs4FTbTJwVOQnE"
    url = f"https://lettre.professionbanlieue.org/desabonnement/{token}"
    verp = f"bounces+{number}-0123456789abcdef0123@professionbanlieue.org"
    person = Recipient(
        key=f"r{number}",
        email=f"abonne{number}@exemple.fr",
        name=f"Hélène Durand-{number}",
        unsubscribe_url=url,
        unsubscribe_mailto=f"mailto:{verp}?subject=desabonnement%20lettre",
        envelope_sender=verp,
    )
    web = "https://lettre.professionbanlieue.org/archives/lettre/128"
    values = PersonalValues(f"Bonjour {person.name},", url, url, web)
    return person, values


def texts(values: PersonalValues) -> tuple[str, str]:
    """The HTML and text a recipient gets, filled the general way (what the reference
    serialises)."""
    html = Fillable(HTML.format(**MARKERS)).fill(html_values(values))
    return html, Fillable(TEXT.format(**MARKERS)).fill(text_values(values))


def reference(person: Recipient, html: str, text: str, message_id: str) -> bytes:
    """What the usual code does: one EmailMessage per recipient, serialised."""
    message = EmailMessage()
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = message_id
    message["From"] = Address(EDITION.sender_name, addr_spec=EDITION.sender_address)
    message["Reply-To"] = EDITION.reply_to
    message["To"] = Address(person.name, addr_spec=person.email)
    message["Subject"] = EDITION.subject
    message["List-Id"] = f"{EDITION.list_name} <{EDITION.list_id}>"
    message["List-Unsubscribe"] = f"<{person.unsubscribe_url}>, <{person.unsubscribe_mailto}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["List-Archive"] = f"<{EDITION.archive_url}>"
    message["Precedence"] = "bulk"
    message["Feedback-ID"] = EDITION.feedback_id
    message.set_content(text, cte="8bit")
    message.add_alternative(html, subtype="html", cte="8bit")
    return message.as_bytes(policy=SMTP)


def per_message(make: Callable[[Recipient, PersonalValues], bytes], count: int) -> float:
    """Mean seconds of ``make`` alone, one recipient after another."""
    spent = 0.0
    for number in range(count):
        person, values = personalised(number)
        started = time.perf_counter()
        make(person, values)
        spent += time.perf_counter() - started
    return spent / count


def dkim_cost(message: bytes, count: int) -> float | None:
    """Seconds to sign one message with a 2048-bit key (None without ``cryptography``)."""
    try:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
    except ImportError:
        return None
    from newsletter.dispatch.dkim import DkimSigner

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    signer = DkimSigner("bench", "professionbanlieue.org", key)
    started = time.perf_counter()
    for _ in range(count):
        signer.sign(message)
    return (time.perf_counter() - started) / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=5000)
    parser.add_argument("--reference", type=int, default=300, help="recipients for the reference")
    args = parser.parse_args()
    factory = MessageFactory(EDITION, id_key=b"bench-key")
    boundary = factory.boundary.encode()
    bodies = Bodies(
        Body("plain", Fillable(TEXT.format(**MARKERS)), text_values, boundary),
        Body("html", Fillable(HTML.format(**MARKERS)), html_values, boundary),
    )
    person, values = personalised(0)
    html, text = texts(values)
    sample = factory.compose(person, bodies, values)
    sizes = [len(html.encode()), len(text.encode()), len(sample)]
    print("edition: HTML {:.1f} KiB, text {:.1f} KiB, message {:.1f} KiB".format(
        *(size / 1024 for size in sizes)))  # fmt: skip

    def send_path(person: Recipient, values: PersonalValues) -> bytes:
        return factory.compose(person, bodies, values)

    def usual(person: Recipient, values: PersonalValues) -> bytes:
        return reference(person, *texts(values), factory.message_id(person))

    per_message(send_path, 200)  # warm-up
    fast = per_message(send_path, args.recipients)
    slow = per_message(usual, args.reference)
    print(f"MessageFactory.compose:          {fast * 1e3:7.3f} ms per recipient "
          f"({args.recipients} recipients; goal well under 0.2 ms)")  # fmt: skip
    print(f"EmailMessage built + serialised: {slow * 1e3:7.3f} ms per recipient "
          f"({args.reference} recipients, from the filled texts)")  # fmt: skip
    print(f"ratio: the send path is {slow / fast:.0f}× faster")
    signing = dkim_cost(sample, 50)
    if signing is None:
        print("DKIM: cryptography not installed, not measured")
    else:
        print(f"DKIM signing (dkimpy, RSA 2048):  {signing * 1e3:7.3f} ms per message")


if __name__ == "__main__":
    main()
