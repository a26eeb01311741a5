"""`taonet.Balance`: exact rao arithmetic, bittensor's printing."""

import pytest

import taonet
from taonet import Balance


def test_construction_and_units() -> None:
    assert Balance.from_tao(1).rao == 1_000_000_000
    assert Balance.from_tao(0.1).rao == 100_000_000  # no float error
    assert Balance.from_tao("2.5").rao == 2_500_000_000
    assert Balance.from_rao(1).tao == 1e-9
    assert Balance(5).rao == 5  # an int is rao, as in bittensor
    assert Balance(1.5).rao == 1_500_000_000  # a float is TAO
    assert Balance.from_tao(1.0000000004).rao == 1_000_000_000
    assert Balance.from_tao(1.0000000006).rao == 1_000_000_001
    assert taonet.RAO_PER_TAO == 10**9
    with pytest.raises(TypeError):
        Balance.from_rao(1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Balance.from_tao(float("nan"))


def test_arithmetic() -> None:
    a = Balance.from_tao(1.5)
    b = Balance.from_rao(250_000_000)
    assert (a + b).rao == 1_750_000_000
    assert (a - b).rao == 1_250_000_000
    assert (a + 1).rao == 2_500_000_000  # numbers are TAO
    assert (1 + a).rao == 2_500_000_000
    assert (2 - a).rao == 500_000_000
    assert (a * 2).rao == 3_000_000_000
    assert (3 * b).rao == 750_000_000
    assert (a * 0.5).rao == 750_000_000
    assert (a / 3).rao == 500_000_000
    assert a / b == 6.0
    assert a // b == 6
    assert (a // 4).rao == 375_000_000
    assert (-a).rao == -1_500_000_000
    assert abs(b - a).rao == 1_250_000_000
    assert int(a) == 1_500_000_000
    assert float(a) == 1.5
    assert not Balance(0)
    assert bool(b)


def test_comparisons() -> None:
    a = Balance.from_tao(1)
    assert a == Balance.from_rao(10**9)
    assert a == 1
    assert a == 1.0
    assert a != 2
    assert a < 1.000000001
    assert a <= Balance.from_tao(1)
    assert a > Balance.from_rao(999_999_999)
    assert a >= 0.5
    assert sorted([Balance(3), Balance(1), Balance(2)]) == [Balance(1), Balance(2), Balance(3)]
    assert len({Balance(7), Balance(7)}) == 1
    assert (a == "1") is False


def test_printing_like_bittensor() -> None:
    assert str(Balance.from_tao(1)) == "τ1.000000000"
    assert str(Balance.from_rao(1)) == "τ0.000000001"
    assert str(Balance.from_tao(1234.5)) == "τ1234.500000000"
    assert str(Balance.from_rao(-5)) == "-τ0.000000005"
    assert repr(Balance.from_rao(42)) == "Balance(42)"
    assert f"{Balance(0)}" == "τ0.000000000"


def test_amounts_for_transactions() -> None:
    from taonet.balance import to_rao

    assert to_rao(Balance.from_rao(7)) == 7
    assert to_rao(2) == 2_000_000_000
    assert to_rao(0.25) == 250_000_000
    with pytest.raises(ValueError, match="negative"):
        to_rao(-1)
    with pytest.raises(TypeError):
        to_rao("1")  # type: ignore[arg-type]


def test_weights_are_normalised_as_bittensor() -> None:
    # Max-upscaled to 65535, rounded half to even, zeros dropped with their uids.
    assert taonet.normalize_weights([0, 1, 2], [0.25, 0.75, 0.0]) == ([0, 1], [21845, 65535])
    assert taonet.normalize_weights([3, 5], [1, 2]) == ([3, 5], [32768, 65535])
    assert taonet.normalize_weights([1], [0.0]) == ([], [])
    with pytest.raises(ValueError):
        taonet.normalize_weights([0, 1], [1.0])
    with pytest.raises(ValueError):
        taonet.normalize_weights([-1], [1.0])
    with pytest.raises(ValueError):
        taonet.normalize_weights([0], [-1.0])
