"""One reading of ``--scheduler`` for compute and warn (veerkracht.jobs.cluster)."""

import pytest

from veerkracht.jobs.cluster import ClusterError, address, client_for, is_cluster


@pytest.mark.parametrize(("value", "cluster"), [
    (None, False), ("local", False), ("none", False), ("processes", False),
    (" local ", False), ("tcp://10.0.0.5:8786", True),
    ("distributed tcp://10.0.0.5:8786", True), (object(), True),
])
def test_which_values_leave_the_machine(value, cluster):
    assert is_cluster(value) is cluster


def test_both_address_forms_name_the_same_scheduler():
    assert address("distributed tcp://h:8786") == address(" tcp://h:8786 ") == "tcp://h:8786"


def test_a_given_client_is_used_as_it_is_and_not_closed():
    class Fake:
        closed = False

        def close(self):
            self.closed = True

    fake = Fake()
    with client_for(fake) as client:
        assert client is fake
    assert not fake.closed


def test_an_unreachable_scheduler_is_one_dutch_error():
    with pytest.raises(ClusterError, match="niet bereikbaar"), \
            client_for("tcp://127.0.0.1:1", timeout="2s"):
        pass


def test_compute_fails_on_an_unreachable_scheduler_before_any_work(tmp_path,
                                                                   monkeypatch):
    import veerkracht.jobs.cluster as cluster
    import veerkracht.jobs.compute as compute
    from veerkracht.store import open_workspace

    def no_work(*a, **k):
        raise AssertionError("read the workspace before connecting")

    monkeypatch.setattr(compute, "load_inputs", no_work)
    monkeypatch.setattr(compute, "client_for",
                        lambda s: cluster.client_for(s, timeout="2s"))
    with open_workspace(str(tmp_path / "ws")) as ws, \
            pytest.raises(compute.ComputeError, match="niet bereikbaar"):
        compute.run_compute(ws, scheduler="tcp://127.0.0.1:1")
