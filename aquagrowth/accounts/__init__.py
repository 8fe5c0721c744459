"""Logins and API tokens: who may guess how often, and how machine clients sign in."""
