use std::io::{Read, Write};

use super::identities::{self, Keyring};
use super::*;
use crate::testing::TempRoot;

fn seal(plain: &[u8], to: &[age::x25519::Recipient]) -> Vec<u8> {
    let mut s = Sealed::new(Vec::new(), to).unwrap();
    s.write_all(plain).unwrap();
    s.finish().unwrap()
}

fn keyring(dir: &TempRoot, name: &str, keys: &[&age::x25519::Identity]) -> Keyring {
    use age::secrecy::ExposeSecret;
    let text: String = keys
        .iter()
        .map(|k| format!("# a comment\n\n{}\n", k.to_string().expose_secret()))
        .collect();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    Keyring::load(&[path]).ok().unwrap()
}

fn opened(sealed: &[u8], keys: &Keyring) -> Result<Vec<u8>, String> {
    let dir = TempRoot::new();
    let path = dir.path().join("x.lift.age");
    std::fs::write(&path, sealed).unwrap();
    let file = std::io::BufReader::new(std::fs::File::open(&path).unwrap());
    let mut out = Vec::new();
    decrypt(file, keys)?
        .read_to_end(&mut out)
        .map_err(|e| e.to_string())?;
    Ok(out)
}

#[test]
fn age_files_are_told_by_their_first_bytes() {
    assert!(is_encrypted(b"age-encryption.org/v1\n-> X25519 abc\n"));
    assert!(is_encrypted(b"\n-----BEGIN AGE ENCRYPTED FILE-----\n"));
    assert!(!is_encrypted(b"LIFTBNDL\x01\0\0\0"));
    assert!(!is_encrypted(b"{\"records\": []}"));
    assert!(!is_encrypted(b""));
}

#[test]
fn any_of_the_identities_opens_a_file_for_several_recipients() {
    let dir = TempRoot::new();
    let (a, b, other) = (
        age::x25519::Identity::generate(),
        age::x25519::Identity::generate(),
        age::x25519::Identity::generate(),
    );
    let plain = b"LIFTBNDL and the rest".repeat(10_000);
    let sealed = seal(&plain, &[a.to_public(), b.to_public()]);
    assert!(!sealed.windows(8).any(|w| w == b"LIFTBNDL"));
    assert_eq!(opened(&sealed, &keyring(&dir, "b", &[&b])).unwrap(), plain);
    // A file of several keys: the second one opens it.
    let both = keyring(&dir, "two", &[&other, &a]);
    assert_eq!(both.len(), 2);
    assert_eq!(opened(&sealed, &both).unwrap(), plain);
    let e = opened(&sealed, &keyring(&dir, "other", &[&other]))
        .err()
        .unwrap();
    assert!(e.contains("encrypted for other recipients"), "{e}");
    assert!(e.contains("the identity in"), "{e}");
    let e = opened(&sealed, &Keyring::load(&[]).ok().unwrap())
        .err()
        .unwrap();
    assert!(e.contains("--identity FILE or LIFT_IDENTITY"), "{e}");
}

#[test]
fn damage_is_said_as_such() {
    let dir = TempRoot::new();
    let k = age::x25519::Identity::generate();
    let keys = keyring(&dir, "k", &[&k]);
    let sealed = seal(&vec![1u8; 300_000], &[k.to_public()]);
    // A flipped byte in the payload fails the chunk's authentication.
    let mut altered = sealed.clone();
    let at = altered.len() - 1000;
    altered[at] ^= 1;
    let e = opened(&altered, &keys).unwrap_err();
    assert!(e.contains("fails authentication"), "{e}");
    // Cut inside a chunk, and at a header line.
    let e = opened(&sealed[..sealed.len() / 2], &keys).unwrap_err();
    assert!(
        e.contains("fails authentication") || e.contains("truncated"),
        "{e}"
    );
    let e = opened(&sealed[..40], &keys).unwrap_err();
    assert!(e.contains("age header"), "{e}");
}

#[test]
fn a_header_past_the_limit_is_refused_at_once() {
    let dir = TempRoot::new();
    let k = age::x25519::Identity::generate();
    let keys = keyring(&dir, "k", &[&k]);
    let mut hostile = b"age-encryption.org/v1\n".to_vec();
    while hostile.len() < 4 << 20 {
        hostile.extend_from_slice(b"-> X25519 AAAA\nAAAA\n");
    }
    let t = std::time::Instant::now();
    let e = opened(&hostile, &keys).unwrap_err();
    assert!(e.contains("longer than 64 KiB"), "{e}");
    assert!(t.elapsed().as_secs() < 2, "{:?}", t.elapsed());
}

#[test]
fn identity_files_name_the_line_never_its_content() {
    let refused = |text: &[u8]| identities::parse(text).err().expect("refused").to_string();
    let e = refused(b"# ok\nAGE-SECRET-KEY-1NOTREALLY\n");
    assert_eq!(e, "line 2: not an age X25519 identity (AGE-SECRET-KEY-1…)");
    assert!(refused(b"# nothing\n").contains("no age identity"));
    assert!(refused(b"ssh-ed25519 AAAA x\n").contains("SSH key"));
    assert!(refused(b"age-encryption.org/v1\n-> scrypt x 18\n").contains("passphrase-protected"));
    let (text, public) = identities::generate("2026-12-07T05:00:00Z");
    assert!(text.starts_with(&format!(
        "# created: 2026-12-07T05:00:00Z\n# public key: {public}\nAGE-SECRET-KEY-1"
    )));
    let keys = identities::parse(text.as_bytes()).unwrap();
    assert_eq!(keys[0].to_public(), public);
}

#[test]
fn keygen_writes_a_private_file_and_never_replaces_one() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempRoot::new();
    let path = dir.path().join("me.key");
    let public = identities::keygen(&path).unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let keys = Keyring::load(std::slice::from_ref(&path)).ok().unwrap();
    assert_eq!(keys.recipients(), [public]);
    let before = std::fs::read(&path).unwrap();
    let e = identities::keygen(&path).unwrap_err().to_string();
    assert!(e.contains("never replaces an identity"), "{e}");
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn an_endless_armored_line_is_refused_early() {
    let dir = TempRoot::new();
    let k = age::x25519::Identity::generate();
    let keys = keyring(&dir, "k", &[&k]);
    let mut hostile = b"-----BEGIN AGE ENCRYPTED FILE-----\n".to_vec();
    hostile.extend(std::iter::repeat_n(b'A', 64 << 20));
    let e = opened(&hostile, &keys).err().unwrap();
    assert!(e.contains("armored line longer than 1024 bytes"), "{e}");
}
