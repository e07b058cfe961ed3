"""Model fields for personal data: stored encrypted, read back as plain text."""

from django.db import models

from depot.core import crypto


class EncryptedTextField(models.TextField):
    """Text encrypted at rest. Cannot be filtered or sorted on: pair it with a blind index."""

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(value)

    def get_lookup(self, lookup_name):
        if lookup_name not in {"isnull"}:
            return None
        return super().get_lookup(lookup_name)
