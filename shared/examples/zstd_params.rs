//! The measurements behind the writer's zstd parameters (issue 15):
//! compresses a bundle's decompressed record stream with each candidate
//! setting, streaming as the writer does (unknown size, 64 KiB writes), and
//! prints a Markdown table: compressed size, the encoder's memory
//! (`ZSTD_sizeof_CCtx` once the frame is done, which is what it allocated)
//! and the median compression time of RUNS runs (default 5).
//!
//! Usage: `cargo run --release -p lift-bundle --example zstd_params -- STREAM`
//! where STREAM is a bundle's record stream (`tail -c +13 B.lift | zstd -d`);
//! `bench/probe-zstd.sh` does all of it.

use std::time::Instant;

use zstd::zstd_safe::zstd_sys::ZSTD_EndDirective;
use zstd::zstd_safe::{CCtx, CParameter, InBuffer, OutBuffer};

/// A candidate: a level, then the parameters set on top of it (0: the
/// level's own).
struct Setting {
    level: i32,
    window_log: u32,
    hash_log: u32,
    chain_log: u32,
}

fn compress(data: &[u8], s: &Setting) -> (usize, usize) {
    let mut ctx = CCtx::create();
    let set = |ctx: &mut CCtx, p| ctx.set_parameter(p).expect("parameter");
    set(&mut ctx, CParameter::CompressionLevel(s.level));
    set(&mut ctx, CParameter::ChecksumFlag(true));
    if s.window_log > 0 {
        set(&mut ctx, CParameter::WindowLog(s.window_log));
    }
    if s.hash_log > 0 {
        set(&mut ctx, CParameter::HashLog(s.hash_log));
    }
    if s.chain_log > 0 {
        set(&mut ctx, CParameter::ChainLog(s.chain_log));
    }
    let mut out = Vec::with_capacity(data.len());
    let mut buf = vec![0u8; 1 << 17];
    for piece in data.chunks(64 << 10) {
        let mut input = InBuffer::around(piece);
        while input.pos() < piece.len() {
            let mut o = OutBuffer::around(&mut buf[..]);
            ctx.compress_stream2(&mut o, &mut input, ZSTD_EndDirective::ZSTD_e_continue)
                .expect("compress");
            let n = o.pos();
            out.extend_from_slice(&buf[..n]);
        }
    }
    loop {
        let mut o = OutBuffer::around(&mut buf[..]);
        let left = ctx.end_stream(&mut o).expect("end");
        let n = o.pos();
        out.extend_from_slice(&buf[..n]);
        if left == 0 {
            break;
        }
    }
    (out.len(), ctx.sizeof())
}

fn main() {
    let path = std::env::args().nth(1).expect("usage: zstd_params STREAM");
    let data = std::fs::read(&path).expect("read the stream");
    let runs: usize = std::env::var("RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5);
    let mut settings = Vec::new();
    for level in [3, 5, 6, 7, 8, 9, 10, 12] {
        settings.push(Setting {
            level,
            window_log: 22,
            hash_log: 0,
            chain_log: 0,
        });
    }
    for window_log in [19, 20, 21, 22, 23] {
        for hash_log in [16, 17, 18, 19, 21] {
            settings.push(Setting {
                level: 9,
                window_log,
                hash_log,
                chain_log: hash_log.min(20),
            });
        }
    }
    for level in [6, 7, 8] {
        for hash_log in [16, 17, 18] {
            settings.push(Setting {
                level,
                window_log: 22,
                hash_log,
                chain_log: hash_log,
            });
        }
    }
    println!(
        "Input: {} bytes of record stream. Median of {runs} runs each.\n",
        data.len()
    );
    println!(
        "| level | window log | hash log | chain log | compressed KiB | ratio | encoder MiB | ms |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|");
    let own = |v: u32| {
        if v == 0 {
            "level's".to_string()
        } else {
            v.to_string()
        }
    };
    for s in &settings {
        let mut times = Vec::new();
        let mut result = (0, 0);
        for _ in 0..runs {
            let t = Instant::now();
            result = compress(&data, s);
            times.push(t.elapsed().as_secs_f64() * 1e3);
        }
        times.sort_by(f64::total_cmp);
        let (size, mem) = result;
        println!(
            "| {} | {} | {} | {} | {:.1} | {:.2} | {:.2} | {:.0} |",
            s.level,
            own(s.window_log),
            own(s.hash_log),
            own(s.chain_log),
            size as f64 / 1024.0,
            data.len() as f64 / size as f64,
            mem as f64 / (1 << 20) as f64,
            times[times.len() / 2],
        );
    }
}
