//! One test per rule of the table, each with the file form it was written
//! for, and a guard that every rule is tested and documented.

use super::*;

/// The content of `path` after scrubbing, and the rules that fired.
fn scrubbed(path: &str, content: &str) -> (String, Vec<&'static str>) {
    match scrub(path.as_bytes(), content.as_bytes()) {
        Outcome::Clean => (content.into(), Vec::new()),
        Outcome::Withheld(rule) => (String::new(), vec![rule]),
        Outcome::Scrubbed(out, counts) => (
            String::from_utf8(out).unwrap(),
            counts.into_iter().map(|(r, _)| r).collect(),
        ),
    }
}

/// Asserts `rule` fires on `content` at `path`, no `secret` remains, and
/// the output is `expect` exactly (lines, keys and line ends kept).
#[track_caller]
fn pins(rule: &str, path: &str, content: &str, secrets: &[&str], expect: &str) {
    let (out, rules) = scrubbed(path, content);
    assert!(
        rules.contains(&rule),
        "{rule} did not fire on {path}: {rules:?}\n{out}"
    );
    for s in secrets {
        assert!(!out.contains(s), "{s} left in {path}:\n{out}");
    }
    assert_eq!(out, expect, "{path}");
}

#[track_caller]
fn untouched(path: &str, content: &str) {
    assert_eq!(
        scrubbed(path, content),
        (content.to_string(), vec![]),
        "{path}"
    );
}

const TESTED: &[&str] = &[
    "pem-private-key",
    "pgp-private-key",
    "putty-private-key",
    "openvpn-static-key",
    "network-secret-key",
    "nm-vpn-secrets",
    "mount-credentials",
    "mysql-p",
    "sshpass-p",
    "curl-user",
    "url-password",
    "service-secret",
    "boot-password",
    "redis-acl-password",
    "cloud-init-password",
    "cloud-init-chpasswd",
    "secret-key",
    "secret-key-block",
    "tool-secret",
    "postfix-password-map",
];

#[test]
fn every_rule_is_tested_and_documented() {
    let ids: Vec<_> = RULES.iter().map(|r| r.id).collect();
    assert_eq!(ids, TESTED);
    let security = include_str!("../../../SECURITY.md");
    for id in ids {
        assert!(
            security.contains(&format!("`{id}`")),
            "{id} not in SECURITY.md"
        );
    }
}

#[test]
fn families_by_path() {
    for (path, fam) in [
        (
            "/etc/NetworkManager/system-connections/wg0.nmconnection",
            Some(Family::Network),
        ),
        ("/etc/network/interfaces", Some(Family::Network)),
        ("/etc/dhclient-eth0.conf", Some(Family::Network)),
        ("/etc/fstab", Some(Family::Mounts)),
        ("/etc/auto.smb", Some(Family::Mounts)),
        (
            "/etc/systemd/system/app.service.d/override.conf",
            Some(Family::Units),
        ),
        ("/etc/rc.d/rc.local", Some(Family::Scripts)),
        ("/var/spool/cron/crontabs/root", Some(Family::Scripts)),
        ("/boot/grub2/grub.cfg", Some(Family::Boot)),
        ("/etc/cloud/cloud.cfg", Some(Family::CloudInit)),
        ("/proc/42/cmdline", Some(Family::Cmdline)),
        ("/proc/cmdline", None),
        ("/etc/nsswitch.conf", Some(Family::Tables)),
        ("/etc/hosts", Some(Family::Tables)),
        ("/etc/sssd/sssd.conf", Some(Family::Services)),
        (
            "/etc/iscsi/nodes/iqn.x/10.0.0.9,3260,1/default",
            Some(Family::Services),
        ),
        ("/etc/yum.repos.d/internal.repo", Some(Family::Services)),
        ("/etc/ntp.conf", None),
    ] {
        assert_eq!(family(path.as_bytes()), fam, "{path}");
    }
}

#[test]
fn never_captured_paths() {
    assert!(never_capture(b"/etc/shadow"));
    assert!(never_capture(b"/etc/gshadow"));
    assert!(never_capture(b"/etc/ssh/ssh_host_ed25519_key"));
    assert!(!never_capture(b"/etc/ssh/ssh_host_ed25519_key.pub"));
    assert!(never_capture(b"/etc/pki/tls/private/server.key"));
    assert!(never_capture(b"/root/.putty/admin.ppk"));
    assert!(never_capture(b"/proc/42/environ"));
    assert!(!never_capture(b"/etc/passwd"));
    assert!(never_capture(b"/etc/postfix/sasl_passwd"));
    assert!(never_capture(b"/etc/postfix/sasl_passwd.db"));
    assert!(never_capture(b"/etc/krb5.keytab"));
    assert!(never_capture(b"/var/lib/samba/private/secrets.tdb"));
    assert!(never_capture(b"/etc/samba/smbpasswd"));
    assert!(never_capture(b"/etc/apt/auth.conf.d/internal.conf"));
    assert!(never_capture(b"/etc/ldap.secret"));
    assert!(!never_capture(b"/etc/postfix/main.cf"));
    for secret_only in [
        "/etc/ppp/chap-secrets",
        "/etc/ppp/pap-secrets",
        "/etc/ipsec.secrets",
        "/etc/strongswan/ipsec.secrets",
        "/etc/rsyncd.secrets",
        "/etc/passwd-s3fs",
        "/root/.passwd-s3fs",
        "/etc/credstore/db.password",
        "/etc/credstore.encrypted/db.password",
        "/etc/nginx/.htpasswd",
        "/etc/davfs2/secrets",
        "/etc/exim4/passwd.client",
        "/etc/mysql/debian.cnf",
        "/etc/chrony/chrony.keys",
        "/etc/ssl/private/site.pem",
        "/etc/letsencrypt/live/x/privkey.pem",
        "/root/.pgpass",
        "/root/.netrc",
    ] {
        assert!(never_capture(secret_only.as_bytes()), "{secret_only}");
    }
    assert!(!never_capture(b"/etc/ppp/options"));
    assert!(!never_capture(b"/etc/mysql/my.cnf"));
}

#[test]
fn pem_private_key() {
    let c = "x\n-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n";
    assert_eq!(scrubbed("/etc/x", c).1, ["pem-private-key"]);
    assert_eq!(
        scrubbed("/etc/x", "-----BEGIN RSA PRIVATE KEY-----").1,
        ["pem-private-key"]
    );
    untouched("/etc/x", "-----BEGIN CERTIFICATE-----\nMIIB\n");
}

#[test]
fn pgp_private_key() {
    let c =
        "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBGN\n-----END PGP PRIVATE KEY BLOCK-----\n";
    assert_eq!(scrubbed("/etc/cloud/cloud.cfg", c).1, ["pgp-private-key"]);
    untouched("/etc/x", "-----BEGIN PGP PUBLIC KEY BLOCK-----\nmQ\n");
}

