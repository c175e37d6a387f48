//! The block interpreter: a program run over pieces of [`WIDTH`] elements, one tight loop per operator per piece.
//!
//! Work is cut into the pool's fixed blocks ([`BLOCK`](crate::BLOCK) elements, the same cut as every kernel, so
//! results never depend on the thread count), and each block into pieces of [`WIDTH`]. A piece loads every array
//! input (converted to doubles as JavaScript reads the elements), runs the program, and only then stores its result:
//! an output that is one of the inputs at exactly the same position is read before it is written.

use std::ops::Range;

use pulp::{Simd, WithSimd};

use super::compile::{Instr, Program, Reg, WIDTH};
use super::math;
use super::parse::{Binary, Ternary, Unary};
use crate::arch::simd_arch;
use crate::error::{Error, Result};
use crate::exec::{Cancel, Partials};
use crate::kernels::blocks::{for_each_block_mut, map_ranges};
use crate::kernels::convert::{Conversion, Store};
use crate::kernels::numeric::Numeric;
use crate::view::{ReadView, WriteView};

/// An array input as the interpreter reads it: any element type, as doubles.
trait Column: Send + Sync {
    fn len(&self) -> usize;
    /// Elements `start..start + out.len()` as doubles.
    fn load(&self, start: usize, out: &mut [f64]);
}

impl<T: Numeric> Column for ReadView<'_, T> {
    fn len(&self) -> usize {
        ReadView::len(self)
    }

    fn load(&self, start: usize, out: &mut [f64]) {
        #[cfg(all(target_arch = "x86_64", not(miri)))]
        if crate::arch::with_avx512(|simd| load_in_registers(simd, &self.slice(start..start + out.len()), out))
            == Some(true)
        {
            return;
        }
        if let Some(doubles) = T::as_double_view(self) {
            doubles.read_into(start, out);
            return;
        }
        let mut stage = [T::default(); WIDTH];
        let stage = &mut stage[..out.len()];
        self.read_into(start, stage);
        out.iter_mut().zip(stage.iter()).for_each(|(o, x)| *o = x.to_f64());
    }
}

/// Loads `view`, of doubles or floats, into `out` as doubles through AVX-512 registers, 64 bytes of doubles at a time
/// ([`ReadView::fold_groups`]) rather than through the 16-byte staged copy: fewer loads per cache line, so more lines in
/// flight while the piece's inputs stream in. Returns `false`, loading nothing, for other element types.
#[cfg(all(target_arch = "x86_64", not(miri)))]
fn load_in_registers<T: Numeric>(simd: pulp::x86::V4, view: &ReadView<'_, T>, out: &mut [f64]) -> bool {
    #[inline(always)]
    fn load<T: crate::arch::RegisterGroups + Numeric>(simd: pulp::x86::V4, view: &ReadView<'_, T>, out: &mut [f64]) {
        let groups = crate::arch::DOUBLES_PER_GROUP;
        let (_, whole) = view.fold_groups(simd, 0, |at, group| {
            out[at..at + groups].copy_from_slice(bytemuck::cast_slice(&group));
            at + groups
        });
        for (i, o) in out.iter_mut().enumerate().skip(whole) {
            *o = view.get(i).to_f64();
        }
    }
    if let Some(doubles) = T::as_double_view(view) {
        simd.vectorize(|| load(simd, &doubles, out));
    } else if let Some(floats) = T::as_float_view(view) {
        simd.vectorize(|| load(simd, &floats, out));
    } else {
        return false;
    }
    true
}

/// The value of one variable: a number broadcast to every element, or an array read element by element.
pub struct Input<'v>(Source<'v>);

enum Source<'v> {
    Scalar(f64),
    Array(Box<dyn Column + 'v>),
    /// The output's own elements, read before each piece of them is written.
    Output,
}

impl std::fmt::Debug for Input<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Source::Scalar(x) => f.debug_tuple("Input::Scalar").field(x).finish(),
            Source::Array(a) => f.debug_struct("Input::Array").field("len", &a.len()).finish(),
            Source::Output => f.write_str("Input::Output"),
        }
    }
}

