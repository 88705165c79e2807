//! Finding the data directory and the passphrase.

use anyhow::{bail, Context, Result};
use mugsync_store::{DeviceStore, Passphrase, StoreError, MIN_PASSPHRASE_CHARS};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use crate::exit::Locked;

/// The environment variable that supplies the passphrase without a prompt.
pub const PASSPHRASE_ENV: &str = "MUGSYNC_PASSPHRASE";

/// How many passphrases the prompt takes before giving up.
pub const PROMPT_TRIES: usize = 3;

/// `--data-dir`, `MUGSYNC_DATA_DIR`, or the per-user data directory.
pub fn data_dir(given: Option<&Path>) -> Result<PathBuf> {
    if let Some(d) = given {
        return Ok(d.to_path_buf());
    }
    let base = dirs::data_dir()
        .context("no per-user data directory is known here; pass --data-dir DIR")?;
    Ok(base.join("mugsync"))
}

fn no_passphrase() -> anyhow::Error {
    anyhow::Error::new(Locked(format!(
        "no passphrase: set {PASSPHRASE_ENV} or run mugsync in a terminal to be asked"
    )))
}

/// The passphrase from `MUGSYNC_PASSPHRASE`, or asked for at the terminal.
///
/// `new_store` is for a store about to be created (`init`, enrolling a blank data
/// directory): the passphrase is asked twice and must pass the strength rule — at least
/// [`MIN_PASSPHRASE_CHARS`] characters, not counting spaces at either end — before anything
/// else happens.
pub fn passphrase(new_store: bool) -> Result<Passphrase> {
    if let Ok(p) = std::env::var(PASSPHRASE_ENV) {
        let pass = Passphrase::new(p)?;
        if new_store {
            pass.check_strength()?;
        }
        return Ok(pass);
    }
    if !std::io::stdin().is_terminal() {
        return Err(no_passphrase());
    }
    if new_store {
        eprintln!(
            "Choose a passphrase for the encrypted store: at least {MIN_PASSPHRASE_CHARS} characters (a few words you will remember work well). It cannot be recovered if lost."
        );
    }
    let first = rpassword::prompt_password("Store passphrase: ")
        .context("could not read the passphrase")?;
    if new_store {
        Passphrase::new(first.clone())?.check_strength()?;
        let again = rpassword::prompt_password("Same passphrase again: ")
            .context("could not read the passphrase")?;
        if again != first {
            bail!("the two passphrases differ; nothing was created — run the command again");
        }
    }
    Ok(Passphrase::new(first)?)
}

/// Opens the store in `data_dir`: with `MUGSYNC_PASSPHRASE`, or by asking at the terminal
/// up to [`PROMPT_TRIES`] times.
pub fn open(data_dir: &Path) -> Result<DeviceStore> {
    if !DeviceStore::path_in(data_dir).exists() {
        bail!(
            "no mugsync store in {}; run `mugsync init --areas FILE` first, or pass --data-dir",
            data_dir.display()
        );
    }
    if let Ok(p) = std::env::var(PASSPHRASE_ENV) {
        let wrong = || {
            anyhow::Error::new(Locked(format!(
                "the passphrase in {PASSPHRASE_ENV} does not open the store in {} (or the file is not a mugsync store); nothing was changed — set {PASSPHRASE_ENV} to the store's passphrase",
                data_dir.display()
            )))
        };
        let pass = Passphrase::new(p).map_err(|_| wrong())?;
        return DeviceStore::open(data_dir, &pass).map_err(|e| match e {
            StoreError::WrongPassphrase => wrong(),
            e => e.into(),
        });
    }
    if !std::io::stdin().is_terminal() {
        return Err(no_passphrase());
    }
    open_with_prompt(data_dir, PROMPT_TRIES, |prompt| {
        rpassword::prompt_password(prompt)
    })
}

/// The prompt loop, with the prompt injected (a test answers it).
fn open_with_prompt(
    data_dir: &Path,
    tries: usize,
    mut ask: impl FnMut(&str) -> std::io::Result<String>,
) -> Result<DeviceStore> {
    for attempt in 1..=tries {
        let text = ask("Store passphrase: ").context("could not read the passphrase")?;
        let left = tries - attempt;
        let result = match Passphrase::new(text) {
            Ok(pass) => DeviceStore::open(data_dir, &pass),
            Err(e) => Err(e),
        };
        match result {
            Ok(store) => return Ok(store),
            Err(
                StoreError::WrongPassphrase
                | StoreError::WeakPassphrase
                | StoreError::EmptyPassphrase,
            ) if left > 0 => {
                eprintln!(
                    "That passphrase does not open this store; try again ({left} {} left).",
                    if left == 1 { "try" } else { "tries" }
                );
            }
            Err(
                StoreError::WrongPassphrase
                | StoreError::WeakPassphrase
                | StoreError::EmptyPassphrase,
            ) => break,
            Err(e) => return Err(e.into()),
        }
    }
    Err(anyhow::Error::new(Locked(format!(
        "{tries} passphrases did not open the store in {}; nothing was changed — run the command again to retry",
        data_dir.display()
    ))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use mugsync_core::identifiers::{Region, SchemeKey};
    use mugsync_core::report::AreaList;
    use mugsync_store::InitOptions;

    fn store_in(dir: &Path) {
        DeviceStore::create(
            dir,
            &Passphrase::new("correct horse").unwrap(),
            InitOptions {
                scheme_key: SchemeKey::from_bytes(&[7; 32]).unwrap(),
                region: Region::parse("GB").unwrap(),
                areas: AreaList::from_toml("[[area]]\ncode = \"online\"\nname = \"Online\"\n")
                    .unwrap(),
            },
        )
        .unwrap();
    }

    #[test]
    fn the_prompt_really_lets_the_user_try_again() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("d");
        store_in(&dir);
        let mut answers = vec!["wrong one", "", "correct horse"].into_iter();
        let mut asked = 0;
        let store = open_with_prompt(&dir, 3, |_| {
            asked += 1;
            Ok(answers.next().unwrap().to_owned())
        });
        assert!(store.is_ok(), "{:?}", store.err());
        assert_eq!(asked, 3);

        let mut asked = 0;
        let e = open_with_prompt(&dir, 3, |_| {
            asked += 1;
            Ok("still wrong".to_owned())
        })
        .err()
        .expect("three wrong passphrases fail");
        assert_eq!(asked, 3, "exactly three tries");
        assert_eq!(crate::exit::classify(&e), crate::exit::Exit::Locked);
        assert!(!e.to_string().contains("try again"), "{e}");
    }
}
