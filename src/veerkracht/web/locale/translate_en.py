"""Fill the English translations of locale/en/LC_MESSAGES/django.po.

Run after ``python -m veerkracht.web makemessages -l en``; then
``python -m veerkracht.web compilemessages``. The Dutch text is the msgid.
"""

from __future__ import annotations

import re
from pathlib import Path

EN = {
    "Accounts en rollen": "Accounts and roles",
    "toegangsrecht": "access right",
    "Gemeente": "Municipality",
    "Woningcorporatie": "Housing corporation",
    "Welzijn / wijkteam": "Welfare / neighbourhood team",
    "Anders": "Other",
    "naam": "name",
    "soort": "kind",
    "organisatie": "organisation",
    "organisaties": "organisations",
    "niveau": "level",
    "code": "code",
    "De plaats-id of CBS-code, bijvoorbeeld BU00140000 of GM0014.":
        "The place id or CBS code, for example BU00140000 or GM0014.",
    "gebiedstoewijzing": "area assignment",
    "gebiedstoewijzingen": "area assignments",
    "rol": "role",
    "profiel": "profile",
    "profielen": "profiles",
    "Bewoner": "Resident",
    "Professional in de wijk": "Frontline professional",
    "Sociaal beheerder corporatie": "Corporation social manager",
    "Beleidsadviseur gemeente": "Municipal policy adviser",
    "Privacyfunctionaris": "Privacy officer",
    "Beheerder": "Administrator",
    "Auditspoor": "Audit trail",
    "bekeken": "viewed",
    "geëxporteerd": "exported",
    "ingelogd": "logged in",
    "inloggen mislukt": "login failed",
    "uitgelogd": "logged out",
    "drempel gewijzigd": "threshold changed",
    "rol gewijzigd": "role changed",
    "gebied gewijzigd": "area changed",
    "toegestaan": "allowed",
    "geweigerd": "refused",
    "mislukt": "failed",
    "tijd": "time",
    "actor (pseudoniem)": "actor (pseudonym)",
    "actie": "action",
    "object": "object",
    "resultaat": "result",
    "herkomst (ingekort)": "origin (truncated)",
    "doel": "purpose",
    "auditregel": "audit entry",
    "auditspoor": "audit trail",
    "minimum aantal huishoudens per cel": "minimum number of households per cell",
    "Nooit lager dan 10 (DESIGN.md §6).": "Never below 10 (DESIGN.md §6).",
    "privacydrempel": "privacy threshold",
    "privacydrempels": "privacy thresholds",
    "De drempel kan niet lager dan 10.": "The threshold cannot be lower than 10.",
    "Auditspoor en drempels": "Audit trail and thresholds",
    "Keten": "Chain",
    "De hashketen klopt (%(n)s regels).": "The hash chain is intact (%(n)s entries).",
    "Het auditspoor is gemanipuleerd:": "The audit trail has been tampered with:",
    "Drempel voor openbaarheid": "Disclosure threshold",
    "Opslaan": "Save",
    "Laatste regels": "Latest entries",
    "De laatste 50 regels van het auditspoor":
        "The latest 50 entries of the audit trail",
    "actor": "actor",
    "herkomst": "origin",
    "Nederlands": "Dutch",
    "Engels": "English",
    "gemeente": "municipality",
    "wijk": "district",
    "buurt": "neighbourhood",
    "straat": "street",
    "blok": "block",
    "gebouw": "building",
    "portiek": "entrance",
    "Kaart": "Map",
    "Kaart van uw gebieden": "Map of your areas",
    "Niveau": "Level",
    "Inzoomen": "Drill down",
    "Kaart; dezelfde plaatsen staan in de lijst ernaast":
        "Map; the same places are listed next to it",
    "Legenda": "Legend",
    "Plaats": "Place",
    "Kies een plaats op de kaart of in de lijst.":
        "Choose a place on the map or in the list.",
    "Plaatsen in beeld": "Places in view",
    "Plaatsprofielen": "Place profiles",
    "Kruimelpad": "Breadcrumbs",
    "Download als PDF": "Download as PDF",
    "Balans": "Balance",
    "Klasse": "Class",
    "Interval": "Interval",
    "Balans (getal)": "Balance (value)",
    "tot": "to",
    "Band": "Band",
    "Woningen (afgerond op 5)": "Dwellings (rounded to 5)",
    "Geen gegevens voor deze plaats.": "No data for this place.",
    "Balans per periode": "Balance per period",
    "Periode": "Period",
    "Indicatoren tegenover de gemeente": "Indicators against the municipality",
    "Indicator": "Indicator",
    "Deze plaats": "This place",
    "Multischaalprofiel": "Multiscalar profile",
    "Aandeel woningen met een ondersteuningsbehoefte onder de k dichtstbijzijnde "
    "woningen, gemiddeld over de woningen van deze plaats. Schalen met te weinig "
    "huishoudens worden niet getoond.":
        "Share of dwellings with a support need among the k nearest dwellings, "
        "averaged over the dwellings of this place. Scales with too few households "
        "are not shown.",
    "Meldingen per maand": "Signals per month",
    "Kans op elke klasse (uit het interval)":
        "Probability of each class (from the interval)",
    "Aantallen afgerond op 5; minder dan 10 wordt niet getoond.":
        "Counts rounded to 5; fewer than 10 is not shown.",
    "Soort": "Kind",
    "Totaal": "Total",
    "Geen meldingen bekend.": "No signals known.",
    "Naar de inhoud": "Skip to content",
    "Hoofdmenu": "Main menu",
    "Beheer": "Administration",
    "Taal": "Language",
    "Kies": "Choose",
    "Uitloggen": "Log out",
    "Plaatsgebonden, nooit persoonsgebonden. Elke weergave wordt vastgelegd in "
    "het auditspoor.":
        "Place-based, never person-based. Every view is recorded in the audit trail.",
    "Tijdelijk geblokkeerd": "Temporarily locked",
    "Er is te vaak een verkeerd wachtwoord ingevoerd. Probeer het over een half "
    "uur opnieuw, of vraag de beheerder om hulp.":
        "Too many wrong passwords. Try again in half an hour, or ask the "
        "administrator for help.",
    "Inloggen": "Log in",
    "Gebruikersnaam": "Username",
    "Wachtwoord": "Password",
    "Naar de startpagina": "To the home page",
    "Uw account heeft nog geen rol. Vraag de beheerder om u een rol en een "
    "organisatie te geven.":
        "Your account has no role yet. Ask the administrator to give you a role "
        "and an organisation.",
}

