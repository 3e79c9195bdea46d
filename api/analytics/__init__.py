"""Seller and market analytics: the read side behind ``/analytics`` and ``/dashboards``.

``periods`` and ``kpis`` are pure (date ranges, buckets, change against the previous
period); ``reader`` and the ``*_queries`` modules read the published marts read-only;
``seller_dashboard`` and ``market_dashboard`` shape them into the response models of
``schemas``; ``access`` decides who may see which seller; ``pages`` renders the HTML.
"""