impl<'v> Input<'v> {
    /// A number, the same for every element.
    pub fn scalar(x: f64) -> Input<'v> {
        Input(Source::Scalar(x))
    }

    /// An array of any element type but the 64-bit integers, read as JavaScript reads its elements (exactly, as
    /// doubles).
    ///
    /// # Errors
    /// [`Error::InvalidArgType`] for a view of `i64` or `u64` (a `BigInt64Array` or `BigUint64Array`), whose elements
    /// are bigints in JavaScript, which the language does not compute with.
    pub fn array<T: Numeric>(view: ReadView<'v, T>) -> Result<Input<'v>> {
        refuse_bigints::<T>("an input")?;
        Ok(Input(Source::Array(Box::new(view))))
    }

    /// The output array itself, as it is before the run: for an input that is the output at exactly the same
    /// position (`x = x * 2`, in place), which cannot also be viewed for reading while it is viewed for writing. Each
    /// piece of the output is read, as JavaScript reads its element type, before it is written. Only
    /// [`Bound::run_into`] has an output; reductions refuse this input.
    pub fn output() -> Input<'v> {
        Input(Source::Output)
    }

    /// The number of elements of an array input; `None` for a scalar or the output.
    pub fn len(&self) -> Option<usize> {
        match &self.0 {
            Source::Scalar(_) | Source::Output => None,
            Source::Array(a) => Some(a.len()),
        }
    }

    /// Whether this is an array input without elements.
    pub fn is_empty(&self) -> bool {
        self.len() == Some(0)
    }
}

/// Refuses the 64-bit integer types, which JavaScript reads and writes as bigints.
fn refuse_bigints<T: Numeric>(what: &str) -> Result<()> {
    if !T::IS_FLOAT && std::mem::size_of::<T>() == 8 {
        return Err(Error::arg_type(format!(
            "{what} of an expression cannot be a BigInt64Array or BigUint64Array: expressions compute with numbers, not bigints"
        )));
    }
    Ok(())
}

/// A program's registers on one thread, [`WIDTH`] doubles each: the constants' and scalar inputs' filled once, the
/// rest written per piece. The memory is the thread's spare registers when it has some (see [`Scratch::drop`]): a
/// small run otherwise spends a good part of its time allocating and zeroing them.
struct Scratch {
    regs: Vec<f64>,
}

thread_local! {
    /// The registers of this thread's last finished run, for the next one.
    static SPARE_REGISTERS: std::cell::Cell<Vec<f64>> = const { std::cell::Cell::new(Vec::new()) };
}

impl Drop for Scratch {
    /// Leaves the registers to the thread's next run, unless the spare ones are larger.
    fn drop(&mut self) {
        let regs = std::mem::take(&mut self.regs);
        // `try_with`: a run finishing while the thread's storage is torn down just frees its registers.
        let _ = SPARE_REGISTERS.try_with(|spare| {
            let other = spare.take();
            spare.set(if other.capacity() > regs.capacity() { other } else { regs });
        });
    }
}

impl Scratch {
    fn new(program: &Program, inputs: &[Input<'_>]) -> Scratch {
        let mut regs = SPARE_REGISTERS.try_with(|spare| spare.take()).unwrap_or_default();
        // Every register but the constants' and scalars' (filled below) is written before it is read, so the
        // values the spare ones hold do not matter.
        regs.resize(program.registers * WIDTH, 0.0);
        let mut scratch = Scratch { regs };
        for &(r, x) in &program.constants {
            scratch.reg_mut(r).fill(x);
        }
        for (input, &r) in inputs.iter().zip(&program.variable_registers) {
            if let Source::Scalar(x) = input.0 {
                scratch.reg_mut(r).fill(x);
            }
        }
        scratch
    }

    fn reg(&self, r: Reg) -> &[f64] {
        &self.regs[usize::from(r) * WIDTH..][..WIDTH]
    }

    fn reg_mut(&mut self, r: Reg) -> &mut [f64] {
        &mut self.regs[usize::from(r) * WIDTH..][..WIDTH]
    }

    /// The register `dst` to write, and a reader of the others (never `dst`: the compiler allocates an instruction's
    /// destination before freeing its operands).
    #[inline(always)]
    fn split<'s>(&'s mut self, dst: Reg) -> (&'s mut [f64], impl Fn(Reg) -> &'s [f64] + 's) {
        let d = usize::from(dst);
        let (before, rest) = self.regs.split_at_mut(d * WIDTH);
        let (out, after) = rest.split_at_mut(WIDTH);
        let (before, after) = (&*before, &*after);
        let read = move |r: Reg| {
            let r = usize::from(r);
            debug_assert_ne!(r, d, "an operand is never its instruction's destination");
            if r < d {
                &before[r * WIDTH..][..WIDTH]
            } else {
                &after[(r - d - 1) * WIDTH..][..WIDTH]
            }
        };
        (out, read)
    }
}

