"""The login controls' pages: the password change and the second factor's."""
