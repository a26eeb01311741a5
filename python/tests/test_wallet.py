"""Keys and wallets: signing, and wallets shared both ways with the Rust CLI."""

from pathlib import Path

import pytest
from conftest import cli_json

import taonet

# A BIP39 test mnemonic and the address bittensor-wallet derives from it
# (crates/crypto/tests/fixtures/derivation.json holds the vectors).
DEV_PHRASE = "bottom drive obey lake curtain smoke basket hold race lonely fit walk"
ALICE = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"


def test_keypair_sign_and_verify() -> None:
    alice = taonet.Keypair.create_from_uri("//Alice")
    assert alice.ss58_address == ALICE
    assert len(alice.public_key) == 32
    sig = alice.sign("hello")
    assert len(sig) == 64
    assert alice.verify("hello", sig)
    assert alice.verify(b"hello", "0x" + sig.hex())
    assert not alice.verify("hullo", sig)
    # bittensor's <Bytes> wrapping is accepted too.
    assert alice.verify(b"msg", alice.sign(b"<Bytes>msg</Bytes>"))
    # A public-only keypair verifies but cannot sign.
    public = taonet.Keypair(ss58_address=alice.ss58_address)
    assert public.verify("hello", sig)
    assert not public.has_private_key
    with pytest.raises(ValueError, match="no private key"):
        public.sign("hello")
    assert taonet.Keypair(public_key=alice.public_key) == public


def test_mnemonic_derivation_matches_the_rust_cli(home: Path) -> None:
    pair = taonet.Keypair.create_from_mnemonic(DEV_PHRASE)
    out = cli_json(
        "wallet",
        "regen-coldkey",
        "--wallet-path",
        str(home),
        "--no-password",
        "--mnemonic",
        DEV_PHRASE,
        home=home,
    )
    assert out["coldkey"]["ss58"] == pair.ss58_address
    words = taonet.Keypair.generate_mnemonic(24).split()
    assert len(words) == 24


def test_a_wallet_made_by_the_cli_loads_in_python(home: Path) -> None:
    created = cli_json(
        "wallet",
        "create",
        "--wallet-path",
        str(home),
        "--wallet-name",
        "cli",
        "--hotkey",
        "h1",
        "--no-password",
        home=home,
    )
    w = taonet.Wallet(name="cli", hotkey="h1", path=home)
    assert w.coldkeypub.ss58_address == created["coldkey"]["ss58"]
    assert w.coldkey.ss58_address == created["coldkey"]["ss58"]
    assert w.hotkey.ss58_address == created["hotkey"]["ss58"]
    assert w.hotkeypub.ss58_address == created["hotkey"]["ss58"]
    # The mnemonic the CLI printed gives the same key in Python.
    again = taonet.Keypair.create_from_mnemonic(created["coldkey"]["mnemonic"])
    assert again.ss58_address == created["coldkey"]["ss58"]
    # A signature made by the CLI with that coldkey verifies in Python.
    signed = cli_json(
        "wallet",
        "sign",
        "--wallet-path",
        str(home),
        "--wallet-name",
        "cli",
        "--message",
        "from rust",
        home=home,
    )
    assert w.coldkeypub.verify("from rust", signed["signature"])


