"""The channels a notification goes out on: a column of the delivery log, a CLI option.

Kept apart from the ORM models so that the command line can offer them without importing
SQLAlchemy.
"""

from enum import StrEnum


class NotificationChannel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    PUSH = "push"
