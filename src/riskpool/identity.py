"""Identity numbers: unified social credit code (统一社会信用代码, GB 32100-2015) and resident ID
number (公民身份号码, GB 11643-1999). Check digits come from python-stdnum, a maintained library."""

from __future__ import annotations

import datetime as dt

from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError

USCC_STANDARD = "GB 32100-2015"
RESIDENT_ID_STANDARD = "GB 11643-1999"


class IdentityError(ValueError):
    pass


def check_uscc(code: str) -> str:
    """The normalised USCC, or IdentityError naming the standard and the problem."""
    try:
        return uscc.validate(code)
    except ValidationError as e:
        raise IdentityError(f"unified social credit code {code!r} is not valid under {USCC_STANDARD}: {e}") from None


def check_resident_id(number: str) -> str:
    try:
        return ric.validate(number)
    except ValidationError as e:
        raise IdentityError(
            f"resident ID number {number!r} is not valid under {RESIDENT_ID_STANDARD}: {e}") from None


def birth_date_from_resident_id(number: str) -> dt.date:
    return ric.get_birth_date(check_resident_id(number))


def age_on(birth: dt.date, on: dt.date) -> int:
    """Age in full years (周岁) on a date: one more year on each birthday (29 Feb birthdays on 1 Mar)."""
    years = on.year - birth.year
    if (on.month, on.day) < (birth.month, birth.day):
        years -= 1
    return years