#[inline(always)]
fn map1(out: &mut [f64], a: &[f64], f: impl Fn(f64) -> f64) {
    out.iter_mut().zip(a).for_each(|(o, &x)| *o = f(x));
}

#[inline(always)]
fn map2(out: &mut [f64], a: &[f64], b: &[f64], f: impl Fn(f64, f64) -> f64) {
    out.iter_mut().zip(a.iter().zip(b)).for_each(|(o, (&x, &y))| *o = f(x, y));
}

#[inline(always)]
fn map3(out: &mut [f64], a: &[f64], b: &[f64], c: &[f64], f: impl Fn(f64, f64, f64) -> f64) {
    out.iter_mut().zip(a.iter().zip(b.iter().zip(c))).for_each(|(o, (&x, (&y, &z)))| *o = f(x, y, z));
}

// One loop per operator: the match is outside the loop, the operator's scalar function inside it with the operator a
// constant, which inlining resolves to the one operation.

#[inline(always)]
fn unary_loop(op: Unary, out: &mut [f64], a: &[f64]) {
    match op {
        Unary::Sin => return trig_loop(out, a, |n, y0, y1| math::sin_cos_in_quadrant(n, y0, y1).0, libm::sin),
        Unary::Cos => return trig_loop(out, a, |n, y0, y1| math::sin_cos_in_quadrant(n, y0, y1).1, libm::cos),
        _ => {}
    }
    macro_rules! arms {
        ($($v:ident),*) => { match op { $(Unary::$v => map1(out, a, |x| math::unary(Unary::$v, x)),)* } };
    }
    arms!(
        Neg, Not, Abs, Sign, Sqrt, Cbrt, Exp, Expm1, Log, Log1p, Log2, Log10, Sin, Cos, Tan, Asin, Acos, Atan, Sinh,
        Cosh, Tanh, Asinh, Acosh, Atanh, Floor, Ceil, Round, Trunc
    )
}

/// `sin` or `cos`: every element through the branch-free reduction (a loop that vectorises), then the rare huge
/// arguments again through `libm`'s: the values of `math::js_sin` and `math::js_cos`, element by element.
#[inline(always)]
fn trig_loop(out: &mut [f64], a: &[f64], reduced: impl Fn(f64, f64, f64) -> f64, full: fn(f64) -> f64) {
    // The reduction and the kernels as two loops: as one, the vectoriser picks vectors of two lanes.
    let mut parts = [[0.0f64; WIDTH]; 3];
    let [n, y0, y1] = &mut parts;
    let (n, y0, y1) = (&mut n[..a.len()], &mut y0[..a.len()], &mut y1[..a.len()]);
    for (((n, y0), y1), &x) in n.iter_mut().zip(y0.iter_mut()).zip(y1.iter_mut()).zip(a) {
        (*n, *y0, *y1) = math::reduce_pio2(x);
    }
    for (((o, &n), &y0), &y1) in out.iter_mut().zip(n.iter()).zip(y0.iter()).zip(y1.iter()) {
        *o = reduced(n, y0, y1);
    }
    // Checked without a branch per element (a loop that vectorises), the rare huge arguments then redone one by one.
    if a.iter().fold(false, |huge, x| huge | (x.abs() > math::TRIG_REDUCED)) {
        for (o, &x) in out.iter_mut().zip(a) {
            if x.abs() > math::TRIG_REDUCED {
                *o = full(x);
            }
        }
    }
}

