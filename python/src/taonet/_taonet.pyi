"""Type stubs of the native module ``taonet._taonet`` (built from ``python/src/*.rs``)."""

from collections.abc import Callable
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
    def commit_weights(
        self,
        wallet: Wallet,
        netuid: int,
        uids: list[int],
        weights: list[float],
        salt: list[int],
        version_key: int | None = None,
    ) -> tuple[int, int]:
        """Commit to weights by hash (commit-reveal subnets); ``(block, fee_rao)``."""
    def reveal_weights(
        self,
        wallet: Wallet,
        netuid: int,
        uids: list[int],
        weights: list[float],
        salt: list[int],
        version_key: int | None = None,
    ) -> tuple[int, int]:
        """Reveal committed weights; ``(block, fee_rao)``."""

class StreamSink:
    """The sending end of one streamed axon answer (given to the axon handler)."""

    def send(self, chunk: bytes | str) -> None:
        """Sends one chunk, waiting (GIL released) while 64 are queued; ``ConnectionError``
        if the caller went away, ``RuntimeError`` after ``close()``."""
    def try_send(self, chunk: bytes | str) -> bool:
        """Sends one chunk if there is room now; False when the queue is full."""
    def close(self) -> None:
        """Ends the stream normally."""
    def fail(self, message: str) -> None:
        """Cuts the stream (the caller sees an incomplete answer); ``message`` is logged."""
    @property
    def closed(self) -> bool:
        """Whether ``close()`` or ``fail()`` was called."""

class AxonServer:
    """The Rust axon serving Python handlers (used by ``taonet.Axon``)."""

    def __init__(
        self,
        keypair: Keypair,
        ip: str,
        port: int,
        routes: list[tuple[str, list[str]]],
        handler: Callable[[str, bytes, str, StreamSink], bytes | tuple[int, str] | None],
        external_ip: str | None = None,
        external_port: int | None = None,
        priority: Callable[[str, str], float] | None = None,
        node: Node | None = None,
        netuid: int | None = None,
        require_validator_permit: bool = True,
        max_body_bytes: int | None = None,
        max_concurrent: int | None = None,
    ) -> None:
        """An axon signing as ``keypair`` for ``routes`` ``(name, required_hash_fields)``;
        ``handler(name, body, caller_hotkey, sink)`` answers verified requests."""
    def start(self) -> None:
        """Binds and serves; ``OSError`` if the address cannot be bound."""
    def stop(self) -> None:
        """Stops serving."""
    @property
    def is_running(self) -> bool:
        """Whether it serves."""
    @property
    def port(self) -> int:
        """The bound port once started, else the configured one."""
    @property
    def ip(self) -> str:
        """The IP listened on."""
    @property
    def external_ip(self) -> str:
        """The IP advertised."""
    @property
    def external_port(self) -> int:
        """The port advertised."""
    @property
    def hotkey(self) -> str:
        """The axon's hotkey (SS58)."""

class ChunkIter:
    """The chunks of a streamed answer and how the call went."""

    def next(self) -> bytes | None:
        """The next chunk (GIL released while waiting); None at the end or on failure."""
    def __iter__(self) -> ChunkIter: ...
    def __next__(self) -> bytes: ...
    @property
    def status_code(self) -> int:
        """200 while fine; otherwise how the call ended."""
    @property
    def status_message(self) -> str:
        """The words that go with ``status_code``."""
    @property
    def process_time(self) -> float:
        """Seconds until the head (while streaming) or the end."""
    @property
    def axon_json(self) -> str:
        """The axon's terminal as JSON."""
    @property
    def dendrite_json(self) -> str:
        """The dendrite terminal sent, with the status, as JSON."""
    @property
    def error_body(self) -> bytes | None:
        """A refusal's JSON body."""
    @property
    def finished(self) -> bool:
        """Whether the stream has ended."""

class DendriteClient:
    """The Rust dendrite (used by ``taonet.Dendrite``)."""

    def __init__(
        self,
        keypair: Keypair,
        allow_private_axons: bool = False,
        allow_loopback_axons: bool = False,
        external_ip: str | None = None,
    ) -> None:
        """A dendrite signing with ``keypair``."""
    @property
    def hotkey(self) -> str:
        """The signing hotkey (SS58)."""
    def query(
        self,
        targets: list[tuple[str, int, str]],
        name: str,
        synapse_json: bytes,
        required_hash_fields: list[str],
        timeout: float,
    ) -> list[tuple[int, str, float, str, str, bytes | None]]:
        """Calls every ``(ip, port, hotkey)`` at once: ``(status_code, status_message,
        process_time, axon_json, dendrite_json, body_json_or_None)`` per target, in order."""
    def stream(
        self,
        target: tuple[str, int, str],
        name: str,
        synapse_json: bytes,
        required_hash_fields: list[str],
        timeout: float,
    ) -> ChunkIter:
        """Opens a streamed call; returns once the answer's head arrived."""

def normalize_weights(uids: list[int], weights: list[float]) -> tuple[list[int], list[int]]:
    """Weights as the chain takes them: max-upscaled to 65535, zeros dropped."""