def test_an_encrypted_cli_coldkey_unlocks_with_the_password_variable(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    created = cli_json(
        "wallet",
        "new-coldkey",
        "--wallet-path",
        str(home),
        "--wallet-name",
        "locked",
        home=home,
        TAONET_WALLET_PASSWORD="correct horse",
    )
    assert created["coldkey"]["encrypted"] is True
    assert (home / "locked" / "coldkey").read_bytes().startswith(b"$NACL")
    w = taonet.Wallet(name="locked", path=str(home))
    assert w.coldkeypub.ss58_address == created["coldkey"]["ss58"]
    monkeypatch.setenv("TAONET_WALLET_PASSWORD", "correct horse")
    key = w.coldkey  # one argon2 run (512 MiB) per unlock: keep the count low
    assert key.ss58_address == created["coldkey"]["ss58"]
    assert key.has_private_key
    monkeypatch.setenv("TAONET_WALLET_PASSWORD", "wrong horse")
    with pytest.raises(taonet.KeyFileError):
        _ = w.coldkey


def test_a_wallet_made_in_python_is_read_by_the_cli(home: Path) -> None:
    w = taonet.Wallet(name="py", hotkey="miner", path=str(home))
    assert w.create_new_coldkey(use_password=False, suppress=True) is w
    w.create_new_hotkey(suppress=True)
    for f in ["coldkey", "coldkeypub.txt", "hotkeys/miner", "hotkeys/minerpub.txt"]:
        assert (home / "py" / f).stat().st_mode & 0o777 == 0o600, f
    shown = cli_json("wallet", "show", "--wallet-path", str(home), "--wallet-name", "py", home=home)
    assert shown["coldkey"]["ss58"] == w.coldkeypub.ss58_address
    assert [(h["name"], h["ss58"]) for h in shown["hotkeys"]] == [("miner", w.hotkey.ss58_address)]
    # The CLI signs with the Python-made hotkey; Python verifies, and the other way round.
    signed = cli_json(
        "wallet",
        "sign",
        "--wallet-path",
        str(home),
        "--wallet-name",
        "py",
        "--hotkey",
        "miner",
        "--use-hotkey",
        "--message",
        "hi",
        home=home,
    )
    assert w.hotkey.verify("hi", signed["signature"])
    sig = "0x" + w.coldkey.sign("from python").hex()
    verified = cli_json(
        "wallet",
        "verify",
        "--ss58",
        w.coldkeypub.ss58_address,
        "--message",
        "from python",
        "--signature",
        sig,
        home=home,
    )
    assert verified["valid"] is True


def test_regenerate_coldkey_from_mnemonic(home: Path) -> None:
    w = taonet.Wallet(name="regen", path=str(home))
    w.regenerate_coldkey(mnemonic=DEV_PHRASE, use_password=False, suppress=True)
    assert w.coldkey.ss58_address == taonet.Keypair.create_from_mnemonic(DEV_PHRASE).ss58_address


def test_create_new_hotkey_never_destroys_an_existing_key(home: Path) -> None:
    w = taonet.Wallet(name="keep", hotkey="default", path=str(home))
    w.create_new_hotkey(suppress=True)
    before = w.hotkey.ss58_address
    raw = (home / "keep" / "hotkeys" / "default").read_bytes()
    with pytest.raises(taonet.KeyFileError, match="already exists"):
        w.create_new_hotkey(overwrite=False, suppress=True)
    assert (home / "keep" / "hotkeys" / "default").read_bytes() == raw
    assert taonet.Wallet(name="keep", path=str(home)).hotkey.ss58_address == before
    # create_if_non_existent keeps it too; overwrite=True replaces it.
    w.create_if_non_existent(coldkey_use_password=False, suppress=True)
    assert w.hotkey.ss58_address == before
    w.create_new_hotkey(overwrite=True, suppress=True)
    assert w.hotkey.ss58_address != before


def test_the_default_root_comes_from_the_environment(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TAONET_WALLET_PATH", str(home / "env-root"))
    assert taonet.Wallet().path == str(home / "env-root")
    monkeypatch.delenv("TAONET_WALLET_PATH")
    monkeypatch.setenv("HOME", str(home))
    assert taonet.Wallet().path == str(home / ".bittensor" / "wallets")
    with pytest.raises(taonet.KeyFileError, match="no coldkey"):
        _ = taonet.Wallet(name="nobody").coldkeypub


# A password given to both implementations without a prompt: taonet reads
# TAONET_WALLET_PASSWORD, bittensor-wallet takes `coldkey_password=` / `password=`.
PASSWORD = "bittensor-compat-1"


def test_a_taonet_wallet_opens_in_bittensor_wallet(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bittensor_wallet

    monkeypatch.setenv("TAONET_WALLET_PASSWORD", PASSWORD)
    w = taonet.Wallet(name="tn", hotkey="miner", path=str(home))
    w.create_new_coldkey(use_password=True, suppress=True)
    w.create_new_hotkey(suppress=True)  # plain, as bittensor makes hotkeys
    assert (home / "tn" / "coldkey").read_bytes().startswith(b"$NACL")

    bw = bittensor_wallet.Wallet(name="tn", hotkey="miner", path=str(home))
    assert bw.coldkey_file.is_encrypted()
    assert not bw.hotkey_file.is_encrypted()
    assert bw.coldkeypub.ss58_address == w.coldkeypub.ss58_address
    assert bw.hotkey.ss58_address == w.hotkey.ss58_address
    assert bw.hotkeypub.ss58_address == w.hotkeypub.ss58_address
    bt_cold = bw.get_coldkey(password=PASSWORD)  # bittensor-wallet decrypts taonet's $NACL
    assert bt_cold.ss58_address == w.coldkeypub.ss58_address
    assert bt_cold.public_key == w.coldkeypub.public_key

    # Signatures cross both ways, with the coldkey and with the hotkey.
    tn_cold = w.coldkey
    assert bw.coldkeypub.verify(b"from taonet", tn_cold.sign(b"from taonet"))
    assert w.coldkeypub.verify(b"from bittensor", bt_cold.sign(b"from bittensor"))
    assert not w.coldkeypub.verify(b"from bittensor!", bt_cold.sign(b"from bittensor"))
    assert bw.hotkey.verify("hot taonet", w.hotkey.sign("hot taonet"))
    assert w.hotkey.verify("hot bittensor", bw.hotkey.sign("hot bittensor"))
    assert not bw.hotkey.verify("hot taonet", bw.hotkey.sign("other"))


def test_a_bittensor_wallet_opens_in_taonet(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import bittensor_wallet

    monkeypatch.delenv("TAONET_WALLET_PASSWORD", raising=False)
    bw = bittensor_wallet.Wallet(name="bt", hotkey="validator", path=str(home))
    bw.create_new_coldkey(
        use_password=True, overwrite=True, suppress=True, coldkey_password=PASSWORD
    )
    bw.create_new_hotkey(use_password=False, overwrite=True, suppress=True)
    assert bw.coldkey_file.is_encrypted()

    w = taonet.Wallet(name="bt", hotkey="validator", path=str(home))
    assert w.coldkeypub.ss58_address == bw.coldkeypub.ss58_address
    assert w.hotkey.ss58_address == bw.hotkey.ss58_address
    assert w.hotkeypub.ss58_address == bw.hotkeypub.ss58_address
    shown = cli_json("wallet", "show", "--wallet-path", str(home), "--wallet-name", "bt", home=home)
    assert shown["coldkey"]["ss58"] == bw.coldkeypub.ss58_address

    # taonet unlocks bittensor-wallet's encrypted coldkey with TAONET_WALLET_PASSWORD.
    monkeypatch.setenv("TAONET_WALLET_PASSWORD", PASSWORD)
    tn_cold = w.coldkey
    assert tn_cold.has_private_key
    assert tn_cold.ss58_address == bw.coldkeypub.ss58_address
    bt_cold = bw.get_coldkey(password=PASSWORD)
    assert bw.coldkeypub.verify("from taonet", tn_cold.sign("from taonet"))
    assert w.coldkeypub.verify("from bittensor", bt_cold.sign("from bittensor"))
    assert w.hotkey.verify(b"hot", bw.hotkey.sign(b"hot"))
    assert bw.hotkey.verify(b"hot", w.hotkey.sign(b"hot"))

    monkeypatch.setenv("TAONET_WALLET_PASSWORD", "not-the-password")
    with pytest.raises(taonet.KeyFileError):
        _ = w.coldkey
