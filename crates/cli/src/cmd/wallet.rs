//! `taonet wallet …`: bittensor-compatible wallets.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{ArgGroup, Args, Subcommand};
use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
use serde_json::{Value, json};
use taonet_crypto::keyfile::KeyfileData;
use taonet_crypto::wallet::{Keyfile, Wallet, WalletError, list_wallets};
use taonet_crypto::{Keypair, MNEMONIC_WORD_COUNTS, Signature, Ss58, verify};
use taonet_types::AccountId;
use zeroize::Zeroizing;

use crate::password::{PASSWORD_ENV, existing_password, new_password};
use crate::{Global, usage};

/// Environment variable that overrides the default wallet root.
pub const WALLET_PATH_ENV: &str = "TAONET_WALLET_PATH";

#[derive(Args, Debug)]
pub struct WalletArgs {
    #[command(flatten)]
    opts: WalletOpts,
    #[command(subcommand)]
    command: WalletCommand,
}

/// Options shared by the wallet commands (bittensor's names are accepted as aliases).
#[derive(Args, Debug, Clone)]
pub struct WalletOpts {
    /// Which wallet and hotkey.
    #[command(flatten)]
    pub keys: crate::args::KeyOpts,
    /// Store new keys unencrypted (no password).
    #[arg(long, global = true)]
    pub no_password: bool,
    /// Replace existing keyfiles (the old keys are lost unless you have their mnemonics).
    #[arg(long, global = true)]
    pub overwrite: bool,
}

#[derive(Subcommand, Debug)]
enum WalletCommand {
    /// Create a new wallet: a coldkey and a hotkey, each from a fresh mnemonic.
    Create(NewKeyArgs),
    /// Create a new coldkey (encrypted unless --no-password).
    NewColdkey(NewKeyArgs),
    /// Create a new hotkey (unencrypted unless --use-password).
    NewHotkey(NewKeyArgs),
    /// Restore a coldkey from its mnemonic or seed.
    RegenColdkey(RegenArgs),
    /// Restore a hotkey from its mnemonic or seed.
    RegenHotkey(RegenArgs),
    /// Restore only the public part of a coldkey (coldkeypub.txt).
    RegenColdkeypub(RegenPubArgs),
    /// List the wallets and their hotkeys.
    List,
    /// Show one wallet's coldkey and hotkeys.
    Show,
    /// Sign a message with the coldkey (or the hotkey).
    Sign(SignArgs),
    /// Verify a signature.
    Verify(VerifyArgs),
    /// Free, staked and unbonding balance of the coldkey (or --ss58), from a node.
    Balance(crate::cmd::balance::BalanceArgs),
    /// Send TAO from the coldkey to another address.
    Transfer(crate::cmd::balance::TransferArgs),
    /// Balances, every hotkey with its stake and every subnet registration (uid, stake,
    /// incentive, dividends, emission, permit, axon), from a node; --all for every wallet.
    Overview(crate::cmd::overview::OverviewArgs),
    /// Publish the coldkey's on-chain identity (name, url, description): a paying
    /// transaction signed by the coldkey, replacing its previous identity.
    SetIdentity(crate::cmd::identity::SetIdentityArgs),
    /// The on-chain identity of the coldkey (or --ss58), from a node.
    GetIdentity(crate::cmd::identity::GetIdentityArgs),
    /// Remove the coldkey's on-chain identity (a paying transaction).
    ClearIdentity(crate::cmd::identity::ClearIdentityArgs),
    /// Replace a hotkey (--wallet-hotkey) by another hotkey of the wallet (--new-hotkey): it
    /// takes over the registrations, stake and delegation (the coldkey signs; burns
    /// key_swap_cost).
    SwapHotkey(crate::cmd::keyswap::SwapHotkeyArgs),
    /// Move everything of the coldkey to a new coldkey: announce, dispute, execute after the
    /// chain's delay, status.
    SwapColdkey(crate::cmd::keyswap::SwapColdkeyArgs),
}

