"""Settings: ``base`` (shared), ``dev`` (demo on this machine), ``ci`` (tests),
``production`` (no secret defaults). Every environment variable is read through
:func:`veerkracht.web.conf.config.config` and listed in ``docs/config.md``.
"""
