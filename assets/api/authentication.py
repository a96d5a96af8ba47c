"""Token authentication that checks a key's shape before it reaches the database: a header
holding a NUL or 5,000 characters is an invalid token (401), not a database error."""

import re

from rest_framework import authentication
from rest_framework.exceptions import AuthenticationFailed

TOKEN_KEY = re.compile(r"[0-9a-f]{40}")  # what rest_framework.authtoken generates


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key):
        if not TOKEN_KEY.fullmatch(key):
            raise AuthenticationFailed("Invalid token.")
        return super().authenticate_credentials(key)