#[derive(Args, Debug)]
struct NewKeyArgs {
    /// Words in the new mnemonic: 12, 15, 18, 21 or 24.
    #[arg(long, visible_alias = "n-words", default_value_t = 12)]
    words: usize,
    /// Encrypt the hotkey too (hotkeys are normally stored unencrypted so neurons can run
    /// unattended).
    #[arg(long)]
    use_password: bool,
}

#[derive(Args, Debug)]
#[command(group(ArgGroup::new("source").required(true).args(["mnemonic", "seed"])))]
struct RegenArgs {
    /// The mnemonic, quoted: "word1 word2 …".
    #[arg(long, value_name = "WORDS")]
    mnemonic: Option<String>,
    /// The 32-byte seed (secretSeed) as 0x-hex.
    #[arg(long, value_name = "0xHEX")]
    seed: Option<String>,
    /// Encrypt the hotkey (regen-hotkey only).
    #[arg(long)]
    use_password: bool,
}

#[derive(Args, Debug)]
#[command(group(ArgGroup::new("public").required(true).args(["ss58", "public_key"])))]
struct RegenPubArgs {
    /// The coldkey's SS58 address.
    #[arg(long, value_name = "ADDRESS")]
    ss58: Option<String>,
    /// The coldkey's public key as 0x-hex.
    #[arg(long, value_name = "0xHEX")]
    public_key: Option<String>,
}

#[derive(Args, Debug)]
#[command(group(ArgGroup::new("msg").required(true).args(["message", "message_hex"])))]
struct SignArgs {
    /// Sign with the hotkey instead of the coldkey.
    #[arg(long)]
    use_hotkey: bool,
    /// The message, as UTF-8 text.
    #[arg(long, value_name = "TEXT")]
    message: Option<String>,
    /// The message, as 0x-hex bytes.
    #[arg(long, value_name = "HEX")]
    message_hex: Option<String>,
}

#[derive(Args, Debug)]
#[command(group(ArgGroup::new("msg").required(true).args(["message", "message_hex"])))]
struct VerifyArgs {
    /// The signer's SS58 address.
    #[arg(long, value_name = "ADDRESS")]
    ss58: String,
    /// The message, as UTF-8 text.
    #[arg(long, value_name = "TEXT")]
    message: Option<String>,
    /// The message, as 0x-hex bytes.
    #[arg(long, value_name = "HEX")]
    message_hex: Option<String>,
    /// The signature, 0x + 128 hex digits.
    #[arg(long, value_name = "0xHEX")]
    signature: String,
}

/// The wallet root: `--wallet-path` (with `~` expanded) or `~/.bittensor/wallets`.
pub fn wallet_root(opt: Option<&Path>) -> Result<PathBuf> {
    let home = || dirs::home_dir().context("cannot find the home directory; pass --wallet-path");
    match opt {
        Some(p) => {
            let s = p.to_string_lossy();
            if let Some(rest) = s.strip_prefix("~/") {
                Ok(home()?.join(rest))
            } else if s == "~" {
                home()
            } else {
                Ok(p.to_path_buf())
            }
        }
        None => Ok(home()?.join(".bittensor").join("wallets")),
    }
}

struct Ctx {
    opts: WalletOpts,
    global: Global,
    root: PathBuf,
}

impl Ctx {
    fn wallet(&self) -> Result<Wallet> {
        Wallet::new(&self.root, &self.opts.keys.wallet_name).map_err(|e| usage!("{e}"))
    }

    fn say(&self, msg: impl AsRef<str>) {
        if self.global.json {
            eprintln!("{}", msg.as_ref());
        } else {
            println!("{}", msg.as_ref());
        }
    }
}

