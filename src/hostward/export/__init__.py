"""Prometheus export: hostward's measurements under node_exporter's names, plus the ``hostward_*`` families.

``registry.build_registry`` makes a private CollectorRegistry whose collectors read their sources when a scrape
arrives (slow ones from a background poll); ``server`` serves it over HTTP(S); ``textfile`` writes the
``hostward_*`` families for node_exporter's textfile collector. Nothing below ``cli`` and ``daemon`` imports this.
"""
