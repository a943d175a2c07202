"""Loaded data is shared by content and released with the last holder (ui.datastore), without a server."""

from __future__ import annotations

import gc
import threading
import time

import pandas as pd

from core import Policy, compute_metrics, decide
from core.compact import CompactDataset
from core.sample import generate_dataset
from ui import datastore


def compact(seed: int) -> CompactDataset:
    return CompactDataset.from_dataset(generate_dataset(companies=60, seed=seed, months=24))


def released(fingerprint: str) -> bool:
    gc.collect()
    return datastore.find(fingerprint) is None


def test_the_same_content_is_one_copy_and_other_content_another():
    first = datastore.share(compact(1))
    again = datastore.share(compact(1))  # another session uploads the same content
    other = datastore.share(compact(2))
    assert again is first and other is not first
    assert {first.fingerprint, other.fingerprint} <= set(datastore.held())


def test_data_nobody_holds_is_released():
    shared = datastore.share(compact(3))
    fingerprint = shared.fingerprint
    shared.metrics(str(shared.data.latest_month))  # what was computed from it goes with it
    assert not released(fingerprint)
    del shared
    assert released(fingerprint)


def test_a_lingering_release_keeps_it_a_little_longer():
    shared = datastore.share(compact(4))
    fingerprint = shared.fingerprint
    datastore.linger(shared, seconds=0.5)
    del shared
    assert not released(fingerprint), "a session that reconnects at once finds its data"
    time.sleep(1.0)
    assert released(fingerprint)


def test_figures_are_computed_once_whoever_asks(monkeypatch):
    calls = []

    def slow(data, as_of=None):
        calls.append(as_of)
        time.sleep(0.2)
        return compute_metrics(data, as_of)

    monkeypatch.setattr(datastore, "compute_metrics", slow)
    shared = datastore.share(compact(5))
    month = str(shared.data.latest_month)
    results = []
    threads = [threading.Thread(target=lambda: results.append(shared.metrics(month))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert calls == [month]
    assert all(r is results[0] for r in results)
    assert shared.has_metrics(month)


def test_few_months_and_decisions_are_kept(monkeypatch):
    shared = datastore.share(compact(6))
    latest = shared.data.latest_month
    for back in range(4):
        shared.metrics(str(latest - back))
    assert sum(shared.has_metrics(str(latest - back)) for back in range(4)) == datastore.METRICS_KEPT
    month = str(latest)
    frames = [shared.decisions(month, Policy.default().scaled(1 + k / 10).model_dump_json()) for k in range(10)]
    assert len(shared._decisions) == datastore.DECISIONS_KEPT
    again = shared.decisions(month, Policy.default().scaled(1.9).model_dump_json())
    assert again is frames[-1], "the latest decisions are served from the cache"


def test_the_decisions_byte_budget_keeps_at_least_two(monkeypatch):
    monkeypatch.setattr(datastore, "DECISIONS_BYTES", 1)
    shared = datastore.share(compact(7))
    month = str(shared.data.latest_month)
    for k in range(4):
        shared.decisions(month, Policy.default().scaled(1 + k / 10).model_dump_json())
    assert len(shared._decisions) == 2


def test_another_month_s_decision_is_kept_without_its_figures():
    """The change since last month wants the decision at the month before, not its company figures: those are
    not kept for it (62 MB at 150,000 companies), and the decision is the same as one from kept figures."""
    shared = datastore.share(compact(8))
    latest, before = str(shared.data.latest_month), str(shared.data.latest_month - 1)
    policy = Policy.default()
    shared.metrics(latest)
    earlier = shared.decisions(before, policy.model_dump_json(), keep_figures=False)
    assert not shared.has_metrics(before) and shared.has_metrics(latest)
    assert shared.decisions(before, policy.model_dump_json(), keep_figures=False) is earlier  # kept itself
    pd.testing.assert_frame_equal(earlier, decide(compute_metrics(shared.data, before), policy))