pub fn run(args: WalletArgs, global: Global) -> Result<ExitCode> {
    // Commands that only read a wallet also find a running local network's development
    // wallets by name (as chain commands do); commands that write keys never touch them.
    let reads = matches!(args.command, WalletCommand::Show | WalletCommand::Sign(_));
    let root = if reads {
        crate::context::resolve_wallet_root(
            args.opts.keys.wallet_path.as_deref(),
            &args.opts.keys.wallet_name,
        )?
    } else {
        wallet_root(args.opts.keys.wallet_path.as_deref())?
    };
    let ctx = Ctx {
        opts: args.opts,
        global,
        root,
    };
    match args.command {
        WalletCommand::Create(a) => create(&ctx, &a, true, true),
        WalletCommand::NewColdkey(a) => create(&ctx, &a, true, false),
        WalletCommand::NewHotkey(a) => create(&ctx, &a, false, true),
        WalletCommand::RegenColdkey(a) => regen(&ctx, &a, true),
        WalletCommand::RegenHotkey(a) => regen(&ctx, &a, false),
        WalletCommand::RegenColdkeypub(a) => regen_coldkeypub(&ctx, &a),
        WalletCommand::List => list(&ctx),
        WalletCommand::Show => show(&ctx),
        WalletCommand::Sign(a) => sign(&ctx, &a),
        WalletCommand::Verify(a) => verify_cmd(&ctx, &a),
        WalletCommand::Balance(a) => {
            let keys = ctx.opts.keys.clone();
            crate::cmd::balance::balance(&keys, &a, global)
        }
        WalletCommand::Transfer(a) => {
            let keys = ctx.opts.keys.clone();
            crate::cmd::balance::transfer(&keys, &a, global)
        }
        WalletCommand::Overview(a) => {
            let keys = ctx.opts.keys.clone();
            crate::cmd::overview::run(&keys, &a, global)
        }
        WalletCommand::SetIdentity(a) => {
            let keys = ctx.opts.keys.clone();
            crate::cmd::identity::set_identity(&keys, &a, global)
        }
        WalletCommand::GetIdentity(a) => {
            let keys = ctx.opts.keys.clone();
            crate::cmd::identity::get_identity(&keys, &a, global)
        }
        WalletCommand::ClearIdentity(a) => {
            let keys = ctx.opts.keys.clone();
            crate::cmd::identity::clear_identity(&keys, &a, global)
        }
        WalletCommand::SwapHotkey(a) => {
            let keys = ctx.opts.keys.clone();
            crate::cmd::keyswap::swap_hotkey(&keys, &a, global)
        }
        WalletCommand::SwapColdkey(a) => {
            let keys = ctx.opts.keys.clone();
            crate::cmd::keyswap::swap_coldkey(&keys, &a, global)
        }
    }
}

/// The local wallets that `--all` covers: every wallet under the wallet root (`flag`, i.e.
/// `--wallet-path` or `TAONET_WALLET_PATH`, else `~/.bittensor/wallets`) and, when no root is
/// named, a running local network's development wallets whose names the root lacks (chain
/// commands find those by name too); sorted by name.
pub(crate) fn local_wallets(flag: Option<&Path>) -> Result<Vec<Wallet>> {
    let root = wallet_root(flag)?;
    let mut wallets = std::collections::BTreeMap::new();
    for name in list_wallets(&root)? {
        wallets.insert(name.clone(), Wallet::new(&root, &name)?);
    }
    if flag.is_none()
        && let Some(net) = crate::context::Localnet::running()
        && net.wallet_path != root
    {
        for name in list_wallets(&net.wallet_path)? {
            if !wallets.contains_key(&name) {
                wallets.insert(name.clone(), Wallet::new(&net.wallet_path, &name)?);
            }
        }
    }
    Ok(wallets.into_values().collect())
}

/// A wallet's coldkey address (no password needed), or why it cannot be read, in words — for
/// the `--all` commands, which list such a wallet with its error instead of failing.
pub(crate) fn coldkey_address(wallet: &Wallet) -> std::result::Result<AccountId, String> {
    match wallet.coldkey_account() {
        Ok(Some(a)) => Ok(a),
        Ok(None) => Err(format!(
            "no readable coldkey address: {} is missing and the coldkey is {}; restore the public file with `taonet wallet regen-coldkeypub --wallet-name {} --ss58 ADDRESS`",
            wallet.coldkeypub().path().display(),
            if wallet.coldkey().exists() {
                "encrypted"
            } else {
                "missing too"
            },
            wallet.name()
        )),
        Err(e) => Err(format!("cannot read the coldkey address: {e}")),
    }
}

