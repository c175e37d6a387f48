//! Where kernels run: parabuf's own rayon pool, fixed-size blocks, and cooperative cancellation.
//!
//! Determinism: every kernel cuts its input into blocks of [`BLOCK`] elements, whatever the thread count, computes one
//! partial result per block, and combines the partials in block order. Which thread computed a block never affects the
//! result, so float reductions are bit-identical for any `PARABUF_THREADS` and every run.

use std::cell::Cell;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::view::{Element, ReadView};

/// Elements per block. 16 Ki elements (128 KiB of `f64`) keeps a block in L2, makes the per-block overhead (a cancel
/// check, one partial) negligible, and still leaves thousands of blocks to balance across threads at 1e8 elements.
pub const BLOCK: usize = 1 << 14;

/// A flag an operation's owner raises to stop it. Kernels check it between blocks, and each check is also where a pool
/// thread may offer its core to other threads (`yield_point`), unless the flag is [`Cancel::for_blocked_caller`]'s.
#[derive(Clone, Debug)]
pub struct Cancel {
    /// `None` for work whose caller blocks on it: nothing can raise its flag, so a call allocates none.
    flag: Option<Arc<AtomicBool>>,
    /// Whether the pool threads doing this work offer their cores at its checks.
    yields: bool,
}

impl Default for Cancel {
    fn default() -> Cancel {
        Cancel::new()
    }
}

impl Cancel {
    /// A flag that is not raised, for work that runs beside its caller (an asynchronous call): the pool threads doing
    /// it offer their cores now and then, so that the caller's thread gets one when it wakes.
    pub fn new() -> Cancel {
        Cancel { flag: Some(Arc::default()), yields: true }
    }

    /// A flag that is never raised, for work its caller blocks on until it is done (a synchronous call). The pool
    /// threads doing it keep their cores: the thread the offers are for is the caller, and it is waiting for this very
    /// work; each offer is a system call (bench/README.md, "Offering cores").
    pub fn for_blocked_caller() -> Cancel {
        Cancel { flag: None, yields: false }
    }

    /// Raises the flag; the operation stops at its next check. Does nothing to [`Cancel::for_blocked_caller`]'s,
    /// which no one else holds.
    pub fn cancel(&self) {
        if let Some(flag) = &self.flag {
            flag.store(true, Ordering::Relaxed);
        }
    }

    /// Whether the flag is raised. Kernels ask between blocks, so this is also a yield point (`yield_point`).
    pub fn is_cancelled(&self) -> bool {
        self.yield_point();
        self.flag.as_ref().is_some_and(|flag| flag.load(Ordering::Relaxed))
    }

    /// `Err(Aborted)` once the flag is raised.
    ///
    /// # Errors
    /// [`Error::Aborted`], its operation not yet named (see [`Error::in_operation`]).
    pub fn check(&self) -> Result<()> {
        if self.is_cancelled() {
            Err(Error::Aborted { operation: None })
        } else {
            Ok(())
        }
    }

    /// Where a pool thread doing this work offers its core ([`offer_core`]), unless the work's caller is blocked on it
    /// ([`Cancel::for_blocked_caller`]).
    pub(crate) fn yield_point(&self) {
        if self.yields {
            offer_core();
        }
    }
}

/// The thread count parabuf's pool uses: `PARABUF_THREADS` when it is a positive integer (read once, at first use),
/// else the machine's available parallelism.
pub fn threads() -> usize {
    pool().current_num_threads()
}

fn configured_threads() -> usize {
    std::env::var("PARABUF_THREADS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// How long a pool thread computes before it next offers its core to a thread waiting for one.
const YIELD_EVERY: Duration = Duration::from_micros(200);

/// Where a pool thread that has computed for [`YIELD_EVERY`] since it last did so gives its core to any thread that is
/// waiting for one (`sched_yield`; it returns at once when none is). With as many pool threads as cores, the
/// JavaScript thread woken by a timer or by I/O otherwise waits for the end of a pool thread's time slice
/// (bench/README.md, "Offering cores"). Costs one clock read per call and one system call per 200 µs of work; nothing on
/// threads outside the pool.
fn offer_core() {
    thread_local! {
        static LAST_YIELD: Cell<Option<Instant>> = const { Cell::new(None) };
    }
    if rayon::current_thread_index().is_none() {
        return;
    }
    LAST_YIELD.with(|last| {
        let now = Instant::now();
        if last.get().is_none_or(|at| now.duration_since(at) >= YIELD_EVERY) {
            #[cfg(test)]
            tests::OFFERS.with(|offers| offers.set(offers.get() + 1));
            std::thread::yield_now();
            last.set(Some(Instant::now()));
        }
    });
}

/// parabuf's own thread pool, separate from rayon's global pool and from Node's libuv pool.
pub fn pool() -> &'static rayon::ThreadPool {
    static POOL: OnceLock<rayon::ThreadPool> = OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(configured_threads())
            .thread_name(|i| format!("parabuf-{i}"))
            .build()
            .unwrap_or_else(|_| {
                // Thread creation can fail under tight limits; one thread still computes every result correctly.
                rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("a one-thread pool")
            })
    })
}

