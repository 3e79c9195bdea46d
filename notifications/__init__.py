"""Notifications to buyers and sellers on lead and order events (email, SMS, push).

``souk.domain-events`` → :mod:`streams.notification_agent` → :mod:`notifications.routing`
(which events notify whom, recipients from the payload and PostgreSQL) →
:mod:`notifications.templates` (Arabic and English texts) → the sending port
(:mod:`notifications.port`) with retries (:mod:`notifications.retries`). The local adapter
(:mod:`notifications.deliveries`) records what would be sent in ``notification_deliveries``.
"""
