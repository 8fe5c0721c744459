"""bulk_load() switches recompute triggers off for its block, and only for its caller."""

from __future__ import annotations

import threading

import pytest

from aquagrowth.farm.signals import bulk_load, triggers_enabled


def test_triggers_are_off_inside_bulk_load_and_on_again_after():
    assert triggers_enabled()
    with bulk_load():
        assert not triggers_enabled()
        with bulk_load():
            assert not triggers_enabled()
        assert not triggers_enabled()  # leaving the inner block keeps the outer one's state
    assert triggers_enabled()


def test_triggers_come_back_when_the_load_fails():
    with pytest.raises(RuntimeError), bulk_load():
        raise RuntimeError("load failed")
    assert triggers_enabled()


def test_another_thread_still_triggers_during_a_load():
    seen: list[bool] = []
    with bulk_load():
        other = threading.Thread(target=lambda: seen.append(triggers_enabled()))
        other.start()
        other.join()
    assert seen == [True]
