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
    # role grants (four eyes)
    "wacht op goedkeuring": "awaiting approval",
    "goedgekeurd": "approved",
    "afgewezen": "rejected",
    "voor": "for",
    "status": "status",
    "aangevraagd door": "requested by",
    "aangevraagd op": "requested at",
    "besloten door": "decided by",
    "besloten op": "decided at",
    "aanvraag datarol": "data role request",
    "aanvragen datarol": "data role requests",
    "Aanvragen voor een datarol": "Requests for a data role",
    "Een beheerder kan een rol met toegang tot gegevens alleen aanvragen; hij "
    "gaat pas in als u (een tweede persoon) hem goedkeurt. U kunt niet goedkeuren "
    "wat u zelf vroeg of wat voor uzelf is.":
        "An administrator can only request a role with access to data; it takes "
        "effect only once you (a second person) approve it. You cannot approve "
        "what you requested yourself or what is for yourself.",
    "Openstaande aanvragen": "Open requests",
    "op": "at",
    "besluit": "decision",
    "Goedkeuren": "Approve",
    "Afwijzen": "Reject",
    "Er wachten geen aanvragen.": "No requests are waiting.",
    "Eerder besloten": "Decided earlier",
    "De rol is toegekend.": "The role has been granted.",
    "De aanvraag is afgewezen.": "The request has been rejected.",
    # privacy page, threshold and model files
    "Alleen de privacyfunctionaris stelt de privacydrempel in, op de "
    "privacypagina (/privacy/). De publicatiedeur weigert een wijziging door "
    "een andere rol; er is niets gewijzigd.":
        "Only the privacy officer sets the privacy threshold, on the privacy page "
        "(/privacy/). The publication door refuses a change by any other role; "
        "nothing has been changed.",
    "Dit model staat niet in de resultaten.": "This model is not in the results.",
    "Gecontroleerd tegen %(n)s getekende checkpoint(s) buiten de database.":
        "Checked against %(n)s signed checkpoint(s) outside the database.",
    "Aanvragen voor een datarol goedkeuren": "Approve requests for a data role",
    "In de werkmap geldt nu: getallen vanaf %(n)s (beschermde) huishoudens, "
    "banden vanaf %(b)s, aantallen afgerond op %(r)s. Elke kaart, elk profiel, de "
    "API, de PDF en elke export lezen deze instelling.":
        "In force in the workspace: figures from %(n)s (protected) households, "
        "bands from %(b)s, counts rounded to %(r)s. Every map, every profile, the "
        "API, the PDF and every export read this setting.",
    "Modelbestanden": "Model files",
    "Banden voor kleine plaatsen komen alleen uit een goedgekeurd model, en "
    "alleen voor professionals die aan het gebied zijn toegewezen.":
        "Bands for small places come only from an approved model, and only for "
        "professionals assigned to the area.",
    "versie": "version",
    "hash": "hash",
    "perioden": "periods",
    "openbaar / niet openbaar (laatste periode)":
        "public / not public (latest period)",
    "niet goedgekeurd": "not approved",
    "Nog geen modelresultaten in de werkmap.": "No model results in the workspace yet.",
    "De drempel is opgeslagen en geldt nu overal.":
        "The threshold has been saved and now applies everywhere.",
    "Onbekend model; kies een model uit de lijst.":
        "Unknown model; choose a model from the list.",
    "Model %(name)s %(version)s is goedgekeurd.":
        "Model %(name)s %(version)s has been approved.",
    # audit actions
    "melding gedaan": "signal reported",
    "melding bekeken": "signal viewed",
    "meldingen bekeken": "signals viewed",
    "status melding gewijzigd": "signal status changed",
    "meldingen geanonimiseerd": "signals anonymised",
    "verhaal vastgelegd": "story recorded",
    "interventie vastgelegd": "intervention recorded",
    "beheer: bekeken": "admin: viewed",
    "beheer: gewijzigd": "admin: changed",
    "rol aangevraagd": "role requested",
    "rol goedgekeurd": "role approved",
    "rol afgewezen": "role rejected",
    "auditsleutel gewisseld": "audit key rotated",
    "model goedgekeurd": "model approved",
    "sleutel": "key",
    "Id van de auditsleutel (buiten de database) van deze regel.":
        "Id of the audit key (outside the database) of this entry.",
    # place profile
    "geluidsoverlast": "noise nuisance",
    "burenruzie": "neighbour dispute",
    "onveiligheid": "unsafety",
    "verwaarlozing gedeelde ruimte": "neglect of shared space",
    "zorgsignaal": "care concern",
    "onverschilligheid": "indifference",
    "meldingen van druk": "signals of pressure",
    "meldingen van betrokkenheid": "signals of involvement",
    "Alleen een band: geen meldingen.": "Only a band: no signals.",
    "Alleen een band: geen profiel.": "Only a band: no profile.",
    "Er zijn nog geen modelresultaten in de werkmap; het profiel toont daarom "
    "geen balans.":
        "There are no model results in the workspace yet, so the profile shows "
        "no balance.",
    "Een kleine plaats: alleen een band uit een goedgekeurd model, geen getallen "
    "en geen klasse (openbaarheidsregels). U ziet deze band omdat uw organisatie "
    "aan dit gebied is toegewezen.":
        "A small place: only a band from an approved model, no figures and no "
        "class (publication rules). You see this band because your organisation "
        "is assigned to this area.",
    "te weinig": "too few",
    "Nog geen multischaalprofielen: voer 'veerkracht compute' uit.":
        "No multiscalar profiles yet: run 'veerkracht compute'.",
    "Geen profiel voor deze plaats.": "No profile for this place.",
    "Geen schaal met genoeg huishoudens om te tonen.":
        "No scale with enough households to show.",
    "Band (kleine plaats)": "Band (small place)",
    "Weergave": "Display",
    "Stabiliteit van de klasse": "Stability of the class",
    "In %(percent)s%% van de %(runs)s rekenvarianten van de gevoeligheidsanalyse "
    "blijft deze plaats in de klasse &ldquo;%(cls)s&rdquo;.":
        "In %(percent)s%% of the %(runs)s variants of the sensitivity analysis "
        "this place stays in the class &ldquo;%(cls)s&rdquo;.",
    "De meeste varianten geven de klasse &ldquo;%(other)s&rdquo;.":
        "Most variants give the class &ldquo;%(other)s&rdquo;.",
    "Gewichten, klassegrenzen, normalisatie, prior en halfwaardetijd van de "
    "meldingen samen gevarieerd; hoe lager het percentage, hoe meer de klasse "
    "van die modelkeuzes afhangt.":
        "Weights, class thresholds, normalisation, prior and the half-life of "
        "signals varied together; the lower the percentage, the more the class "
        "depends on those modelling choices.",
    "Er is nog geen gevoeligheidsanalyse voor deze plaats en periode.":
        "There is no sensitivity analysis for this place and period yet.",
    "Meldingen per kwartaal": "Signals per quarter",
    "Beschermde aantallen per kalenderkwartaal, afgerond; te weinig meldingen "
    "wordt niet getoond.":
        "Protected counts per calendar quarter, rounded; too few signals are not "
        "shown.",
    "Geen meldingen te tonen.": "No signals to show.",
    # early-warning alerts (veerkracht.web.alerts)
    'In behandeling nemen': 'Take up',
    'Sluiten': 'Close',
    'Notitie': 'Note',
    (
        'Verplicht bij sluiten: wat is er gedaan, of waarom is dit geen zorg? Geen '
        'namen of adressen.'
    ):
        (
            'Required when closing: what was done, or why this is no concern? No names '
            'or addresses.'
        ),
    'Open': 'Open',
    'In behandeling': 'In progress',
    'Gesloten': 'Closed',
    'opkomend cluster van meldingen': 'emerging cluster of signals',
    'plaats wordt stil': 'place going quiet',
    'hotspot van meldingen': 'hot spot of signals',
    'overlast en onveiligheid': 'nuisance and unsafety',
    'zorgen om een buur': 'worries about a neighbour',
    'alle meldingen': 'all signals',
    'kenmerk': 'reference',
    'berekend op': 'computed at',
    'analysedatum': 'analysis date',
    'betekenis': 'meaning',
    'plaats': 'place',
    'venster van': 'window from',
    'venster tot en met': 'window up to and including',
    'waargenomen': 'observed',
    'verwacht': 'expected',
    'p-waarde': 'p-value',
    'herhalingstijd (dagen)': 'recurrence interval (days)',
    'toetsingsgrootheid': 'test statistic',
    'straal (m)': 'radius (m)',
    'locaties': 'locations',
    'methode': 'method',
    'bewijs': 'evidence',
    'team': 'team',
    'gebruikte regel': 'rule used',
    'binnengekomen': 'received',
    'laatst ingelezen': 'last read in',
    'laatst gewijzigd': 'last changed',
    'gesloten op': 'closed at',
    'vroegsignaal': 'early-warning alert',
    'vroegsignalen': 'early-warning alerts',
    'tijdstip': 'time',
    'van': 'from',
    'naar': 'to',
    'door (pseudoniem)': 'by (pseudonym)',
    'notitie': 'note',
    'statuswijziging vroegsignaal': 'status change of an alert',
    'statusgeschiedenis vroegsignalen': 'status history of alerts',
    'inleesstand': 'read-in state',
    'inleesstanden': 'read-in states',
    'Venster': 'Window',
    'tot en met': 'up to and including',
    'Waargenomen': 'Observed',
    '%(n)s meldingen': '%(n)s signals',
    'Verwacht': 'Expected',
    '%(n)s meldingen als er niets bijzonders speelt':
        '%(n)s signals if nothing special is going on',
    'Kans bij toeval (p-waarde)': 'Chance by coincidence (p-value)',
    'Herhalingstijd': 'Recurrence interval',
    'Toelichting': 'Explanation',
    'Vroegsignaal': 'Early-warning alert',
    'Terug naar Aandacht deze week': 'Back to Attention this week',
    'Status': 'Status',
    'Wat er te zien is': 'What the data show',
    'Methode': 'Method',
    (
        "De p-waarde is de kans op zo'n uitschieter als er niets bijzonders speelt; de "
        'herhalingstijd zegt hoe vaak zoiets dan bij toeval zou voorkomen.'
    ):
        (
            'The p-value is the chance of such an outlier if nothing special is going '
            'on; the recurrence interval says how often it would then happen by '
            'coincidence.'
        ),
    'Behandelen': 'Handle',
    'Sluiten met notitie': 'Close with a note',
    'Geschiedenis': 'History',
    'Tijdstip': 'Time',
    'Rol': 'Role',
    'Aandacht deze week': 'Attention this week',
    (
        'Vroegsignalen in uw gebieden: plaatsen waar meer (of juist minder) gemeld '
        'wordt dan verwacht. Elk signaal noemt een plaats, nooit een adres of een '
        'persoon.'
    ):
        (
            'Early-warning alerts in your areas: places where more (or fewer) signals '
            'are reported than expected. Each alert names a place, never an address or '
            'a person.'
        ),
    'Toon': 'Show',
    'Open en in behandeling, laatste %(days)s dagen':
        'Open and in progress, last %(days)s days',
    'Open en in behandeling, ouder': 'Open and in progress, older',
    'Alle': 'All',
    'Bekijk de vroegsignalen op de kaart': 'See the alerts on the map',
    'Aantal vroegsignalen: %(n)s': 'Number of alerts: %(n)s',
    'Bekijken en behandelen': 'View and handle',
    'Geen vroegsignalen in deze weergave.': 'No alerts in this view.',
    'Pagina': 'Page',
    'Vorige': 'Previous',
    'Volgende': 'Next',
    'Dit vroegsignaal is gesloten.': 'This alert has been closed.',
    'Dit vroegsignaal is in behandeling genomen.': 'This alert has been taken up.',
    'Het formulier is niet compleet; probeer opnieuw.':
        'The form is not complete; please try again.',
    'vroegsignalen bekeken': 'alerts viewed',
    'vroegsignaal bekeken': 'alert viewed',
    'status vroegsignaal gewijzigd': 'alert status changed',
    'vroegsignalen gemaild aan team': 'alerts e-mailed to team',
    'Vroegsignalen tonen': 'Show early-warning alerts',
    'Vroegsignalen op de kaart': 'Early-warning alerts on the map',
    "Melden": "Report",
    "Mijn meldingen": "My reports",
    "Werkbak": "Work list",
    "Verhalen": "Stories",
    "Rolaanvragen": "Role requests",
    "Verhalen bij de cijfers": "Stories beside the figures",
    "Nog geen verhalen bij deze plaats.": "No stories for this place yet.",
    "Verhaal toevoegen": "Add a story",
    "Interventies": "Interventions",
    "Geen interventies geregistreerd.": "No interventions registered.",
    "Interventie registreren": "Register an intervention",
    "loopt nog": "ongoing",
    "Meldingen via Veerkracht in uw gebied, laatste %(days)s dagen":
        "Reports through Veerkracht in your area, last %(days)s days",
    "Gemeld: %(total)s, waarvan nog open: %(open)s.":
        "Reported: %(total)s, of which still open: %(open)s.",
    "Naar de werkbak": "To the work list",
    "Live uit de meldingen die u in de werkbak ziet; de tabel hierboven zijn de "
    "beschermde aantallen uit de laatste berekening.":
        "Live from the reports you see in the work list; the table above holds "
        "the protected counts of the latest computation.",
    # the place search, the map's grey base and the class meanings
    "Te veel zoekopdrachten achter elkaar. Wacht een minuut en probeer het dan "
    "opnieuw.": "Too many searches in a row. Wait a minute and try again.",
    "Zoek een adres, straat of plaats op de kaart":
        "Find an address, street or place on the map",
    "Deze plaats staat niet op de kaart op dit zoomniveau; zoom verder in.":
        "This place is not on the map at this zoom level; zoom in further.",
    "Gevonden op de kaart:": "Found on the map:",
    "Zoom verder in voor de gebouwen.": "Zoom in further to see the buildings.",
    "Grijze ondergrond: gebouwen (BAG-panden), straten en buurt- en wijkgrenzen "
    "(CBS) uit de werkmap, zonder kaarttegels of internet; buurtnamen op "
    "middelste zoom, straatnamen dichtbij.":
        "Grey base: buildings (BAG), streets and neighbourhood and district "
        "boundaries (CBS) from the workspace, without map tiles or internet; "
        "neighbourhood names at middle zoom, street names close in.",
    "Kies een plaats op de kaart of in de lijst, of zoek haar.":
        "Choose a place on the map or in the list, or search for it.",
    "Een kleine plaats: minder dan %(min)s huishoudens (en ten minste "
    "%(floor)s). U ziet alleen tussen welke twee of meer aangrenzende klassen "
    "zij valt, nooit haar precieze klasse of een getal; en alleen als uw "
    "organisatie aan het gebied is toegewezen.":
        "A small place: fewer than %(min)s households (and at least %(floor)s). "
        "You see only which two or more adjacent classes it lies between, never "
        "its exact class or a number; and only when your organisation is "
        "assigned to the area.",
    "alleen een band (kleine plaats)": "a band only (small place)",
    "Plaats zoeken": "Find a place",
    "Gevonden plaatsen": "Places found",
    "1 plaats gevonden": "1 place found",
    "plaatsen gevonden; kies met pijl omlaag en Enter":
        "places found; choose with arrow down and Enter",
    "Geen plaatsen gevonden die u mag zien.": "No places found that you may see.",
    "Zoeken mislukt; probeer het opnieuw.": "Search failed; please try again.",
    "Gekozen:": "Chosen:",
    "Zoek een adres, straat of plaats": "Find an address, street or place",
    "Zoek": "Search",
    "Bijvoorbeeld Bosweg 12, 9351 AA 12, een straat, buurt of wijk. U vindt "
    "alleen plaatsen in uw gebieden; nooit een adres of een persoon.":
        "For example Bosweg 12, 9351 AA 12, a street, neighbourhood or district. "
        "You find only places in your areas; never an address or a person.",
    "Kies deze plaats": "Choose this place",
    "Plaatsprofiel": "Place profile",
    "Op de kaart": "On the map",
    "Er zijn meer plaatsen gevonden; maak de zoekopdracht preciezer.":
        "More places were found; make the search more precise.",
    "Geen plaatsen gevonden die u mag zien. Controleer de spelling, of zoek op "
    "postcode en huisnummer.":
        "No places found that you may see. Check the spelling, or search by "
        "postcode and house number.",
    "Terug naar de kaart": "Back to the map",
    "Terug naar het formulier": "Back to the form",
    "Te veel zoekopdrachten": "Too many searches",
    "Kies eerst een plaats met het zoekveld hierboven.":
        "First choose a place with the search field above.",
    "1. Plaats": "1. Place",
    "Gekozen plaats:": "Chosen place:",
    "Nog geen plaats gekozen.": "No place chosen yet.",
    "Deze plaats kunt u niet kiezen: zij bestaat niet (meer) of valt buiten uw "
    "gebied. Zoek een andere.":
        "You cannot choose this place: it does not exist (any more) or lies "
        "outside your area. Search for another.",
    "Zoek de plaats: adres, postcode, straat, buurt of wijk":
        "Find the place: address, postcode, street, neighbourhood or district",
    "2. De interventie": "2. The intervention",
    "2. Het verhaal": "2. The story",
    "Verhaal schrijven": "Write a story",
}

