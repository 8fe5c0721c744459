"""API authentication: DRF's token and Basic schemes, with malformed credentials refused
before the database.

DRF looks a token key or a Basic user name up as given; one with a NUL byte makes
PostgreSQL raise (a 500). A real key is 40 hexadecimal characters, so anything longer or
with a NUL is refused as an invalid token without a query.
"""

from __future__ import annotations

from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

KEY_LENGTH = Token._meta.get_field("key").max_length


class TokenAuthentication(authentication.TokenAuthentication):
    """``Authorization: Token <key>``, the machine clients' login."""

    def authenticate_credentials(self, key: str):
        if len(key) > KEY_LENGTH or "\x00" in key:
            raise exceptions.AuthenticationFailed("Invalid token.")
        return super().authenticate_credentials(key)


class BasicAuthentication(authentication.BasicAuthentication):
    """HTTP Basic, only where ``AQUAGROWTH_API_BASIC_AUTH=1`` asks for it: every request
    hashes the password, which is what makes guessing expensive for the server. A name
    with a NUL byte is refused before the account lookup (PostgreSQL raises on it)."""

    def authenticate_credentials(self, userid: str, password: str, request=None):
        if "\x00" in userid:
            raise exceptions.AuthenticationFailed("Invalid username/password.")
        return super().authenticate_credentials(userid, password, request)
