//! Running an operation: take or borrow the exports its arrays need, run the core kernel inline or on the pool, and
//! hand back the result and the exports on the JavaScript thread.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

use napi::{sys, Env, JsValue, Unknown};
use parabuf_core::{
    execute, pool, Arg, Cancel, ElementKind, Error, ExportCell, Layout, Ledger, Lent, Mode, Op, Output, Region,
};
use smallvec::SmallVec;

use crate::errors::to_napi;
use crate::handle::HandleRecord;
use crate::inflight;
use crate::intake::{self, JsResult, KeepAlive};

/// Locks an export handle's cell (a poisoned lock still holds a consistent cell: no method panics midway).
pub fn lock(cell: &Mutex<ExportCell>) -> MutexGuard<'_, ExportCell> {
    cell.lock().unwrap_or_else(|p| p.into_inner())
}

/// One array argument as the facade passes it: an array or an export handle, seen whole or through a strided view.
pub struct ArgIn<'a, 'env> {
    /// Where the elements are.
    pub source: Source<'a, 'env>,
    /// The view's shape, strides and offset as the caller gave them, checked against the array when it is leased;
    /// `None` for the whole array.
    pub view: Option<ViewNumbers>,
}

/// The array of an [`ArgIn`].
pub enum Source<'a, 'env> {
    /// A typed array (for a `Float16Array`, its `Uint16Array` alias) and the [`ElementKind`] code the facade read.
    Array {
        /// The array.
        array: &'a Unknown<'env>,
        /// The kind code, checked against what Node-API reports.
        kind: u32,
    },
    /// An export handle: its array, kind and export come from its native record, never from JavaScript.
    Handle(&'a HandleRecord),
}

/// A strided view as JavaScript numbers (element units), made a [`Layout`] against the array's length when leased.
#[derive(Debug, Clone, Default)]
pub struct ViewNumbers {
    /// The shape.
    pub shape: Vec<f64>,
    /// The strides, row-major contiguous when absent.
    pub strides: Option<Vec<f64>>,
    /// The offset of the view's first element, 0 when absent.
    pub offset: Option<f64>,
}

impl ViewNumbers {
    /// The layout over an array of `len` elements.
    ///
    /// # Errors
    /// As [`Layout::from_numbers`]: a view reaching outside the array, sizes that are not non-negative integers.
    pub fn layout(&self, len: usize) -> Result<Layout, Error> {
        Layout::from_numbers(&self.shape, self.strides.as_deref(), self.offset, len)
    }
}

impl<'a, 'env> ArgIn<'a, 'env> {
    /// A whole typed array with its kind code.
    pub fn array(array: &'a Unknown<'env>, kind: u32) -> ArgIn<'a, 'env> {
        ArgIn { source: Source::Array { array, kind }, view: None }
    }

