"""The transactional core's tables, as SQLAlchemy 2 typed models (importing this module
registers every table on :data:`Base.metadata`, which Alembic compares against)."""

from core.models.accounts import Role, Seller, SellerType, User
from core.models.base import Base
from core.models.engagement import Favourite, Lead, LeadChannel
from core.models.inventory import Inventory
from core.models.listing import Listing, ListingStatus
from core.models.notification import NotificationDelivery
from core.models.order import (
    Order,
    OrderItem,
    OrderKind,
    OrderStatus,
    Payment,
    PaymentStatus,
    reservation_deposit_egp,
)
from core.models.outbox import OutboxRecord
from core.models.price_history import ListingPriceHistory
from core.notification_channels import NotificationChannel

__all__ = [
    "Base",
    "Favourite",
    "Inventory",
    "Lead",
    "LeadChannel",
    "Listing",
    "ListingPriceHistory",
    "ListingStatus",
    "NotificationChannel",
    "NotificationDelivery",
    "Order",
    "OrderItem",
    "OrderKind",
    "OrderStatus",
    "OutboxRecord",
    "Payment",
    "PaymentStatus",
    "Role",
    "Seller",
    "SellerType",
    "User",
    "reservation_deposit_egp",
]
