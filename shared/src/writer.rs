//! The streaming writer: records go into the zstd encoder as they come, so
//! the probe's memory does not grow with what it captures.
//!
//! The encoder's parameters are fixed whatever the level, so that its memory
//! is too: bench/results/probe-zstd-*.md measures each choice
//! (`bench/probe-zstd.sh`).

use crate::{codec, Record, FORMAT_VERSION, MAGIC};
use std::io::{self, Write};
use std::time::{Duration, Instant};

/// zstd level 9 gives about 97% of level 19's ratio at a fraction of the
/// time and memory.
pub const DEFAULT_LEVEL: i32 = 9;
/// A 2 MiB window: on a live bundle, 0.4% larger than a 4 MiB one, and
/// 2 MiB less memory in the probe and in every reader.
pub const WINDOW_LOG: u32 = 21;
/// Match-finder tables of 2^18 entries: level 9's own (2^21 hash, 2^20
/// chain) take 10 MiB more of the probe's memory for 0.4% of the size.
const HASH_LOG: u32 = 18;
const CHAIN_LOG: u32 = 18;
/// A record up to this size is encoded into a buffer kept for the next one,
/// then written to the encoder in one piece; a larger one (file content) is
/// encoded straight into the encoder, so that its bytes are never copied.
const SCRATCH: usize = 64 * 1024;

pub struct Writer<W: Write> {
    enc: zstd::Encoder<'static, W>,
    scratch: Vec<u8>,
    records: u64,
    level: i32,
    /// Bytes fed to the encoder, and the time it took them.
    fed: u64,
    busy: Duration,
    /// Bytes per second of the latest large write, the best guide to the
    /// next one (a large record is file content, maybe incompressible).
    last_large: Option<f64>,
}

/// zstd's largest block: the most input the encoder holds back
/// uncompressed until the next write or `finish`.
pub const ENCODER_BLOCK: usize = 128 * 1024;

/// A write this large measures the encoder by itself.
const LARGE_WRITE: usize = 256 * 1024;

impl<W: Write> Writer<W> {
    /// Writes the magic and version, then opens the compressed frame.
    pub fn new(mut out: W, level: i32) -> io::Result<Self> {
        out.write_all(MAGIC)?;
        out.write_all(&FORMAT_VERSION.to_le_bytes())?;
        let mut enc = zstd::Encoder::new(out, level)?;
        enc.include_checksum(true)?;
        enc.window_log(WINDOW_LOG)?;
        enc.set_parameter(zstd::zstd_safe::CParameter::HashLog(HASH_LOG))?;
        enc.set_parameter(zstd::zstd_safe::CParameter::ChainLog(CHAIN_LOG))?;
        Ok(Writer {
            enc,
            scratch: Vec::new(),
            records: 0,
            level,
            fed: 0,
            busy: Duration::ZERO,
            last_large: None,
        })
    }

    /// Appends one record. Fails if it is longer than the record limit, since
    /// no reader would accept it.
    pub fn write(&mut self, record: &Record) -> io::Result<()> {
        let len = codec::encoded_len(record)?;
        let t = Instant::now();
        self.enc.write_all(&(len as u32).to_le_bytes())?;
        if len <= SCRATCH {
            self.scratch.clear();
            codec::encode_into(record, &mut self.scratch, len)?;
            self.enc.write_all(&self.scratch)?;
        } else {
            codec::encode_into(record, &mut self.enc, len)?;
        }
        let took = t.elapsed();
        self.records += 1;
        self.fed += 4 + len as u64;
        self.busy += took;
        if len >= LARGE_WRITE {
            self.last_large = Some(len as f64 / took.as_secs_f64().max(1e-6));
        }
        Ok(())
    }

    pub fn level(&self) -> i32 {
        self.level
    }

    /// How many bytes per second the encoder takes: measured on the latest
    /// large record, else on all so far once a mebibyte has passed, else a
    /// cautious guess for the level (incompressible data on a slow core).
    /// Compression happens inside `write`, so a caller with a wall-clock
    /// budget sizes what it writes by this.
    pub fn throughput(&self) -> f64 {
        if let Some(rate) = self.last_large {
            return rate;
        }
        if self.fed >= 1 << 20 && !self.busy.is_zero() {
            return self.fed as f64 / self.busy.as_secs_f64();
        }
        // A fifth of what one free core of the build machine did on random
        // bytes with level 9's and 19's own tables (level 9: 100 MB/s, 19:
        // 2.6 MB/s): a loaded machine is slower. The writer's smaller tables
        // are faster (16 MiB of random bytes in 0.06 s and 4.0 s of CPU
        // time), so the guesses stay cautious.
        const MB: f64 = 1e6;
        match self.level {
            ..=9 => 20.0 * MB,
            10..=15 => 3.0 * MB,
            _ => 0.5 * MB,
        }
    }

    pub fn records(&self) -> u64 {
        self.records
    }

    /// Closes the frame (with its checksum) and returns the output.
    pub fn finish(self) -> io::Result<W> {
        self.enc.finish()
    }
}