fn key_json(account: &AccountId) -> Value {
    json!({ "ss58": account.to_ss58(), "public_key": account.to_hex() })
}

/// Refuses (before anything is written) if any target exists and --overwrite was not given.
fn check_targets(ctx: &Ctx, files: &[Keyfile]) -> Result<()> {
    if ctx.opts.overwrite {
        return Ok(());
    }
    for f in files {
        if f.exists() {
            return Err(WalletError::Exists(f.path().to_path_buf()).into());
        }
    }
    Ok(())
}

/// Writes a coldkey (`coldkey` + `coldkeypub.txt`).
fn write_coldkey(ctx: &Ctx, wallet: &Wallet, pair: &Keypair) -> Result<bool> {
    let password: Option<Zeroizing<String>> = if ctx.opts.no_password {
        None
    } else {
        Some(new_password("coldkey", ctx.global.no_prompt)?)
    };
    if password.is_some() && !ctx.global.json {
        eprintln!("Encrypting the coldkey (this takes a few seconds)…");
    }
    wallet.coldkey().write(
        &KeyfileData::from_keypair(pair),
        password.as_deref().map(|s| s.as_str()),
        ctx.opts.overwrite,
    )?;
    wallet.coldkeypub().write(
        &KeyfileData::public(&pair.account_id()),
        None,
        ctx.opts.overwrite,
    )?;
    Ok(password.is_some())
}

/// Writes a hotkey (`hotkeys/<name>` + `hotkeys/<name>pub.txt`).
fn write_hotkey(ctx: &Ctx, wallet: &Wallet, pair: &Keypair, encrypt: bool) -> Result<bool> {
    let password = if encrypt {
        Some(new_password("hotkey", ctx.global.no_prompt)?)
    } else {
        None
    };
    wallet.hotkey(&ctx.opts.keys.hotkey)?.write(
        &KeyfileData::from_keypair(pair),
        password.as_deref().map(|s| s.as_str()),
        ctx.opts.overwrite,
    )?;
    wallet.hotkeypub(&ctx.opts.keys.hotkey)?.write(
        &KeyfileData::public(&pair.account_id()),
        None,
        ctx.opts.overwrite,
    )?;
    Ok(password.is_some())
}

fn show_mnemonic(ctx: &Ctx, what: &str, phrase: &str, regen_cmd: &str) {
    if ctx.global.json {
        return;
    }
    println!();
    println!("IMPORTANT: the mnemonic of your new {what}, shown only this once:");
    println!();
    println!("    {phrase}");
    println!();
    println!("Write it down and keep it offline. Anyone who has it controls the {what};");
    println!("without it a lost {what} cannot be recovered. To restore it:");
    println!("    taonet wallet {regen_cmd} --mnemonic \"<the words>\"");
    println!();
}

