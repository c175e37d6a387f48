//! How the cost of taking and releasing an export grows with the number of live exports in the ledger.
//!
//! Not a product benchmark: a measurement to run by hand when the ledger's index changes.
//!
//! ```text
//! cargo run --release -p parabuf-core --example ledger_scale
//! ```
//!
//! Every scenario fills a fresh [`Ledger`] with live exports, then times, per call:
//! - an acquire+release pair (read, then write) on a buffer no live export touches;
//! - where the live exports share one range, the pairs and a refused write on that range.
//!
//! Regions come from parabuf-owned buffers, so each acquire also pays the owner lookup the library does.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parabuf_core::{Ledger, OwnedBuffer, ReadGuard, Region};

/// Nanoseconds per call of `f`: the best of five rounds, each long enough (10 ms or more) to time.
fn ns_per_call(mut f: impl FnMut()) -> f64 {
    let mut iters = 1u64;
    loop {
        let t = Instant::now();
        for _ in 0..iters {
            f();
        }
        if t.elapsed() >= Duration::from_millis(10) {
            break;
        }
        iters *= 2;
    }
    (0..5)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..iters {
                f();
            }
            t.elapsed().as_nanos() as f64 / iters as f64
        })
        .fold(f64::INFINITY, f64::min)
}

fn read_pair(ledger: &Ledger, region: Region) -> f64 {
    ns_per_call(|| drop(black_box(ledger.read(black_box(region)).expect("nothing blocks a read here"))))
}

fn write_pair(ledger: &Ledger, region: Region) -> f64 {
    ns_per_call(|| drop(black_box(ledger.write(black_box(region)).expect("nothing blocks a write here"))))
}

fn refused_write(ledger: &Ledger, region: Region) -> f64 {
    ns_per_call(|| assert!(black_box(ledger.write(black_box(region))).is_err()))
}

/// Times `make` filling a ledger, in milliseconds, and returns what it made.
fn timed<T>(what: &str, make: impl FnOnce() -> T) -> T {
    let t = Instant::now();
    let made = make();
    println!("  {what}: {:.1} ms", t.elapsed().as_secs_f64() * 1e3);
    made
}

/// `n` live read exports, each on its own 64-byte buffer, and the pairs on one more buffer.
fn unrelated(n: usize) {
    println!("{n} live read exports on other buffers:");
    let ledger = Ledger::new();
    let buffers: Vec<Arc<OwnedBuffer>> = (0..n).map(|_| OwnedBuffer::zeroed(64)).collect();
    let guards: Vec<ReadGuard> =
        timed("create", || buffers.iter().map(|b| ledger.read(b.region()).expect("disjoint")).collect());
    let target = OwnedBuffer::zeroed(64);
    println!("  read acquire+release on an unrelated buffer: {:.0} ns", read_pair(&ledger, target.region()));
    println!("  write acquire+release on an unrelated buffer: {:.0} ns", write_pair(&ledger, target.region()));
    timed("release all", || drop(guards));
    assert_eq!(ledger.live_count(), 0);
}

/// `n` live read exports of one 4 KiB range.
fn same_range(n: usize) {
    println!("{n} live read exports of one range:");
    let ledger = Ledger::new();
    let shared = OwnedBuffer::zeroed(4096);
    let guards: Vec<ReadGuard> =
        timed("create", || (0..n).map(|_| ledger.read(shared.region()).expect("reads share")).collect());
    let target = OwnedBuffer::zeroed(64);
    println!("  read acquire+release on the same range: {:.0} ns", read_pair(&ledger, shared.region()));
    let inner = shared.region().sub(1024, 64).expect("inside");
    println!("  refused write inside the range: {:.0} ns", refused_write(&ledger, inner));
    println!("  read acquire+release on an unrelated buffer: {:.0} ns", read_pair(&ledger, target.region()));
    println!("  write acquire+release on an unrelated buffer: {:.0} ns", write_pair(&ledger, target.region()));
    timed("release all", || drop(guards));
}

/// One read export of a large range, `n` small read exports inside it, and the pairs on the bytes just past it (a
/// bound on the longest live export would make every query near the large one scan the small ones).
fn huge_and_small(n: usize) {
    println!("one read export of {n} x 64 bytes, {n} small read exports inside it:");
    let ledger = Ledger::new();
    let buffer = OwnedBuffer::zeroed(n * 64 + 4096);
    let huge = buffer.region().sub(0, n * 64).expect("inside");
    let guards: Vec<ReadGuard> = timed("create", || {
        std::iter::once(ledger.read(huge).expect("first"))
            .chain((0..n).map(|i| ledger.read(huge.sub(i * 64, 64).expect("inside")).expect("reads share")))
            .collect()
    });
    let past = buffer.region().sub(n * 64, 64).expect("inside");
    println!("  read acquire+release just past the large export: {:.0} ns", read_pair(&ledger, past));
    println!("  write acquire+release just past the large export: {:.0} ns", write_pair(&ledger, past));
    let middle = huge.sub(n / 2 * 64, 4096).expect("inside");
    println!("  refused write in the middle: {:.0} ns", refused_write(&ledger, middle));
    timed("release all", || drop(guards));
}

fn main() {
    for n in [0, 1_000, 100_000] {
        unrelated(n);
    }
    same_range(100_000);
    huge_and_small(100_000);
}
