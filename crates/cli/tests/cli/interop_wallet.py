"""Helper for the CLI interop test: drives the real Python bittensor-wallet.

    interop_wallet.py open ROOT NAME HOTKEY PASSWORD MESSAGE  -> JSON {coldkey, hotkey, hotkey_signature}
    interop_wallet.py create ROOT NAME HOTKEY PASSWORD        -> JSON {coldkey, hotkey}
    interop_wallet.py verify SS58 MESSAGE 0xSIGNATURE         -> prints valid / invalid
"""
import json
import sys

from bittensor_wallet import Keypair, Wallet

cmd = sys.argv[1]
if cmd == "open":
    root, name, hotkey, password, message = sys.argv[2:7]
    w = Wallet(name=name, hotkey=hotkey, path=root)
    w.coldkey_file.decrypt(password)
    cold = w.coldkey_file.keypair
    hot = w.hotkey
    print(json.dumps({
        "coldkey": cold.ss58_address,
        "coldkeypub": w.coldkeypub.ss58_address,
        "hotkey": hot.ss58_address,
        "hotkey_signature": "0x" + hot.sign(message).hex(),
    }))
elif cmd == "create":
    root, name, hotkey, password = sys.argv[2:6]
    w = Wallet(name=name, hotkey=hotkey, path=root)
    cold = Keypair.create_from_mnemonic(Keypair.generate_mnemonic(12))
    w.coldkey_file.set_keypair(cold, encrypt=True, overwrite=False, password=password)
    w.coldkeypub_file.set_keypair(Keypair(ss58_address=cold.ss58_address), encrypt=False, overwrite=False)
    w.create_new_hotkey(n_words=12, use_password=False, overwrite=False, suppress=True)
    print(json.dumps({"coldkey": w.coldkeypub.ss58_address, "hotkey": w.hotkey.ss58_address}))
elif cmd == "verify":
    ss58, message, signature = sys.argv[2:5]
    ok = Keypair(ss58_address=ss58).verify(message, bytes.fromhex(signature[2:]))
    print("valid" if ok else "invalid")
    sys.exit(0 if ok else 1)
else:
    sys.exit(f"unknown command {cmd}")
