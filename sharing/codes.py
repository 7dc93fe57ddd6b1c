"""Share codes as people read, say and type them.

Eight characters from Crockford's base 32 (digits and capital letters without I, L, O and U),
shown in two groups of four: ABCD-2345. What a person types is forgiving: case, spaces and
dashes do not matter, and the letters the alphabet leaves out are read as the digits they look
like (O as 0, I and L as 1). 32^8 is about 10^12 codes; with a handful live per patient and
clinicians throttled to a few failed attempts an hour (sharing/actions.py), guessing one is
hopeless. Codes are stored only as a keyed hash (HMAC with the site's secret key), so a copy of
the database does not give them away, even by trying every code.
"""

import secrets

from django.utils.crypto import salted_hmac

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 8
GROUP = 4
LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
SEPARATORS = str.maketrans("", "", " -_.\t")


def generate() -> str:
    """A new random code, without separators."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalize(typed: str) -> str | None:
    """The code a person meant, or None if what they typed cannot be a code at all."""
    code = typed.upper().translate(SEPARATORS).translate(LOOKALIKES)
    if len(code) != LENGTH or any(char not in ALPHABET for char in code):
        return None
    return code


def digest(code: str) -> str:
    """The keyed hash stored in place of the code."""
    return salted_hmac("sharing.ShareCode", code, algorithm="sha256").hexdigest()


def grouped(code: str) -> str:
    """ABCD2345 as people read it: ABCD-2345."""
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))
