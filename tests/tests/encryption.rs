//! Bundles encrypted for the analyst, both ways with Debian's `age`:
//! `lift-probe --encrypt-to` writes an age file that `age -d` opens and
//! that lift reads with `--identity` (or `LIFT_IDENTITY`) as it reads the
//! plain bundle; what `age -r`, `age -R` and `age -a` encrypt, lift reads;
//! `lift keygen`'s identity opens what age encrypts and age-keygen's opens
//! what the probe encrypts. A missing or wrong identity and a damaged file
//! are one clear error each (exit 2), never a panic, and the reader's
//! limits hold for the plaintext of an encrypted bundle.

use std::path::Path;
use std::process::{Command, Output};

use lift_tests::*;

fn have_age() -> bool {
    require(
        on_path("age") && on_path("age-keygen"),
        "needs Debian's age (age, age-keygen): scripts/setup-test-deps.sh",
    )
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// `age-keygen -o FILE`, and the recipient.
fn age_keygen(file: &Path) -> String {
    ok(&run(Command::new("age-keygen").arg("-o").arg(file)));
    ok(&run(Command::new("age-keygen").arg("-y").arg(file)))
        .trim()
        .to_string()
}

/// `lift keygen -o FILE`, and the recipient it prints.
fn lift_keygen(file: &Path) -> String {
    ok(&lift(&["keygen", "-o", p(file)])).trim().to_string()
}

/// `age -d -i IDENTITY IN > OUT`.
fn age_decrypt(identity: &Path, input: &Path, out: &Path) {
    ok(&run(Command::new("age")
        .arg("-d")
        .arg("-i")
        .arg(identity)
        .arg("-o")
        .arg(out)
        .arg(input)));
}

/// `lift report --format json` with these extra arguments (an identity),
/// parsed, without what names the input file.
fn report(input: &Path, extra: &[&str]) -> serde_json::Value {
    let o = lift(&[&["report", p(input), "--format", "json"], extra].concat());
    let mut r: serde_json::Value = serde_json::from_str(&ok(&o)).expect("JSON");
    r["bundle"]["path"] = serde_json::Value::Null;
    r["collection"]["path"] = serde_json::Value::Null;
    r
}

/// The JSON paths where two reports differ (empty when they are equal).
fn differences(a: &serde_json::Value, b: &serde_json::Value) -> Vec<String> {
    use serde_json::Value;
    fn walk(a: &Value, b: &Value, at: String, out: &mut Vec<String>) {
        match (a, b) {
            (Value::Object(x), Value::Object(y)) => {
                for k in x.keys().chain(y.keys().filter(|k| !x.contains_key(*k))) {
                    let none = Value::Null;
                    let (u, v) = (x.get(k).unwrap_or(&none), y.get(k).unwrap_or(&none));
                    walk(u, v, format!("{at}.{k}"), out);
                }
            }
            (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
                for (i, (u, v)) in x.iter().zip(y).enumerate() {
                    walk(u, v, format!("{at}[{i}]"), out);
                }
            }
            _ if a != b => out.push(format!("{at}: {a} / {b}")),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(a, b, String::new(), &mut out);
    out
}

fn assert_same(a: &serde_json::Value, b: &serde_json::Value, what: &str) {
    let d = differences(a, b);
    assert!(d.is_empty(), "{what}: {d:#?}");
}

/// What two probe runs of one root share: the report less the run's own
/// time and timings, and the free space of this machine's disks (statvfs
/// is live even with --root).
fn facts(mut r: serde_json::Value) -> serde_json::Value {
    r["bundle"]["collected_at"] = serde_json::Value::Null;
    r["collection"] = serde_json::Value::Null;
    for m in r["host"]["mounts"].as_array_mut().into_iter().flatten() {
        for live in ["avail_bytes", "free_bytes", "used_bytes"] {
            m[live] = serde_json::Value::Null;
        }
    }
    r
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// An error: exit 2, one line naming the file, no panic.
fn refused(o: &Output, file: &Path, says: &str) {
    let e = stderr(o);
    assert_eq!(o.status.code(), Some(2), "{e}");
    assert!(e.contains(p(file)), "does not name {}: {e}", file.display());
    assert!(e.contains(says), "does not say {says:?}: {e}");
    assert!(!e.contains("panicked"), "{e}");
}

#[test]
fn the_probe_encrypts_for_age_and_lift_reads_it_as_the_plain_bundle() {
    if !have_age() {
        return;
    }
    let s = Scratch::new("enc-probe");
    let key = s.join("analyst.txt");
    let r = age_keygen(&key);
    let root = fixture("debian12-systemd");
    let sealed = s.join("host.lift.age");
    let o = probe(Some(&root), &sealed, &["--encrypt-to", &r]);
    assert!(
        stderr(&o).contains("encrypted for 1 recipient"),
        "{}",
        stderr(&o)
    );
    let bytes = std::fs::read(&sealed).unwrap();
    assert!(bytes.starts_with(b"age-encryption.org/v1\n-> X25519 "));
    // Nothing in plain text: not the magic, the host name, a file's
    // content, nor the footer's spec ids and redaction paths.
    for plain in [
        &b"LIFTBNDL"[..],
        b"deb12-web",
        b"/etc/os-release",
        b"os-release",
        b"Debian GNU/Linux",
    ] {
        assert!(
            !contains(&bytes, plain),
            "{}",
            String::from_utf8_lossy(plain)
        );
    }
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&sealed).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);

    // age opens it; lift reads what age decrypted, and the encrypted file
    // with the identity, alike; and alike an unencrypted run of the root.
    let opened = s.join("opened.lift");
    age_decrypt(&key, &sealed, &opened);
    let by_age = report(&opened, &[]);
    let by_lift = report(&sealed, &["--identity", p(&key)]);
    assert_same(&by_age, &by_lift, "age -d, then lift; lift --identity");
    assert_eq!(by_lift["bundle"]["complete"], true);
    let plain = s.join("plain.lift");
    probe(Some(&root), &plain, &["-q"]);
    assert_same(
        &facts(report(&plain, &[])),
        &facts(by_lift),
        "an unencrypted run; an encrypted one",
    );

    // Every reader of a bundle takes it: check, diff, bundle ls, cat,
    // verify, to-json.
    let id = ["--identity", p(&key)];
    let check = lift(&[&["check", p(&sealed)], &id[..]].concat());
    assert!(
        matches!(check.status.code(), Some(0 | 1 | 3)),
        "{}",
        stderr(&check)
    );
    let diff = lift(
        &[
            &["diff", p(&plain), p(&sealed), "--format", "json"],
            &id[..],
        ]
        .concat(),
    );
    ok(&diff);
    assert!(
        ok(&lift(&[&["bundle", "ls", p(&sealed)], &id[..]].concat())).contains("/etc/os-release")
    );
    assert_eq!(
        ok(&lift(
            &[&["bundle", "cat", p(&sealed), "/etc/os-release"], &id[..]].concat()
        )),
        std::fs::read_to_string(root.join("etc/os-release")).unwrap()
    );
    assert!(ok(&lift(
        &[&["bundle", "verify", p(&sealed)], &id[..]].concat()
    ))
    .contains("ok,"));
    assert_eq!(
        ok(&lift(
            &[&["bundle", "to-json", p(&sealed)], &id[..]].concat()
        )),
        ok(&lift(&["bundle", "to-json", p(&opened)]))
    );
}

#[test]
fn what_age_encrypts_lift_reads_binary_armored_and_by_recipients_file() {
    if !have_age() {
        return;
    }
    let s = Scratch::new("enc-age");
    let plain = s.join("plain.lift");
    probe(Some(&fixture("centos6-sysv")), &plain, &["-q"]);
    let expected = report(&plain, &[]);
    // lift keygen's identity, used by age as well as by lift.
    let key = s.join("lift.key");
    let r = lift_keygen(&key);
    assert!(r.starts_with("age1"), "{r}");
    let recipients = s.join("recipients.txt");
    std::fs::write(&recipients, format!("# the analyst\n{r}\n")).unwrap();
    for (name, how) in [
        ("r.lift.age", vec!["-r", &r]),
        ("R.lift.age", vec!["-R", p(&recipients)]),
        ("a.lift.age", vec!["-a", "-r", &r]),
    ] {
        let sealed = s.join(name);
        ok(&run(Command::new("age")
            .args(&how)
            .arg("-o")
            .arg(&sealed)
            .arg(&plain)));
        assert_same(
            &report(&sealed, &["--identity", p(&key)]),
            &expected,
            &format!("age {how:?}"),
        );
        // And age opens it with lift keygen's identity.
        let back = s.join(&format!("{name}.back"));
        age_decrypt(&key, &sealed, &back);
        assert_eq!(
            std::fs::read(&back).unwrap(),
            std::fs::read(&plain).unwrap()
        );
    }
    assert!(std::fs::read_to_string(s.join("a.lift.age"))
        .unwrap()
        .starts_with("-----BEGIN AGE ENCRYPTED FILE-----"));
}

#[test]
fn lift_keygen_writes_age_keygens_format_privately_and_never_twice() {
    if !have_age() {
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    let s = Scratch::new("enc-keygen");
    let key = s.join("me.key");
    let r = lift_keygen(&key);
    let text = std::fs::read_to_string(&key).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("# created: 20"), "{text}");
    assert_eq!(lines[1], format!("# public key: {r}"));
    assert!(lines[2].starts_with("AGE-SECRET-KEY-1"));
    assert_eq!(
        std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // age-keygen derives the same recipient from it.
    let derived = ok(&run(Command::new("age-keygen").arg("-y").arg(&key)));
    assert_eq!(derived.trim(), r);
    // Never over an existing identity.
    let again = lift(&["keygen", "-o", p(&key)]);
    refused(&again, &key, "never replaces an identity");
    assert_eq!(std::fs::read_to_string(&key).unwrap(), text);
    // Without -o: the identity on stdout, the recipient on stderr, as
    // age-keygen does.
    let o = lift(&["keygen"]);
    let out = ok(&o);
    assert!(out.contains("AGE-SECRET-KEY-1"), "{out}");
    let public = stderr(&o);
    let shown = public
        .trim()
        .strip_prefix("Public key: ")
        .expect("Public key:");
    assert!(out.contains(&format!("# public key: {shown}")), "{out}");
}

#[test]
fn either_of_two_recipients_opens_the_bundle() {
    if !have_age() {
        return;
    }
    let s = Scratch::new("enc-two");
    let (k1, k2) = (s.join("one.txt"), s.join("two.key"));
    let (r1, r2) = (age_keygen(&k1), lift_keygen(&k2));
    let sealed = s.join("x.lift.age");
    let o = probe(
        Some(&fixture("ubuntu1404-upstart")),
        &sealed,
        &["--encrypt-to", &r1, "--encrypt-to", &r2],
    );
    assert!(stderr(&o).contains("encrypted for 2 recipients"));
    let a = report(&sealed, &["--identity", p(&k1)]);
    assert_same(&report(&sealed, &["--identity", p(&k2)]), &a, "second key");
    for k in [&k1, &k2] {
        age_decrypt(k, &sealed, &s.join("back.lift"));
    }
    // Several identity files, one of which opens it.
    let other = s.join("other.key");
    lift_keygen(&other);
    assert_same(
        &report(&sealed, &["--identity", p(&other), "--identity", p(&k2)]),
        &a,
        "two identity files",
    );
}

#[test]
fn no_identity_a_wrong_one_and_damage_are_clear_errors() {
    if !have_age() {
        return;
    }
    let s = Scratch::new("enc-errors");
    let key = s.join("k.key");
    let r = lift_keygen(&key);
    let sealed = s.join("x.lift.age");
    probe(
        Some(&fixture("centos6-sysv")),
        &sealed,
        &["-q", "--encrypt-to", &r],
    );
    let id = ["--identity", p(&key)];

    // No identity: every reader says the file is encrypted and how to
    // pass the identity.
    for cmd in [
        vec!["report", p(&sealed)],
        vec!["check", p(&sealed)],
        vec!["bundle", "ls", p(&sealed)],
        vec!["bundle", "to-json", p(&sealed)],
    ] {
        let o = Command::new(bin("lift"))
            .args(&cmd)
            .env_remove("LIFT_IDENTITY")
            .output()
            .unwrap();
        refused(&o, &sealed, "encrypted for an analyst");
        assert!(stderr(&o).contains("--identity FILE"), "{}", stderr(&o));
    }
    let o = lift(&["bundle", "verify", p(&sealed)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(ok_or_out(&o).contains("encrypted for an analyst"));

    // The wrong identity.
    let other = s.join("other.key");
    lift_keygen(&other);
    refused(
        &lift(&["report", p(&sealed), "--identity", p(&other)]),
        &sealed,
        "encrypted for other recipients",
    );
    // An identity file that is not one, or is missing.
    let junk = s.join("junk.key");
    std::fs::write(&junk, "# mine\nAGE-SECRET-KEY-1NOPE\n").unwrap();
    let o = lift(&["report", p(&sealed), "--identity", p(&junk)]);
    refused(&o, &junk, "line 2: not an age X25519 identity");
    assert!(!stderr(&o).contains("NOPE"), "echoes the key line");
    refused(
        &lift(&[
            "report",
            p(&sealed),
            "--identity",
            p(&s.join("missing.key")),
        ]),
        &s.join("missing.key"),
        "No such file",
    );

    // Cut short (inside a chunk, at the header), and one byte altered.
    let bytes = std::fs::read(&sealed).unwrap();
    let cut = s.join("cut.lift.age");
    std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let o = lift(&[&["report", p(&cut)], &id[..]].concat());
    refused(&o, &cut, "");
    assert!(
        stderr(&o).contains("fails authentication") || stderr(&o).contains("truncated"),
        "{}",
        stderr(&o)
    );
    let head = s.join("head.lift.age");
    std::fs::write(&head, &bytes[..60]).unwrap();
    refused(
        &lift(&[&["report", p(&head)], &id[..]].concat()),
        &head,
        "age header",
    );
    let mut altered = bytes.clone();
    let at = bytes.len() - 100;
    altered[at] ^= 0x20;
    let bad = s.join("altered.lift.age");
    std::fs::write(&bad, &altered).unwrap();
    refused(
        &lift(&[&["report", p(&bad)], &id[..]].concat()),
        &bad,
        "fails authentication",
    );
    let o = lift(&[&["bundle", "verify", p(&bad)], &id[..]].concat());
    assert_eq!(o.status.code(), Some(2));
    assert!(
        ok_or_out(&o).contains("fails authentication"),
        "{}",
        ok_or_out(&o)
    );

    // An age file whose content is not a bundle.
    let text = s.join("text.age");
    let plain = s.join("text.txt");
    std::fs::write(&plain, "hello\n").unwrap();
    ok(&run(Command::new("age")
        .arg("-r")
        .arg(&r)
        .arg("-o")
        .arg(&text)
        .arg(&plain)));
    refused(
        &lift(&[&["report", p(&text)], &id[..]].concat()),
        &text,
        "decrypted, it is not a lift bundle",
    );
}

/// stdout and stderr together (verify reports on stdout).
fn ok_or_out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned() + &stderr(o)
}

#[test]
fn lift_identity_names_the_files_and_the_flag_replaces_it() {
    if !have_age() {
        return;
    }
    let s = Scratch::new("enc-env");
    let (k1, k2) = (s.join("a.key"), s.join("b.key"));
    lift_keygen(&k1);
    let r2 = lift_keygen(&k2);
    let sealed = s.join("x.lift.age");
    probe(
        Some(&fixture("centos6-sysv")),
        &sealed,
        &["-q", "--encrypt-to", &r2],
    );
    let with_env = |value: &str, extra: &[&str]| {
        Command::new(bin("lift"))
            .args([&["check", p(&sealed)], extra].concat())
            .env("LIFT_IDENTITY", value)
            .output()
            .unwrap()
    };
    assert!(matches!(
        with_env(p(&k2), &[]).status.code(),
        Some(0 | 1 | 3)
    ));
    // Several files, separated by `:`.
    let both = format!("{}:{}", p(&k1), p(&k2));
    assert!(matches!(
        with_env(&both, &[]).status.code(),
        Some(0 | 1 | 3)
    ));
    refused(
        &with_env(p(&k1), &[]),
        &sealed,
        "encrypted for other recipients",
    );
    // --identity replaces LIFT_IDENTITY.
    let o = with_env(p(&k2), &["--identity", p(&k1)]);
    refused(&o, &sealed, "encrypted for other recipients");
    // A plain bundle never reads the identity files.
    let plain = s.join("plain.lift");
    probe(Some(&fixture("centos6-sysv")), &plain, &["-q"]);
    let o = Command::new(bin("lift"))
        .args(["check", p(&plain)])
        .env("LIFT_IDENTITY", p(&s.join("missing.key")))
        .output()
        .unwrap();
    assert!(matches!(o.status.code(), Some(0 | 1 | 3)), "{}", stderr(&o));
}

/// The batch's worker processes get the identity of `--identity`; without
/// it each encrypted bundle is one line of errors.jsonl saying why.
#[test]
fn batch_reads_a_folder_of_encrypted_bundles() {
    if !have_age() {
        return;
    }
    let s = Scratch::new("enc-batch");
    let key = s.join("k.key");
    let r = lift_keygen(&key);
    let input = s.join("in");
    std::fs::create_dir_all(&input).unwrap();
    for root in ["centos6-sysv", "debian12-systemd", "ubuntu1404-upstart"] {
        probe(
            Some(&fixture(root)),
            &input.join(format!("{root}.lift.age")),
            &["-q", "--encrypt-to", &r],
        );
    }
    let batch = |out: &Path, extra: &[&str]| {
        let o = Command::new(bin("lift"))
            .args([&["batch", p(&input), "-o", p(out), "--jobs", "2"], extra].concat())
            .env_remove("LIFT_IDENTITY")
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        stderr(&o)
    };
    let out = s.join("out");
    let said = batch(&out, &["--identity", p(&key)]);
    assert!(said.contains("3 bundles, 3 hosts, 0 unreadable"), "{said}");
    let errors = std::fs::read_to_string(out.join("errors.jsonl")).unwrap_or_default();
    assert!(errors.trim().is_empty(), "{errors}");

    let none = s.join("none");
    let said = batch(&none, &[]);
    assert!(said.contains("3 unreadable"), "{said}");
    let errors = std::fs::read_to_string(none.join("errors.jsonl")).unwrap();
    assert_eq!(errors.lines().count(), 3, "{errors}");
    assert!(errors.contains("encrypted for an analyst"), "{errors}");
}

/// `lift bundle redact` of an encrypted bundle: the copy is plain unless
/// --encrypt-to names recipients, and the map, which holds the names the
/// encryption hid, is encrypted to the identity that opened the bundle.
#[test]
fn redacting_an_encrypted_bundle_leaves_no_decrypted_name_on_disk() {
    if !have_age() {
        return;
    }
    let s = Scratch::new("enc-redact");
    let key = s.join("k.key");
    let r = lift_keygen(&key);
    let sealed = s.join("x.lift.age");
    probe(
        Some(&fixture("debian12-systemd")),
        &sealed,
        &["-q", "--encrypt-to", &r],
    );
    let (copy, map) = (s.join("copy.lift"), s.join("copy.map.json"));
    let o = lift(&[
        "bundle",
        "redact",
        p(&sealed),
        "-o",
        p(&copy),
        "--map",
        p(&map),
        "--identity",
        p(&key),
    ]);
    ok(&o);
    assert!(stderr(&o).contains("not encrypted"), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("encrypted to your identity"),
        "{}",
        stderr(&o)
    );
    // The copy reads without an identity; the map does not hold a name in
    // plain text, and age opens it with the identity.
    ok(&lift(&["bundle", "verify", p(&copy)]));
    let sealed_map = std::fs::read(&map).unwrap();
    assert!(sealed_map.starts_with(b"age-encryption.org/v1\n"));
    assert!(!contains(&sealed_map, b"deb12-web"));
    let opened = s.join("map.json");
    age_decrypt(&key, &map, &opened);
    let m: serde_json::Value = serde_json::from_slice(&std::fs::read(&opened).unwrap()).unwrap();
    assert!(
        m["hosts"].as_object().unwrap().contains_key("deb12-web"),
        "{m}"
    );
    // The map is read back (decrypted) for the next bundle of the fleet,
    // and the copy can be encrypted for someone else.
    let (k2, copy2) = (s.join("vendor.key"), s.join("copy2.lift.age"));
    let r2 = lift_keygen(&k2);
    let o = lift(&[
        "bundle",
        "redact",
        p(&sealed),
        "-o",
        p(&copy2),
        "--map",
        p(&map),
        "--identity",
        p(&key),
        "--encrypt-to",
        &r2,
    ]);
    ok(&o);
    assert!(std::fs::read(&copy2)
        .unwrap()
        .starts_with(b"age-encryption.org/v1\n"));
    assert_same(
        &report(&copy2, &["--identity", p(&k2)])["host"],
        &report(&copy, &[])["host"],
        "encrypted copy; plain copy",
    );
    let o = lift(&[
        "bundle",
        "redact",
        p(&sealed),
        "-o",
        p(&copy),
        "--encrypt-to",
        "age1nope",
    ]);
    assert_eq!(o.status.code(), Some(64), "{}", stderr(&o));
}

/// The reader's limits hold for an encrypted bundle's plaintext: a bundle
/// of a million notes is refused encrypted as it is plain.
#[test]
fn the_readers_limits_hold_inside_an_encrypted_bundle() {
    if !have_age() {
        return;
    }
    let s = Scratch::new("enc-limits");
    let key = s.join("k.key");
    let r = lift_keygen(&key);
    let plain = s.join("notes.lift");
    lift_tests::hostile::note_flood(&plain, 1_000_000);
    let sealed = s.join("notes.lift.age");
    ok(&run(Command::new("age")
        .arg("-r")
        .arg(&r)
        .arg("-o")
        .arg(&sealed)
        .arg(&plain)));
    let o = lift(&["report", p(&sealed), "--identity", p(&key)]);
    refused(&o, &sealed, "more than 200000 note records");
}

/// The probe's failures with --encrypt-to: a recipient that is not one is
/// a usage error before anything is written; a write that fails is an
/// error (exit 1), not a panic.
#[test]
fn the_probe_refuses_a_bad_recipient_and_says_when_a_write_fails() {
    let s = Scratch::new("enc-probe-errors");
    let out = s.join("x.lift.age");
    let o = run(Command::new(bin("lift-probe"))
        .args(["--root", p(&fixture("centos6-sysv")), "-o", p(&out)])
        .args(["--encrypt-to", "age1notarecipient"]));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("not an age X25519 recipient"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists());
    let key = s.join("k.key");
    let r = lift_keygen(&key);
    let o = run(Command::new(bin("lift-probe"))
        .args(["--root", p(&fixture("centos6-sysv")), "-o", "/dev/full"])
        .args(["--encrypt-to", &r]));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("writing the bundle"), "{}", stderr(&o));
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
}
