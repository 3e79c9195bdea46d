"""The payment-provider port (Stripe/PayPal shape) and the sandbox provider used locally."""

from __future__ import annotations

import logging
import threading
import uuid
from abc import ABC, abstractmethod
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PaymentResult:
    """What the provider said: succeeded or not, its reference, and why not."""

    succeeded: bool
    provider: str
    provider_ref: str
    reason: str | None = None


class PaymentProvider(ABC):
    """Charges and refunds money; one adapter per real provider."""

    name: str

    @abstractmethod
    def charge(self, *, order_id: uuid.UUID, amount_egp: int) -> PaymentResult:
        """Capture ``amount_egp`` for the order; a decline is a result, not an exception."""

    @abstractmethod
    def refund(self, *, order_id: uuid.UUID, provider_ref: str, amount_egp: int) -> PaymentResult:
        """Give back ``amount_egp`` of the capture ``provider_ref``."""


class SandboxPaymentProvider(PaymentProvider):
    """Accepts every charge unless told to decline: always, or above an amount.

    ``decline_over_egp`` mimics a card limit; ``declining`` can be switched at run time (the
    tests flip it to see a decline through the whole stack).
    """

    name = "sandbox"

    def __init__(self, *, decline_over_egp: int | None = None, declining: bool = False) -> None:
        self.decline_over_egp = decline_over_egp
        self.declining = declining
        self._lock = threading.Lock()
        self.charges: list[tuple[uuid.UUID, int]] = []

    def charge(self, *, order_id: uuid.UUID, amount_egp: int) -> PaymentResult:
        ref = f"sbx_ch_{uuid.uuid4().hex[:20]}"
        with self._lock:
            self.charges.append((order_id, amount_egp))
        if self.declining:
            reason = "card declined by the sandbox (declining is on)"
        elif self.decline_over_egp is not None and amount_egp > self.decline_over_egp:
            reason = f"amount {amount_egp} EGP is over the card limit of {self.decline_over_egp}"
        else:
            log.debug("sandbox captured %s EGP for order %s (%s)", amount_egp, order_id, ref)
            return PaymentResult(succeeded=True, provider=self.name, provider_ref=ref)
        log.debug("sandbox declined order %s: %s", order_id, reason)
        return PaymentResult(succeeded=False, provider=self.name, provider_ref=ref, reason=reason)

    def refund(self, *, order_id: uuid.UUID, provider_ref: str, amount_egp: int) -> PaymentResult:
        ref = f"sbx_re_{uuid.uuid4().hex[:20]}"
        log.info("sandbox refunded %s EGP of %s for order %s", amount_egp, provider_ref, order_id)
        return PaymentResult(succeeded=True, provider=self.name, provider_ref=ref)