/// Whether work of `blocks` blocks should run on the calling thread rather than on the pool: a single block has nothing
/// to share, and handing it to the pool (waking a sleeping thread, then waiting to be woken back) costs several
/// microseconds, more than summing a whole block of small size. The blocks, and so the results, are the same either way.
pub fn runs_on_caller(blocks: usize) -> bool {
    blocks <= 1
}

/// The [`BLOCK`]-sized range `block` of `0..len`: how every kernel cuts its input.
pub(crate) fn block_range(block: usize, len: usize) -> Range<usize> {
    block * BLOCK..((block + 1) * BLOCK).min(len)
}

/// The one driver of block-parallel work, which every loop over blocks is a thin wrapper over: folds `pieces` (one
/// per block, in block order; `vec![(); blocks]` costs no allocation when the block index is all a fold needs) with
/// `fold(accumulator, block index, piece)` into accumulators made by `init`, and returns the accumulators in block
/// order.
///
/// One block runs on the calling thread into a single accumulator (see [`runs_on_caller`]); more go to the pool,
/// where rayon gives each run of consecutive blocks (at least `min_len` of them) an accumulator of its own, so which
/// blocks share one depends on scheduling: for per-block results, fold into a vector (as [`map_block_indices`] does).
///
/// `cancel` is checked before the first block, on the pool before each block (where a pool thread may offer its core,
/// see [`Cancel`]), and once more when the pool is done.
///
/// # Errors
/// [`Error::Aborted`] (not yet named) when `cancel` is raised before every block is done.
pub(crate) fn run_blocks<P, A>(
    pieces: Vec<P>,
    cancel: &Cancel,
    min_len: usize,
    init: impl Fn() -> A + Sync + Send,
    fold: impl Fn(&mut A, usize, P) + Sync + Send,
) -> Result<impl Iterator<Item = A>>
where
    P: Send,
    A: Send,
{
    cancel.check()?;
    if runs_on_caller(pieces.len()) {
        let mut acc = init();
        pieces.into_iter().enumerate().for_each(|(b, piece)| fold(&mut acc, b, piece));
        return Ok(Some(acc).into_iter().chain(Vec::new()));
    }
    let partials: Vec<A> = pool().install(|| {
        pieces
            .into_par_iter()
            .enumerate()
            .with_min_len(min_len.max(1))
            .try_fold(&init, |mut acc, (b, piece)| {
                cancel.check()?;
                fold(&mut acc, b, piece);
                Ok(acc)
            })
            .collect::<Result<_>>()
    })?;
    cancel.check()?;
    Ok(None.into_iter().chain(partials))
}

/// Per-block results in block order. Inline room for one: most calls are one block (or none), and then they allocate
/// nothing for their results.
pub type Partials<R> = smallvec::SmallVec<[R; 1]>;

/// `per_block(b)` for every block index `b` of `0..blocks`, in block order: [`run_blocks`]'s rules (one block on the
/// calling thread, the rest on the pool, the flag checked before each block), specialised to one result per block.
/// The results go straight to their slots (rayon's indexed collect) rather than through per-thread accumulators,
/// which cost an allocation each and a copy; `bench/README.md` has the comparison.
///
/// # Errors
/// [`Error::Aborted`] when `cancel` is raised before every block is done.
pub(crate) fn map_block_indices<R, F>(blocks: usize, cancel: &Cancel, per_block: F) -> Result<Partials<R>>
where
    R: Send,
    F: Fn(usize) -> R + Sync + Send,
{
    cancel.check()?;
    if runs_on_caller(blocks) {
        return Ok((0..blocks).map(per_block).collect());
    }
    let partials: Vec<Option<R>> = pool()
        .install(|| (0..blocks).into_par_iter().map(|b| (!cancel.is_cancelled()).then(|| per_block(b))).collect());
    cancel.check()?;
    partials.into_iter().collect::<Option<Partials<R>>>().ok_or(Error::Aborted { operation: None })
}

