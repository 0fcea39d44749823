"""Early-warning alerts for the team of their area ("Aandacht deze week").

The job ``veerkracht warn run`` (:mod:`veerkracht.jobs.warn`) writes the
workspace table ``alerts`` with the columns of
:data:`veerkracht.analytics.warning.alerts.ALERT_COLUMNS`. This app reads it
into its own :class:`~veerkracht.web.alerts.models.Alert` rows, where a team
acknowledges ("in behandeling") and closes them with a note; ADR 0008 says
why alerts are case-handling information for the assigned team only, as the
signals they are made of.

Wiring
------
* Reading in: :func:`veerkracht.web.alerts.services.sync_alerts` upserts by
  ``alert_id`` (status, team, notes and history of known alerts are kept,
  nothing is deleted). The site calls
  :func:`~veerkracht.web.alerts.services.sync_if_changed` on every alert
  page, API answer and digest, so a new version of the table is seen
  without anything else; ``python -m veerkracht.web sync_alerts`` (or
  ``sync_alerts(ws=the_job_workspace)`` with Django set up) reads it in at
  once after a run.
* Routing (:func:`~veerkracht.web.alerts.services.route_alert`): the area
  rules of signals with category ``""`` — only rules for every category
  apply, since an alert has a meaning (``pressure``, ``attentiveness``,
  ``all``), not a category; no rule: the default team. See
  :mod:`veerkracht.web.alerts.services`.
* Access (:mod:`veerkracht.web.alerts.access`): the roles that handle
  signals, limited to their organisation's areas; 404 outside them; every
  list, view, acknowledgement, closing and digest is audited (actions
  ``alert_list``, ``alert_view``, ``alert_transition``, ``alert_digest``,
  object kind ``alert``).
* Pages: ``/aandacht/`` (``alerts:index``) and ``/aandacht/<alert_id>/``
  (``alerts:detail``); API ``/api/alerts/`` (``api:list_alerts``),
  ``/api/alerts/layer`` (``api:alert_layer``, the map's overlay),
  ``/api/alerts/<alert_id>`` (``api:get_alert``).
* E-mail: :func:`~veerkracht.web.alerts.services.send_digest` and
  ``python -m veerkracht.web send_alert_digest`` (``veerkracht warn digest``).

Settings
--------
``VEERKRACHT_ALERTS_RECENT_DAYS`` (int, default 7; docs/config.md)
    what "deze week" is: the list's default view and the digest.
``EMAIL_BACKEND``, ``DEFAULT_FROM_EMAIL``, ``EMAIL_HOST``/``EMAIL_PORT``/
``EMAIL_USE_TLS``
    how the digest is sent (console in the demo, locmem in the tests).
``VEERKRACHT_SITE_URL``
    the address in the digest's links (empty: paths only).
``VEERKRACHT_SIGNALS_DEFAULT_TEAM``
    the team of alerts no routing rule matches (as for signals).

Alerts are never public: no export, no public map layer, no place profile,
no anonymous API answer carries them.
"""