PO = Path(__file__).with_name("en") / "LC_MESSAGES" / "django.po"


def _unquote(lines: list[str]) -> str:
    return "".join(re.findall(r'^"(.*)"$', ln)[0] for ln in lines).replace('\\"', '"')


def fill(path: Path = PO) -> int:
    """Write the translations into the .po file; return how many are missing."""
    blocks = path.read_text(encoding="utf-8").split("\n\n")
    missing = 0
    out = []
    for block in blocks:
        lines = block.split("\n")
        try:
            i = next(n for n, ln in enumerate(lines) if ln.startswith("msgid "))
            j = next(n for n, ln in enumerate(lines) if ln.startswith("msgstr "))
        except StopIteration:
            out.append(block)
            continue
        msgid = _unquote([lines[i][6:], *lines[i + 1:j]])
        if not msgid:
            out.append(block)
            continue
        english = EN.get(msgid)
        if english is None:
            missing += 1
            out.append(block)
            continue
        lines = [ln for ln in lines[:j] if ln != "#, fuzzy"]
        lines.append('msgstr "' + english.replace('"', '\\"') + '"')
        out.append("\n".join(lines))
    text = "\n\n".join(out)
    text = text.replace('"Language: \\n"', '"Language: en\\n"')
    path.write_text(text, encoding="utf-8")
    return missing


if __name__ == "__main__":
    print(f"ontbrekende vertalingen: {fill()}")
