"""Amounts of TAO: :class:`Balance`, an exact number of rao (1 TAO = 10⁹ rao)."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from functools import total_ordering

RAO_PER_TAO = 1_000_000_000


def _tao_to_rao(tao: float | int | str | Decimal) -> int:
    """Rao in ``tao`` TAO, rounded to the nearest rao (half to even)."""
    if isinstance(tao, bool):
        raise TypeError("a balance is not a bool")
    if isinstance(tao, int):
        return tao * RAO_PER_TAO
    try:
        # Through the shortest decimal text of the float, so 0.1 TAO is exactly 10⁸ rao.
        value = Decimal(str(tao))
    except InvalidOperation as e:
        raise ValueError(f"{tao!r} is not an amount of TAO") from e
    if not value.is_finite():
        raise ValueError(f"{tao!r} is not an amount of TAO")
    return int((value * RAO_PER_TAO).to_integral_value(rounding=ROUND_HALF_EVEN))


@total_ordering
class Balance:
    """An amount of TAO, held exactly as an integer number of rao.

    Arithmetic (``+``, ``-``, ``*``, ``/``, ``//``) and comparisons work between balances and
    with plain numbers, which are read as TAO; ``str`` is ``τ`` and nine decimals, as
    bittensor prints (``τ1.000000000``).

    >>> Balance.from_tao(1.5) + 1
    Balance(2500000000)
    >>> str(Balance.from_rao(1))
    'τ0.000000001'
    """

    __slots__ = ("_rao",)
    unit = "τ"
    rao_unit = "ρ"

    def __init__(self, balance: int | float | Balance = 0) -> None:
        """A balance of ``balance`` rao (an ``int``), TAO (a ``float``), or a copy of one."""
        if isinstance(balance, Balance):
            self._rao = balance.rao
        elif isinstance(balance, bool):
            raise TypeError("a balance is not a bool")
        elif isinstance(balance, int):
            self._rao = balance
        elif isinstance(balance, float):
            self._rao = _tao_to_rao(balance)
        else:
            raise TypeError(f"cannot make a Balance from {type(balance).__name__}")

    @classmethod
    def from_rao(cls, amount: int) -> Balance:
        """A balance of ``amount`` rao."""
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise TypeError("rao are a whole number (int)")
        return cls(amount)

    @classmethod
    def from_tao(cls, amount: float | int | str | Decimal) -> Balance:
        """A balance of ``amount`` TAO, rounded to the nearest rao."""
        return cls(_tao_to_rao(amount))

    @property
    def rao(self) -> int:
        """The amount in rao (an ``int``)."""
        return self._rao

    @property
    def tao(self) -> float:
        """The amount in TAO (a ``float``; use :attr:`rao` for exact arithmetic)."""
        return self._rao / RAO_PER_TAO

    @staticmethod
    def _other_rao(other: object) -> int | None:
        if isinstance(other, Balance):
            return other.rao
        if isinstance(other, bool):
            return None
        if isinstance(other, (int, float)):
            return _tao_to_rao(other)
        return None

    def __int__(self) -> int:
        return self._rao

    def __float__(self) -> float:
        return self.tao

    def __bool__(self) -> bool:
        return self._rao != 0

    def __hash__(self) -> int:
        return hash(self._rao)

    def __eq__(self, other: object) -> bool:
        rao = self._other_rao(other)
        return NotImplemented if rao is None else self._rao == rao

    def __lt__(self, other: object) -> bool:
        rao = self._other_rao(other)
        if rao is None:
            return NotImplemented
        return self._rao < rao

    def __add__(self, other: Amount) -> Balance:
        rao = self._other_rao(other)
        return NotImplemented if rao is None else Balance(self._rao + rao)

    __radd__ = __add__

    def __sub__(self, other: Amount) -> Balance:
        rao = self._other_rao(other)
        return NotImplemented if rao is None else Balance(self._rao - rao)

    def __rsub__(self, other: Amount) -> Balance:
        rao = self._other_rao(other)
        return NotImplemented if rao is None else Balance(rao - self._rao)

    def __mul__(self, factor: int | float) -> Balance:
        if isinstance(factor, bool) or not isinstance(factor, (int, float)):
            return NotImplemented
        if isinstance(factor, int):
            return Balance(self._rao * factor)
        return Balance(int((Decimal(self._rao) * Decimal(str(factor))).to_integral_value()))

    __rmul__ = __mul__

    def __truediv__(self, other: Amount) -> Balance | float:
        """``balance / number`` is a balance; ``balance / balance`` is a ratio (float)."""
        if isinstance(other, Balance):
            return self._rao / other.rao
        if isinstance(other, bool) or not isinstance(other, (int, float)):
            return NotImplemented
        return Balance(
            int((Decimal(self._rao) / Decimal(str(other))).to_integral_value(ROUND_HALF_EVEN))
        )

    def __floordiv__(self, other: Amount) -> Balance | int:
        """``balance // number`` is a balance; ``balance // balance`` is an ``int``."""
        if isinstance(other, Balance):
            return self._rao // other.rao
        if isinstance(other, bool) or not isinstance(other, int):
            return NotImplemented
        return Balance(self._rao // other)

    def __neg__(self) -> Balance:
        return Balance(-self._rao)

    def __abs__(self) -> Balance:
        return Balance(abs(self._rao))

    def __str__(self) -> str:
        sign = "-" if self._rao < 0 else ""
        whole, frac = divmod(abs(self._rao), RAO_PER_TAO)
        return f"{sign}{self.unit}{whole}.{frac:09d}"

    def __repr__(self) -> str:
        return f"Balance({self._rao})"

    def __format__(self, spec: str) -> str:
        return format(str(self), spec) if spec else str(self)


Amount = Balance | int | float
"""What the SDK takes as an amount: a :class:`Balance`, or TAO as ``int`` or ``float``."""


def to_rao(amount: Amount) -> int:
    """Rao in ``amount``: a :class:`Balance`, or TAO as ``int``/``float``; must be ≥ 0."""
    if isinstance(amount, Balance):
        rao = amount.rao
    elif isinstance(amount, bool) or not isinstance(amount, (int, float)):
        raise TypeError(f"an amount is a Balance or TAO as int/float, not {type(amount).__name__}")
    else:
        rao = _tao_to_rao(amount)
    if rao < 0:
        raise ValueError(f"the amount {Balance(rao)} is negative")
    return rao