#[test]
fn putty_private_key() {
    // The layout PuTTYgen writes (version 3).
    let c = "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: eddsa-key\nPublic-Lines: 2\nAAAAC3Nz\nAAAAIB\nPrivate-Lines: 1\nAAAAIGs\nPrivate-MAC: 7c1b\n";
    assert_eq!(scrubbed("/etc/init.d/x", c).1, ["putty-private-key"]);
}

#[test]
fn openvpn_static_key() {
    let c =
        "-----BEGIN OpenVPN Static key V1-----\ne5e4d6af\n-----END OpenVPN Static key V1-----\n";
    assert_eq!(scrubbed("/etc/dhcp/x", c).1, ["openvpn-static-key"]);
}

#[test]
fn network_secret_key() {
    let r = "network-secret-key";
    // NetworkManager: Wi-Fi, 802.1x, WireGuard; the -flags keys stay.
    pins(
        r,
        "/etc/NetworkManager/system-connections/office.nmconnection",
        "[wifi-security]\nkey-mgmt=wpa-psk\npsk=hunter2secret\npsk-flags=0\n\n[802-1x]\npassword=alsosecret\nidentity=bob\n",
        &["hunter2secret", "alsosecret"],
        "[wifi-security]\nkey-mgmt=wpa-psk\npsk=<redacted>\npsk-flags=0\n\n[802-1x]\npassword=<redacted>\nidentity=bob\n",
    );
    pins(
        r,
        "/etc/NetworkManager/system-connections/wg0.nmconnection",
        "[wireguard]\nprivate-key=WGPRIVKEY=\n\n[wireguard-peer.PUBKEY=]\npreshared-key=WGPSK=\nallowed-ips=0.0.0.0/0;\n",
        &["WGPRIVKEY", "WGPSK"],
        "[wireguard]\nprivate-key=<redacted>\n\n[wireguard-peer.PUBKEY=]\npreshared-key=<redacted>\nallowed-ips=0.0.0.0/0;\n",
    );
    // wpa_supplicant, commented-out secrets too.
    pins(
        r,
        "/etc/wpa_supplicant/wpa_supplicant.conf",
        "network={\n    ssid=\"x\"\n    psk=\"secret1\"\n    #psk=\"old\"\n    key_mgmt=WPA-PSK\n}\n",
        &["secret1", "old"],
        "network={\n    ssid=\"x\"\n    psk=<redacted>\n    #psk=<redacted>\n    key_mgmt=WPA-PSK\n}\n",
    );
    // netplan: Wi-Fi password and WireGuard keys, block and flow forms.
    pins(
        r,
        "/etc/netplan/50-wg.yaml",
        "network:\n  tunnels:\n    wg0:\n      mode: wireguard\n      key: NPKEY1\n      peers:\n        - keys:\n            public: PUB\n            shared: NPSHARED\n        - keys: {public: PUB2, shared: NPSHARED2}\n  wifis:\n    wlan0:\n      access-points:\n        home:\n          password: \"NPWIFI\"\n",
        &["NPKEY1", "NPSHARED", "NPWIFI"],
        "network:\n  tunnels:\n    wg0:\n      mode: wireguard\n      key: <redacted>\n      peers:\n        - keys:\n            public: PUB\n            shared: <redacted>\n        - keys: {public: PUB2, shared: <redacted>}\n  wifis:\n    wlan0:\n      access-points:\n        home:\n          password: <redacted>\n",
    );
    pins(
        r,
        "/etc/netplan/51-wg.yaml",
        "      keys:\n        private: NPPRIV\n",
        &["NPPRIV"],
        "      keys:\n        private: <redacted>\n",
    );
    // ifupdown, with CRLF line ends kept.
    pins(
        r,
        "/etc/network/interfaces",
        "iface wlan0 inet dhcp\r\n    wpa-ssid home\r\n    wpa-psk IFPSK\r\n    wpa-password IFPW\r\n",
        &["IFPSK", "IFPW"],
        "iface wlan0 inet dhcp\r\n    wpa-ssid home\r\n    wpa-psk <redacted>\r\n    wpa-password <redacted>\r\n",
    );
    // systemd-networkd .netdev; the -File keys name a path, kept.
    pins(
        r,
        "/etc/systemd/network/wg0.netdev",
        "[WireGuard]\nPrivateKey=NDPRIV\nPrivateKeyFile=/etc/wg.key\n[WireGuardPeer]\nPresharedKey=NDPSK\n",
        &["NDPRIV", "NDPSK"],
        "[WireGuard]\nPrivateKey=<redacted>\nPrivateKeyFile=/etc/wg.key\n[WireGuardPeer]\nPresharedKey=<redacted>\n",
    );
    // dhclient's key statement keeps its semicolon.
    pins(
        r,
        "/etc/dhcp/dhclient.conf",
        "key ddns {\n  algorithm hmac-md5;\n  secret \"DHSECRET\";\n};\n",
        &["DHSECRET"],
        "key ddns {\n  algorithm hmac-md5;\n  secret <redacted>;\n};\n",
    );
    // SUSE ifcfg and Red Hat key files.
    pins(
        r,
        "/etc/sysconfig/network/ifcfg-wlan0",
        "WIRELESS_AUTH_MODE='psk'\nWIRELESS_KEY_0='SUSEKEY0'\nWIRELESS_KEY_LENGTH='128'\nWIRELESS_WPA_PSK='SUSEPSK'\n",
        &["SUSEKEY0", "SUSEPSK"],
        "WIRELESS_AUTH_MODE='psk'\nWIRELESS_KEY_0=<redacted>\nWIRELESS_KEY_LENGTH='128'\nWIRELESS_WPA_PSK=<redacted>\n",
    );
    pins(
        r,
        "/etc/sysconfig/network-scripts/keys-eth1",
        "KEY1=s:RHWEP\nWPA_PSK='RHPSK'\n",
        &["RHWEP", "RHPSK"],
        "KEY1=<redacted>\nWPA_PSK=<redacted>\n",
    );
}

/// nsswitch.conf's `passwd: files` is a database name, not a secret.
#[test]
fn nsswitch_passwd_is_not_a_secret() {
    untouched(
        "/etc/nsswitch.conf",
        "passwd:         files systemd\nshadow: files\n",
    );
}

