"""Type stubs of the native module ``taonet._taonet`` (built from ``python/src/*.rs``)."""

from os import PathLike

import numpy as np
import numpy.typing as npt

class ChainError(Exception):
    """A transaction was refused by the node or failed on chain."""

    message: str
    """The runtime's (or the node's) words."""
    block: int | None
    """The block it failed in; None if it was never included."""
    kind: str | None
    """The runtime's error variant (e.g. ``insufficient_balance``), when the node gave it."""
    call: str | None
    """The call (``module.call``) that failed, when it was included."""

class KeyFileError(Exception):
    """A keyfile could not be read, decrypted or written."""

class Keypair:
    """An sr25519 keypair (with its secret, or public only)."""

    def __init__(
        self, ss58_address: str | None = None, public_key: bytes | str | None = None
    ) -> None:
        """A public-only keypair from an SS58 address or a 32-byte public key."""
    @staticmethod
    def create_from_mnemonic(mnemonic: str) -> Keypair:
        """A keypair from a BIP39 mnemonic, derived as bittensor wallets are."""
    @staticmethod
    def create_from_seed(seed: bytes | str) -> Keypair:
        """A keypair from a 32-byte seed (bytes or 0x-hex)."""
    @staticmethod
    def create_from_uri(uri: str) -> Keypair:
        """A development keypair from a URI such as ``//Alice``."""
    @staticmethod
    def generate_mnemonic(n_words: int = 12) -> str:
        """A new random BIP39 mnemonic of ``n_words`` words."""
    @property
    def ss58_address(self) -> str:
        """The SS58 address (format 42)."""
    @property
    def public_key(self) -> bytes:
        """The 32-byte public key."""
    @property
    def has_private_key(self) -> bool:
        """Whether this keypair can sign."""
    def sign(self, data: str | bytes) -> bytes:
        """The 64-byte sr25519 signature of ``data`` (str is UTF-8 encoded)."""
    def verify(self, data: str | bytes, signature: bytes | str) -> bool:
        """Whether ``signature`` signs ``data`` (as is or ``<Bytes>``-wrapped)."""

class Wallet:
    """A wallet in bittensor's layout: ``<path>/<name>/coldkey``, ``hotkeys/<hotkey>``."""

    def __init__(
        self,
        name: str = "default",
        hotkey: str = "default",
        path: str | PathLike[str] | None = None,
    ) -> None:
        """The wallet ``name`` with hotkey ``hotkey`` under ``path`` (default:
        ``TAONET_WALLET_PATH``, else ``~/.bittensor/wallets``)."""
    @property
    def name(self) -> str:
        """The wallet (coldkey) name."""
    @property
    def hotkey_str(self) -> str:
        """The hotkey name."""
    @property
    def path(self) -> str:
        """The wallet root directory."""
    @property
    def coldkeypub(self) -> Keypair:
        """The coldkey's public key (no password needed)."""
    @property
    def coldkey(self) -> Keypair:
        """The coldkey with its secret (``TAONET_WALLET_PASSWORD`` or a prompt)."""
    @property
    def hotkey(self) -> Keypair:
        """The hotkey with its secret."""
    @property
    def hotkeypub(self) -> Keypair:
        """The hotkey's public key."""
    def create_new_coldkey(
        self,
        n_words: int = 12,
        use_password: bool = True,
        overwrite: bool = False,
        suppress: bool = False,
    ) -> Wallet:
        """Creates a new coldkey; ``KeyFileError`` if one exists and not ``overwrite``."""
    def create_new_hotkey(
        self,
        n_words: int = 12,
        use_password: bool = False,
        overwrite: bool = False,
        suppress: bool = False,
    ) -> Wallet:
        """Creates a new hotkey; ``KeyFileError`` (key untouched) if it exists and not
        ``overwrite``."""
    def regenerate_coldkey(
        self,
        mnemonic: str | None = None,
        seed: str | None = None,
        use_password: bool = True,
        overwrite: bool = False,
        suppress: bool = False,
    ) -> Wallet:
        """Restores the coldkey from its mnemonic (or 0x-hex seed)."""
    def regenerate_hotkey(
        self,
        mnemonic: str | None = None,
        seed: str | None = None,
        use_password: bool = False,
        overwrite: bool = False,
        suppress: bool = False,
    ) -> Wallet:
        """Restores the hotkey from its mnemonic (or 0x-hex seed)."""
    def create_if_non_existent(
        self,
        coldkey_use_password: bool = True,
        hotkey_use_password: bool = False,
        suppress: bool = False,
    ) -> Wallet:
        """Creates whichever of the coldkey and hotkey does not exist."""

class AxonInfo:
    """A neuron's served axon."""

    @property
    def ip(self) -> str:
        """IP address (``0.0.0.0`` when not served)."""
    @property
    def port(self) -> int:
        """TCP port (0 when not served)."""
    @property
    def ip_type(self) -> int:
        """4 or 6."""
    @property
    def hotkey(self) -> str:
        """The neuron's hotkey (SS58)."""
    @property
    def coldkey(self) -> str:
        """The neuron's coldkey (SS58)."""
    @property
    def version(self) -> int:
        """Axon software version."""
    @property
    def protocol(self) -> int:
        """Protocol identifier (4 = HTTP)."""
    @property
    def is_serving(self) -> bool:
        """Whether an address is published."""

