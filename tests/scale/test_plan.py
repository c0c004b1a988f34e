"""Partition plans (no I/O) and the client spec that travels to workers."""

from __future__ import annotations

import pickle

import pytest

from synapse_nb.client import SynapseClient
from synapse_nb.scale import ClientSpec, FromEnv, Secret, client_spec, plan_partitions


def test_partitions_cover_every_page_once_and_the_last_is_open_ended() -> None:
    plan = plan_partitions("tasks", count=10_450, partition_rows=3000, page_size=1000)
    pages: list[int] = []
    for part in plan[:-1]:
        pages += range(part.first_page, part.last_page + 1)  # type: ignore[operator]
    assert pages == list(range(1, plan[-1].first_page))
    assert plan[-1].last_page is None and plan[-1].first_page == 10
    assert sum(p.expected_rows for p in plan) == 10_450
    assert dict(plan[0].params)["ordering"] == "id"


def test_an_empty_listing_still_has_one_partition() -> None:
    plan = plan_partitions("models", count=0)
    assert len(plan) == 1 and plan[0].last_page is None and plan[0].expected_rows == 0


@pytest.mark.parametrize("bad", [dict(count=-1), dict(count=5, partition_rows=0),
                                 dict(count=5, page_size=0)])
def test_bad_plans_are_refused(bad: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        plan_partitions("tasks", **bad)


def test_unknown_resource_names_the_choices() -> None:
    with pytest.raises(ValueError, match="annotations"):
        plan_partitions("taks", count=1)


def test_spec_pickles_with_its_secret_but_never_prints_it() -> None:
    client = SynapseClient("http://127.0.0.1:9", access_token="syn_topsecret", tenant="acme")
    spec = client_spec(client)
    assert isinstance(spec.credential, Secret)
    assert "syn_topsecret" not in repr(spec) and "syn_topsecret" not in str(spec)
    again = pickle.loads(pickle.dumps(spec))
    assert again.credential.reveal() == "syn_topsecret" and again.tenant == "acme"
    made = again.make_client()
    assert "syn_topsecret" not in repr(made)


def test_spec_reads_the_token_from_the_environment_when_it_came_from_there(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNAPSE_ACCESS_TOKEN", "syn_fromenv")
    spec = client_spec(SynapseClient("http://127.0.0.1:9", access_token="syn_fromenv"))
    assert spec.credential == FromEnv("SYNAPSE_ACCESS_TOKEN")
    assert b"syn_fromenv" not in pickle.dumps(spec)
    monkeypatch.delenv("SYNAPSE_ACCESS_TOKEN")
    with pytest.raises(RuntimeError, match="SYNAPSE_ACCESS_TOKEN"):
        ClientSpec("http://127.0.0.1:9", credential=FromEnv()).make_client()
