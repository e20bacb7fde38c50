"""Click in French: its messages (usage errors, help headings) through a French catalogue.

Click writes every message through ``gettext`` (``_`` and ``ngettext`` imported in each of
its modules), which is how it is meant to be translated; there is no French catalogue on
PyPI and gettext would want a compiled file and a French locale in the environment, so the
catalogue is this table and it is installed in Click's modules when the CLI loads. A message
missing here stays in English (a newer Click may add some).
"""

from __future__ import annotations

import click
import click.core
import click.decorators
import click.exceptions
import click.formatting
import click.parser
import click.termui
import click.types

MESSAGES = {
    "Usage:": "Utilisation :",
    "Options": "Options",
    "Commands": "Commandes",
    "Positional arguments": "Arguments",
    "Show this message and exit.": "Affiche cette aide.",
    "Show the version and exit.": "Affiche la version.",
    "%(prog)s, version %(version)s": "%(prog)s, version %(version)s",
    "Aborted!": "Interrompu.",
    "Error: {message}": "Erreur : {message}",
    "Try '{command} {option}' for help.": "Aide : « {command} {option} ».",
    "Invalid value: {message}": "valeur invalide : {message}",
    "Invalid value for {param_hint}: {message}": "valeur invalide pour {param_hint} : {message}",
    "Missing argument": "argument manquant",
    "Missing option": "option manquante",
    "Missing parameter": "paramètre manquant",
    "Missing {param_type}": "{param_type} manquant",
    "Missing parameter: {param_name}": "paramètre manquant : {param_name}",
    "Missing command.": "commande manquante.",
    "No such option {name!r}.": "option inconnue : {name!r}.",
    "No such command {name!r}.": "commande inconnue : {name!r}.",
    "Option {name!r} does not take a value.": "l’option {name!r} ne prend pas de valeur.",
    "Argument {name!r} takes {nargs} values.": "l’argument {name!r} prend {nargs} valeurs.",
    "Could not open file {filename!r}: {message}": "impossible d’ouvrir {filename!r} : {message}",
    "unknown error": "erreur inconnue",
    "{value!r} is not a valid {number_type}.": "{value!r} n’est pas un nombre valide.",
    "{value} is not in the range {range}.": "{value} n’est pas dans l’intervalle {range}.",
    "{value!r} is not a valid UUID.": "{value!r} n’est pas un UUID valide.",
    "{name} {filename!r} does not exist.": "{name} {filename!r} introuvable.",
    "{name} {filename!r} is a file.": "{name} {filename!r} est un fichier.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} est un dossier.",
    "{name} {filename!r} is not readable.": "{name} {filename!r} illisible.",
    "{name} {filename!r} is not writable.": "{name} {filename!r} n’est pas modifiable.",
    "{name} {filename!r} is not executable.": "{name} {filename!r} n’est pas exécutable.",
    "file": "fichier",
    "directory": "dossier",
    "path": "chemin",
    "Choose from:\n\t{choices}": "Choix :\n\t{choices}",
    "Value must be an iterable.": "la valeur doit être une liste.",
    "default: {default}": "défaut : {default}",
    "env var: {var}": "variable d’environnement : {var}",
    "deprecated": "obsolète",
    "Do you want to continue?": "Continuer ?",
    "Repeat for confirmation": "Répétez pour confirmer",
    "Error: The two entered values do not match.": "Erreur : les deux valeurs diffèrent.",
    "Error: invalid input": "Erreur : saisie invalide",
    "Confirm the action without prompting.": "Confirme l’action sans la demander.",
}
PLURALS = {
    "Got unexpected extra argument ({args})": (
        "argument en trop : {args}", "arguments en trop : {args}"),
    "Did you mean {possibility}?": (
        "Vouliez-vous dire {possibility} ?", "(Vouliez-vous dire l’un de : {possibilities} ?)"),
    "Option {name!r} requires an argument.": (
        "l’option {name!r} demande une valeur.", "l’option {name!r} demande {nargs} valeurs."),
    "{value!r} is not {choice}.": (
        "{value!r} n’est pas {choice}.", "{value!r} n’est pas l’un de : {choices}."),
    "{value!r} does not match the format {format}.": (
        "{value!r} ne suit pas le format {format}.",
        "{value!r} ne suit aucun des formats {formats}."),
    "Takes {nargs} values but 1 was given.": (
        "demande {nargs} valeurs, 1 donnée.", "demande {nargs} valeurs, {len} données."),
}  # fmt: skip


def gettext(message: str) -> str:
    return MESSAGES.get(message, message)


def ngettext(singular: str, plural: str, count: int) -> str:
    french = PLURALS.get(singular)
    if french is None:
        return singular if count == 1 else plural
    return french[0] if count == 1 else french[1]


def install() -> None:
    """Put the catalogue where Click's modules look their messages up."""
    modules = (click.core, click.decorators, click.exceptions, click.formatting, click.parser,
               click.termui, click.types)  # fmt: skip
    for module in modules:
        if hasattr(module, "_"):
            module._ = gettext  # type: ignore[attr-defined]  # Click's own translation hook
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext  # type: ignore[attr-defined]  # Click's hook too