#[inline(always)]
fn binary_loop(op: Binary, out: &mut [f64], a: &[f64], b: &[f64]) {
    macro_rules! arms {
        ($($v:ident),*) => { match op { $(Binary::$v => map2(out, a, b, |x, y| math::binary(Binary::$v, x, y)),)* } };
    }
    arms!(Add, Sub, Mul, Div, Rem, Pow, Lt, Le, Gt, Ge, Eq, Ne, And, Or, Min, Max, Atan2)
}

#[inline(always)]
fn ternary_loop(op: Ternary, out: &mut [f64], a: &[f64], b: &[f64], c: &[f64]) {
    macro_rules! arms {
        ($($v:ident),*) => { match op { $(Ternary::$v => map3(out, a, b, c, |x, y, z| math::ternary(Ternary::$v, x, y, z)),)* } };
    }
    arms!(Select, Clamp)
}

/// One piece of `n` elements from `start`: loads the inputs, runs the program, leaves the result in its register.
struct Piece<'a, 'v> {
    program: &'a Program,
    inputs: &'a [Input<'v>],
    scratch: &'a mut Scratch,
    start: usize,
    n: usize,
    /// The output's block being written, and the index of its first element, for [`Input::output`].
    output: Option<(&'a dyn Column, usize)>,
}

impl WithSimd for Piece<'_, '_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, _: S) {
        let Piece { program, inputs, scratch, start, n, output } = self;
        for (input, &r) in inputs.iter().zip(&program.variable_registers) {
            match (&input.0, output) {
                (Source::Array(a), _) => a.load(start, &mut scratch.reg_mut(r)[..n]),
                (Source::Output, Some((out, offset))) => out.load(start - offset, &mut scratch.reg_mut(r)[..n]),
                (Source::Output, None) => unreachable!("only run_into binds the output, and passes it"),
                (Source::Scalar(_), _) => {}
            }
        }
        for instr in &program.instrs {
            match instr {
                Instr::Unary { op, dst, a } => {
                    let (out, reg) = scratch.split(*dst);
                    unary_loop(*op, &mut out[..n], &reg(*a)[..n]);
                }
                Instr::Binary { op, dst, a, b } => {
                    let (out, reg) = scratch.split(*dst);
                    binary_loop(*op, &mut out[..n], &reg(*a)[..n], &reg(*b)[..n]);
                }
                Instr::Ternary { op, dst, a, b, c } => {
                    let (out, reg) = scratch.split(*dst);
                    ternary_loop(*op, &mut out[..n], &reg(*a)[..n], &reg(*b)[..n], &reg(*c)[..n]);
                }
                Instr::Hypot { dst, args } => {
                    let (out, reg) = scratch.split(*dst);
                    for (i, o) in out[..n].iter_mut().enumerate() {
                        *o = math::js_hypot(args.iter().map(|a| reg(*a)[i]));
                    }
                }
            }
        }
    }
}

/// Outputs of at least this many bytes are written with streaming stores ([`WriteView::write_lines_from`]), which
/// skip reading each line before writing it but leave nothing in the caches: an output this large, with its inputs,
/// overflows the last-level cache of the machines parabuf is measured on (32 MiB), so it would not have stayed there.
const STREAMING_OUTPUT_BYTES: usize = 16 << 20;

/// Stores a piece of doubles into an output of doubles, with a vector store per cache line where the processor has
/// AVX-512 (streaming ones when `streaming`), with 16-byte vector stores elsewhere.
#[inline(always)]
fn store_doubles(out: &mut WriteView<'_, f64>, start: usize, values: &[f64], streaming: bool) {
    #[cfg(all(target_arch = "x86_64", not(miri)))]
    if crate::arch::with_avx512(|simd| out.write_lines_from(simd, start, values, streaming)).is_some() {
        return;
    }
    let _ = streaming;
    out.write_vectors_from(start, values);
}

/// An expression with its inputs, checked against each other: ready to run into an output or to feed a reduction.
#[derive(Debug)]
pub struct Bound<'e, 'v> {
    program: &'e Program,
    inputs: Vec<Input<'v>>,
    len: Option<usize>,
}

