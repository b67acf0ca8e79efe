//! What the batch keeps on disk instead of in memory, so that its memory
//! does not grow with the fleet: every host's summary ([`Store`]), read
//! back by offset in whatever order a pass needs, and lists built one host
//! at a time ([`JsonLines`]), such as the external dependencies.

use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::marker::PhantomData;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::de::DeserializeOwned;
use serde::{Serialize, Serializer};

use super::HostSummary;

/// Where one summary is in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    offset: u64,
    len: u32,
}

/// Host summaries, bincode-encoded (as lift-bundle's records; a JSON parse
/// each, in each of the four passes that read them, was a tenth of a
/// rerun), appended as workers hand them back (from any thread) and read
/// back by [`Slot`]. A scratch file of this run, never read by another.
pub struct Store {
    path: PathBuf,
    file: File,
    /// The end of the file: where the next summary goes.
    end: Mutex<u64>,
}

/// An error naming the file it concerns.
pub(super) fn named(path: &Path, e: impl std::fmt::Display) -> io::Error {
    io::Error::other(format!("{}: {e}", path.display()))
}

/// A new, empty file to write and read back in this run (replacing what
/// was there); errors name it.
pub(super) fn scratch(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)
        .map_err(|e| named(path, e))
}

impl Store {
    /// A new, empty store at `path` (replacing what was there).
    pub fn create(path: &Path) -> io::Result<Store> {
        let file = scratch(path)?;
        Ok(Store {
            path: path.to_owned(),
            file,
            end: Mutex::new(0),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn put(&self, h: &HostSummary) -> io::Result<Slot> {
        let body = bincode::serde::encode_to_vec(h, bincode::config::standard())
            .map_err(|e| named(&self.path, e))?;
        let len = u32::try_from(body.len())
            .map_err(|_| named(&self.path, "a host summary past 4 GiB"))?;
        let mut end = self.end.lock().unwrap_or_else(|e| e.into_inner());
        let offset = *end;
        self.file
            .write_all_at(&body, offset)
            .map_err(|e| named(&self.path, e))?;
        *end += u64::from(len);
        Ok(Slot { offset, len })
    }

    pub fn get(&self, slot: Slot) -> io::Result<HostSummary> {
        let mut body = vec![0; slot.len as usize];
        self.file
            .read_exact_at(&mut body, slot.offset)
            .map_err(|e| named(&self.path, e))?;
        let (h, read) = bincode::serde::decode_from_slice(&body, bincode::config::standard())
            .map_err(|e| named(&self.path, e))?;
        if read != body.len() {
            return Err(named(&self.path, "a host summary longer than its contents"));
        }
        Ok(h)
    }
}

/// The batch's inputs' paths, end to end in a scratch file, each known by
/// its number: 8 bytes a host in memory, not a `PathBuf`'s 24, its
/// allocation and the allocator's rounding (about 80 at 45 bytes a path;
/// issue 29: memory flat with the fleet). Each is read a few times a run.
pub struct Paths {
    file: File,
    path: PathBuf,
    ends: Vec<u64>,
}

impl Paths {
    /// `paths`, in order, into a new scratch file at `path`.
    pub fn create(path: &Path, paths: Vec<PathBuf>) -> io::Result<Paths> {
        use std::os::unix::ffi::OsStrExt;
        let file = scratch(path)?;
        let mut w = BufWriter::new(&file);
        let mut ends = Vec::with_capacity(paths.len());
        let mut end = 0u64;
        for p in paths {
            let b = p.as_os_str().as_bytes();
            w.write_all(b).map_err(|e| named(path, e))?;
            end += b.len() as u64;
            ends.push(end);
        }
        w.flush().map_err(|e| named(path, e))?;
        drop(w);
        Ok(Paths {
            file,
            path: path.to_owned(),
            ends,
        })
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Path `i` (`i < len()`).
    pub fn get(&self, i: usize) -> io::Result<PathBuf> {
        use std::os::unix::ffi::OsStringExt;
        let start = match i {
            0 => 0,
            i => self.ends[i - 1],
        };
        let mut b = vec![0; (self.ends[i] - start) as usize];
        self.file
            .read_exact_at(&mut b, start)
            .map_err(|e| named(&self.path, e))?;
        Ok(PathBuf::from(std::ffi::OsString::from_vec(b)))
    }
}

/// Strings end to end in one buffer, each known by its number: a host's
/// id costs its bytes and 8 more, not a String's 24, its allocation and
/// the allocator's rounding.
#[derive(Default)]
pub struct Ids {
    text: String,
    ends: Vec<usize>,
}

impl Ids {
    /// Adds `s`; its number. (A batch has fewer hosts than a u32 counts.)
    pub fn push(&mut self, s: &str) -> u32 {
        self.text.push_str(s);
        self.ends.push(self.text.len());
        (self.ends.len() - 1) as u32
    }

    pub fn get(&self, i: u32) -> &str {
        let i = i as usize;
        let start = match i {
            0 => 0,
            i => self.ends[i - 1],
        };
        &self.text[start..self.ends[i]]
    }
}

/// A list written one item at a time to a JSON Lines file and read back in
/// the same order, as many times as needed; it serializes as a JSON array,
/// streamed from the file.
pub struct JsonLines<T> {
    path: PathBuf,
    out: Option<BufWriter<File>>,
    len: usize,
    item: PhantomData<fn() -> T>,
}

impl<T: Serialize + DeserializeOwned> JsonLines<T> {
    pub fn create(path: &Path) -> io::Result<JsonLines<T>> {
        let file = File::create(path).map_err(|e| named(path, e))?;
        Ok(JsonLines {
            path: path.to_owned(),
            out: Some(BufWriter::new(file)),
            len: 0,
            item: PhantomData,
        })
    }

    pub fn push(&mut self, item: &T) -> io::Result<()> {
        let Some(w) = self.out.as_mut() else {
            return Err(named(&self.path, "written to after it was read"));
        };
        serde_json::to_writer(&mut *w, item)?;
        w.write_all(b"\n").map_err(|e| named(&self.path, e))?;
        self.len += 1;
        Ok(())
    }

    /// Ends writing: what was pushed can now be read.
    pub fn finish(&mut self) -> io::Result<()> {
        if let Some(mut w) = self.out.take() {
            w.flush().map_err(|e| named(&self.path, e))?;
        }
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.len
    }

    /// The items, in the order they were pushed.
    pub fn iter(&self) -> io::Result<Items<T>> {
        self.reader()?.iter()
    }

    /// What reads the list again, apart from it, once it is finished.
    pub fn reader(&self) -> io::Result<Reader<T>> {
        if self.out.is_some() {
            return Err(named(&self.path, "read before it was finished"));
        }
        Ok(Reader {
            path: self.path.clone(),
            item: PhantomData,
        })
    }
}

/// A finished [`JsonLines`], read from the start by each [`Reader::iter`].
pub struct Reader<T> {
    path: PathBuf,
    item: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned> Reader<T> {
    pub fn iter(&self) -> io::Result<Items<T>> {
        let file = File::open(&self.path).map_err(|e| named(&self.path, e))?;
        Ok(Items {
            path: self.path.clone(),
            lines: BufReader::new(file),
            line: String::new(),
            item: PhantomData,
        })
    }
}

pub struct Items<T> {
    path: PathBuf,
    lines: BufReader<File>,
    line: String,
    item: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned> Iterator for Items<T> {
    type Item = io::Result<T>;

    fn next(&mut self) -> Option<io::Result<T>> {
        self.line.clear();
        match self.lines.read_line(&mut self.line) {
            Ok(0) => None,
            Ok(_) => Some(serde_json::from_str(&self.line).map_err(|e| named(&self.path, e))),
            Err(e) => Some(Err(named(&self.path, e))),
        }
    }
}

impl<T: Serialize + DeserializeOwned> Serialize for JsonLines<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeSeq};
        let mut seq = s.serialize_seq(Some(self.len))?;
        for item in self.iter().map_err(S::Error::custom)? {
            seq.serialize_element(&item.map_err(S::Error::custom)?)?;
        }
        seq.end()
    }
}

/// The first error met while a template walked a list read from disk: a
/// template cannot fail from inside an iterator, so the iterator stops and
/// the error is kept here for the caller to return.
#[derive(Clone, Default)]
pub struct Failed(Arc<Mutex<Option<io::Error>>>);

impl Failed {
    pub fn set(&self, e: io::Error) {
        let mut slot = self.0.lock().unwrap_or_else(|e| e.into_inner());
        slot.get_or_insert(e);
    }

    pub fn take(&self) -> Option<io::Error> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Paths read back as given, in order, whatever their bytes (a file
    /// name need not be UTF-8); the memory held is their ends alone.
    #[test]
    fn paths_are_read_back_as_given() {
        use std::os::unix::ffi::OsStrExt;
        let d = std::env::temp_dir().join(format!("lift-paths-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        let given: Vec<PathBuf> = vec![
            PathBuf::from("/srv/bundles/a.lift"),
            PathBuf::from(std::ffi::OsStr::from_bytes(b"/srv/caf\xe9/b.lift")),
            PathBuf::from("relative/c d.lift"),
        ];
        let p = Paths::create(&d.join("inputs"), given.clone()).unwrap();
        assert_eq!(p.len(), 3);
        for (i, want) in given.iter().enumerate() {
            assert_eq!(&p.get(i).unwrap(), want);
        }
        assert_eq!(std::mem::size_of_val(p.ends.as_slice()), 3 * 8);
        let none = Paths::create(&d.join("none"), Vec::new()).unwrap();
        assert_eq!(none.len(), 0);
        std::fs::remove_dir_all(d).unwrap();
    }

    /// A summary with every field set (options, nested lists, floats,
    /// an enum, text past ASCII) comes back from the store as it went in:
    /// the same JSON, field for field.
    #[test]
    fn every_field_of_a_summary_reads_back() {
        let d = std::env::temp_dir().join(format!("lift-store-all-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        let full = serde_json::json!({
            "id": "web-1-ab12", "hostname": "web-1", "input": "/srv/b/web-1.lift",
            "identity": {"machine_id": "e3b0c442", "product_uuid": "4c4c4544-0042",
                "macs": ["52:54:00:12:34:56"], "hostname": "web-1", "arch": "x86_64"},
            "form": "bundle", "started_secs": -5, "started_at": "2026-12-08T01:00:00Z",
            "os": "Debian GNU/Linux 12 (bookworm)", "os_support": "supported",
            "os_support_ends": "2028-06-30", "kernel": "6.1.0-18-amd64", "init": "systemd",
            "virtualization": "kvm", "readiness": "blocked", "complete": false,
            "findings": [{"id": "boot.efi", "severity": "blocker", "title": "UEFI été"}],
            "reasons": ["no /boot"], "required_unknowns": 2, "packages": 843,
            "addresses": ["10.0.0.1", "fe80::1"],
            "listening": [[22, "sshd"], [8080, null]],
            "links": [{"local_port": 443, "remote_address": "10.0.0.9", "remote_port": 5432,
                "connections": 3}],
            "links_omitted": 7,
            "declared": {"list": [{"kind": "nfs", "target": "files.example", "port": 2049,
                "lines": 2, "address": "10.0.0.5"}], "dropped": 1},
            "aliases": ["www"], "hosts_file": [["db", "10.0.0.9"]],
            "provision": {"vcpus": 4, "memory_bytes": 8589934592u64, "cpu_p95": 37.5,
                "memory_p95": 61.25, "utilization_source": "sysstat 12.6.1",
                "disks_allocated_bytes": 107374182400u64, "disks_used_bytes": 53687091200u64,
                "as_is": "m5.xlarge", "right_sized": "t3.large", "right_vcpus": 2,
                "right_memory_gib": 8.0}
        });
        let h: HostSummary = serde_json::from_value(full.clone()).unwrap();
        // Every field was given: the summary's own JSON has no other.
        assert_eq!(serde_json::to_value(&h).unwrap(), full);
        let store = Store::create(&d.join("s")).unwrap();
        let first = store.put(&h).unwrap();
        let second = store.put(&h).unwrap();
        for slot in [second, first] {
            assert_eq!(
                serde_json::to_value(store.get(slot).unwrap()).unwrap(),
                full
            );
        }
        // A slot longer than what was put is an error, not a summary.
        let long = Slot {
            offset: first.offset,
            len: first.len + second.len,
        };
        assert!(store.get(long).is_err());
        std::fs::remove_dir_all(d).unwrap();
    }

    #[test]
    fn summaries_and_lines_read_back() {
        let d = std::env::temp_dir().join(format!("lift-store-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        let store = Store::create(&d.join("s")).unwrap();
        let mut h: HostSummary = serde_json::from_value(serde_json::json!({
            "id": "a-1", "hostname": "a", "machine_id_sha256": null, "input": "a.lift",
            "started_secs": 0, "started_at": "", "os": "debian 12", "kernel": "6.1",
            "init": "systemd", "virtualization": "kvm", "readiness": "ready",
            "complete": true, "findings": [], "packages": 3, "addresses": ["10.0.0.1"],
            "listening": [], "links": [], "links_omitted": 0
        }))
        .unwrap();
        let a = store.put(&h).unwrap();
        h.hostname = "b\n\"quoted\"".into();
        let b = store.put(&h).unwrap();
        assert_eq!(store.get(b).unwrap().hostname, "b\n\"quoted\"");
        assert_eq!(store.get(a).unwrap().hostname, "a");
        assert_eq!(store.get(a).unwrap().addresses, ["10.0.0.1"]);

        let mut l: JsonLines<(String, u16)> = JsonLines::create(&d.join("l")).unwrap();
        assert!(l.iter().is_err(), "read before finish");
        l.push(&("x\ny".into(), 1)).unwrap();
        l.push(&("z".into(), 2)).unwrap();
        l.finish().unwrap();
        assert!(l.push(&("late".into(), 3)).is_err());
        let got: Vec<(String, u16)> = l.iter().unwrap().map(Result::unwrap).collect();
        assert_eq!(got, [("x\ny".to_string(), 1), ("z".into(), 2)]);
        assert_eq!(
            serde_json::to_string(&l).unwrap(),
            r#"[["x\ny",1],["z",2]]"#
        );
        // Twice: the list is read from the file each time.
        assert_eq!(l.iter().unwrap().count(), 2);
        std::fs::remove_dir_all(d).unwrap();
    }
}
