"""``in`` on integer columns that leaves out ids no column can hold.

Django (5.0+) answers ``id=<a number beyond the column's range>`` with an empty result, but
``id__in=[...]`` still sends the number to the database, where SQLite raises
``OverflowError``: a forged id such as 10**30 in a multiple-choice form (the activity form's
partners, the admin's many-to-many fields) was a server error instead of "not a valid choice".
"""

from django.db.models import IntegerField
from django.db.models.lookups import In


@IntegerField.register_lookup
class IntegerFieldIn(In):
    lookup_name = "in"

    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value():
            low, high = connection.ops.integer_field_range(
                self.lhs.output_field.get_internal_type()
            )
            self.rhs = [
                value
                for value in self.rhs
                if not isinstance(value, int)
                or ((low is None or value >= low) and (high is None or value <= high))
            ]
        return super().process_rhs(compiler, connection)