    /// A whole export handle's array.
    pub fn handle(handle: &'a HandleRecord) -> ArgIn<'a, 'env> {
        ArgIn { source: Source::Handle(handle), view: None }
    }
}

/// The exports of one operation's arrays. Dropping it gives lent exports back to their handles and releases the rest;
/// so every path (result, error, abort, an environment torn down before the result is delivered) cleans the ledger.
/// Inline storage for the (at most two) arguments: a call allocates nothing for them, and [`lease`] fills them in place
/// (a call's fixed cost is small enough for moving them to show).
#[derive(Default)]
pub struct Leases {
    /// The arguments, in order.
    pub args: SmallVec<[Arg; 2]>,
    homes: SmallVec<[Option<Arc<Mutex<ExportCell>>>; 2]>,
}

/// The buffer behind each argument, from its internal slot (a handle of the current call), which work that outlives the
/// call must hold.
pub type Buffers = SmallVec<[sys::napi_value; 2]>;

impl Drop for Leases {
    fn drop(&mut self) {
        // In place: an argument is a few hundred bytes, and moving each out cost a plain array's call three copies.
        for (arg, home) in self.args.iter_mut().zip(&mut self.homes) {
            if let Some(home) = home.take() {
                // The placeholder holds no export; the arguments then drop with nothing left to release.
                let region = arg.lent.region();
                lock(&home).give_back(std::mem::replace(&mut arg.lent, Lent::Alias { of: 0, region }));
            }
        }
    }
}

/// Set in an array's kind code when the array is seen through a strided view, whose layout follows the kind code.
pub const VIEW: u32 = 0x200;

/// Set in an array's kind code when the facade found it empty and unusable (detached or out of bounds): the intake then
/// asks the engine which, for the error ([`intake::typed_array_asking`]).
pub const ASK_BOUNDS: u32 = 0x100;

/// Checks that the facade's kind code matches what Node-API reports about the array.
pub(crate) fn checked_kind(
    code: u32,
    reported: Option<ElementKind>,
    what: &dyn fmt::Display,
) -> Result<ElementKind, Error> {
    let kind = ElementKind::from_code(code)?;
    let matches = reported == Some(kind) || (kind == ElementKind::Float16 && reported == Some(ElementKind::Uint16));
    if !matches {
        return Err(Error::arg_type(format!(
            "{what} is a {}, not a {kind}",
            reported.map_or("TypedArray of an unsupported type", ElementKind::name)
        )));
    }
    Ok(kind)
}

/// "sum() argument", "dot() argument 2", "cumsum() options.out", "evaluate() inputs.x": formatted only when an error
/// message needs it.
pub(crate) struct ArgumentName<'a> {
    /// The operation.
    pub operation: &'static str,
    /// The argument's position, when the operation takes more than one.
    pub position: Option<usize>,
    /// The name of an array the caller passes by name, not by position: a prefix (`"options."`, `"inputs."`) and the
    /// name itself.
    pub option: Option<(&'static str, &'a str)>,
}

impl fmt::Display for ArgumentName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.option, self.position) {
            (Some((prefix, name)), _) => write!(f, "{}() {prefix}{name}", self.operation),
            (None, Some(position)) => write!(f, "{}() argument {position}", self.operation),
            (None, None) => write!(f, "{}() argument", self.operation),
        }
    }
}

/// Work on leased arrays: an operation of the table, or an expression called on arrays. [`lease`], [`run_now`] and
/// [`run_later`] take either.
pub trait Job: Send + 'static {
    /// The name errors give it.
    fn name(&self) -> &'static str;
    /// The access each array argument needs, in order.
    fn modes(&self) -> SmallVec<[Mode; 2]>;
    /// How errors name array argument `index`.
    fn argument(&self, index: usize) -> ArgumentName<'_>;
    /// The earlier arguments whose memory written argument `index` may be exactly (the same bytes, viewed as the same
    /// kind): then it shares their export, lent as [`Lent::Alias`], rather than being refused as an overlap.
    fn may_alias(&self, index: usize) -> std::ops::Range<usize>;
    /// Whether the work over `args` is small enough to run inline rather than on the pool.
    fn runs_inline(&self, args: &[Arg]) -> bool;
    /// The name of array argument `index` when the job works along one axis of it, which then cannot be a view of
    /// more dimensions.
    fn one_axis(&self, _index: usize) -> Option<&'static str> {
        None
    }
    /// Runs it.
    ///
    /// # Errors
    /// Whatever it reports; a panic comes back as [`Error::Internal`].
    fn execute(&self, args: &mut [Arg], cancel: &Cancel) -> Result<Output, Error>;
}

impl Job for Op {
    fn name(&self) -> &'static str {
        Op::name(self)
    }

    fn modes(&self) -> SmallVec<[Mode; 2]> {
        Op::modes(self).collect()
    }

    fn argument(&self, index: usize) -> ArgumentName<'_> {
        let arrays = self.spec().arrays;
        let name = arrays.get(index).map_or("", |spec| spec.name);
        ArgumentName {
            operation: Op::name(self),
            position: (arrays.len() > 1).then_some(index + 1),
            option: name.strip_prefix("options.").map(|name| ("options.", name)),
        }
    }

    fn may_alias(&self, index: usize) -> std::ops::Range<usize> {
        match self.spec().arrays.get(index).and_then(|spec| spec.may_alias) {
            Some(of) => of..of + 1,
            None => 0..0,
        }
    }

    fn runs_inline(&self, args: &[Arg]) -> bool {
        Op::runs_inline(self, args)
    }

    fn one_axis(&self, index: usize) -> Option<&'static str> {
        self.spec().arrays.get(index).filter(|spec| spec.one_axis).map(|spec| spec.name)
    }

    fn execute(&self, args: &mut [Arg], cancel: &Cancel) -> Result<Output, Error> {
        execute(self, args, cancel)
    }
}

