"""Alerts after every recompute: the engine's ``batch_recomputed`` signal (connected
in :meth:`SitesConfig.ready`)."""
