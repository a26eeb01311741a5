//! Secret files are written atomically with mode 0600 from creation: no partial file and no
//! temporary file is ever left, an existing file is replaced whole or not at all.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use taonet_crypto::secret_file::{create_random_hex_key, write_secret_file};
use taonet_crypto::wallet::{Keyfile, mode_of};
use taonet_crypto::{KeyfileData, Keypair};

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn a_new_secret_file_is_0600_and_no_temp_file_is_left() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("consensus.key");
    write_secret_file(&path, b"secret", false).unwrap();
    assert_eq!(
        fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(fs::read(&path).unwrap(), b"secret");
    assert_eq!(names(dir.path()), vec!["consensus.key".to_string()]);
}

#[test]
fn create_if_absent_never_touches_an_existing_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k");
    write_secret_file(&path, b"first", false).unwrap();
    let e = write_secret_file(&path, b"second", false).unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::AlreadyExists);
    assert_eq!(fs::read(&path).unwrap(), b"first");
    assert_eq!(names(dir.path()), vec!["k".to_string()]);
}

#[test]
fn an_existing_file_is_replaced_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k");
    // An existing file with loose permissions: the replacement is a new inode, 0600 from the
    // start (not the old file rewritten in place and chmod'ed after).
    fs::write(&path, b"old contents").unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
    let held = fs::File::open(&path).unwrap();
    write_secret_file(&path, b"new", true).unwrap();
    assert_eq!(fs::read(&path).unwrap(), b"new");
    assert_eq!(
        fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // A reader that opened the old file still sees it whole: no partial write happened.
    use std::io::Read;
    let mut old = String::new();
    (&held).read_to_string(&mut old).unwrap();
    assert_eq!(old, "old contents");
    assert_eq!(names(dir.path()), vec!["k".to_string()]);
}

#[test]
fn a_failed_write_leaves_no_temp_file() {
    let dir = tempfile::tempdir().unwrap();
    // The target is a directory: the rename fails, and the temporary file is removed.
    let path = dir.path().join("d");
    fs::create_dir(&path).unwrap();
    fs::write(path.join("x"), b"x").unwrap();
    assert!(write_secret_file(&path, b"secret", true).is_err());
    assert_eq!(names(dir.path()), vec!["d".to_string()]);
}

#[test]
fn a_missing_directory_is_created_private() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a/b/key");
    write_secret_file(&path, b"s", false).unwrap();
    assert_eq!(
        fs::metadata(dir.path().join("a/b"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o700
    );
}

#[test]
fn random_hex_keys_are_created_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("node/consensus.key");
    assert!(create_random_hex_key(&path).unwrap());
    let first = fs::read_to_string(&path).unwrap();
    assert_eq!(first.len(), 64);
    assert!(hex::decode(&first).is_ok());
    assert_eq!(
        fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert!(!create_random_hex_key(&path).unwrap());
    assert_eq!(fs::read_to_string(&path).unwrap(), first);
    assert_eq!(
        names(&dir.path().join("node")),
        vec!["consensus.key".to_string()]
    );
}

#[test]
fn wallet_keyfiles_use_the_same_writer() {
    let dir = tempfile::tempdir().unwrap();
    let file = Keyfile::new(dir.path().join("wallet/coldkey"));
    let pair = Keypair::generate(12).unwrap().0;
    file.write(&KeyfileData::from_keypair(&pair), None, false)
        .unwrap();
    assert_eq!(mode_of(file.path()).unwrap() & 0o777, 0o600);
    assert!(
        file.write(&KeyfileData::from_keypair(&pair), None, false)
            .is_err()
    );
    file.write(&KeyfileData::from_keypair(&pair), None, true)
        .unwrap();
    assert_eq!(
        names(&dir.path().join("wallet")),
        vec!["coldkey".to_string()]
    );
}