impl<'e, 'v> Bound<'e, 'v> {
    /// Checks `inputs` (one per variable, in the order of the program's variables) and binds them.
    pub(crate) fn new(program: &'e Program, inputs: Vec<Input<'v>>) -> Result<Bound<'e, 'v>> {
        if inputs.len() != program.variables.len() {
            return Err(Error::arg_value(format!(
                "the expression has {} variable(s) ({}), got {} input(s)",
                program.variables.len(),
                program.variables.join(", "),
                inputs.len()
            )));
        }
        let mut len: Option<usize> = None;
        for input in &inputs {
            match (len, input.len()) {
                (Some(l), Some(m)) if l != m => return Err(Error::LengthMismatch { left: l, right: m }),
                (None, Some(m)) => len = Some(m),
                _ => {}
            }
        }
        Ok(Bound { program, inputs, len })
    }

    /// The length of the array inputs; `None` when every input is a scalar (or there is none).
    pub fn len(&self) -> Option<usize> {
        self.len
    }

    /// Whether the array inputs are empty (`false` without any array input).
    pub fn is_empty(&self) -> bool {
        self.len == Some(0)
    }

    fn scratch(&self) -> Scratch {
        Scratch::new(self.program, &self.inputs)
    }

    /// Runs one piece and returns its values.
    #[inline]
    fn piece<'s>(
        &self,
        scratch: &'s mut Scratch,
        start: usize,
        n: usize,
        output: Option<(&dyn Column, usize)>,
    ) -> &'s [f64] {
        debug_assert!(n <= WIDTH);
        if !self.program.instrs.is_empty() || self.inputs.iter().any(|i| !matches!(i.0, Source::Scalar(_))) {
            let inputs = &self.inputs;
            simd_arch().dispatch(Piece { program: self.program, inputs, scratch: &mut *scratch, start, n, output });
        }
        &scratch.reg(self.program.result)[..n]
    }

    fn refuse_output(&self) -> Result<()> {
        if self.inputs.iter().any(|i| matches!(i.0, Source::Output)) {
            return Err(Error::arg_value("an input given as the output has no values outside a run into that output"));
        }
        Ok(())
    }

    /// Stores the expression's value for every element into `out`, converting each as JavaScript's `out[i] = v`
    /// does for `out`'s type (`conversion`: [`Conversion::of`] the output's kind, which tells a `Uint8ClampedArray`
    /// from a `Uint8Array`).
    ///
    /// Blocks run on the pool (one block on the calling thread), each piece reading all its inputs before writing
    /// its output, so `out` may be an input at exactly the same position. The result is the same for any thread
    /// count. `cancel` is checked between blocks: a raised flag leaves the blocks already done written and the rest
    /// untouched.
    ///
    /// # Errors
    /// [`Error::InvalidArgType`] for an output of 64-bit integers; [`Error::LengthMismatch`] when `out` and the array
    /// inputs differ in length; [`Error::Aborted`] when `cancel` is raised before every block is done.
    pub fn run_into<U: Store>(&self, out: WriteView<'_, U>, conversion: Conversion, cancel: &Cancel) -> Result<()> {
        refuse_bigints::<U>("the output")?;
        if let Some(len) = self.len {
            if len != out.len() {
                return Err(Error::LengthMismatch { left: len, right: out.len() });
            }
        }
        // Only outputs of doubles stream, and only where there are streaming stores.
        #[cfg(all(target_arch = "x86_64", not(miri)))]
        let streaming = U::IS_FLOAT
            && std::mem::size_of::<U>() == 8
            && out.len() * 8 >= STREAMING_OUTPUT_BYTES
            && crate::arch::with_avx512(|_| ()).is_some();
        #[cfg(not(all(target_arch = "x86_64", not(miri))))]
        let streaming = false;
        for_each_block_mut(out, cancel, |offset, mut chunk| {
            let mut scratch = self.scratch();
            let mut stage = [U::default(); WIDTH];
            let mut start = 0;
            while start < chunk.len() {
                let n = WIDTH.min(chunk.len() - start);
                let read = chunk.as_read();
                if !streaming {
                    // The output's lines asked for ahead, as the inputs' are: its stores otherwise wait on each
                    // line's fetch with few stores in flight. (Streaming stores fetch nothing.)
                    let bytes = std::mem::size_of::<U>();
                    crate::arch::prefetch_ahead(
                        read.as_ptr().wrapping_add(start) as *const u8,
                        n * bytes,
                        (chunk.len() - start) * bytes,
                    );
                }
                let values = self.piece(&mut scratch, offset + start, n, Some((&read, offset)));
                if let Some(doubles) = U::as_double_write_view(&mut chunk) {
                    store_doubles(doubles, start, values, streaming);
                } else {
                    let stage = &mut stage[..n];
                    if conversion.clamps() {
                        stage.iter_mut().zip(values).for_each(|(s, &v)| *s = U::from_number_clamped(v));
                    } else {
                        stage.iter_mut().zip(values).for_each(|(s, &v)| *s = U::from_number(v));
                    }
                    chunk.write_from(start, stage);
                }
                start += n;
            }
            if streaming {
                crate::arch::store_fence();
            }
        })
    }

    /// `per_block(values)` for each block of elements in block order, `values` giving the expression's values of
    /// that block piece by piece, as a reduction kernel consumes an array's: the fused form of a reduction, which
    /// never holds more than a piece of values per thread. Blocks are the pool's usual ones (the same cut as
    /// [`map_blocks`](crate::exec::map_blocks) over an array of this length), so a reduction that combines per-block
    /// partials in block order is the same for any thread count.
    ///
    /// # Errors
    /// [`Error::InvalidArgValue`] when no input is an array (the values have no length); [`Error::Aborted`] when
    /// `cancel` is raised before every block is done.
    pub fn map_blocks<R, F>(&self, cancel: &Cancel, per_block: F) -> Result<Partials<R>>
    where
        R: Send,
        F: Fn(&mut BlockValues<'_, '_, '_>) -> R + Sync + Send,
    {
        self.refuse_output()?;
        let len = self.len.ok_or_else(|| {
            Error::arg_value("an expression whose inputs are all numbers has no length to reduce over: pass an array")
        })?;
        map_ranges(len, cancel, |range| {
            let mut scratch = self.scratch();
            per_block(&mut BlockValues { bound: self, range, scratch: &mut scratch })
        })
    }

    /// The expression's values for the elements `range`, into `out` (`out.len() == range.len()`): for a reduction
    /// that cuts its work its own way. Computes per [`WIDTH`]-element piece with registers of its own.
    ///
    /// # Errors
    /// [`Error::InvalidArgValue`] when an input is [`Input::output`].
    ///
    /// # Panics
    /// When `out`'s length is not the range's, or the range reaches past the array inputs.
    pub fn fill(&self, range: Range<usize>, out: &mut [f64]) -> Result<()> {
        self.refuse_output()?;
        assert_eq!(out.len(), range.len(), "one value per element of the range");
        let mut scratch = self.scratch();
        BlockValues { bound: self, range, scratch: &mut scratch }.staged(|offset, values| {
            out[offset..offset + values.len()].copy_from_slice(values);
        });
        Ok(())
    }
}

/// The values of one block of elements of a [`Bound`] expression, computed piece by piece.
pub struct BlockValues<'b, 'e, 'v> {
    bound: &'b Bound<'e, 'v>,
    range: Range<usize>,
    scratch: &'b mut Scratch,
}

impl std::fmt::Debug for BlockValues<'_, '_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlockValues").field("range", &self.range).finish()
    }
}

impl BlockValues<'_, '_, '_> {
    /// The elements of this block, as indices of the inputs.
    pub fn range(&self) -> Range<usize> {
        self.range.clone()
    }

    /// Calls `f(offset, values)` for consecutive pieces of the block's values, `offset` being the index of
    /// `values[0]` within the block. Every piece but the last has [`WIDTH`] values, a multiple of the compensated
    /// sum's lanes.
    #[inline(always)]
    pub fn staged(&mut self, mut f: impl FnMut(usize, &[f64])) {
        let mut offset = 0;
        let len = self.range.len();
        while offset < len {
            let n = WIDTH.min(len - offset);
            f(offset, self.bound.piece(self.scratch, self.range.start + offset, n, None));
            offset += n;
        }
    }
}
