"""The relay starts again while Kafka is unavailable, and only then."""

from __future__ import annotations

import asyncio

import pytest
from aiokafka.errors import KafkaConnectionError, KafkaTimeoutError, MessageSizeTooLargeError

from pipelines.relay.errors import RelayError
from pipelines.relay.restarts import kafka_unavailable, run_while_kafka_returns


def raised_from(cause: BaseException) -> RelayError:
    try:
        raise RelayError("Kafka did not take a batch") from cause
    except RelayError as exc:
        return exc


class FlakyRelay:
    """A relay run that fails with ``errors`` in turn, then returns."""

    def __init__(self, *errors: BaseException) -> None:
        self.errors = list(errors)
        self.runs = 0

    async def __call__(self) -> None:
        self.runs += 1
        if self.errors:
            raise self.errors.pop(0)


def test_kafka_unreachable_is_told_from_a_refused_record() -> None:
    assert kafka_unavailable(raised_from(KafkaTimeoutError()))
    assert kafka_unavailable(KafkaConnectionError("connect call failed"))
    assert not kafka_unavailable(raised_from(MessageSizeTooLargeError()))
    assert not kafka_unavailable(RelayError("slot souk_relay is in use by process 42"))


def test_runs_again_after_kafka_outages_then_returns() -> None:
    relay = FlakyRelay(raised_from(KafkaTimeoutError()), KafkaConnectionError("refused"))

    async def scenario() -> None:
        await run_while_kafka_returns(
            relay, asyncio.Event(), first_backoff_s=0.01, max_backoff_s=0.02
        )

    asyncio.run(scenario())
    assert relay.runs == 3


def test_other_errors_reach_the_caller_at_once() -> None:
    relay = FlakyRelay(RelayError("slot souk_relay is in use"))

    async def scenario() -> None:
        await run_while_kafka_returns(relay, asyncio.Event(), first_backoff_s=0.01)

    with pytest.raises(RelayError, match="in use"):
        asyncio.run(scenario())
    assert relay.runs == 1


def test_a_stop_during_the_back_off_ends_it() -> None:
    relay = FlakyRelay(*[KafkaConnectionError("refused")] * 100)

    async def scenario() -> None:
        stop = asyncio.Event()
        asyncio.get_running_loop().call_later(0.2, stop.set)
        await asyncio.wait_for(run_while_kafka_returns(relay, stop, first_backoff_s=60.0), 5)

    asyncio.run(scenario())
    assert relay.runs == 1
