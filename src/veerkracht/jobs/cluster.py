"""Where a job's partitions run: this process or a Dask cluster (ADR 0012).

``veerkracht compute --scheduler`` and ``veerkracht warn run --scheduler``
take the same values, read here once: None, ``"local"`` or ``"none"`` (this
process; the scan also knows ``"processes"``, a local process pool), a Dask
scheduler address (``tcp://host:8786``, also written ``distributed
tcp://host:8786``) or a ``dask.distributed.Client``.

>>> is_cluster(None), is_cluster("local"), is_cluster("tcp://10.0.0.5:8786")
(False, False, True)
>>> address("distributed tcp://10.0.0.5:8786")
'tcp://10.0.0.5:8786'
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

#: Scheduler values that keep the work on this machine.
LOCAL = ("local", "none", "processes")


class ClusterError(Exception):
    """The Dask scheduler cannot be reached (a Dutch message)."""


def is_cluster(scheduler) -> bool:
    """A Dask client or a scheduler address: not this machine."""
    if scheduler is None:
        return False
    if not isinstance(scheduler, str):
        return True
    return scheduler.strip() not in LOCAL


def address(scheduler: str) -> str:
    """``tcp://host:8786`` from that or from ``distributed tcp://host:8786``."""
    s = scheduler.strip()
    return s.split(None, 1)[1] if s.startswith("distributed ") else s


@contextlib.contextmanager
def client_for(scheduler, timeout: str = "20s") -> Iterator:
    """The Dask client of ``scheduler``: the one given, or one connected to
    the address for the block (closed after it). Raises :class:`ClusterError`
    when the scheduler cannot be reached."""
    if not isinstance(scheduler, str):
        yield scheduler
        return
    from dask.distributed import Client

    where = address(scheduler)
    try:
        client = Client(where, timeout=timeout)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ClusterError(f"de Dask-scheduler {where!r} is niet bereikbaar "
                           f"({exc})") from None
    try:
        yield client
    finally:
        client.close()
