"""The verification code (核验码) a bulletin prints: twelve digits derived from its run's id, which is in the
signed manifest, so that paper can be matched to exactly one run. Digits only: a Chinese bulletin carries no
Latin letters, and digits are read aloud and typed without mistakes.

>>> code("1b4e28ba-2fa1-11d2-883f-0016d3cca427")
'2586-0235-8313'
>>> normalise(" 2586 0235-８３１３ ")
'258602358313'
"""
from __future__ import annotations

import hashlib


def code(run_id: str) -> str:
    """``DDDD-DDDD-DDDD``: the SHA-256 of the run id as a number, its last twelve decimal digits (about 40 bits)."""
    digits = f"{int.from_bytes(hashlib.sha256(run_id.encode('utf-8')).digest(), 'big') % 10**12:012d}"
    return f"{digits[:4]}-{digits[4:8]}-{digits[8:]}"


def normalise(text: str) -> str:
    """A code as typed (spaces, hyphens, full-width digits) as its twelve digits."""
    return "".join(str(int(ch)) for ch in text if ch.isdigit())
