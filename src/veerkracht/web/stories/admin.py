"""Stories and interventions are not in the admin: the administrator has no data.

Their texts and places are written and read by the professionals of the area
(``/verhalen/``), scoped and audited; docs/web.md, "Administration".
"""