#[test]
fn nm_vpn_secrets() {
    pins(
        "nm-vpn-secrets",
        "/etc/NetworkManager/system-connections/corp.nmconnection",
        "[vpn]\nservice-type=org.freedesktop.NetworkManager.openvpn\ncert-pass-flags=0\n\n[vpn-secrets]\ncert-pass=VPNCERTPASS\nXauth password=VPNXAUTH\n\n[ipv4]\nmethod=auto\n",
        &["VPNCERTPASS", "VPNXAUTH"],
        "[vpn]\nservice-type=org.freedesktop.NetworkManager.openvpn\ncert-pass-flags=0\n\n[vpn-secrets]\ncert-pass=<redacted>\nXauth password=<redacted>\n\n[ipv4]\nmethod=auto\n",
    );
}

#[test]
fn mount_credentials() {
    let r = "mount-credentials";
    pins(
        r,
        "/etc/fstab",
        "UUID=1 / ext4 defaults 0 1\n//nas/share /mnt/s cifs username=bob,password=FSTABPW,uid=1000 0 0\n//nas/b /mnt/b cifs credentials=/root/.smbcred,pass=FSTABPASS 0 0\n//nas/c /mnt/c cifs user=ann%FSTABPCT 0 0\n",
        &["FSTABPW", "FSTABPASS", "FSTABPCT"],
        "UUID=1 / ext4 defaults 0 1\n//nas/share /mnt/s cifs username=bob,password=<redacted>,uid=1000 0 0\n//nas/b /mnt/b cifs credentials=<redacted>,pass=<redacted> 0 0\n//nas/c /mnt/c cifs user=ann%<redacted> 0 0\n",
    );
    pins(
        r,
        "/etc/auto.smb",
        "share -fstype=cifs,username=bob,password=AUTOPW ://nas/share\n",
        &["AUTOPW"],
        "share -fstype=cifs,username=bob,<redacted> ://nas/share\n"
            .replace(",<", ",password=<")
            .as_str(),
    );
}

#[test]
fn secret_env() {
    let r = "secret-key";
    pins(
        r,
        "/etc/systemd/system/app.service.d/override.conf",
        "[Service]\nEnvironment=\"DB_PASSWORD=UNITPW\" \"LANG=C\"\nEnvironment=API_TOKEN=UNITTOK\nEnvironment=AWS_SECRET_ACCESS_KEY=UNITAWS\nEnvironment=KEYMAP=us\n",
        &["UNITPW", "UNITTOK", "UNITAWS"],
        "[Service]\nEnvironment=\"DB_PASSWORD=<redacted>\" \"LANG=C\"\nEnvironment=API_TOKEN=<redacted>\nEnvironment=AWS_SECRET_ACCESS_KEY=<redacted>\nEnvironment=KEYMAP=us\n",
    );
    pins(
        r,
        "/etc/cron.d/backup",
        "0 1 * * * root MYSQL_PWD=CRONPWD mysqldump db\n5 1 * * * root PGPASSWORD='PGPW' pg_dumpall\n",
        &["CRONPWD", "PGPW"],
        "0 1 * * * root MYSQL_PWD=<redacted> mysqldump db\n5 1 * * * root PGPASSWORD='<redacted>' pg_dumpall\n",
    );
    pins(
        r,
        "/etc/init.d/app",
        "#!/bin/sh\nexport AWS_SECRET_ACCESS_KEY=INITAWS\nPATH=/sbin:/bin\n",
        &["INITAWS"],
        "#!/bin/sh\nexport AWS_SECRET_ACCESS_KEY=<redacted>\nPATH=/sbin:/bin\n",
    );
}

#[test]
fn password_flag() {
    let r = "secret-key";
    pins(
        r,
        "/lib/systemd/system/app.service",
        "[Service]\nExecStart=/usr/bin/app --db-password=UNITFLAG --port=80\nExecStartPre=/usr/bin/app --token \"TOK EN\" -v\n",
        &["UNITFLAG", "TOK EN"],
        "[Service]\nExecStart=/usr/bin/app --db-password=<redacted> --port=80\nExecStartPre=/usr/bin/app --token \"<redacted>\" -v\n",
    );
    // A value at the end of a cron line keeps the line end: lines never merge.
    pins(
        r,
        "/etc/crontab",
        "5 * * * * app --password=CRONEND\n6 * * * * app --password CRONNEXT\n",
        &["CRONEND", "CRONNEXT"],
        "5 * * * * app --password=<redacted>\n6 * * * * app --password <redacted>\n",
    );
    untouched("/etc/crontab", "0 * * * * pg_dump --no-password db\n");
}

#[test]
fn mysql_p() {
    pins(
        "mysql-p",
        "/etc/rc.local",
        "mysqldump -uroot -pRCPW --all-databases > /b.sql\nsshd -p 22\n",
        &["RCPW"],
        "mysqldump -uroot -p<redacted> --all-databases > /b.sql\nsshd -p 22\n",
    );
}

#[test]
fn sshpass_p() {
    pins(
        "sshpass-p",
        "/etc/cron.d/sync",
        "* * * * * root sshpass -p SSHPW rsync -a x y:\n* * * * * root sshpass -pSSHPW2 ssh y\n",
        &["SSHPW"],
        "* * * * * root sshpass -p <redacted> rsync -a x y:\n* * * * * root sshpass -p<redacted> ssh y\n",
    );
}

#[test]
fn curl_user() {
    pins(
        "curl-user",
        "/etc/init/app.conf",
        "exec curl -u bob:CURLPW https://x/ && curl --user=ann:CURLPW2 -s x\n",
        &["CURLPW"],
        "exec curl -u bob:<redacted> https://x/ && curl --user=ann:<redacted> -s x\n",
    );
}

#[test]
fn url_password() {
    pins(
        "url-password",
        "/etc/crontab",
        "* * * * * root curl https://bob:URLPW@example.com/x?a=b\n",
        &["URLPW"],
        "* * * * * root curl https://bob:<redacted>@example.com/x?a=b\n",
    );
}

#[test]
fn process_command_lines() {
    let r = |s: &str| {
        let (out, rules) = scrubbed("/proc/42/cmdline", &s.replace(' ', "\0"));
        (out.replace('\0', " "), rules)
    };
    assert_eq!(
        r("mysqld --password=s3cret --port=3306").0,
        "mysqld --password=<redacted> --port=3306"
    );
    assert_eq!(
        r("/usr/bin/mysql -uroot -ps3cret db").0,
        "/usr/bin/mysql -uroot -p<redacted> db"
    );
    assert_eq!(
        r("app --db-password hunter2 -v").0,
        "app --db-password <redacted> -v"
    );
    assert_eq!(r("sshd -p 22").1, Vec::<&str>::new());
    assert_eq!(r("java -Dfoo=bar -jar x.jar").1, Vec::<&str>::new());
    // Arguments are not shell words: a quote is an ordinary byte.
    let (out, _) = scrubbed("/proc/1/cmdline", "sshpass\0-p\0it's\0ssh\0h\0");
    assert_eq!(out, "sshpass\0-p\0<redacted>\0ssh\0h\0");
}