/// Takes the exports `job` needs on `inputs` into `leases`: lent from their handles, or freshly acquired from the global
/// ledger, and the buffer behind each into `buffers`. With `refuse_resizable`, arrays on resizable `ArrayBuffer`s are refused.
///
/// Everything is read from engine state here, after every argument conversion that could run JavaScript: a getter
/// that detached or resized a buffer has already run, and nothing below runs user code.
///
/// # Errors
/// Any intake or ledger error; exports taken before the failing argument are released when `leases` is dropped.
pub fn lease(
    env: &Env,
    job: &dyn Job,
    inputs: &[ArgIn<'_, '_>],
    refuse_resizable: bool,
    leases: &mut Leases,
    buffers: &mut Buffers,
) -> Result<(), Error> {
    let modes = job.modes();
    if inputs.len() != modes.len() {
        return Err(Error::internal(format!("{}() takes {} arrays, got {}", job.name(), modes.len(), inputs.len())));
    }
    for (index, (input, &mode)) in inputs.iter().zip(&modes).enumerate() {
        let what = job.argument(index);
        // Refused before anything is leased: a view of several dimensions, even one exported as a plain run of bytes.
        if let (Some(view), Some(array)) = (&input.view, job.one_axis(index)) {
            if view.shape.len() > 1 {
                return Err(parabuf_core::ops::one_axis_refused(job.name(), array, view.shape.len()));
            }
        }
        let aliased = |found: &dyn Fn(usize) -> bool| job.may_alias(index).find(|&of| found(of));
        let buffer = match &input.source {
            Source::Handle(handle) => {
                let plain = input.view.is_none();
                // A write handle lent to an earlier argument of this call is shared with this one, where the job
                // allows it (asking the handle again would be refused: its export is out).
                if let Some(of) = aliased(&|of| plain && same_handle(leases, of, handle)) {
                    let region = leases.args[of].lent.region();
                    leases.args.push(Arg::new(handle.element_kind(), Lent::Alias { of, region }));
                    leases.homes.push(None);
                } else {
                    if input.view.is_some() && handle.view_shape().is_some() {
                        return Err(Error::arg_value(format!(
                            "{what} is a view of an export of a view: take the view of the array itself"
                        )));
                    }
                    let lent = handle.lend(mode, job.name())?;
                    let kind = handle.element_kind();
                    let elements = lent.region().len() / kind.size();
                    // Pushed at once, so that an error below gives the export back to its handle. A run of bytes
                    // exported for a view keeps the view's shape (a strided export carries its layout itself).
                    let shape = handle.view_shape().filter(|_| lent_is_plain(&lent)).map(<[usize]>::to_vec);
                    leases.args.push(Arg { shape, ..Arg::new(kind, lent) });
                    leases.homes.push(Some(handle.cell()));
                    if let Some(view) = &input.view {
                        let layout = view.layout(elements)?;
                        if mode == Mode::Write {
                            layout.check_writable()?;
                        }
                        if let Some(arg) = leases.args.last_mut() {
                            arg.layout = Some(layout);
                        }
                    }
                }
                handle.current(env, &what)?.buffer
            }
            Source::Array { array, kind } => {
                let info = intake::typed_array_asking(env, array, &what, kind & ASK_BOUNDS != 0)?;
                let kind = checked_kind(kind & !(ASK_BOUNDS | VIEW), info.napi_kind, &what)?;
                if refuse_resizable && intake::is_resizable(env, info.buffer)? {
                    return Err(Error::Resizable { operation: job.name() });
                }
                let Viewed { region, strided, shape } = match &input.view {
                    None => Viewed { region: info.region, strided: None, shape: None },
                    Some(view) => viewed_region(info.region, kind, view.layout(info.region.len() / kind.size())?)?,
                };
                let lent = match strided {
                    Some(layout) if mode == Mode::Read => {
                        Ledger::global().read_strided(info.region, kind.size(), layout).map(Lent::ReadAlone)
                    }
                    Some(layout) => Ledger::global().write_strided(info.region, kind.size(), layout).map(Lent::Write),
                    None => match aliased(&|of| mode == Mode::Write && shares_exactly(leases, of, kind, region)) {
                        Some(of) => {
                            // Every other argument of this call on exactly these elements becomes an alias of the
                            // first, so that their read exports do not stand in the way of its write export.
                            for other in job.may_alias(index).filter(|&other| other != of) {
                                if shares_exactly(leases, other, kind, region) {
                                    if let Some(arg) = leases.args.get_mut(other) {
                                        if let Lent::ReadAlone(_) = arg.lent {
                                            arg.lent = Lent::Alias { of, region };
                                        }
                                    }
                                }
                            }
                            take_write(leases, of).map_err(|e| e.relative_to(info.base()))?;
                            Ok(Lent::Alias { of, region })
                        }
                        None if mode == Mode::Read => Ledger::global().read(region).map(Lent::ReadAlone),
                        None => Ledger::global().write(region).map(Lent::Write),
                    },
                }
                .map_err(|e| e.relative_to(info.base()))?;
                leases.args.push(Arg { shape, ..Arg::new(kind, lent) });
                leases.homes.push(None);
                info.buffer
            }
        };
        if refuse_resizable && matches!(input.source, Source::Handle(_)) && intake::is_resizable(env, buffer)? {
            return Err(Error::Resizable { operation: job.name() });
        }
        buffers.push(buffer);
    }
    Ok(())
}

