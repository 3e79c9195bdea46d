from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from api.startup_heap import freeze_startup_heap


@pytest.fixture
def unfrozen_afterwards() -> Iterator[None]:
    yield
    gc.unfreeze()


@pytest.mark.usefixtures("unfrozen_afterwards")
def test_start_up_objects_leave_the_collected_generations_and_later_ones_do_not() -> None:
    loaded = {"module": ["state"]}
    frozen = freeze_startup_heap()
    # frozen objects that die later (another thread's, say) leave the count: it only falls
    assert 0 < gc.get_freeze_count() <= frozen
    tracked = {id(o) for o in gc.get_objects()}
    assert id(loaded) not in tracked
    later = {"request": ["state"]}
    assert id(later) in {id(o) for o in gc.get_objects()}


@pytest.mark.usefixtures("unfrozen_afterwards")
def test_start_up_garbage_is_collected_before_freezing() -> None:
    class Cycle:
        other: object = None

    first, second = Cycle(), Cycle()
    first.other, second.other = second, first
    gone = weakref.ref(first)
    del first, second
    freeze_startup_heap()
    assert gone() is None
