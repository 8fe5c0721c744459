"""Logins and API tokens, roles and sites: who may sign in, how often a guess is allowed,
what a user may do (``roles``) and where (``sites``)."""
