"""The sandbox payment provider declines when told to."""

from __future__ import annotations

import uuid

from core.payments import SandboxPaymentProvider


def test_sandbox_captures_by_default_and_declines_over_the_limit_or_when_switched() -> None:
    provider = SandboxPaymentProvider(decline_over_egp=50_000)
    order = uuid.uuid4()
    ok = provider.charge(order_id=order, amount_egp=50_000)
    assert ok.succeeded
    assert ok.provider == "sandbox"
    assert ok.provider_ref.startswith("sbx_ch_")
    over = provider.charge(order_id=order, amount_egp=50_001)
    assert not over.succeeded
    assert "over the card limit of 50000" in (over.reason or "")
    provider.declining = True
    assert not provider.charge(order_id=order, amount_egp=10).succeeded
    refund = provider.refund(order_id=order, provider_ref=ok.provider_ref, amount_egp=50_000)
    assert refund.succeeded
    assert refund.provider_ref.startswith("sbx_re_")
    assert provider.charges == [(order, 50_000), (order, 50_001), (order, 10)]
