//! Where keyfile passwords come from.
//!
//! In order: the `TAONET_WALLET_PASSWORD` environment variable (for scripts), else a prompt on
//! the terminal without echo. With neither (no terminal, or `--no-prompt`), commands fail
//! with a message that says what to do instead of hanging.
//!
//! Passwords are returned as [`Zeroizing`] strings from the moment they are read, so every
//! copy this module hands out is wiped when dropped.

use std::io::IsTerminal;

use anyhow::{Context, Result, bail};
use zeroize::Zeroizing;

/// Environment variable holding the wallet password for non-interactive use.
pub const PASSWORD_ENV: &str = "TAONET_WALLET_PASSWORD";

/// Shortest password accepted for a new keyfile (as bittensor requires).
pub const MIN_PASSWORD_LEN: usize = 6;

fn from_env() -> Option<Zeroizing<String>> {
    std::env::var(PASSWORD_ENV)
        .ok()
        .map(Zeroizing::new)
        .filter(|p| !p.is_empty())
}

fn can_prompt(no_prompt: bool) -> bool {
    !no_prompt && std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// A password to encrypt a new keyfile `what` (asked twice at a prompt).
pub fn new_password(what: &str, no_prompt: bool) -> Result<Zeroizing<String>> {
    if let Some(pw) = from_env() {
        if pw.chars().count() < MIN_PASSWORD_LEN {
            bail!(
                "{PASSWORD_ENV} is shorter than {MIN_PASSWORD_LEN} characters; choose a longer password"
            );
        }
        return Ok(pw);
    }
    if !can_prompt(no_prompt) {
        bail!(
            "a password is needed to encrypt the {what}, but there is no terminal to ask on: \
             set {PASSWORD_ENV}, or pass --no-password to store it unencrypted"
        );
    }
    let pw = dialoguer::Password::new()
        .with_prompt(format!("Password to encrypt the {what}"))
        .with_confirmation(
            "Repeat the password",
            "The passwords do not match, try again",
        )
        .validate_with(|p: &String| -> std::result::Result<(), String> {
            if p.chars().count() < MIN_PASSWORD_LEN {
                Err(format!("use at least {MIN_PASSWORD_LEN} characters"))
            } else {
                Ok(())
            }
        })
        .interact()
        .map(Zeroizing::new)
        .context("reading the password from the terminal")?;
    Ok(pw)
}

/// The password of an existing encrypted keyfile `what`, and whether it came from the
/// environment (then it is not worth asking again); `attempt` counts prompts so far.
pub fn existing_password(
    what: &str,
    no_prompt: bool,
    attempt: u32,
) -> Result<(Zeroizing<String>, bool)> {
    if let Some(pw) = from_env() {
        return Ok((pw, true));
    }
    if !can_prompt(no_prompt) {
        bail!(
            "the {what} is encrypted and there is no terminal to ask for its password: set {PASSWORD_ENV}"
        );
    }
    let prompt = if attempt == 0 {
        format!("Password for the {what}")
    } else {
        format!("Password for the {what} (attempt {} of 3)", attempt + 1)
    };
    let pw = dialoguer::Password::new()
        .with_prompt(prompt)
        .interact()
        .map(Zeroizing::new)
        .context("reading the password from the terminal")?;
    Ok((pw, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The password functions hand out `Zeroizing` strings (wiped on drop), not plain ones:
    /// this fails to compile if a signature regresses to `String`.
    #[test]
    fn passwords_are_zeroizing() {
        fn zeroizing<T: zeroize::ZeroizeOnDrop>(_: &Result<T>) {}
        fn pair<T: zeroize::ZeroizeOnDrop>(_: &Result<(T, bool)>) {}
        zeroizing(&new_password("test key", true));
        pair(&existing_password("test key", true, 0));
    }
}