/// What a view of an array exports ([`viewed_region`]).
pub(crate) struct Viewed {
    /// The bytes exported: the view's own run, or the whole array for a strided export.
    pub region: Region,
    /// The layout of a strided export; `None` for a run of bytes.
    pub strided: Option<Layout>,
    /// The view's shape, for a run of bytes (reductions along axes see its elements in this shape).
    pub shape: Option<Vec<usize>>,
}

/// What a view of an array exports: the bytes of its elements when they are a row-major run of the array (a subarray
/// in all but name, exported and aliased as one, with the view's shape for reductions along axes), else the array's
/// region with the strided layout, for a strided export of exactly the elements it reaches.
pub(crate) fn viewed_region(region: Region, kind: ElementKind, layout: Layout) -> Result<Viewed, Error> {
    if !layout.is_row_major() {
        return Ok(Viewed { region, strided: Some(layout), shape: None });
    }
    let size = kind.size();
    let span = layout.element_span().unwrap_or(0..0);
    let run = region
        .sub(span.start * size, span.len() * size)
        .ok_or_else(|| Error::internal("a checked view reaches past its array"))?;
    Ok(Viewed { region: run, strided: None, shape: Some(layout.shape().to_vec()) })
}

/// Whether `lent` is a run of bytes rather than a strided export.
fn lent_is_plain(lent: &Lent) -> bool {
    match lent {
        Lent::Read(guard) => guard.layout().is_none(),
        Lent::ReadAlone(guard) => guard.layout().is_none(),
        Lent::Write(guard) => guard.layout().is_none(),
        Lent::Alias { .. } => true,
    }
}

/// Whether `handle` is the handle argument `of` was lent from, with its write export: then a write argument that may
/// alias `of` shares that export rather than asking the handle a second time (which a lent write export refuses).
fn same_handle(leases: &Leases, of: usize, handle: &HandleRecord) -> bool {
    let home = leases.homes.get(of).and_then(Option::as_ref);
    home.is_some_and(|home| Arc::ptr_eq(home, &handle.cell()))
        && leases.args.get(of).is_some_and(|arg| {
            arg.kind == handle.element_kind() && arg.view_layout().is_none() && matches!(arg.lent, Lent::Write(_))
        })
}

/// Whether argument `of`, leased already, covers exactly `region` as `kind` under an export this call may write
/// through: a write export, or a read export taken for this call alone (which [`take_write`] upgrades). A read export
/// lent by a handle is the caller's promise not to write, and is left to refuse the write as any overlap does.
fn shares_exactly(leases: &Leases, of: usize, kind: ElementKind, region: Region) -> bool {
    leases.args.get(of).is_some_and(|arg| {
        arg.kind == kind
            && arg.lent.region() == region
            && arg.view_layout().is_none()
            && matches!(arg.lent, Lent::Write(_) | Lent::ReadAlone(_))
    })
}