#[test]
fn boot_password() {
    let r = "boot-password";
    // The generic layer takes the user with the password here.
    pins(
        "secret-key",
        "/boot/grub2/grub.cfg",
        "set superusers=\"root\"\npassword_pbkdf2 root grub.pbkdf2.sha512.10000.GRUBHASH\npassword admin GRUBPLAIN\n",
        &["GRUBHASH", "GRUBPLAIN"],
        "set superusers=\"root\"\npassword_pbkdf2 <redacted>\npassword <redacted>\n",
    );
    pins(
        r,
        "/boot/grub/menu.lst",
        "timeout 5\npassword --md5 $1$LEGACYHASH\n",
        &["LEGACYHASH"],
        "timeout 5\npassword --md5 <redacted>\n",
    );
    pins(
        r,
        "/boot/grub2/user.cfg",
        "GRUB2_PASSWORD=grub.pbkdf2.sha512.10000.USERCFG\n",
        &["USERCFG"],
        "GRUB2_PASSWORD=<redacted>\n",
    );
}

#[test]
fn cloud_init_password() {
    pins(
        "cloud-init-password",
        "/etc/cloud/cloud.cfg",
        "users:\n  - name: ops\n    lock_passwd: false\n    hashed_passwd: $6$CLOUDHASH\n    plain_text_passwd: CLOUDPLAIN\npassword: CLOUDTOP\nssh_pwauth: true\n",
        &["CLOUDHASH", "CLOUDPLAIN", "CLOUDTOP"],
        "users:\n  - name: ops\n    lock_passwd: false\n    hashed_passwd: <redacted>\n    plain_text_passwd: <redacted>\npassword: <redacted>\nssh_pwauth: true\n",
    );
}

#[test]
fn cloud_init_chpasswd() {
    let r = "cloud-init-chpasswd";
    pins(
        r,
        "/etc/cloud/cloud.cfg",
        "chpasswd:\n  list: |\n    root:CHROOT\n    ops:CHOPS\n  expire: False\nruncmd:\n  - [ls, -l]\n",
        &["CHROOT", "CHOPS"],
        "chpasswd:\n  list: |\n    root:<redacted>\n    ops:<redacted>\n  expire: False\nruncmd:\n  - [ls, -l]\n",
    );
    pins(
        r,
        "/etc/cloud/cloud.cfg",
        "chpasswd:\n  expire: false\n  list:\n  - root:CHLIST\n  - \"ops:CHQUOTED\"\ntimezone: UTC\n",
        &["CHLIST", "CHQUOTED"],
        "chpasswd:\n  expire: false\n  list:\n  - root:<redacted>\n  - \"ops:<redacted>\"\ntimezone: UTC\n",
    );
}

#[test]
fn overlapping_finds_are_one_mark() {
    // The URL's password lies inside the secret variable's value.
    let (out, rules) = scrubbed("/etc/crontab", "* * * * * a SECRET=https://u:PW@h/ b\n");
    assert_eq!(out, "* * * * * a SECRET=<redacted> b\n");
    assert_eq!(rules, ["secret-key"]);
}

/// Hostile input: one crontab line of 200,000 words after `curl` and
/// `mysql` costs linear time, not a scan of every earlier word per word.
#[test]
fn a_huge_line_is_linear() {
    // A ratio, not a time, so a loaded machine does not fail it: eight times
    // the flags take at most 24 times as long (quadratic: 64), best of three.
    let took = |n: usize| {
        let mut line = String::from("* * * * * root curl mysql sshpass");
        for _ in 0..n {
            line.push_str(" -px");
        }
        (0..3)
            .map(|_| {
                let t = std::time::Instant::now();
                let (out, rules) = scrubbed("/var/spool/cron/root", &line);
                let took = t.elapsed();
                assert!(rules.contains(&"mysql-p") && !out.contains("-px "));
                took
            })
            .min()
            .unwrap()
    };
    let (small, big) = (took(25_000), took(200_000));
    let ratio = big.as_secs_f64() / small.as_secs_f64().max(1e-6);
    assert!(ratio < 24.0, "{small:?} then {big:?}: {ratio:.1}x");
}

/// A private key block in a file read in pieces: a marker split across two
/// pieces, and the markers pieces apart, are found as in the whole file.
#[test]
fn block_scan_across_pieces() {
    let key = b"-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----\n";
    let mut file = vec![b'x'; 3000];
    file.extend_from_slice(key);
    file.extend(std::iter::repeat_n(b'y', 3000));
    for piece in [1, 7, 10, 31, 100, 1000, 4096] {
        let mut scan = super::BlockScan::new(b"/var/lib/rpm/Packages");
        for p in file.chunks(piece) {
            scan.feed(p);
        }
        assert_eq!(
            scan.withheld(),
            Some("pem-private-key"),
            "pieces of {piece}"
        );
    }
    // "-----BEGIN" in one piece, "PRIVATE KEY-----" many pieces later.
    let mut scan = super::BlockScan::new(b"/var/lib/rpm/Packages");
    scan.feed(b"-----BEGIN");
    for _ in 0..10 {
        scan.feed(&[b'z'; 1000]);
    }
    scan.feed(b"PRIVATE KEY-----");
    assert_eq!(scan.withheld(), Some("pem-private-key"));
    // A public certificate is not a private key.
    let mut scan = super::BlockScan::new(b"/var/lib/rpm/Packages");
    for p in b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".chunks(5) {
        scan.feed(p);
    }
    assert_eq!(scan.withheld(), None);
}

