"""Fill the English translations of locale/en/LC_MESSAGES/django.po.

Run after ``python -m veerkracht.web makemessages -l en``; then
``python -m veerkracht.web compilemessages``. The Dutch text is the msgid.
"""

from __future__ import annotations

import re
from pathlib import Path

EN = {
    # the scenario page's download
    'Download als CSV': 'Download as CSV',
    'advies %(goal)s; eerst komt, eerst maalt %(naive)s':
        'advice %(goal)s; first come, first served %(naive)s',
    # the plan's statuses when not everyone is placed
    'gedeeltelijk: niet iedereen geplaatst, geen plaats zakt een klasse':
        'partial: not everyone placed, no place drops a class',
    'onhaalbaar: niet iedereen past':
        'infeasible: not everyone fits',
    # stories offered for the knowledge library, and the privacy officer's review
    'verhaal goedgekeurd om te delen':
        'story approved for sharing',
    'verhaal afgewezen om te delen':
        'story refused for sharing',
    'Verhalen delen':
        'Sharing stories',
    ('Verhalen die hun auteur wil delen met andere gemeenten. Goedgekeurd gaan '
     'zij mee in de kennisbibliotheek bij de interventies op hun plaats: soort, '
     'titel, tekst en maand, nooit de plaats of de auteur. Lees de tekst: noemt '
     'hij een persoon, een adres, een huisnummer of iets waaraan iemand te '
     'herkennen is, wijs dan af.'):
        'Stories their author wants to share with other municipalities. Once '
        'approved they go into the knowledge library with the interventions at '
        'their place: kind, title, text and month, never the place or the author. '
        'Read the text: if it names a person, an address, a house number or '
        'anything by which someone can be recognised, refuse it.',
    'Goedkeuren om te delen':
        'Approve for sharing',
    'Verhaal':
        'Story',
    'Er wacht geen verhaal op een beslissing.':
        'No story is waiting for a decision.',
    'Goedgekeurd':
        'Approved',
    'Kies goedkeuren of afwijzen.':
        'Choose approve or refuse.',
    'Goedgekeurd: het verhaal gaat mee in de kennisbibliotheek.':
        'Approved: the story goes into the knowledge library.',
    'Afgewezen: het verhaal blijft in de gemeente.':
        'Refused: the story stays within the municipality.',
    # interventions on the place profile and the form
    'samen met':
        'together with',
    'een combinatie':
        'a combination',
    'Doel:':
        'Goal:',
    ("Een interventie loopt op een portiek, gebouw, blok, straat of buurt: kies "
     "zo'n plaats."):
        'An intervention runs on an entrance, building, block, street or buurt: '
        'choose such a place.',
    # the knowledge library of other municipalities
    'Uit andere gemeenten':
        'From other municipalities',
    'bibliotheek van':
        'library of',
    'Werkzame elementen:':
        'Working elements:',
    # where it goes well (positive deviance)
    'Waar het goed gaat':
        'Where it goes well',
    ('Blokken die duidelijk beter scoren dan hun samenstelling doet verwachten: '
     'de balans tegen wat blokken met evenveel huishoudens met een '
     'ondersteuningsbehoefte, nieuwe bewoners en instroom gewoonlijk halen, '
     'verkleind naar gelang de onzekerheid. Om van te leren: wat doen zij, wie '
     'is er actief?'):
        'Blocks doing clearly better than their composition leads one to expect: '
        'the balance against what blocks with as many households with a support '
        'need, new residents and inflow usually reach, shrunk by its uncertainty. '
        'To learn from: what do they do, who is active there?',
    ('Periode %(period)s: %(n)s van %(total)s blokken duidelijk beter; hieronder '
     'die in uw gebieden'):
        'Period %(period)s: %(n)s of %(total)s blocks clearly better; below those '
        'in your areas',
    'Blok':
        'Block',
    'Beter (interval)':
        'Better (interval)',
    ('Stabiliteit: rangcorrelatie %(rho)s met %(previous)s over %(common)s '
     'blokken.'):
        'Stability: rank correlation %(rho)s with %(previous)s over %(common)s '
        'blocks.',
    'Geen blok in uw gebieden scoort duidelijk beter dan zijn samenstelling.':
        'No block in your areas does clearly better than its composition.',
    # what works (interventions and their effects)
    'Wat werkt':
        'What works',
    'Alleen wie de kaart ziet, ziet wat werkt.':
        'Only those who see the map see what works.',
    'Meer plaatsen van hetzelfde niveau':
        'More places of the same level',
    ("Plaatscodes, één per regel of gescheiden door komma's (zoals op het "
     'plaatsprofiel).'):
        'Place codes, one per line or separated by commas (as on the place profile).',
    ('Het effect van interventies en combinaties van interventies, '
     'vergeleken met plaatsen die op elkaar leken maar geen interventie '
     'hadden (verschil-in-verschillen met gespreide starts; voor één grote '
     'plaats een synthetische controle: een gewogen mix van vergelijkbare '
     'plaatsen die er voor de start net zo bij lag). Alleen uit '
     'beschermde cijfers en alleen over plaatsen die de publicatiedeur '
     'toont: u ziet met hoeveel plaatsen, niet welke.'):
        'The effect of interventions and combinations of interventions, compared with '
        'places that were alike but had no intervention (difference-in-differences '
        'with staggered starts; for one large place a synthetic control: a weighted '
        'mix of comparable places that looked the same before the start). Only from '
        'protected figures and only over places the publication door shows: you see '
        'how many places, not which.',
    'synthetische controle':
        'synthetic control',
    'Combinatie':
        'Combination',
    'Interventie':
        'Intervention',
    'per':
        'per',
    'start':
        'start',
    'Effect per uitkomst, met %(interval)s-interval':
        'Effect per outcome, with %(interval)s interval',
    'Effect (interval)':
        'Effect (interval)',
    'Vóór de start':
        'Before the start',
    'Plaatsen met / zonder':
        'Places with / without',
    'Pre-trend p':
        'Pre-trend p',
    'Betrokken organisaties':
        'Organisations involved',
    ('Er is nog niets geëvalueerd. Registreer interventies en laat de '
     "beheerder 'veerkracht evaluate' draaien."):
        "Nothing has been evaluated yet. Register interventions and ask the "
        "administrator to run 'veerkracht evaluate'.",
    ('Meldingen per woning per jaar; balans, druk, veerkracht en '
     'meldbereidheid op de schaal van het model. Wat de methode aanneemt '
     '(parallelle trends, geen overloop naar de vergelijkingsplaatsen) en '
     'wat zij niet kan zeggen: docs/evaluation.md.'):
        'Signals per dwelling per year; balance, pressure, resilience and reporting '
        'on the model\'s scale. What the method assumes (parallel trends, no '
        'spill-over to the comparison places) and what it cannot tell: '
        'docs/evaluation.md.',
    'In de webapplicatie geregistreerd, in mijn gebieden':
        'Registered in the web application, in my areas',
    'Nog geen interventies geregistreerd in uw gebieden.':
        'No interventions registered in your areas yet.',
    # need categories of a placement
    'zorgvraag (ggz, lvb)':
        'care need (mental health, mild intellectual disability)',
    'armoede of schulden':
        'poverty or debts',
    'uitstroom beschermd wonen, opvang of dakloosheid':
        'leaving sheltered housing, a shelter or homelessness',
    'kwetsbare oudere die alleen woont':
        'frail elderly person living alone',
    'twee of meer ondersteuningsbehoeften':
        'two or more support needs',
    'zonder ondersteuningsbehoefte':
        'without a support need',
    # room for placements (headroom, what-if)
    'Wat doet één plaatsing?':
        'What does one placement do?',
    'geef address_id, of postcode en huisnummer':
        'give address_id, or postcode and house number',
    'Ruimte voor plaatsing':
        'Room for placements',
    'Vul de postcode in, bijvoorbeeld 1234 AB.':
        'Fill in the postcode, for example 1234 AB.',
    'Vul het huisnummer in.':
        'Fill in the house number.',
    'Categorie van het huishouden':
        'Category of the household',
    'Kies een categorie.':
        'Choose a category.',
    'Kies een categorie uit de lijst.':
        'Choose a category from the list.',
    'Via urgentie geplaatst':
        'Placed through an urgency route',
    'geen ruimte':
        'no room',
    '1–2 huishoudens':
        '1–2 households',
    '3–5 huishoudens':
        '3–5 households',
    '6 of meer':
        '6 or more',
    'onbekende categorie %(code)r; kies uit %(codes)s':
        'unknown category %(code)r; choose from %(codes)s',
    'ruimte voor plaatsing is er per %(levels)s; niet per %(level)s':
        'room for placements is given per %(levels)s; not per %(level)s',
    'niet getoond':
        'not shown',
    'de openbaarheidsregels tonen voor deze plaats geen aantal':
        'the disclosure rules show no number for this place',
    ('Hoeveel huishoudens van de categorie “%(label)s”, via '
     'urgentie geplaatst, de plaats kan opnemen voordat haar '
     'klasse daalt (elk vult een vrijkomende woning).'):
        ('How many households of the category “%(label)s”, placed '
         'through an urgency route, the place can take before its '
         'class drops (each fills a vacancy).'),
    ('Hoeveel huishoudens van de categorie “%(label)s” de plaats '
     'kan opnemen voordat haar klasse daalt (elk vult een '
     'vrijkomende woning).'):
        ('How many households of the category “%(label)s” the place '
         'can take before its class drops (each fills a vacancy).'),
    'Met * begrensd door het aantal huishoudens, niet door het model.':
        'With *: bounded by the number of households, not by the model.',
    'Periode %(period)s.':
        'Period %(period)s.',
    'Er zijn nog geen modelresultaten; ruimte voor plaatsing volgt uit de berekening.':
        ('There are no model results yet; room for placements follows '
         'from the computation.'),
    'Uw rol toont geen portiek, blok of straat.':
        'Your role shows no entrance, block or street.',
    'Op dit adres is geen woning waarvoor plaatsen zijn berekend.':
        'There is no dwelling at this address with computed places.',
    'Dit adres ligt buiten uw gebied.':
        'This address is outside your area.',
    ('Hoeveel huishoudens van elke categorie deze plaats kan '
     'opnemen voordat haar klasse daalt, elk in een vrijkomende '
     'woning; tussen haakjes het interval.'):
        ('How many households of each category this place can take '
         'before its class drops, each in a vacancy; the interval in '
         'brackets.'),
    'Ruimte':
        'Room',
    ('Zonder urgentie. * begrensd door het aantal huishoudens, '
     'niet door het model. “niet getoond”: de openbaarheidsregels '
     'tonen voor deze plaats geen aantal.'):
        ('Without urgency. * bounded by the number of households, not '
         'by the model. “not shown”: the disclosure rules show no '
         'number for this place.'),
    'Ruimte voor plaatsing op de kaart':
        'Room for placements on the map',
    ('Kies een adres en de categorie van een huishouden dat daar '
     'een vrijkomende woning krijgt. U ziet per portiek, blok en '
     'straat wat dat doet met druk, balans en klasse, en hoeveel '
     'ruimte er daarna over is. Het gaat om aantallen per '
     'categorie, nooit om een persoon.'):
        ('Choose an address and the category of a household that gets '
         'a vacancy there. You see, per entrance, block and street, '
         'what that does to pressure, balance and class, and how much '
         'room is left afterwards. It is about counts per category, '
         'never about a person.'),
    'Adres':
        'Address',
    'Toon het effect':
        'Show the effect',
    'Eén huishouden op %(address)s: %(label)s':
        'One household at %(address)s: %(label)s',
    'via urgentie':
        'through urgency',
    ('Volgens de cijfers van de periode %(period)s; het huishouden'
     ' vult een vrijkomende woning (het vertrekkende huishouden is'
     ' een gemiddeld huishouden van de plaats).'):
        ('According to the figures of period %(period)s; the household'
         ' fills a vacancy (the household that leaves is an average '
         'household of the place).'),
    'Nu en na één plaatsing':
        'Now and after one placement',
    'Nu':
        'Now',
    'Na plaatsing':
        'After placement',
    'Druk':
        'Pressure',
    'Ruimte (huishoudens van deze categorie)':
        'Room (households of this category)',
    'de openbaarheidsregels tonen voor deze plaats geen cijfers.':
        'the disclosure rules show no figures for this place.',
    'Voor dit adres is er geen portiek, blok of straat met cijfers.':
        'For this address there is no entrance, block or street with figures.',
    ('Druk en balans zijn schattingen van het model met de '
     'gewichten en grenzen van het modelbestand; een kleine '
     'verandering valt vaak binnen de onzekerheid. Ruimte is '
     'hoeveel huishoudens van deze categorie de plaats kan opnemen'
     ' voordat haar klasse daalt.'):
        ("Pressure and balance are the model's estimates with the "
         'weights and edges of the model file; a small change often '
         'lies within the uncertainty. Room is how many households of '
         'this category the place can take before its class drops.'),
    'Er zijn nog geen adressen ingelezen.':
        'No addresses have been imported yet.',
    'Kaartlaag':
        'Map layer',
    'begrensd door het aantal huishoudens, niet door het model':
        'bounded by the number of households, not by the model',
    'Klasse nu':
        'Class now',
    # map page words
    'Interval (klasse)':
        'Interval (class)',
    'Inzoomen:':
        'Zoom in:',
    'Alles in beeld':
        'Show everything',
    'band':
        'band',
    'Laden…':
        'Loading…',
    'Laden mislukt.':
        'Loading failed.',
    'Laden mislukt; probeer het opnieuw.':
        'Loading failed; please try again.',
    'Zoom verder in om {level} te zien.':
        'Zoom in further to see {level}.',
    '{n} plaatsen ({level})':
        '{n} places ({level})',
    'Er zijn (nog) geen plaatsen in uw gebieden.':
        'There are no places in your areas (yet).',
    # stories index
    'Verhalen uit mijn gebieden':
        'Stories from my areas',
    'Zoeken':
        'Search',
    'Zoek':
        'Search',
    'Verhaal schrijven':
        'Write a story',
    'Geen verhalen gevonden.':
        'No stories found.',
    # the resident's report form, its pages and the signal categories
    'Op een adres':
        'At an address',
    'In een straat':
        'In a street',
    'Waar gaat uw melding over?':
        'What is your report about?',
    'Kies waar uw melding over gaat.':
        'Choose what your report is about.',
    'Kies een van de onderwerpen uit de lijst.':
        'Choose one of the subjects in the list.',
    'Waar is het?':
        'Where is it?',
    'Postcode':
        'Postcode',
    'Huisnummer':
        'House number',
    'Toevoeging (letter of nummer, optioneel)':
        'Addition (letter or number, optional)',
    'Straat':
        'Street',
    'Woonplaats':
        'Town',
    'Toelichting (optioneel)':
        'Explanation (optional)',
    (
        'Noem liever geen namen. Deze tekst leest alleen het team; hij wordt na '
        'de bewaartermijn gewist en nooit gebruikt voor cijfers.'
    ):
        (
            'Please do not mention names. Only the team reads this text; it is '
            'erased after the retention period and never used for figures.'
        ),
    (
        'De toelichting is te lang (hoogstens %(limit_value)d tekens; u '
        'gebruikte er %(show_value)d).'
    ):
        (
            'The explanation is too long (at most %(limit_value)d characters; '
            'you used %(show_value)d).'
        ),
    'Uw e-mailadres (optioneel)':
        'Your e-mail address (optional)',
    'Alleen om u te laten weten hoe het met uw melding gaat.':
        'Only to let you know how your report is getting on.',
    'Dit is geen geldig e-mailadres.':
        'This is not a valid e-mail address.',
    'Een e-mailadres is hoogstens 254 tekens.':
        'An e-mail address has at most 254 characters.',
    'Namens':
        'On behalf of',
    'E-mailadres voor terugkoppeling (optioneel)':
        'E-mail address for feedback (optional)',
    (
        'In deze sessie hebt u nog geen meldingen gedaan. Gebruik de link uit uw '
        'bevestiging om een eerdere melding te volgen.'
    ):
        (
            'You have not made any reports in this session yet. Use the link in '
            'your confirmation to follow an earlier report.'
        ),
    'Melding doen':
        'Make a report',
    'Melding ontvangen':
        'Report received',
    'Dank u wel, uw melding is ontvangen':
        'Thank you, your report has been received',
    (
        'Uw kenmerk is <strong class="reference" '
        'data-testid="reference">%(ref)s</strong>.'
    ):
        (
            'Your reference is <strong class="reference" '
            'data-testid="reference">%(ref)s</strong>.'
        ),
    'Bewaar deze link; daarmee ziet u hoe het met uw melding gaat:':
        'Keep this link; with it you can see how your report is getting on:',
    'Volg uw melding':
        'Follow your report',
    'We sturen u ook een e-mail als de status verandert.':
        'We will also e-mail you when the status changes.',
    'Nog een melding doen':
        'Make another report',
    (
        'Maakt u zich zorgen over iets in uw straat, portiek of over een buur? '
        'Meld het hier. U hebt geen account nodig.'
    ):
        (
            'Are you worried about something in your street, your stairwell or '
            'about a neighbour? Report it here. You do not need an account.'
        ),
    'Is er nu gevaar, geweld of een misdrijf? Bel 112.':
        'Is there danger, violence or a crime right now? Call 112.',
    (
        'Geen spoed, wel politie nodig? Bel 0900-8844. Een melding hier wordt op '
        'werkdagen gelezen, niet direct.'
    ):
        (
            'No emergency, but police needed? Call 0900-8844. A report here is '
            'read on working days, not at once.'
        ),
    'Er is in de buurt al een vergelijkbare melding':
        'There already is a similar report nearby',
    '%(what)s — gemeld op %(day)s, status: %(status)s':
        '%(what)s — reported on %(day)s, status: %(status)s',
    (
        'Alleen u als professional van dit gebied ziet dit. Wilt u toch een '
        'nieuwe melding maken? Controleer uw gegevens hieronder en kies '
        '<strong>Toch melden</strong>.'
    ):
        (
            'Only you, as a professional of this area, see this. Do you still '
            'want to make a new report? Check your details below and choose '
            '<strong>Report anyway</strong>.'
        ),
    'Of meld op straatniveau: kies “In een straat” en vul straat en woonplaats in.':
        (
            'Or report at street level: choose “In a street” and fill in the '
            'street and town.'
        ),
    (
        "Foto's kunt u hier niet meesturen: die zijn niet nodig en kunnen buren "
        'herkenbaar maken.'
    ):
        (
            'You cannot send photos here: they are not needed and can make '
            'neighbours recognisable.'
        ),
    'Toch melden':
        'Report anyway',
    'Melding versturen':
        'Send report',
    'Mijn meldingen in deze sessie':
        'My reports in this session',
    (
        'Het formulier was verlopen. Uw gegevens staan er nog; controleer ze en '
        'kies opnieuw Versturen.'
    ):
        (
            'The form had expired. Your details are still there; check them and '
            'choose Send again.'
        ),
    'Deze melding had u al verstuurd.':
        'You had already sent this report.',
    'Deze melding is al ontvangen.':
        'This report has already been received.',
    'Deze melding is niet van u of bestaat niet.':
        'This report is not yours or does not exist.',
    'Deze melding bestaat niet, of de link is niet compleet.':
        'This report does not exist, or the link is incomplete.',
    'Geluidsoverlast':
        'Noise nuisance',
    'Burenruzie of spanningen tussen buren':
        'Quarrel or tension between neighbours',
    'Onveilig gevoel':
        'Feeling unsafe',
    'Verwaarlozing van gedeelde ruimtes':
        'Neglect of shared spaces',
    'Zorgen om een buur (zorgsignaal)':
        'Worried about a neighbour (care signal)',
    'Onverschilligheid, niemand let meer op elkaar':
        'Indifference, nobody looks out for each other any more',
    "Harde muziek, geschreeuw of lawaai, vaak of 's nachts.":
        'Loud music, shouting or noise, often or at night.',
    'Ruzie, bedreiging of langdurige spanning tussen buren.':
        'Quarrels, threats or lasting tension between neighbours.',
    'U voelt zich niet veilig in of rond de woning of de straat.':
        'You do not feel safe in or around the home or the street.',
    'Vuil, kapotte verlichting of rommel in portiek, galerij of binnenhof.':
        'Dirt, broken lighting or clutter in the stairwell, gallery or courtyard.',
    (
        'U maakt zich zorgen om een buur, bijvoorbeeld omdat de gordijnen dicht '
        'blijven of de post zich opstapelt.'
    ):
        (
            'You are worried about a neighbour, for example because the curtains '
            'stay closed or the post piles up.'
        ),
    'Niemand kijkt nog naar elkaar om; contact tussen buren verdwijnt.':
        'Nobody looks out for each other any more; contact between neighbours fades.',
    'Gebiedsmakelaar':
        'Area broker',
    'Politie (wijkagent)':
        'Police (community officer)',
    # work list API
    'Wijziging geweigerd':
        'Change refused',
    'Onbekend of niet-actief team.':
        'Unknown or inactive team.',
    'Onbekende collega.':
        'Unknown colleague.',
    # errors and refusals
    'Deze plaats valt buiten uw gebied of rol.':
        'This place is outside your area or role.',
    'Uw rol geeft hier geen toegang toe.':
        'Your role gives no access here.',
    'Geen toegang':
        'No access',
    'Dit valt buiten uw rol of gebied.':
        'This is outside your role or area.',
    'Niet gevonden':
        'Not found',
    'Deze pagina bestaat niet (meer). Ga terug naar de kaart.':
        'This page does not exist (any more). Go back to the map.',
    'Er ging iets mis':
        'Something went wrong',
    'De fout is vastgelegd. Probeer het later opnieuw.':
        'The error has been logged. Please try again later.',
    'Alleen een privacyfunctionaris keurt rollen goed.':
        'Only a privacy officer approves roles.',
    'Dit vroegsignaal valt buiten uw gebied.':
        'This early warning is outside your area.',
    'Alleen professionals met een gebied zien vroegsignalen.':
        'Only professionals with an area see early warnings.',
    'Dit vroegsignaal bestaat niet of valt buiten uw gebied.':
        'This early warning does not exist or is outside your area.',
    'Onbekend niveau.':
        'Unknown level.',
    'Deze plaats bestaat niet (meer).':
        'This place does not exist (any more).',
    # the place profile: periods, comparison, charts, PDF
    (
        'Multischaalprofiel: aandeel woningen met een ondersteuningsbehoefte '
        'onder de k dichtstbijzijnde woningen'
    ):
        (
            'Multiscalar profile: share of dwellings with a support need among '
            'the k nearest dwellings'
        ),
    'k (dichtstbijzijnde woningen)':
        'k (nearest dwellings)',
    'geen cijfer':
        'no figure',
    'Balans per periode, met interval':
        'Balance per period, with interval',
    'Meldingen per kalenderkwartaal':
        'Signals per calendar quarter',
    'VERTROUWELIJK':
        'CONFIDENTIAL',
    'Alleen voor wie met deze plaats werkt; niet doorsturen of publiceren.':
        'Only for those who work with this place; do not forward or publish.',
    'pagina %(n)s':
        'page %(n)s',
    'Plaatsprofiel %(name)s':
        'Place profile %(name)s',
    'Plaatsprofiel (openbaarheidsregels toegepast), vertrouwelijk':
        'Place profile (disclosure rules applied), confidential',
    'Plaatsprofiel: %(name)s (%(level)s)':
        'Place profile: %(name)s (%(level)s)',
    (
        'Periode %(period)s. Gemaakt op %(day)s. Plaatsgebonden cijfers, zoals '
        'de publicatiedeur ze vrijgeeft (beschermde aantallen, afgerond; kleine '
        'plaatsen alleen een band of niets).'
    ):
        (
            'Period %(period)s. Made on %(day)s. Place-based figures as the '
            'publication door releases them (protected counts, rounded; small '
            'places only a band or nothing).'
        ),
    'geen gegevens':
        'no data',
    'Woningen (afgerond)':
        'Dwellings (rounded)',
    'Wat de klassen betekenen':
        'What the classes mean',
    'Betekenis':
        'Meaning',
    (
        'In %(percent)s%% van de %(runs)s rekenvarianten van de '
        'gevoeligheidsanalyse blijft deze plaats in de klasse “%(cls)s”.'
    ):
        (
            'In %(percent)s%% of the %(runs)s variants of the sensitivity '
            'analysis this place stays in the class “%(cls)s”.'
        ),
    'De meeste varianten geven de klasse “%(other)s”.':
        'Most variants give the class “%(other)s”.',
    (
        'Aandeel woningen met een ondersteuningsbehoefte onder de k '
        'dichtstbijzijnde woningen.'
    ):
        'Share of dwellings with a support need among the k nearest dwellings.',
    'druk':
        'pressure',
    'veerkracht':
        'resilience',
    'balans':
        'balance',
    'gestapelde ondersteuningsbehoeften':
        'stacked support needs',
    'instroom via urgentie':
        'inflow through urgency',
    'verhuizingen':
        'moves',
    'lang wonend':
        'long tenure',
    'attentheid (zorgsignalen)':
        'attentiveness (care worries)',
    'meldingsbereidheid':
        'willingness to report',
    'bewonersinitiatieven':
        "residents' initiatives",
    'voorzieningen':
        'facilities',
    'gedeelde ruimten':
        'shared spaces',
    'aanwezigheid professionals':
        'presence of professionals',
    'portiekgrootte':
        'entrance size',
    'blokgrootte':
        'block size',
    'menging huishoudtypen':
        'mix of household types',
    'Het multischaalprofiel is er alleen voor de laatste periode.':
        'The multiscalar profile exists for the latest period only.',
    'Deze plaats is in een van beide perioden niet gepubliceerd.':
        'This place is not published in one of the two periods.',
    'gelijk':
        'same',
    'beter':
        'better',
    'slechter':
        'worse',
    'Een kleine plaats in een van beide perioden: alleen de band wordt vergeleken.':
        'A small place in one of the two periods: only the band is compared.',
    'duidelijk hoger':
        'clearly higher',
    'duidelijk lager':
        'clearly lower',
    'binnen de onzekerheid':
        'within the uncertainty',
    'Periode kiezen':
        'Choose a period',
    'Vergelijken met':
        'Compare with',
    'geen vergelijking':
        'no comparison',
    (
        'Er zijn geen cijfers voor de periode &ldquo;%(period)s&rdquo;; u ziet '
        'de periode %(shown)s.'
    ):
        (
            'There are no figures for the period &ldquo;%(period)s&rdquo;; you '
            'see the period %(shown)s.'
        ),
    'Cijfers van de periode %(period)s.':
        'Figures of the period %(period)s.',
    'Naar de laatste periode':
        'To the latest period',
    '%(b)s vergeleken met %(a)s':
        '%(b)s compared with %(a)s',
    'Wat':
        'What',
    'Verschil':
        'Difference',
    'Oordeel':
        'Verdict',
    (
        'Een verschil heet duidelijk als de intervallen van beide perioden '
        'elkaar niet overlappen; anders valt het binnen de onzekerheid van de '
        'cijfers.'
    ):
        (
            'A difference is called clear when the intervals of the two periods '
            'do not overlap; otherwise it lies within the uncertainty of the '
            'figures.'
        ),
    (
        'Balans per periode: de stip is de schatting, de lijn het interval, de '
        'kleur de klasse.'
    ):
        (
            'Balance per period: the dot is the estimate, the line the interval, '
            'the colour the class.'
        ),
    'De gevoeligheidsanalyse is er alleen voor de laatste periode.':
        'The sensitivity analysis exists for the latest period only.',
    'Een open staafje: te weinig meldingen om te tonen.':
        'An open bar: too few signals to show.',
    # --- API errors (veerkracht.web.api, web.problems, the apps' api.py) ---
    "Er komen te veel meldingen vanaf dit adres. Probeer het over een paar "
    "minuten opnieuw; bij acuut gevaar: bel 112.":
        "Too many reports from this address. Try again in a few minutes; in "
        "acute danger: call 112.",
    "Te veel mislukte inlogpogingen vanaf dit adres. Probeer het over een "
    "kwartier opnieuw.":
        "Too many failed logins from this address. Try again in a quarter of "
        "an hour.",
    "Ongeldige invoer": "Invalid input",
    "Het verzoek bevat ongeldige waarden.": "The request contains invalid values.",
    "Niet ingelogd": "Not logged in",
    "Log eerst in.": "Log in first.",
    "Dit bestaat niet.": "This does not exist.",
    "Fout in het verzoek": "Error in the request",
    "Ongeldig verzoek": "Invalid request",
    "onbekend niveau %(level)r; kies uit %(levels)s":
        "unknown level %(level)r; choose from %(levels)s",
    "Dit niveau valt buiten uw rol.": "This level lies outside your role.",
    "geef bij parent ook parent_level (een niveau)":
        "with parent, also give parent_level (a level)",
    "Deze plaats valt buiten uw gebied.": "This place lies outside your area.",
    "Uw rol geeft geen toegang tot de kaart.":
        "Your role gives no access to the map.",
    "Deze plaats bestaat niet of valt buiten uw gebied.":
        "This place does not exist or lies outside your area.",
    "Dit veld is verplicht.": "This field is required.",
    "Moet een geheel getal zijn.": "Must be a whole number.",
    "Moet een getal zijn.": "Must be a number.",
    "Moet een eindig getal zijn.": "Must be a finite number.",
    "Moet true of false zijn.": "Must be true or false.",
    "Moet tekst zijn.": "Must be text.",
    "Moet geldige tekst (UTF-8) zijn.": "Must be valid text (UTF-8).",
    "Moet minstens %(min_length)s tekens lang zijn.":
        "Must be at least %(min_length)s characters long.",
    "Mag hoogstens %(max_length)s tekens lang zijn.":
        "May be at most %(max_length)s characters long.",
    "Heeft niet de verwachte vorm (%(pattern)s).":
        "Does not have the expected form (%(pattern)s).",
    "Moet groter zijn dan %(gt)s.": "Must be greater than %(gt)s.",
    "Moet %(ge)s of groter zijn.": "Must be %(ge)s or greater.",
    "Moet kleiner zijn dan %(lt)s.": "Must be less than %(lt)s.",
    "Moet %(le)s of kleiner zijn.": "Must be %(le)s or less.",
    "Kies een van: %(expected)s.": "Choose one of: %(expected)s.",
    "Moet een object zijn.": "Must be an object.",
    "Moet een lijst zijn.": "Must be a list.",
    "Moet een datum en tijd zijn (ISO 8601).": "Must be a date and time (ISO 8601).",
    "Moet een datum zijn (JJJJ-MM-DD).": "Must be a date (YYYY-MM-DD).",
    "Geen geldige JSON.": "Not valid JSON.",
    "Dit veld is niet toegestaan.": "This field is not allowed.",
    "Ongeldige waarde.": "Invalid value.",
    "De inhoud van het verzoek is geen geldige JSON.":
        "The body of the request is not valid JSON.",
    "De CSRF-controle is mislukt: stuur het CSRF-token van de sessie mee (kop "
    "X-CSRFToken).":
        "The CSRF check failed: send the session's CSRF token along (header "
        "X-CSRFToken).",
    "Verzoek te groot": "Request too large",
    "Een melding mag hoogstens %(kb)s kB zijn.": "A report may be at most %(kb)s kB.",
    "contact_email is geen geldig e-mailadres.":
        "contact_email is not a valid e-mail address.",
    "Geef zowel lat als long.": "Give both lat and long.",
    "Alleen ingelogde professionals kiezen een bron.":
        "Only logged-in professionals choose a source.",
    "Deze melding bestaat niet of het token klopt niet.":
        "This report does not exist or the token is wrong.",
    "Alleen professionals behandelen meldingen.":
        "Only professionals handle reports.",
    "limit moet tussen 1 en 500 liggen, offset tussen 0 en %(max)s.":
        "limit must lie between 1 and 500, offset between 0 and %(max)s.",
    "Deze melding bestaat niet.": "This report does not exist.",
    "Deze melding valt buiten uw gebied.": "This report lies outside your area.",
    "Statuswijziging geweigerd": "Status change refused",
    "Van '%(from)s' naar '%(to)s' is geen toegestane stap.":
        "From '%(from)s' to '%(to)s' is not an allowed step.",
    "Vul een geldige postcode in, bijvoorbeeld 1234 AB.":
        "Enter a valid postcode, for example 1234 AB.",
    "Vul het huisnummer in als getal, bijvoorbeeld 12.":
        "Enter the house number as a number, for example 12.",
    "Het adres %(pc)s %(number)s bestaat niet in de adressenlijst. Controleer "
    "postcode en huisnummer.":
        "The address %(pc)s %(number)s is not in the address list. Check the "
        "postcode and house number.",
    "Bij %(pc)s %(number)s bestaat de toevoeging '%(suffix)s' niet. Kies uit: "
    "%(choices)s.":
        "At %(pc)s %(number)s the addition '%(suffix)s' does not exist. Choose "
        "from: %(choices)s.",
    "Op %(pc)s %(number)s zijn meerdere adressen; vul ook de toevoeging in. Kies "
    "uit: %(choices)s.":
        "There are several addresses at %(pc)s %(number)s; enter the addition "
        "too. Choose from: %(choices)s.",
    "Dit adres-id bestaat niet in de adressenlijst.":
        "This address id is not in the address list.",
    "Vul de straatnaam in.": "Enter the street name.",
    "Vul de woonplaats in.": "Enter the town.",
    "De straat '%(straat)s' is niet gevonden in '%(woonplaats)s'. Controleer de "
    "spelling.":
        "The street '%(straat)s' was not found in '%(woonplaats)s'. Check the "
        "spelling.",
    "Deze locatie ligt niet in het gebied van deze gemeente (geen adres binnen "
    "250 meter).":
        "This location lies outside this municipality's area (no address within "
        "250 metres).",
    "Er zijn nog geen adressen ingelezen; melden op adres kan nog niet.":
        "No addresses have been read in yet; reporting by address is not yet "
        "possible.",
    "deze idempotentiesleutel hoort bij een andere melding; kies een nieuwe "
    "sleutel voor een nieuwe melding":
        "this idempotency key belongs to another report; choose a new key for a "
        "new report",
    "Deze melding is intussen gewijzigd: de status is nu '%(status)s'. Bekijk de "
    "nieuwe stand en probeer opnieuw.":
        "This report has changed in the meantime: its status is now '%(status)s'. "
        "Look at the new state and try again.",
    # --- end of API errors ---
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
    # the signals work list (ADR 0014, 0015)
    'melding toegewezen': 'signal assigned',
    'prioriteit melding gewijzigd': 'signal priority changed',
    'melding heropend': 'signal reopened',
    'werkbak geëxporteerd': 'work list exported',
    'dubbele melding samengevoegd': 'duplicate signal merged',
    'Nieuwe status': 'New status',
    'Geef een reden om de melding te heropenen.': 'Give a reason to reopen the signal.',
    'Mijn team': 'My team',
    'Alle meldingen': 'All signals',
    'Locatie': 'Location',
    'Plaatsprofiel': 'Place profile',
    'geanonimiseerd': 'anonymised',
    'Toewijzen': 'Assign',
    'Status wijzigen': 'Change status',
    'Gemeld op': 'Reported on',
    'Stand van de behandeling': 'Progress of the handling',
    'Meldingen in mijn gebieden': 'Signals in my areas',
    'Toewijzing': 'Assignment',
    'Alle open': 'All open',
    (
        'Uw organisatie heeft nog geen team voor meldingen; de '
        'beheerder koppelt een team aan uw organisatie.'
    ):
        (
            'Your organisation has no team for signals yet; the '
            'administrator links a team to your organisation.'
        ),
    'Nieuwe melding doen': 'Report a new signal',
    'Download deze lijst als CSV': 'Download this list as CSV',
    'Aantal meldingen: %(n)s': 'Number of signals: %(n)s',
    'Kenmerk': 'Reference',
    'Toegewezen aan': 'Assigned to',
    'profiel %(level)s': 'profile of the %(level)s',
    'Geen meldingen.': 'No signals.',
    "Pagina's": 'Pages',
    'Alleen professionals met een gebied behandelen meldingen.':
        'Only professionals with an area handle signals.',
    'Afgehandeld': 'Resolved',
    'Deze melding is geannuleerd.': 'This signal was cancelled.',
    'Notitie (intern, geen namen)': 'Note (internal, no names)',
    'Team': 'Team',
    'Medewerker': 'Colleague',
    'Niemand in het bijzonder': 'Nobody in particular',
    'Prioriteit': 'Priority',
    'Dubbel van': 'Duplicate of',
    'Reden (intern, geen namen)': 'Reason (internal, no names)',
    'Een melding kan niet met zichzelf worden samengevoegd.':
        'A signal cannot be merged with itself.',
    (
        'Die melding is zelf al samengevoegd met een andere; kies de '
        'melding waarmee zij is samengevoegd.'
    ):
        (
            'That signal has itself been merged with another; choose the '
            'signal it was merged with.'
        ),
    (
        'Die melding gaat niet over dezelfde plaats (niet in '
        'hetzelfde portiek of binnen %(m)s meter).'
    ):
        (
            'That signal is not about the same place (not in the same '
            'entrance or within %(m)s metres).'
        ),
    'Mee verplaatst met %(ref)s.': 'Moved along with %(ref)s.',
    'Dit team is niet actief.': 'This team is not active.',
    (
        'Deze melding kan niet aan deze persoon worden toegewezen: '
        'die hoort niet bij het team of ziet de melding niet in het '
        'eigen gebied.'
    ):
        (
            'This signal cannot be assigned to this person: they are not '
            'in the team or do not see the signal in their own areas.'
        ),
    'Onbekende prioriteit.': 'Unknown priority.',
    'Aan mij toegewezen': 'Assigned to me',
    'Niet toegewezen': 'Not assigned',
    'Nieuwste eerst': 'Newest first',
    'Oudste eerst': 'Oldest first',
    'Prioriteit (hoog eerst)': 'Priority (high first)',
    'Melding %(ref)s': 'Signal %(ref)s',
    'Deze melding is samengevoegd: zij wordt behandeld onder':
        'This signal has been merged: it is handled under',
    'Onderwerp': 'Subject',
    'Bron': 'Source',
    'geen plaats die u mag zien': 'no place you may see',
    'Gemeld': 'Reported',
    'was %(age)s open': 'was open for %(age)s',
    'open sinds %(age)s': 'open for %(age)s',
    'Melder wil bericht': 'Reporter wants to hear back',
    'ja, per e-mail': 'yes, by e-mail',
    'nee': 'no',
    'Samengevoegde dubbele meldingen': 'Merged duplicate signals',
    'Mogelijk dezelfde situatie': 'Possibly the same situation',
    (
        "U kunt toewijzen aan collega's van uw organisatie of van het"
        ' team die deze melding in hun eigen gebied zien.'
    ):
        (
            'You can assign to colleagues of your organisation or of the '
            'team who see this signal in their own areas.'
        ),
    'Prioriteit opslaan': 'Save priority',
    'Samenvoegen als dubbele melding': 'Merge as a duplicate',
    (
        'Gaat deze melding over dezelfde situatie als een andere '
        'melding hier? Dan wordt deze gesloten en behandeld onder de '
        'andere. De melder ziet dat, maar niets van de andere '
        'melding.'
    ):
        (
            'Is this signal about the same situation as another signal '
            'here? Then this one is closed and handled under the other. '
            'The reporter sees that, but nothing of the other signal.'
        ),
    'Samenvoegen': 'Merge',
    'Heropenen': 'Reopen',
    "De melding gaat terug naar '%(status)s'; de reden komt in de geschiedenis.":
        "The signal goes back to '%(status)s'; the reason is kept in the history.",
    'Wanneer': 'When',
    'Wijziging': 'Change',
    'Verloop': 'Progress',
    'Meldingen filteren en sorteren': 'Filter and sort signals',
    'Iedereen': 'Everybody',
    'Categorie': 'Category',
    'Sorteren': 'Sort',
    '(zonder tekst, melder of adres; per buurt, straat of blok)':
        '(without text, reporter or address; per buurt, street or block)',
    'Langst open: %(age)s': 'Open longest: %(age)s',
    'Open sinds': 'Open for',
    'Mogelijk dubbel': 'Possible duplicate',
    'dubbel van': 'duplicate of',
    'mij': 'me',
    'Pagina %(n)s van %(total)s': 'Page %(n)s of %(total)s',
    '%(status)s (heropend)': '%(status)s (reopened)',
    'Heropend (was: %(status)s)': 'Reopened (was: %(status)s)',
    'Samengevoegd: dubbel van': 'Merged: duplicate of',
    'Dubbele melding hierbij gevoegd:': 'Duplicate merged into this one:',
    'niemand in het bijzonder': 'nobody in particular',
    'Toegewezen aan %(team)s, %(who)s': 'Assigned to %(team)s, %(who)s',
    'Prioriteit: %(priority)s': 'Priority: %(priority)s',
    'Gemeld (%(status)s)': 'Reported (%(status)s)',
    'Status: %(from)s → %(to)s': 'Status: %(from)s → %(to)s',
    "Status gewijzigd naar '%(status)s'.": "Status changed to '%(status)s'.",
    'Toegewezen aan %(team)s, %(who)s.': 'Assigned to %(team)s, %(who)s.',
    'Prioriteit: %(priority)s.': 'Priority: %(priority)s.',
    'Samengevoegd met %(ref)s.': 'Merged with %(ref)s.',
    "Heropend: de melding is weer '%(status)s'.":
        "Reopened: the signal is '%(status)s' again.",
    'Nieuw': 'New',
    'Doorgezet naar een andere organisatie': 'Forwarded to another organisation',
    'Geannuleerd': 'Cancelled',
    'Samengevoegd met een andere melding': 'Merged with another signal',
    'Uw melding is ontvangen en wacht op beoordeling door het team.':
        'Your signal has been received and awaits assessment by the team.',
    'Een medewerker heeft uw melding in behandeling genomen.':
        'A member of staff has taken up your signal.',
    'Uw melding is doorgezet naar de organisatie die dit het beste kan oppakken.':
        (
            'Your signal has been forwarded to the organisation best '
            'placed to take it up.'
        ),
    'Uw melding is afgehandeld. Dank u wel dat u dit heeft gemeld.':
        'Your signal has been resolved. Thank you for reporting it.',
    (
        'Uw melding gaat over dezelfde situatie als een andere '
        'melding. Het team behandelt ze samen; hieronder staat hoe '
        'het daarmee staat.'
    ):
        (
            'Your signal is about the same situation as another signal. '
            'The team handles them together; below is how that stands.'
        ),
    'Hoog': 'High',
    'Normaal': 'Normal',
    'Laag': 'Low',
    'vandaag': 'today',
    '1 dag': '1 day',
    '%(days)s dagen': '%(days)s days',
    "van '%(from)s' naar '%(to)s' is geen toegestane stap":
        "from '%(from)s' to '%(to)s' is not an allowed step",
    'Een gesloten melding kan niet worden samengevoegd; heropen haar eerst.':
        'A closed signal cannot be merged; reopen it first.',
    'Alleen een gesloten melding kan worden heropend.':
        'Only a closed signal can be reopened.',
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
    "Bijvoorbeeld Bosweg 12, 9351 AA 12, een straat, buurt of wijk. U vindt "
    "alleen plaatsen in uw gebieden; nooit een adres of een persoon.":
        "For example Bosweg 12, 9351 AA 12, a street, neighbourhood or district. "
        "You find only places in your areas; never an address or a person.",
    "Kies deze plaats": "Choose this place",
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
    # a year's plan and multi-year scenarios
    'Jaarplan':
        "Year's plan",
    'Scenario':
        'Scenario',
    ('Cumulatief aandeel huishoudens (horizontaal) tegen cumulatief aandeel huishoudens'
     ' met een ondersteuningsbehoefte (verticaal), straten van laag naar hoog aandeel. '
     'Hoe dichter bij de diagonaal, hoe gelijker gespreid.'):
        ('Cumulative share of households (horizontal) against cumulative share of '
         'households with a support need (vertical), streets from low to high share. '
         'The closer to the diagonal, the more evenly spread.'),
    'Lorenzcurve over straten':
        'Lorenz curve over streets',
    'Plaatsen “onder druk” of slechter per jaar en beleid':
        'Places “under pressure” or worse per year and policy',
    'Planbestand (PLAN.csv)':
        'Plan file (PLAN.csv)',
    'Kies een planbestand (CSV).':
        'Choose a plan file (CSV).',
    'Het bestand is leeg.':
        'The file is empty.',
    'Dit is geen bestand.':
        'This is not a file.',
    'Tijd voor de berekening':
        'Time for the calculation',
    '10 seconden':
        '10 seconds',
    '20 seconden':
        '20 seconds',
    '30 seconden':
        '30 seconds',
    '60 seconden':
        '60 seconds',
    'Kies een tijd uit de lijst.':
        'Choose a time from the list.',
    'Aantal jaren':
        'Number of years',
    'Vul het aantal jaren in (1 tot 10).':
        'Fill in the number of years (1 to 10).',
    'Minstens 1 jaar.':
        'At least 1 year.',
    'Hoogstens 10 jaar.':
        'At most 10 years.',
    'Het aantal jaren is een geheel getal.':
        'The number of years is a whole number.',
    'Beleid':
        'Policy',
    'Kies minstens één beleid.':
        'Choose at least one policy.',
    'Kies een beleid uit de lijst.':
        'Choose a policy from the list.',
    'Verhuisgraad per jaar (%)':
        'Turnover per year (%)',
    'Vul de verhuisgraad in, bijvoorbeeld 8.':
        'Fill in the turnover, for example 8.',
    'De verhuisgraad is meer dan 0 %.':
        'The turnover is more than 0 %.',
    'De verhuisgraad is hoogstens 100 %.':
        'The turnover is at most 100 %.',
    'De verhuisgraad is een getal, bijvoorbeeld 8 of 8,5.':
        'The turnover is a number, for example 8 or 8.5.',
    'Zaad (zelfde zaad, zelfde scenario)':
        'Seed (same seed, same scenario)',
    'Vul een zaad in, bijvoorbeeld 1.':
        'Fill in a seed, for example 1.',
    'Het zaad is een geheel getal.':
        'The seed is a whole number.',
    'Het zaad is 0 of meer.':
        'The seed is 0 or more.',
    'Het zaad is te groot.':
        'The seed is too large.',
    'Voorraad':
        'Stock',
    'Kies een voorraad uit de lijst.':
        'Choose a stock from the list.',
    'alle woningen van de werkmap':
        'every dwelling of the workspace',
    '%(label)s, via urgentie':
        '%(label)s, through urgency',
    '%(label)s, gewone route':
        '%(label)s, regular route',
    'Een aantal is 0 of meer.':
        'A number is 0 or more.',
    'Dat zijn te veel huishoudens.':
        'Those are too many households.',
    'Een aantal is een geheel getal.':
        'A number is a whole number.',
    'Geef aan wie er elk jaar een woning krijgt: minstens één huishouden.':
        'Say who gets a dwelling each year: at least one household.',
    'optimaal':
        'optimal',
    'binnen 1 % van optimaal, bewezen door de ondergrens van de solver':
        'within 1 % of optimal, proven by the solver’s lower bound',
    'tijdslimiet bereikt':
        'time limit reached',
    'niet veilig: er zakken nog plaatsen een klasse':
        'not safe: places still drop a class',
    'benadering':
        'approximation',
    'segregatie-index D':
        'dissimilarity index D',
    'isolatie-index xPx*':
        'isolation index xPx*',
    'grootste aandeel met ondersteuningsbehoefte in een straat':
        'largest share with a support need in a street',
    'aandeel met ondersteuningsbehoefte in een plaats “onder druk” of slechter':
        'share with a support need in a place “under pressure” or worse',
    'Gini-coëfficiënt over straten':
        'Gini coefficient over streets',
    'nu':
        'now',
    'advies':
        'advice',
    'eerst komt, eerst maalt':
        'first come, first served',
    'Het bestand is groter dan %(mb)s MB; een plan voor een jaar past ruim daarbinnen.':
        'The file is larger than %(mb)s MB; a plan for a year fits well within that.',
    '%(n)s regels van het plan zijn afgekeurd; er is niets berekend.':
        '%(n)s lines of the plan were refused; nothing was calculated.',
    ('regel %(line)s: %(n)s vrijkomende woningen van deze voorraad liggen buiten uw '
     'gebieden'):
        'line %(line)s: %(n)s vacancies of this stock lie outside your areas',
    'regel %(line)s: deze woning ligt buiten uw gebieden':
        'line %(line)s: this dwelling lies outside your areas',
    'Jaarplan: plaatsingen van een jaar verdelen':
        "Year's plan: spreading a year's placements",
    ('Lees een planbestand in met de verwachte vrijkomende woningen van een jaar en de '
     'groepen huishoudens die daarin een woning krijgen (categorie en aantal). Het '
     'advies houdt elke portiek, elk blok en elke straat in haar klasse, voldoet aan de'
     ' eisen van elke groep en spreidt zo goed mogelijk. Het gaat om categorieën en '
     'aantallen, nooit om een persoon; het advies beslist niets.'):
        ("Upload a plan file with a year's expected vacancies and the groups of "
         'households that get a dwelling in them (category and number). The advice '
         "keeps every entrance, block and street in its class, meets every group's "
         'requirements and spreads as well as it can. It is about categories and '
         'numbers, never about a person; the advice decides nothing.'),
    'Voorbeeldplan voor deze werkmap downloaden':
        'Download an example plan for this workspace',
    'Een CSV-bestand met uitleg in de kopregels, op adressen binnen uw gebieden.':
        ('A CSV file with an explanation in its header lines, on addresses inside your '
         'areas.'),
    'Naar de uitkomst van uw laatste plan':
        'To the result of your last plan',
    'Bezig met rekenen… dit kan tot de gekozen tijd duren.':
        'Calculating… this can take up to the chosen time.',
    ('CSV met ; of , (UTF-8), hoogstens %(mb)s MB. Uitleg van de kolommen: de kopregels'
     ' van het voorbeeldplan.'):
        ('CSV with ; or , (UTF-8), at most %(mb)s MB. The columns are explained in the '
         'header lines of the example plan.'),
    'Bereken het advies':
        'Calculate the advice',
    'Advies voor het jaarplan':
        "Advice for the year's plan",
    ('Volgens de cijfers van de periode %(period)s; berekend in %(seconds)s s. Het '
     'advies gaat over categorieën en aantallen, nooit over een persoon; het beslist '
     'niets.'):
        ('According to the figures of the period %(period)s; calculated in %(seconds)s '
         's. The advice is about categories and numbers, never about a person; it '
         'decides nothing.'),
    'Uitkomst':
        'Result',
    'Oplossing':
        'Solution',
    'Geplaatst':
        'Placed',
    '%(placed)s huishoudens over %(total)s vrijkomende woningen':
        '%(placed)s households over %(total)s vacancies',
    'Niet geplaatst':
        'Not placed',
    'Plaatsen die een klasse zakken':
        'Places that drop a class',
    'advies: %(advice)s; eerst komt, eerst maalt: %(naive)s':
        'advice: %(advice)s; first come, first served: %(naive)s',
    'Doel (lager is eerlijker)':
        'Objective (lower is fairer)',
    'advies %(goal)s (ondergrens %(bound)s); eerst komt, eerst maalt %(naive)s':
        'advice %(goal)s (lower bound %(bound)s); first come, first served %(naive)s',
    'Waarom niet iedereen past:':
        'Why not everyone fits:',
    'Meldingen:':
        'Messages:',
    'Eerlijkheid: nu, advies en eerst komt, eerst maalt':
        'Fairness: now, advice and first come, first served',
    ('Lager is gelijker gespreid. Over de huishoudens met en zonder '
     'ondersteuningsbehoefte, uit de beschermde statistieken.'):
        ('Lower is more evenly spread. Over the households with and without a support '
         'need, from the protected statistics.'),
    ('Lorenzcurve: hoe de huishoudens met een ondersteuningsbehoefte over de straten '
     'verdeeld zijn. De gestippelde diagonaal is een volkomen gelijke spreiding.'):
        ('Lorenz curve: how the households with a support need are spread over the '
         'streets. The dotted diagonal is a perfectly even spread.'),
    'Advies per plaats':
        'Advice per place',
    'Toon alle %(n)s regels':
        'Show all %(n)s rows',
    ('Geadviseerde plaatsingen per portiek, blok of straat en categorie; de ruimte '
     'alleen waar de openbaarheidsregels haar tonen.'):
        ('Advised placements per entrance, block or street and category; the room only '
         'where the disclosure rules show it.'),
    'urgentie':
        'urgency',
    'Geen plaatsingen om te tonen.':
        'No placements to show.',
    ('Regels over plaatsen buiten uw rol of gebieden, hier en in de download '
     'weggelaten: %(n)s.'):
        ('Rows about places outside your role or areas, left out here and in the '
         'download: %(n)s.'),
    'Bestanden':
        'Files',
    ("Dezelfde cijfers als op deze pagina, als CSV (;), zoals 'veerkracht allocate' ze "
     'schrijft. Ze blijven een half uur beschikbaar.'):
        ("The same figures as on this page, as CSV (;), as 'veerkracht allocate' writes"
         ' them. They stay available for half an hour.'),
    'Een ander plan inlezen':
        'Upload another plan',
    'Scenario over meerdere jaren':
        'Scenario over several years',
    'Scenario — geen voorspelling.':
        'Scenario — not a forecast.',
    ('Elk jaar komt een deel van de woningen vrij (de verhuisgraad, met een vast zaad);'
     ' het beleid geeft de huishoudens met een ondersteuningsbehoefte een woning; de '
     'andere woningen gaan naar huishoudens zonder ondersteuningsbehoefte. U ziet per '
     'beleid en jaar hoeveel blokken en straten “onder druk” of slechter staan, en '
     'hoeveel huishoudens geen woning vonden. Zelfde zaad, zelfde scenario.'):
        ('Each year some of the dwellings fall vacant (the turnover, with a fixed '
         'seed); the policy gives the households with a support need a dwelling; the '
         'other dwellings go to households without a support need. You see per policy '
         'and year how many blocks and streets are “under pressure” or worse, and how '
         'many households found no dwelling. Same seed, same scenario.'),
    'Bezig met rekenen…':
        'Calculating…',
    'Huishoudens die elk jaar een woning krijgen':
        'Households that get a dwelling each year',
    'gewone route':
        'regular route',
    'Reken het scenario door':
        'Run the scenario',
    'Scenario — geen voorspelling':
        'Scenario — not a forecast',
    'Zaad %(seed)s, vanaf de periode %(period)s (jaar 0 is nu).':
        'Seed %(seed)s, from the period %(period)s (year 0 is now).',
    'Alleen de voorraad van %(name)s komt vrij.':
        'Only the stock of %(name)s falls vacant.',
    ('Alleen plaatsen die de openbaarheidsregels tonen tellen mee; het scenario noemt '
     'geen plaats.'):
        ('Only places the disclosure rules show are counted; the scenario names no '
         'place.'),
    'Plaatsen “onder druk” of slechter: %(level)s':
        'Places “under pressure” or worse: %(level)s',
    ('Aantal per beleid en jaar (%(level)s); tussen haakjes de huishoudens zonder '
     'woning in dat jaar.'):
        ('Number per policy and year (%(level)s); in brackets the households without a '
         'dwelling that year.'),
    'jaar %(year)s':
        'year %(year)s',
    'Huishoudens zonder woning':
        'Households without a dwelling',
    '%(policy)s: %(n)s over alle jaren samen':
        '%(policy)s: %(n)s over all years together',
    ('Dit plan noemt vrijkomende woningen buiten uw gebieden; u kunt alleen plannen '
     'binnen uw eigen gebieden. Er is niets berekend.'):
        ('This plan names vacancies outside your areas; you can only plan within your '
         'own areas. Nothing was calculated.'),
    ('Er is geen uitkomst (meer) om te tonen: een uitkomst blijft een half uur bewaard.'
     ' Lees het plan opnieuw in.'):
        ('There is no result (any more) to show: a result is kept for half an hour. '
         'Upload the plan again.'),
    'Dit bestand is er niet (meer); lees het plan opnieuw in.':
        'This file is not there (any more); upload the plan again.',
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