class Metagraph:
    """A subnet's metagraph: numpy arrays by uid."""

    def sync(self) -> None:
        """Re-reads the subnet at the latest finalized block, in place."""
    @property
    def netuid(self) -> int:
        """The subnet's id."""
    @property
    def block(self) -> int:
        """The finalized block the snapshot was read at."""
    @property
    def n(self) -> int:
        """Number of neurons."""
    @property
    def lite(self) -> bool:
        """Whether weights and bonds were left out."""
    @property
    def uids(self) -> npt.NDArray[np.int64]:
        """uids."""
    @property
    def hotkeys(self) -> list[str]:
        """Hotkeys by uid."""
    @property
    def coldkeys(self) -> list[str]:
        """Owner coldkeys by uid."""
    @property
    def S(self) -> npt.NDArray[np.float32]:
        """Stake, TAO."""
    @property
    def stake(self) -> npt.NDArray[np.float32]:
        """Alias of ``S``."""
    @property
    def I(self) -> npt.NDArray[np.float32]:  # noqa: E743
        """Incentive in [0, 1]."""
    @property
    def incentive(self) -> npt.NDArray[np.float32]:
        """Alias of ``I``."""
    @property
    def D(self) -> npt.NDArray[np.float32]:
        """Dividends in [0, 1]."""
    @property
    def dividends(self) -> npt.NDArray[np.float32]:
        """Alias of ``D``."""
    @property
    def C(self) -> npt.NDArray[np.float32]:
        """Consensus in [0, 1]."""
    @property
    def consensus(self) -> npt.NDArray[np.float32]:
        """Alias of ``C``."""
    @property
    def E(self) -> npt.NDArray[np.float32]:
        """Emission at the last epoch, TAO."""
    @property
    def emission(self) -> npt.NDArray[np.float32]:
        """Alias of ``E``."""
    @property
    def validator_trust(self) -> npt.NDArray[np.float32]:
        """Validator trust in [0, 1]."""
    @property
    def Tv(self) -> npt.NDArray[np.float32]:
        """Alias of ``validator_trust``."""
    @property
    def validator_permit(self) -> npt.NDArray[np.bool_]:
        """Validator permits."""
    @property
    def active(self) -> npt.NDArray[np.int64]:
        """1 if active at the last epoch, else 0."""
    @property
    def last_update(self) -> npt.NDArray[np.int64]:
        """Block of each neuron's last weight update."""
    @property
    def axons(self) -> list[AxonInfo]:
        """Axon of each neuron."""
    @property
    def W(self) -> npt.NDArray[np.float32] | None:
        """``n × n`` weights, rows summing to 1 (None when lite)."""
    @property
    def weights(self) -> npt.NDArray[np.float32] | None:
        """Alias of ``W``."""
    @property
    def B(self) -> npt.NDArray[np.float32] | None:
        """``n × n`` bonds, the chain's u16 values (None when lite)."""
    @property
    def bonds(self) -> npt.NDArray[np.float32] | None:
        """Alias of ``B``."""

class Node:
    """A blocking connection to a node (used by ``taonet.Subtensor``)."""

    def __init__(self, url: str) -> None:
        """Connects (WebSocket) to ``url``."""
    @property
    def url(self) -> str:
        """The URL it was reached at."""
    @property
    def chain_id(self) -> str:
        """The chain id."""
    def block(self) -> int:
        """Height of the last finalized block."""
    def balance(self, ss58: str) -> int:
        """Free balance in rao."""
    def account_json(self, ss58: str) -> str:
        """The account record as JSON."""
    def stake(self, coldkey: str) -> list[tuple[str, int]]:
        """``[(hotkey, rao), …]`` of a coldkey."""
    def subnets_json(self) -> str:
        """Every subnet as JSON."""
    def subnet_json(self, netuid: int) -> str | None:
        """One subnet with its hyperparameters as JSON."""
    def neuron_json(self, netuid: int, uid: int) -> str | None:
        """One neuron as JSON."""
    def commitment_json(self, netuid: int, uid: int) -> str | None:
        """The data a uid committed, as JSON."""
    def metagraph(self, netuid: int, lite: bool = True) -> Metagraph:
        """The subnet's metagraph."""
    def transfer(self, wallet: Wallet, dest: str, amount: int) -> tuple[int, int]:
        """Transfer ``amount`` rao; ``(block, fee_rao)``."""
    def add_stake(self, wallet: Wallet, hotkey: str | None, amount: int) -> tuple[int, int]:
        """Stake ``amount`` rao; ``(block, fee_rao)``."""
    def remove_stake(self, wallet: Wallet, hotkey: str | None, amount: int) -> tuple[int, int]:
        """Unstake ``amount`` rao; ``(block, fee_rao)``."""
    def burned_register(
        self, wallet: Wallet, netuid: int, max_burn: int | None = None
    ) -> tuple[int, int]:
        """Register the wallet's hotkey; ``(block, fee_rao)``."""
    def serve_axon(
        self,
        wallet: Wallet,
        netuid: int,
        ip: str,
        port: int,
        protocol: int = 4,
        version: int = 0,
    ) -> tuple[int, int]:
        """Publish an axon address; ``(block, fee_rao)``."""
    def set_weights(
        self,
        wallet: Wallet,
        netuid: int,
        uids: list[int],
        weights: list[float],
        version_key: int | None = None,
    ) -> tuple[int, int]:
        """Set weights; ``(block, fee_rao)``."""
    def commit(self, wallet: Wallet, netuid: int, data: bytes) -> tuple[int, int]:
        """Publish 1 to 1,024 bytes for the hotkey's uid; ``(block, fee_rao)``."""

def normalize_weights(uids: list[int], weights: list[float]) -> tuple[list[int], list[int]]:
    """Weights as the chain takes them: max-upscaled to 65535, zeros dropped."""