#[test]
fn service_secret() {
    let r = "service-secret";
    pins(
        r,
        "/etc/sssd/sssd.conf",
        "[domain/corp]\nldap_uri = ldap://10.1.2.3\nldap_default_authtok_type = password\nldap_default_authtok = SSSDTOK\n",
        &["SSSDTOK"],
        "[domain/corp]\nldap_uri = ldap://10.1.2.3\nldap_default_authtok_type = password\nldap_default_authtok = <redacted>\n",
    );
    pins(
        r,
        "/etc/nslcd.conf",
        "uri ldap://ldap.corp/\nbindpw NSLCDPW\nrootpwmodpw ROOTMODPW\n",
        &["NSLCDPW", "ROOTMODPW"],
        "uri ldap://ldap.corp/\nbindpw <redacted>\nrootpwmodpw <redacted>\n",
    );
    pins(
        r,
        "/etc/samba/smb.conf",
        "[global]\n   passwd program = /usr/bin/passwd %u\n   unix password sync = yes\n   password server = dc1.corp\n   ldap admin password = SMBPW\n",
        &["SMBPW"],
        "[global]\n   passwd program = /usr/bin/passwd %u\n   unix password sync = yes\n   password server = dc1.corp\n   ldap admin password = <redacted>\n",
    );
    pins(
        r,
        "/etc/ssmtp/ssmtp.conf",
        "mailhub=smtp.corp:587\nAuthUser=relay\nAuthPass=SSMTPPW\n",
        &["SSMTPPW"],
        "mailhub=smtp.corp:587\nAuthUser=relay\nAuthPass=<redacted>\n",
    );
    pins(
        r,
        "/etc/msmtprc",
        "account default\nhost smtp.corp\npassword MSMTPPW\n",
        &["MSMTPPW"],
        "account default\nhost smtp.corp\npassword <redacted>\n",
    );
    pins(
        r,
        "/etc/iscsi/nodes/iqn.2004-04.com.qnap:ts-1/10.0.0.9,3260,1/default",
        "node.session.auth.authmethod = CHAP\nnode.session.auth.username = lun\nnode.session.auth.password = CHAPPW\nnode.session.auth.password_in = CHAPIN\n",
        &["CHAPPW", "CHAPIN"],
        "node.session.auth.authmethod = CHAP\nnode.session.auth.username = lun\nnode.session.auth.password = <redacted>\nnode.session.auth.password_in = <redacted>\n",
    );
    pins(
        r,
        "/etc/bacula/bacula-fd.conf",
        "Director {\n  Name = bacula-dir\n  Password = \"BACULAPW\"\n}\n",
        &["BACULAPW"],
        "Director {\n  Name = bacula-dir\n  Password = \"<redacted>\"\n}\n",
    );
    pins(
        r,
        "/etc/zabbix/zabbix_agentd.conf",
        "Server=10.0.0.20\nTLSPSKFile=/etc/zabbix/psk\nTLSPSKValue=ZABBIXPSK\n",
        &["ZABBIXPSK"],
        "Server=10.0.0.20\nTLSPSKFile=/etc/zabbix/psk\nTLSPSKValue=<redacted>\n",
    );
    pins(
        r,
        "/etc/yum.repos.d/internal.repo",
        "[internal]\nbaseurl=http://repo.corp/el8\nusername=yum\npassword=YUMREPOPW\n",
        &["YUMREPOPW"],
        "[internal]\nbaseurl=http://repo.corp/el8\nusername=yum\npassword=<redacted>\n",
    );
    untouched(
        "/etc/postfix/main.cf",
        "relayhost = [smtp.corp]:587\nsmtp_sasl_password_maps = hash:/etc/postfix/sasl_passwd\n",
    );
    untouched(
        "/etc/sssd/sssd.conf",
        "krb5_server = kdc.corp\nldap_default_authtok_type = obfuscated_password\n",
    );
    // A repository URL's password is `url-password`'s, in the same files.
    pins(
        "url-password",
        "/etc/apt/sources.list.d/internal.list",
        "deb https://apt:APTREPOPW@apt.corp/debian bookworm main\n",
        &["APTREPOPW"],
        "deb https://apt:<redacted>@apt.corp/debian bookworm main\n",
    );
}

/// The fast `find` agrees with a comparison at every position, needles at
/// every offset of the eight-byte words included.
#[test]
fn find_agrees_with_a_naive_search() {
    let naive = |hay: &[u8], needle: &[u8]| {
        if needle.is_empty() {
            return Some(0);
        }
        hay.windows(needle.len()).position(|w| w == needle)
    };
    let mut x: u32 = 0x2545_f491;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        x
    };
    for _ in 0..2000 {
        // A small alphabet, so that near misses are common.
        let len = (next() % 40) as usize;
        let hay: Vec<u8> = (0..len)
            .map(|_| b"-aB\xff"[(next() % 4) as usize])
            .collect();
        let n = (next() % 5) as usize;
        let needle: Vec<u8> = (0..n).map(|_| b"-aB\xff"[(next() % 4) as usize]).collect();
        assert_eq!(
            find(&hay, &needle),
            naive(&hay, &needle),
            "{hay:?} {needle:?}"
        );
    }
    let key = b"-----BEGIN OPENSSH PRIVATE KEY-----";
    for pad in 0..17 {
        let mut hay = vec![b'-'; pad];
        hay.extend_from_slice(b"x\n");
        hay.extend_from_slice(key);
        assert_eq!(find(&hay, key), Some(pad + 2));
        assert_eq!(find(&hay[..hay.len() - 1], key), None);
    }
}