PO = Path(__file__).with_name("en") / "LC_MESSAGES" / "django.po"


def _unquote(lines: list[str]) -> str:
    return "".join(re.findall(r'^"(.*)"$', ln)[0] for ln in lines).replace('\\"', '"')


def _unfuzzy(line: str) -> str:
    """``#, fuzzy, python-format`` -> ``#, python-format`` (other lines as is)."""
    return line.replace("#, fuzzy, ", "#, ") if line.startswith("#, ") else line


def fill(path: Path = PO) -> int:
    """Write the translations into the .po file; return how many are missing."""
    blocks = path.read_text(encoding="utf-8").split("\n\n")
    missing = 0
    out = []
    for block in blocks:
        rows = block.strip().split("\n")
        if "#~" in block and all(ln.startswith("#") for ln in rows):
            continue  # an obsolete entry makemessages kept
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
        lines = [_unfuzzy(ln) for ln in lines[:j] if ln != "#, fuzzy"
                 and not ln.startswith("#|")]
        lines.append('msgstr "' + english.replace('"', '\\"') + '"')
        out.append("\n".join(lines))
    text = "\n\n".join(out)
    text = text.replace('"Language: \\n"', '"Language: en\\n"')
    path.write_text(text, encoding="utf-8")
    return missing


if __name__ == "__main__":
    print(f"ontbrekende vertalingen: {fill()}")
