import httpx
import pytest

from courroie.engine.retry import Outcome, RetryPolicy, outcome_of, retrying
from courroie.errors import AuthenticationFailure, DataError, TransientError


@pytest.mark.parametrize("error, outcome", [
    (TransientError("503"), Outcome.RETRY),
    (httpx.ConnectTimeout("slow"), Outcome.RETRY),
    (httpx.RemoteProtocolError("reset"), Outcome.RETRY),
    (DataError("bad EAN"), Outcome.BLOCK),
    (AuthenticationFailure("401"), Outcome.FAIL_CONNECTION),
    (KeyError("bug"), Outcome.BLOCK),
])
def test_error_table(error, outcome):
    assert outcome_of(error) is outcome


def test_backoff_grows_is_capped_and_honours_retry_after():
    policy = RetryPolicy(base_delay=1, max_delay=5, jitter=0)
    assert [policy.delay(n) for n in (1, 2, 3, 4)] == [1, 2, 4, 5]
    assert policy.delay(1, retry_after=3) == 3
    assert policy.delay(1, retry_after=60) == 5
    jittered = {RetryPolicy(base_delay=1, jitter=0.5).delay(1) for _ in range(50)}
    assert len(jittered) > 1 and all(0.5 <= d <= 1.5 for d in jittered)


async def _run(call, policy):
    waits = []

    async def sleep(seconds):
        waits.append(seconds)

    try:
        return await retrying(call, policy, sleep=sleep), waits
    except Exception as error:
        return error, waits


def test_retries_transient_errors_then_succeeds():
    import asyncio
    calls = []

    async def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise TransientError("busy", retry_after=2)
        return "done"

    result, waits = asyncio.run(_run(flaky, RetryPolicy(attempts=4)))
    assert result == "done" and waits == [2, 2]


def test_retries_are_bounded_and_data_errors_not_retried():
    import asyncio

    async def down():
        raise TransientError("down")

    async def bad():
        raise DataError("bad")

    error, waits = asyncio.run(_run(down, RetryPolicy(attempts=3, jitter=0)))
    assert isinstance(error, TransientError) and len(waits) == 2
    error, waits = asyncio.run(_run(bad, RetryPolicy()))
    assert isinstance(error, DataError) and waits == []