/// Round two's attacks (issue 23): each line holds one secret, `S3CRET`
/// plus a number, in a file no family covered or a form no rule knew.
/// None may stay, wherever the file is.
#[test]
fn round_two_attacks() {
    const CASES: &[(&str, &str)] = &[
        ("/proc/9/cmdline", "app: worker --password=S3CRET01 idle"),
        (
            "/etc/init.d/app",
            "su -c \"mysqldump -uroot -pS3CRET02 db\" app",
        ),
        ("/etc/init.d/app", "sh -c 'app --password S3CRET03'"),
        (
            "/root/.bashrc",
            "alias db='mysql -uroot --password=S3CRET04'",
        ),
        (
            "/proc/9/cmdline",
            "java\0-Djavax.net.ssl.keyStorePassword=S3CRET05\0-jar\0a.jar",
        ),
        ("/proc/9/cmdline", "app\0-token=S3CRET06"),
        (
            "/proc/9/cmdline",
            "app\0--spring.datasource.password=S3CRET07",
        ),
        ("/proc/9/cmdline", "app\0--dbPassword=S3CRET08"),
        (
            "/proc/9/cmdline",
            "redis-server\0*:6379\0--requirepass\0S3CRET09",
        ),
        (
            "/etc/cron.d/x",
            "openssl rsa -in k.pem -passin pass:S3CRET10 -out k2.pem",
        ),
        (
            "/etc/cron.d/x",
            "keytool -list -keystore k.jks -storepass S3CRET11",
        ),
        (
            "/etc/cron.d/x",
            "ldapsearch -x -D cn=admin,dc=x -w S3CRET12 -b dc=x",
        ),
        ("/etc/cron.d/x", "redis-cli -h 10.0.0.5 -a S3CRET13 ping"),
        ("/etc/cron.d/x", "sshpass -p S3CRET14 ssh backup@10.0.0.9"),
        (
            "/etc/cron.d/x",
            "smbclient //fs/share -U admin%S3CRET15 -c ls",
        ),
        (
            "/etc/cron.d/x",
            "ipmitool -I lanplus -H 10.0.0.7 -U admin -P S3CRET16 power status",
        ),
        (
            "/etc/cron.d/x",
            "sqlplus -s scott/S3CRET17@orcl @report.sql",
        ),
        ("/etc/cron.d/x", "curl -u admin:S3CRET18 https://x/api"),
        (
            "/etc/cron.d/x",
            "curl -H \"Authorization: Bearer S3CRET19\" https://x/api",
        ),
        ("/etc/rc.local", "echo 'root:S3CRET20' | chpasswd"),
        ("/etc/rc.local", "echo \"S3CRET21\" | passwd --stdin root"),
        (
            "/opt/app/init.sql",
            "ALTER USER app WITH PASSWORD 'S3CRET22';",
        ),
        (
            "/opt/app/init.sql",
            "CREATE USER 'app'@'%' IDENTIFIED BY 'S3CRET23';",
        ),
        (
            "/etc/cron.d/x",
            "git clone https://S3CRET24@github.com/x/y.git",
        ),
        (
            "/etc/cron.d/x",
            "git clone https://S3CRET25:@github.com/x/y.git",
        ),
        (
            "/etc/cron.d/x",
            "curl 'https://x/api?user=a&token=S3CRET26'",
        ),
        (
            "/etc/cron.d/x",
            "curl 'https://x/api?user=a&password=S3CRET27&x=1'",
        ),
        (
            "/etc/app.conf",
            "dsn = host=db port=5432 user=app password=S3CRET28",
        ),
        (
            "/etc/systemd/system.conf",
            "DefaultEnvironment=\"DB_PASSWORD=S3CRET29\"",
        ),
        (
            "/etc/inittab",
            "db:2345:respawn:/opt/db/bin/start --password=S3CRET30",
        ),
        (
            "/etc/rsyslog.d/db.conf",
            "action(type=\"ommysql\" server=\"db\" db=\"Syslog\" uid=\"rs\" pwd=\"S3CRET31\")",
        ),
        (
            "/etc/rsyslog.d/db.conf",
            "*.* :ommysql:db.example.com,Syslog,rsyslog,S3CRET32",
        ),
        (
            "/etc/syslog-ng/conf.d/sql.conf",
            "destination d_sql { sql(type(mysql) username(\"sl\") password(\"S3CRET33\")); };",
        ),
        ("/etc/ntp.conf", "crypto pw S3CRET34"),
        (
            "/etc/nagios/nrpe.cfg",
            "command[db]=/usr/lib/nagios/plugins/check_mysql -H db -u nagios -p S3CRET35",
        ),
        (
            "/etc/zabbix/zabbix_agentd.d/m.conf",
            "UserParameter=mysql.ping,mysqladmin -uzbx -pS3CRET36 ping",
        ),
        (
            "/etc/postfix/main.cf",
            "smtp_sasl_password_maps = static:relay:S3CRET37",
        ),
        (
            "/etc/postfix/main.cf",
            "smtp_sasl_password_maps = inline:{ [smtp.x.com]:587=relay:S3CRET38 }",
        ),
        (
            "/proc/cmdline",
            "BOOT_IMAGE=/vmlinuz root=/dev/sda1 rd.iscsi.password=S3CRET39 quiet",
        ),
        (
            "/proc/cmdline",
            "netroot=iscsi:iqnuser:S3CRET40@10.0.0.8::3260::iqn.2024-01.x:t ro",
        ),
        (
            "/etc/default/grub",
            "GRUB_CMDLINE_LINUX=\"rd.iscsi.in.password=S3CRET41 quiet\"",
        ),
        (
            "/etc/cloud/cloud.cfg.d/90.cfg",
            "ubuntu_advantage:\n  token: S3CRET42",
        ),
        (
            "/etc/cloud/cloud.cfg.d/90.cfg",
            "rh_subscription:\n  activation-key: S3CRET43",
        ),
        (
            "/etc/cloud/cloud.cfg.d/90.cfg",
            "  registration_key: S3CRET44",
        ),
        (
            "/etc/cloud/cloud.cfg.d/90.cfg",
            "runcmd:\n  - [ sh, -c, \"echo 'root:S3CRET45' | chpasswd\" ]",
        ),
        (
            "/etc/NetworkManager/system-connections/m.nmconnection",
            "[macsec]\nmka-cak=S3CRET46",
        ),
        (
            "/etc/wpa_supplicant/macsec.conf",
            "network={\n  mka_cak=S3CRET47\n}",
        ),
        (
            "/etc/systemd/system/mnt-share.mount",
            "[Mount]\nOptions=username=u,password=S3CRET48,vers=3.0",
        ),
        ("/etc/profile.d/x.sh", "export BORG_PASSPHRASE=S3CRET49"),
        ("/etc/default/app", "DBPASS=S3CRET50"),
        ("/etc/default/app", "ROOTPW=S3CRET51"),
        ("/etc/default/app", "GITLAB_PAT=S3CRET52"),
        ("/etc/default/app", "CONSUL_HTTP_AUTH=ops:S3CRET53"),
        (
            "/opt/bacula/etc/bacula-fd.conf",
            "Director {\n  Name = dir\n  Password = \"S3CRET54\"\n}",
        ),
        ("/etc/snmp/snmpd.conf", "rocommunity S3CRET55 10.0.0.0/8"),
        (
            "/etc/snmp/snmpd.conf",
            "com2sec notConfigUser default S3CRET56",
        ),
        (
            "/root/.netrc",
            "machine ftp.x.com login bob password S3CRET57",
        ),
        ("/etc/cron.d/x", "mysqladmin -u root password S3CRET58"),
        ("/etc/cron.d/x", "rabbitmqctl add_user app S3CRET59"),
        ("/etc/cron.d/x", "wget --http-password=S3CRET60 https://x/f"),
        // An authorization scheme as an assignment's value, under a key
        // that names no secret.
        ("/etc/default/app", "AUTH=Bearer S3CRET61"),
        ("/etc/default/app", "AUTH=\"Bearer S3CRET62\""),
        ("/etc/app.conf", "upstream_auth: Bearer S3CRET63"),
        // A directive's argument names the secret (found writing a secret
        // in a syntax no rule names, reviewing stop 35).
        (
            "/etc/nginx/conf.d/a.conf",
            "    proxy_set_header X-Auth-Token S3CRET64;",
        ),
        (
            "/etc/nginx/conf.d/a.conf",
            "fastcgi_param DB_PASSWORD S3CRET65;",
        ),
        (
            "/etc/apache2/conf-enabled/a.conf",
            "SetEnv API_KEY S3CRET66",
        ),
        (
            "/etc/apache2/conf-enabled/a.conf",
            "RequestHeader set X-Api-Key \"S3CRET67\"",
        ),
        // HTTP Basic credentials under a header of one word (reviewing
        // stop 36: `Authorization` names no secret of several parts).
        (
            "/etc/nginx/conf.d/a.conf",
            "    proxy_set_header Authorization \"Basic S3CRET68\";",
        ),
        // An nginx variable named for a secret, set with a space (stop
        // 37: a one-part key after `$`, not a directive's argument then).
        ("/etc/nginx/conf.d/b.conf", "    set $apikey \"S3CRET69\";"),
    ];
    for (path, content) in CASES {
        let (out, _) = scrubbed(path, content);
        assert!(!out.contains("S3CRET"), "{path}: {content:?}\n-> {out:?}");
    }
}

