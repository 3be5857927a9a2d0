"""The production password hasher: Argon2id at OWASP's minimum, so a burst of logins
does not queue.

Django's own Argon2 parameters (100 MiB, two passes, eight lanes) made 50 users logging
in at once on a 2-core server wait 38 s at the median. OWASP's Password Storage Cheat
Sheet lists equivalent Argon2id settings; the smallest memory it allows with two passes
is 19 MiB, one lane. Measured by ``make bench`` on the shared 2-core development machine
(load average about 5): one check costs 20-30 ms against about 200 ms (600 ms under
heavier load) at Django's defaults, and a burst of 50 real logins through gunicorn took
1.5-2.8 s against 16.5 s.

The algorithm name stays ``argon2``: every existing hash still verifies (its parameters
are stored in it), and Django re-hashes a password with these parameters at the user's
next successful login (``must_update``).
"""

from django.contrib.auth.hashers import Argon2PasswordHasher

# OWASP's floor for Argon2id (Password Storage Cheat Sheet): m=19 MiB, t=2, p=1.
OWASP_MIN_MEMORY_KIB = 19 * 1024
OWASP_MIN_TIME_COST = 2


class CosaArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id with 19 MiB of memory, two passes and one lane (OWASP's minimum)."""

    # Kibibytes: 19 MiB. Parallelism above 1 only spreads one login over more cores,
    # which a burst of logins already keeps busy.
    memory_cost = OWASP_MIN_MEMORY_KIB
    time_cost = OWASP_MIN_TIME_COST
    parallelism = 1