fn create(ctx: &Ctx, a: &NewKeyArgs, cold: bool, hot: bool) -> Result<ExitCode> {
    if !MNEMONIC_WORD_COUNTS.contains(&a.words) {
        return Err(usage!(
            "--words must be one of 12, 15, 18, 21, 24 (got {})",
            a.words
        ));
    }
    let wallet = ctx.wallet()?;
    let mut targets = Vec::new();
    if cold {
        targets.extend([wallet.coldkey(), wallet.coldkeypub()]);
    }
    if hot {
        targets.extend([
            wallet.hotkey(&ctx.opts.keys.hotkey)?,
            wallet.hotkeypub(&ctx.opts.keys.hotkey)?,
        ]);
    }
    check_targets(ctx, &targets)?;

    let mut out = json!({ "name": wallet.name(), "path": wallet.dir() });
    if cold {
        let (pair, phrase) = Keypair::generate(a.words)?;
        let encrypted = write_coldkey(ctx, &wallet, &pair)?;
        ctx.say(format!(
            "Created coldkey {} ({}) in {}",
            pair.ss58(),
            if encrypted {
                "encrypted"
            } else {
                "NOT encrypted"
            },
            wallet.dir().display()
        ));
        show_mnemonic(ctx, "coldkey", &phrase, "regen-coldkey");
        let mut k = key_json(&pair.account_id());
        k["encrypted"] = json!(encrypted);
        k["mnemonic"] = json!(phrase.as_str());
        out["coldkey"] = k;
    }
    if hot {
        let (pair, phrase) = Keypair::generate(a.words)?;
        let encrypted = write_hotkey(ctx, &wallet, &pair, a.use_password)?;
        ctx.say(format!(
            "Created hotkey '{}' {} ({})",
            ctx.opts.keys.hotkey,
            pair.ss58(),
            if encrypted {
                "encrypted"
            } else {
                "unencrypted"
            }
        ));
        show_mnemonic(ctx, "hotkey", &phrase, "regen-hotkey");
        let mut k = key_json(&pair.account_id());
        k["name"] = json!(ctx.opts.keys.hotkey);
        k["encrypted"] = json!(encrypted);
        k["mnemonic"] = json!(phrase.as_str());
        out["hotkey"] = k;
    }
    if ctx.global.json {
        println!("{out}");
    }
    Ok(ExitCode::SUCCESS)
}

fn regen(ctx: &Ctx, a: &RegenArgs, cold: bool) -> Result<ExitCode> {
    let pair = match (&a.mnemonic, &a.seed) {
        (Some(m), _) => Keypair::from_mnemonic(m).map_err(|e| usage!("{e}"))?,
        (None, Some(s)) => Keypair::from_seed_hex(s).map_err(|e| usage!("{e}"))?,
        (None, None) => return Err(usage!("pass --mnemonic or --seed")),
    };
    let wallet = ctx.wallet()?;
    let (what, out) = if cold {
        check_targets(ctx, &[wallet.coldkey(), wallet.coldkeypub()])?;
        let encrypted = write_coldkey(ctx, &wallet, &pair)?;
        let mut k = key_json(&pair.account_id());
        k["encrypted"] = json!(encrypted);
        ("coldkey", json!({ "name": wallet.name(), "coldkey": k }))
    } else {
        check_targets(
            ctx,
            &[
                wallet.hotkey(&ctx.opts.keys.hotkey)?,
                wallet.hotkeypub(&ctx.opts.keys.hotkey)?,
            ],
        )?;
        let encrypted = write_hotkey(ctx, &wallet, &pair, a.use_password)?;
        let mut k = key_json(&pair.account_id());
        k["name"] = json!(ctx.opts.keys.hotkey);
        k["encrypted"] = json!(encrypted);
        ("hotkey", json!({ "name": wallet.name(), "hotkey": k }))
    };
    ctx.say(format!(
        "Restored {what} {} in {}",
        pair.ss58(),
        wallet.dir().display()
    ));
    if ctx.global.json {
        println!("{out}");
    }
    Ok(ExitCode::SUCCESS)
}