/// Applies `per_block` to each [`BLOCK`]-sized piece of `view` on the pool and returns the results in block order
/// (`run_blocks`). A view of one block is done on the calling thread (see [`runs_on_caller`]).
///
/// # Errors
/// [`Error::Aborted`] when `cancel` is raised before every block is done.
pub fn map_blocks<T, R, F>(view: &ReadView<'_, T>, cancel: &Cancel, per_block: F) -> Result<Partials<R>>
where
    T: Element,
    R: Send,
    F: Fn(ReadView<'_, T>) -> R + Sync + Send,
{
    let len = view.len();
    map_block_indices(len.div_ceil(BLOCK), cancel, |b| per_block(view.slice(block_range(b, len))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::Ledger;
    use crate::region::OwnedBuffer;

    #[test]
    fn blocks_come_back_in_order() {
        let buf = OwnedBuffer::zeroed(8 * (BLOCK * 3 + 5));
        let ledger = Ledger::new();
        let guard = ledger.read(buf.region()).unwrap();
        let view = guard.view::<u64>().unwrap();
        let lens = map_blocks(&view, &Cancel::new(), |b| b.len()).unwrap();
        assert_eq!(lens.as_slice(), [BLOCK, BLOCK, BLOCK, 5]);
    }

    #[test]
    fn a_raised_flag_aborts() {
        let buf = OwnedBuffer::zeroed(8 * BLOCK * 4);
        let ledger = Ledger::new();
        let guard = ledger.read(buf.region()).unwrap();
        let view = guard.view::<u64>().unwrap();
        let cancel = Cancel::new();
        cancel.cancel();
        let err = map_blocks(&view, &cancel, |b| b.len()).unwrap_err();
        assert_eq!(err, Error::Aborted { operation: None });
    }

    #[test]
    fn one_block_runs_on_the_calling_thread() {
        let buf = OwnedBuffer::zeroed(8 * 100);
        let ledger = Ledger::new();
        let guard = ledger.read(buf.region()).unwrap();
        let view = guard.view::<u64>().unwrap();
        let caller = std::thread::current().id();
        let ran_on = map_blocks(&view, &Cancel::new(), |b| (b.len(), std::thread::current().id())).unwrap();
        assert_eq!(ran_on.as_slice(), [(100, caller)]);
        let empty = guard.view::<u64>().unwrap().slice(0..0);
        assert!(map_blocks(&empty, &Cancel::new(), |b| b.len()).unwrap().is_empty());
        let cancel = Cancel::new();
        cancel.cancel();
        assert_eq!(map_blocks(&view, &cancel, |b| b.len()).unwrap_err(), Error::Aborted { operation: None });
    }

    #[test]
    fn pool_has_threads() {
        assert!(threads() >= 1);
    }

    thread_local! {
        /// Cores this thread has offered ([`offer_core`]'s system calls made).
        pub(super) static OFFERS: Cell<usize> = const { Cell::new(0) };
    }

    /// The cores a pool thread offers at one check of `cancel`, made after the thread has run longer than
    /// [`YIELD_EVERY`] without offering one.
    fn offers_at_a_check(cancel: &Cancel) -> usize {
        pool().install(|| {
            std::thread::sleep(YIELD_EVERY * 2);
            let before = OFFERS.with(Cell::get);
            cancel.is_cancelled();
            OFFERS.with(Cell::get) - before
        })
    }

    #[test]
    fn only_work_beside_its_caller_offers_cores() {
        assert_eq!(offers_at_a_check(&Cancel::new()), 1);
        assert_eq!(offers_at_a_check(&Cancel::default()), 1);
        assert_eq!(offers_at_a_check(&Cancel::for_blocked_caller()), 0);
        // Off the pool (the caller's own thread, running a small call inline) no check offers a core.
        let before = OFFERS.with(Cell::get);
        Cancel::new().is_cancelled();
        assert_eq!(OFFERS.with(Cell::get), before);
        // A flag for a blocked caller cannot be raised (no one else holds it); any other flag stops the work, and its
        // clones with it.
        let blocked = Cancel::for_blocked_caller();
        blocked.cancel();
        assert!(!blocked.is_cancelled());
        let cancel = Cancel::new();
        let clone = cancel.clone();
        cancel.cancel();
        assert!(clone.is_cancelled());
    }
}
