//! Where scheduled jobs reach: the hosts in a cron or anacron job's command
//! (URLs for curl and wget, rsync, scp and sftp targets `[user@]host:path`
//! and rsync's `host::module`, ssh's host, NFS mount sources). Kind `job`:
//! a nightly backup to another server joins its move group.
//!
//! Sample (a user's crontab):
//!
//! ```text
//! 30 2 * * * rsync -a /srv/www/ backup@backup1.corp.acme.com:/backups/web1/
//! ```

use super::{host_port, url, Declared, Found, Kind};
use crate::parse::cron::{self, CronEntry};
use crate::parse::{Parsed, Partial};

/// Commands whose `[user@]host:path` arguments name another host.
const COPIERS: &[&str] = &[
    "rsync",
    "scp",
    "sftp",
    "rdiff-backup",
    "duplicity",
    "lftp",
    "borg",
    "restic",
];

/// A host name or IPv4 address as a command would give it.
fn plausible_host(h: &str) -> bool {
    !h.is_empty()
        && h.len() <= 253
        && !h.starts_with(['-', '.'])
        && h.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        && h.bytes().any(|b| b.is_ascii_alphabetic() || b == b'.')
}

fn words(command: &str) -> Vec<&str> {
    command
        .split(|c: char| {
            c.is_whitespace() || c == ';' || c == '|' || c == '&' || c == '(' || c == ')'
        })
        .map(|w| w.trim_matches(|c| c == '"' || c == '\''))
        .filter(|w| !w.is_empty())
        .collect()
}

fn base(word: &str) -> &str {
    word.rsplit('/').next().unwrap_or(word)
}

/// The endpoints one command reaches.
pub fn command(line: usize, command: &str, found: &mut Found) {
    let w = words(command);
    let copier = w.iter().any(|x| COPIERS.contains(&base(x)));
    for (i, word) in w.iter().enumerate() {
        if let Some(u) = url(word) {
            found.push(Declared::new(line, Kind::Job, u.host, u.port));
            continue;
        }
        let after_at = word.rsplit_once('@').map_or(*word, |(_, h)| h);
        if copier && !word.starts_with('-') && !word.contains("://") {
            // rsync's daemon form host::module, then [user@]host:path.
            if let Some((h, _)) = after_at.split_once("::") {
                if plausible_host(h) {
                    found.push(Declared::new(line, Kind::Job, h, Some(873)));
                }
                continue;
            }
            if let Some((h, _)) = after_at.split_once(':') {
                if plausible_host(h) {
                    found.push(Declared::new(line, Kind::Job, h, Some(22)));
                }
                continue;
            }
        }
        if base(word) == "ssh" {
            let mut port = Some(22);
            let mut args = w[i + 1..].iter();
            while let Some(a) = args.next() {
                match *a {
                    "-p" => port = args.next().and_then(|p| p.parse().ok()),
                    "-i" | "-o" | "-l" | "-F" | "-J" | "-b" | "-c" | "-m" | "-L" | "-R" | "-D"
                    | "-E" | "-S" | "-W" | "-w" => {
                        args.next();
                    }
                    a if a.starts_with('-') => {}
                    a => {
                        let (h, p) = host_port(a.rsplit_once('@').map_or(a, |(_, h)| h));
                        if plausible_host(&h) {
                            found.push(Declared::new(line, Kind::Job, h, p.or(port)));
                        }
                        break;
                    }
                }
            }
        }
        if base(word) == "mount" {
            for a in &w[i + 1..] {
                if let Some((h, path)) = a.split_once(":/") {
                    if plausible_host(h) && !path.is_empty() {
                        found.push(Declared::new(line, Kind::Job, h, Some(2049)));
                    }
                }
            }
        }
    }
}

fn entries(found: &mut Found, entries: &[CronEntry]) {
    for e in entries {
        command(e.line, &e.command, found);
    }
}

/// `/etc/crontab` and `/etc/cron.d/*`: tables with a user field.
pub fn system_crontab(bytes: &[u8]) -> Parsed<Found> {
    let mut found = Found::default();
    entries(&mut found, &cron::parse(bytes, true)?.value);
    Ok(Partial::whole(found))
}

/// A user's own crontab in the spool.
pub fn user_crontab(bytes: &[u8]) -> Parsed<Found> {
    let mut found = Found::default();
    entries(&mut found, &cron::parse(bytes, false)?.value);
    Ok(Partial::whole(found))
}

pub fn anacrontab(bytes: &[u8]) -> Parsed<Found> {
    let mut found = Found::default();
    entries(&mut found, &cron::parse_anacrontab(bytes)?.value);
    Ok(Partial::whole(found))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn targets(cmd: &str) -> Vec<(String, Option<u16>)> {
        let mut f = Found::default();
        command(1, cmd, &mut f);
        f.value.into_iter().map(|d| (d.target, d.port)).collect()
    }

    #[test]
    fn what_jobs_reach() {
        let t = |h: &str, p: u16| (h.to_string(), Some(p));
        assert_eq!(
            targets("rsync -a --delete /srv/www/ backup@backup1.corp.acme.com:/backups/web1/"),
            [t("backup1.corp.acme.com", 22)]
        );
        assert_eq!(
            targets("rsync -av /data/ mirror.example.org::pub/data"),
            [t("mirror.example.org", 873)]
        );
        assert_eq!(
            targets("curl -fsS https://monitor.corp.acme.com/ping/web1 >/dev/null"),
            [t("monitor.corp.acme.com", 443)]
        );
        assert_eq!(
            targets(
                "/usr/bin/ssh -p 2222 -i /root/.ssh/id_backup ops@10.20.0.15 /usr/local/bin/rotate"
            ),
            [t("10.20.0.15", 2222)]
        );
        assert_eq!(
            targets("mount -t nfs filer1:/export/home /mnt/home && tar czf /mnt/home/x.tgz /etc"),
            [t("filer1", 2049)]
        );
        assert_eq!(
            targets("scp /var/backups/db.sql.gz 'store.corp:/in/'"),
            [t("store.corp", 22)]
        );
    }

    /// What is not a host: times, owners, redirections, local paths.
    #[test]
    fn what_is_not_a_host() {
        assert!(
            targets("chown root:root /var/log/app && find /tmp -mtime +7 -delete 2>&1").is_empty()
        );
        assert!(targets(
            "test -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.daily; }"
        )
        .is_empty());
        assert!(targets("rsync -a /srv/ /mnt/backup/srv/").is_empty());
        assert!(targets("command -v debian-sa1 > /dev/null && debian-sa1 1 1").is_empty());
    }
}