fn regen_coldkeypub(ctx: &Ctx, a: &RegenPubArgs) -> Result<ExitCode> {
    let account = match (&a.ss58, &a.public_key) {
        (Some(addr), _) => AccountId::from_ss58(addr).map_err(|e| usage!("--ss58: {e}"))?,
        (None, Some(pk)) => AccountId::from_hex(pk).map_err(|e| usage!("--public-key: {e}"))?,
        (None, None) => return Err(usage!("pass --ss58 or --public-key")),
    };
    let wallet = ctx.wallet()?;
    check_targets(ctx, &[wallet.coldkeypub()])?;
    wallet
        .coldkeypub()
        .write(&KeyfileData::public(&account), None, ctx.opts.overwrite)?;
    ctx.say(format!(
        "Wrote {} for {}",
        wallet.coldkeypub().path().display(),
        account.to_ss58()
    ));
    if ctx.global.json {
        println!(
            "{}",
            json!({ "name": wallet.name(), "coldkey": key_json(&account) })
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The public description of a wallet: coldkey and hotkeys (no password needed).
fn describe(wallet: &Wallet) -> Result<Value> {
    let coldkey = match wallet.coldkey_account() {
        Ok(Some(a)) => key_json(&a),
        Ok(None) => Value::Null,
        Err(e) => json!({ "error": e.to_string() }),
    };
    let mut hotkeys = Vec::new();
    for name in wallet.hotkeys()? {
        let mut k = match wallet.hotkey_account(&name) {
            Ok(Some(a)) => key_json(&a),
            Ok(None) => json!({ "ss58": Value::Null, "public_key": Value::Null }),
            Err(e) => json!({ "error": e.to_string() }),
        };
        k["name"] = json!(name);
        hotkeys.push(k);
    }
    Ok(json!({
        "name": wallet.name(),
        "path": wallet.dir(),
        "coldkey": coldkey,
        "hotkeys": hotkeys,
    }))
}

fn text(v: &Value, key: &str) -> String {
    match &v[key] {
        Value::String(s) => s.clone(),
        Value::Null => "-".to_string(),
        other => other.to_string(),
    }
}

fn print_wallet_rows(table: &mut Table, w: &Value) {
    let cold = &w["coldkey"];
    let cold_text = if cold.is_null() {
        "(no coldkey)".to_string()
    } else if cold.get("error").is_some() {
        format!("unreadable: {}", text(cold, "error"))
    } else {
        text(cold, "ss58")
    };
    table.add_row(vec![
        text(w, "name"),
        "coldkey".into(),
        String::new(),
        cold_text,
    ]);
    for h in w["hotkeys"].as_array().into_iter().flatten() {
        let addr = if h.get("error").is_some() {
            format!("unreadable: {}", text(h, "error"))
        } else {
            text(h, "ss58")
        };
        table.add_row(vec![String::new(), "hotkey".into(), text(h, "name"), addr]);
    }
}

fn new_table() -> Table {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    table.set_header(vec!["wallet", "key", "name", "ss58 address"]);
    table
}

fn describe_all(root: &Path) -> Result<Vec<Value>> {
    let mut wallets = Vec::new();
    for name in list_wallets(root)? {
        wallets.push(describe(&Wallet::new(root, &name)?)?);
    }
    Ok(wallets)
}

fn list(ctx: &Ctx) -> Result<ExitCode> {
    let wallets = describe_all(&ctx.root)?;
    // Without an explicit --wallet-path, a running local network's development wallets are
    // listed too (chain commands find them by name).
    let localnet = match &ctx.opts.keys.wallet_path {
        Some(_) => None,
        None => crate::context::Localnet::running()
            .map(|n| n.wallet_path)
            .filter(|p| p != &ctx.root && p.is_dir()),
    };
    let localnet = match localnet {
        Some(path) => Some((describe_all(&path)?, path)),
        None => None,
    };
    if ctx.global.json {
        let mut out = json!({ "wallet_path": ctx.root, "wallets": wallets });
        if let Some((dev, path)) = &localnet {
            out["localnet"] = json!({ "wallet_path": path, "wallets": dev });
        }
        println!("{out}");
        return Ok(ExitCode::SUCCESS);
    }
    if wallets.is_empty() {
        println!(
            "No wallets in {}. Create one with: taonet wallet create",
            ctx.root.display()
        );
    } else {
        print_wallets(&format!("Wallets in {}", ctx.root.display()), &wallets);
    }
    if let Some((dev, path)) = &localnet {
        print_wallets(
            &format!(
                "Development wallets of the running local network in {} (usable by name)",
                path.display()
            ),
            dev,
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn print_wallets(title: &str, wallets: &[Value]) {
    println!("{title}");
    let mut table = new_table();
    for w in wallets {
        print_wallet_rows(&mut table, w);
    }
    println!("{table}");
}

fn show(ctx: &Ctx) -> Result<ExitCode> {
    let wallet = ctx.wallet()?;
    if !wallet.exists() {
        bail!(
            "wallet '{}' not found in {}; create it with `taonet wallet create --wallet-name {}` or list wallets with `taonet wallet list`",
            wallet.name(),
            ctx.root.display(),
            wallet.name()
        );
    }
    let w = describe(&wallet)?;
    if ctx.global.json {
        println!("{w}");
    } else {
        let mut table = new_table();
        print_wallet_rows(&mut table, &w);
        println!("{table}");
    }
    Ok(ExitCode::SUCCESS)
}

fn message_bytes(message: &Option<String>, message_hex: &Option<String>) -> Result<Vec<u8>> {
    match (message, message_hex) {
        (Some(m), _) => Ok(m.as_bytes().to_vec()),
        (None, Some(h)) => {
            let digits = h.trim().strip_prefix("0x").unwrap_or(h.trim());
            hex::decode(digits).map_err(|e| usage!("--message-hex is not valid hex: {e}"))
        }
        (None, None) => Err(usage!("pass --message or --message-hex")),
    }
}

/// Loads a secret keypair, asking for the password if the file is encrypted.
pub(crate) fn load_keypair(no_prompt: bool, file: &Keyfile, what: &str) -> Result<Keypair> {
    if !file.exists() {
        bail!(
            "{what} {} does not exist; create it with `taonet wallet {}` or restore it with `taonet wallet regen-{}`",
            file.path().display(),
            if what == "coldkey" {
                "new-coldkey"
            } else {
                "new-hotkey"
            },
            what
        );
    }
    let data = if file.is_encrypted()? {
        let mut attempt = 0;
        loop {
            let (pw, from_env) = existing_password(what, no_prompt, attempt)?;
            match file.read(Some(&pw)) {
                Ok(d) => break d,
                Err(e) if e.is_wrong_password() && !from_env && attempt < 2 => {
                    eprintln!("Wrong password, try again.");
                    attempt += 1;
                }
                Err(e) if e.is_wrong_password() && from_env => {
                    return Err(anyhow::Error::new(e).context(format!(
                        "the password in {PASSWORD_ENV} does not open the {what}"
                    )));
                }
                Err(e) => return Err(e.into()),
            }
        }
    } else {
        file.read(None)?
    };
    let pair = data
        .keypair()
        .with_context(|| format!("reading {}", file.path().display()))?;
    pair.with_context(|| {
        format!(
            "{} holds only a public key; it cannot sign",
            file.path().display()
        )
    })
}

fn sign(ctx: &Ctx, a: &SignArgs) -> Result<ExitCode> {
    let message = message_bytes(&a.message, &a.message_hex)?;
    let wallet = ctx.wallet()?;
    let pair = if a.use_hotkey {
        load_keypair(
            ctx.global.no_prompt,
            &wallet.hotkey(&ctx.opts.keys.hotkey)?,
            "hotkey",
        )?
    } else {
        load_keypair(ctx.global.no_prompt, &wallet.coldkey(), "coldkey")?
    };
    let sig = pair.sign(&message);
    if ctx.global.json {
        println!(
            "{}",
            json!({ "ss58": pair.ss58(), "signature": sig.to_hex() })
        );
    } else {
        println!("{}", sig.to_hex());
    }
    Ok(ExitCode::SUCCESS)
}

fn verify_cmd(ctx: &Ctx, a: &VerifyArgs) -> Result<ExitCode> {
    let account = AccountId::from_ss58(&a.ss58).map_err(|e| usage!("--ss58: {e}"))?;
    let message = message_bytes(&a.message, &a.message_hex)?;
    let sig = Signature::from_hex(&a.signature).map_err(|e| usage!("--signature: {e}"))?;
    let valid = verify(&account, &message, &sig);
    if ctx.global.json {
        println!("{}", json!({ "ss58": account.to_ss58(), "valid": valid }));
    } else {
        println!("{}", if valid { "valid" } else { "invalid" });
    }
    Ok(if valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