/// What the analyzer reads from the same kind of lines stays: ports,
/// servers, dependency targets, the program a service runs.
#[test]
fn the_analyzer_still_sees_its_facts() {
    for (path, content) in [
        ("/etc/systemd/system/app.service", "[Service]\nExecStart=/usr/bin/app --port=8080 --listen 0.0.0.0:9000\nUser=app\n"),
        ("/etc/ssh/sshd_config", "Port 2222\nPasswordAuthentication no\nPermitEmptyPasswords no\nHostKey /etc/ssh/ssh_host_ed25519_key\nAuthorizedKeysFile .ssh/authorized_keys\n"),
        ("/etc/nsswitch.conf", "passwd: files sss\ngroup: files sss\nshadow: files\n"),
        ("/etc/passwd", "token:x:1001:1001:Token User:/home/token:/bin/bash\n"),
        ("/etc/sssd/sssd.conf", "[domain/x]\nldap_uri = ldaps://ldap.x.com:636\nldap_default_authtok_type = password\n"),
        ("/etc/postfix/main.cf", "relayhost = [smtp.x.com]:587\nsmtp_sasl_password_maps = hash:/etc/postfix/sasl_passwd\n"),
        ("/etc/nginx/sites-enabled/x", "location / { proxy_pass http://10.0.0.5:8080; }\n"),
        ("/etc/cron.d/x", "0 1 * * * root docker run -p 8080:80 nginx\n"),
        ("/etc/login.defs", "PASS_MAX_DAYS 99999\nUID_MIN 1000\n"),
        ("/etc/pam.d/common-password", "password [success=1 default=ignore] pam_unix.so obscure yescrypt\n"),
        ("/etc/zabbix/zabbix_agentd.conf", "Server=10.0.0.2\nTLSPSKIdentity=host1\nTLSPSKFile=/etc/zabbix/psk\n"),
        ("/etc/apt/sources.list", "deb http://deb.debian.org/debian bookworm main\n"),
        ("/etc/nginx/nginx.conf", "# Basic settings\nsendfile on;\n"),
        ("/var/lib/dpkg/status", "Package: passwd\nDescription: change and administer password and group data\n password utilities\n"),
    ] {
        untouched(path, content);
    }
}

/// A configuration behind a symlink (`/etc/bacula` -> `/opt/bacula/etc`)
/// keeps its family by the path it was found at, and by content.
#[test]
fn family_by_path_as_found_and_by_content() {
    let f = families(
        b"/etc/bacula/bacula-fd.conf",
        b"/opt/bacula/etc/bacula-fd.conf",
        b"",
    );
    assert!(f.contains(&Family::Services));
    let grub = b"set superusers=\"root\"\npassword_pbkdf2 root grub.pbkdf2.x\n";
    assert!(families(b"/opt/boot/grub.cfg", b"/opt/boot/grub.cfg", grub).contains(&Family::Boot));
    let cloud = b"#cloud-config\nchpasswd:\n  list: |\n    root:HUNTER\n";
    let out = scrub_found(b"/srv/seed/user-data", b"/srv/seed/user-data", cloud);
    match out {
        Outcome::Scrubbed(text, _) => assert!(!text.windows(6).any(|w| w == b"HUNTER")),
        other => panic!("{other:?}"),
    }
}

/// Binary content is only searched for key blocks: a replacement would
/// corrupt it.
#[test]
fn binary_content_is_left_whole() {
    untouched("/var/lib/rpm/Packages", "\0\0password=x\0");
    untouched(
        "/sys/firmware/efi/efivars/Boot0001-x",
        "\x07\0\0\0password=x",
    );
}

/// A Kubernetes node's kubeconfigs and certificates are presence records;
/// its static pod manifests and the kubelet's configuration are read.
#[test]
fn kubernetes_keys_are_never_captured() {
    for secret in [
        "/etc/kubernetes/admin.conf",
        "/etc/kubernetes/kubelet.conf",
        "/etc/kubernetes/super-admin.conf",
        "/etc/kubernetes/pki/ca.crt",
        "/etc/kubernetes/pki/etcd/peer.key",
        "/var/lib/kubelet/pki/kubelet-client-current.pem",
    ] {
        assert!(never_capture(secret.as_bytes()), "{secret}");
    }
    for read in [
        "/etc/kubernetes/manifests/kube-apiserver.yaml",
        "/var/lib/kubelet/config.yaml",
        "/etc/kubernetes/pki",
    ] {
        assert!(!never_capture(read.as_bytes()), "{read}");
    }
}

/// A container's environment, as Docker (config.v2.json, one line) and
/// Podman (the OCI config.json) write it, loses its secret values: files
/// these engines wrote for containers created with `-e DB_PASSWORD=...`.
#[test]
fn container_environments_are_scrubbed() {
    let id = "5bbd4f09fc01ae6a7c0462232a01217d90645932cf86473026d13a6f03e4a2a4";
    let docker = include_str!("../../../fixtures/containers-host/var/lib/docker/containers/5bbd4f09fc01ae6a7c0462232a01217d90645932cf86473026d13a6f03e4a2a4/config.v2.json");
    let (out, rules) = scrubbed(
        &format!("/var/lib/docker/containers/{id}/config.v2.json"),
        docker,
    );
    assert!(!out.contains("Dk3rSecretPw55"), "{out}");
    assert!(
        out.contains("LOG_LEVEL=info") && out.contains("POSTGRES_PASSWORD="),
        "{out}"
    );
    assert!(!rules.is_empty());
    let podman = include_str!("../../../fixtures/containers-host/var/lib/containers/storage/vfs-containers/a70d6f27f78eb42362e5771e4ea26133632e58604a8615c51ec7e926f2255a88/userdata/config.json");
    let (out, _) = scrubbed(
        "/var/lib/containers/storage/vfs-containers/a70d/userdata/config.json",
        podman,
    );
    assert!(!out.contains("Sup3rSecretPw9"), "{out}");
    assert!(out.contains("\"TZ=UTC\""), "{out}");
}

/// Redis ACL rules (redis.conf's `user` lines, an aclfile): the password
/// after `>` and the hash after `#` go, the rest of the rule stays.
#[test]
fn redis_acl_passwords() {
    let (out, rules) = scrubbed(
        "/etc/redis/redis.conf",
        "bind 127.0.0.1\nuser default on >Acl9Secretzz ~* +@all\nuser app on #5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8 ~app:* -@all\n",
    );
    assert!(rules.contains(&"redis-acl-password"), "{rules:?}");
    assert!(
        !out.contains("Acl9Secretzz") && !out.contains("5e884898"),
        "{out}"
    );
    assert!(
        out.contains("user default on >") && out.contains("~* +@all"),
        "{out}"
    );
    assert_eq!(out.lines().count(), 3);
}