/// Makes argument `of`'s export a write export: a read export taken for this call is released and the write export
/// taken in its place (which another thread's export of the same bytes, taken in between, refuses as usual).
fn take_write(leases: &mut Leases, of: usize) -> Result<(), Error> {
    let arg = &mut leases.args[of];
    if let Lent::ReadAlone(_) = arg.lent {
        let region = arg.lent.region();
        // The placeholder holds no export, so that the read export is released before the write export is asked for;
        // should that fail, dropping the leases finds nothing to give back for it.
        drop(std::mem::replace(&mut arg.lent, Lent::Alias { of, region }));
        arg.lent = Lent::Write(Ledger::global().write(region)?);
    }
    Ok(())
}

/// Runs `job` now, on the calling (JavaScript) thread's behalf; the kernel itself still spreads over the pool.
///
/// # Errors
/// As [`lease`] and [`Job::execute`].
pub fn run_now(env: &Env, job: &dyn Job, inputs: &[ArgIn<'_, '_>]) -> Result<Output, Error> {
    let mut leases = Leases::default();
    lease(env, job, inputs, false, &mut leases, &mut Buffers::new())?;
    // The calling thread waits for the result, so the pool keeps its cores for this work (see the flag's doc).
    job.execute(&mut leases.args, &Cancel::for_blocked_caller())
}

/// Starts `job`: inline when small (the result itself comes back), else on the pool (a promise comes back, which
/// settles on the JavaScript thread).
///
/// Work on the pool holds the buffers themselves (found through the arrays' internal slots), not the objects the
/// facade passed: whatever happens to a handle or a property meanwhile, the memory stays reachable until it settles.
///
/// # Errors
/// As [`lease`]; later failures reject the promise.
pub fn run_later<J: Job>(env: &Env, job: J, inputs: &[ArgIn<'_, '_>], cancel: Cancel) -> napi::Result<sys::napi_value> {
    if cancel.is_cancelled() {
        return Err(to_napi(env, &Error::Aborted { operation: Some(job.name()) }));
    }
    let mut leases = Leases::default();
    let mut buffers = Buffers::new();
    lease(env, &job, inputs, true, &mut leases, &mut buffers).map_err(|e| to_napi(env, &e))?;
    if job.runs_inline(&leases.args) {
        let result = job.execute(&mut leases.args, &cancel);
        drop(leases);
        return result.map_err(|e| to_napi(env, &e)).and_then(|out| intake::to_js(env, out));
    }
    let keep: Vec<KeepAlive> = buffers
        .iter()
        .map(|buffer| KeepAlive::of_raw(env, *buffer))
        .collect::<Result<_, _>>()
        .map_err(|e| to_napi(env, &e))?;
    let running = inflight::start(env, &cancel)?;
    let (deferred, promise) = env.create_deferred()?;
    pool().spawn(move || {
        let mut leases = leases;
        let result = job.execute(&mut leases.args, &cancel);
        drop(running);
        deferred.resolve(move |env| settle(&env, job.name(), leases, keep, result, &cancel));
    });
    Ok(promise.raw())
}

/// On the JavaScript thread, after the kernel returned: release the exports, then report the result, unless the
/// operation was aborted before this point (even if the kernel had already finished: an abort that JavaScript saw
/// happen before the promise settled always wins, whatever the threads' timing) or a buffer was detached meanwhile
/// (its memory may have moved under the kernel, so the result cannot be trusted).
fn settle(
    env: &Env,
    operation: &'static str,
    leases: Leases,
    keep: Vec<KeepAlive>,
    result: Result<Output, Error>,
    cancel: &Cancel,
) -> napi::Result<JsResult> {
    drop(leases);
    let mut detached = false;
    for held in keep {
        detached |= held.is_detached_buffer(env).unwrap_or(false);
        held.release(env);
    }
    let result = if cancel.is_cancelled() {
        Err(Error::Aborted { operation: Some(operation) })
    } else if detached {
        Err(Error::Detached { what: format!("an array passed to {operation}() while it ran") })
    } else {
        result
    };
    result.map(JsResult).map_err(|e| to_napi(env, &e))
}