/// Inert lines (`inert`: letters, digits, `/._-+~`) that run no program
/// a tool rule names are skipped by the line loop; this holds every line, word and keyed rule to finding
/// nothing in them, so a new rule that could is caught here, not by a
/// leak. The lines: secret-sounding keys and values glued with every
/// inert byte, random inert strings, and this machine's dpkg file lists.
#[test]
fn inert_lines_hold_no_value() {
    let words: &[&str] = &[
        "password",
        "PASSWORD",
        "passwd",
        "pass",
        "pwd",
        "secret",
        "token",
        "api_key",
        "apikey",
        "psk",
        "wpa-psk",
        "credentials",
        "cred",
        "-ppassword",
        "-psecret",
        "--password",
        "-Dpassword",
        "-k",
        "pass",
        "user",
        "root",
        "mysql",
        "sshpass",
        "curl",
        "-u",
        "openssl",
        "Bearer",
        "BEGIN",
        "PRIVATE",
        "KEY-----",
        "-----BEGIN",
        "password_pbkdf2",
        "menu",
        "static",
        "hunter2",
        "Sup3rSecretPw9",
        "PuTTY-User-Key-File-2",
        "Private-Lines",
        "9f8e7d6c5b4a39281706f5e4d3c2b1a0",
        "z9xk2lm4qw8rt5yp7ab3cd6ef0gh1ij2",
        "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo+/",
        "/etc/shadow",
        "/root/.my.cnf",
        "~/.pgpass",
        "smb",
        "ldap",
        "bind_pw",
        "rootpw",
    ];
    let glue = ["", "/", ".", "_", "-", "+", "~"];
    let mut lines: Vec<String> = Vec::new();
    for a in words {
        for b in words {
            for g in glue {
                lines.push(format!("{a}{g}{b}"));
            }
        }
    }
    // Random inert strings, from a fixed seed.
    let alphabet: Vec<u8> = (b'a'..=b'z')
        .chain(b'A'..=b'Z')
        .chain(b'0'..=b'9')
        .chain(*b"/._-+~")
        .collect();
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..5000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let len = 1 + (x % 120) as usize;
        lines.push(
            (0..len)
                .map(|i| alphabet[((x >> (i % 50)) as usize + i * 7) % alphabet.len()] as char)
                .collect(),
        );
    }
    if let Ok(dir) = std::fs::read_dir("/var/lib/dpkg/info") {
        for e in dir.flatten().take(40) {
            if e.path().extension().is_some_and(|x| x == "list") {
                let body = std::fs::read_to_string(e.path()).unwrap_or_default();
                lines.extend(body.lines().map(String::from));
            }
        }
    }
    let mut checked = 0;
    let skipped = |l: &&[u8]| {
        inert(l) && !words::runs_a_known_program(l) && generic::bare_credential(l).is_none()
    };
    // One word that runs sshpass and starts with its flag: the tool rule
    // reads the flag on the program's own word, so such a line is not
    // skipped.
    assert!(!skipped(&&b"-ppassword/sshpass"[..]));
    for line in lines.iter().map(String::as_bytes).filter(skipped) {
        for rule in RULES {
            let found = match rule.finds {
                Finds::Line(f) => f(line),
                Finds::Keyed => {
                    let mut v = generic::secret_values(line, true);
                    v.extend(generic::secret_values(line, false));
                    v
                }
                Finds::Words(f) => [false, true]
                    .iter()
                    .flat_map(|&nul| words::commands(line, nul))
                    .flat_map(|(_, c)| f(&c))
                    .collect(),
                Finds::Block(_) | Finds::Text(_) => continue,
            };
            assert!(
                found.is_empty(),
                "{} finds {found:?} in the inert line {:?}",
                rule.id,
                String::from_utf8_lossy(line)
            );
        }
        checked += 1;
    }
    assert!(checked > 10_000, "{checked}");
    // And the shortcut changes nothing on a whole file of them.
    let list = lines
        .iter()
        .filter(|l| skipped(&l.as_bytes()))
        .cloned()
        .collect::<Vec<_>>()
        .join("\n");
    assert!(matches!(
        scrub(b"/var/lib/dpkg/info/x.list", list.as_bytes()),
        Outcome::Clean
    ));
}

/// A line that is an issued credential alone (a token file, an
/// environment file's bare token) is blanked by its shape; a generated-
/// looking word alone is not (a certificate's base64 lines), nor is the
/// machine-id's hex.
#[test]
fn a_bare_issued_credential_is_blanked() {
    let text = "ghp_aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5\n  AKIAIOSFODNN7EXAMPLE  \neyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.abcDEF123ghiJKL456\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJ\n0123456789abcdef0123456789abcdef\nghp_short\n";
    let (out, rules) = scrubbed("/etc/app/token", text);
    for secret in ["ghp_aB3dE5", "AKIAIOSFODNN7EXAMPLE", "eyJhbGciOiJIUzI1NiJ9"] {
        assert!(!out.contains(secret), "{secret} in {out}");
    }
    assert!(
        out.contains("MIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJ"),
        "{out}"
    );
    assert!(
        out.contains("0123456789abcdef0123456789abcdef\nghp_short\n"),
        "{out}"
    );
    assert_eq!(out.lines().count(), 6, "{out}");
    assert!(rules.contains(&"secret-key"), "{rules:?}");
}

/// A YAML value below its key: a block scalar under a secret key and a
/// plain scalar continued on the next, more-indented line are blanked
/// (both reached the bundle before); a nested mapping keeps its own keys,
/// and a block under a harmless key stays.
#[test]
fn yaml_values_below_a_secret_key() {
    let text = "db_password: >-\n  S3cr3tBlockVal42\n  second line\ntoken:\n  Zq9TokenOnNext77\ncredentials:\n  username: bob\n  password: Inner9Pw\ndescription: |\n  kept text\nafter: 1\n";
    let (out, rules) = scrubbed("/etc/app/config.yaml", text);
    for secret in [
        "S3cr3tBlockVal42",
        "second line",
        "Zq9TokenOnNext77",
        "Inner9Pw",
    ] {
        assert!(!out.contains(secret), "{secret} in {out}");
    }
    for kept in [
        "username: bob",
        "  kept text\n",
        "after: 1\n",
        "credentials:\n",
    ] {
        assert!(out.contains(kept), "{kept} gone from {out}");
    }
    assert_eq!(out.lines().count(), text.lines().count(), "{out}");
    assert!(rules.contains(&"secret-key-block"), "{rules:?}");
}
