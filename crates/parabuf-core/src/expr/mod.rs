//! Elementwise expressions: `sqrt(x*x + y*y)`, `a * b + c`, `v > t ? v : 0`, compiled once and run block by block on
//! the pool, with JavaScript's semantics for every element.
//!
//! - [`Expression::compile`] (or [`compile_cached`]) parses a source and compiles it for the block interpreter; its
//!   [`variables`](Expression::variables) are the free names, in order of first appearance.
//! - [`Expression::bind`] (or [`Expression::bind_named`]) checks one [`Input`] per variable — a number, or a read view
//!   of any element type but the 64-bit integers — into a [`Bound`] expression.
//! - [`Bound::run_into`] stores the values into a write view, converting as JavaScript's `out[i] = v`;
//!   [`Bound::map_blocks`] hands them to a reduction block by block without an array of them, as [`sum`] does.
//!
//! # The language
//! Numbers (`1`, `1.5`, `.5`, `1e-3`, `0x1F`, `0o17`, `0b101`, `Infinity`, `NaN`) and the constants `PI` and `E`;
//! variables (ASCII JavaScript identifiers, but for JavaScript's reserved words and the names of the functions);
//! the operators `+`, `-`, `*`, `/`, `%` and `**` (right-associative; a unary operator directly before the base of
//! `**`, as in `-2 ** 2`, is a syntax error, as in JavaScript); unary `-`, `+` and `!`; the comparisons `<`, `<=`, `>`,
//! `>=`, `==`, `!=`, `===` and `!==` (1 or 0); `&&` and `||`; `c ? x : y`; parentheses. Functions of one argument:
//! `abs sign sqrt cbrt exp expm1 log log1p log2 log10 sin cos tan asin acos atan sinh cosh tanh asinh acosh atanh
//! floor ceil round trunc`; of two: `atan2 pow`; of three: `where clamp`; of one or more: `min max hypot` (with no
//! argument, which `Math.min()` and friends accept, they are refused as the mistake they almost always are).
//!
//! # Semantics
//! Every element is computed in doubles as the same JavaScript expression computes it with `Math.*` for the
//! functions: `%` is JavaScript's remainder (the dividend's sign, NaN for a zero divisor), `**` and `pow` are
//! `Math.pow` (NaN for a NaN exponent and for `(±1) ** ±Infinity`), `round` is `Math.round` (halves toward +Infinity,
//! −0 kept for −0.5 ≤ x ≤ −0), `sign` keeps ±0 and NaN, `min` and `max` propagate NaN and order −0 before +0, and
//! `clamp(x, lo, hi)` is `Math.min(Math.max(x, lo), hi)` (so NaN in any argument gives NaN, and `lo > hi` gives `hi`).
//! Comparisons are false with NaN, but `!=`, which is true. Truth is JavaScript's: 0, −0 and NaN are false, anything
//! else true; `a && b` is `a` when `a` is false and `b` otherwise, `a || b` is `a` when `a` is true and `b` otherwise,
//! `!a` is 1 or 0, `c ? x : y` and `where(c, x, y)` are `x` when `c` is true and `y` otherwise.
//!
//! Arithmetic, `%`, comparisons, logic, `abs sign sqrt floor ceil round trunc min max clamp` give V8's bits. The other
//! functions are within 1 ulp of the correctly rounded value, and give the same bits on every platform: `exp`, and
//! `sin` and `cos` up to 2^20·π/2, are computed here without branches so that their loops vectorise, as are `log`,
//! `log2` and `log10` (the `libm` crate's own operations, without its branches, so its bits); `sinh` and `tanh`
//! below 1 in magnitude, and `hypot`, are computed here too (the `libm` crate's are up to 2 ulps off there); the rest
//! are the `libm` crate's (a port of musl, whose algorithms are mostly fdlibm's, as V8's are). So they mostly, but not
//! always, agree with V8's bits (V8's `hypot` itself can be 2 ulps from the correctly rounded value). NaN payloads are
//! not promised.
//!
//! # Limits
//! Nesting (parentheses, unary operators, conditionals, function calls, `**` right operands) deeper than
//! [`MAX_NESTING`] levels, or a program that would hold more than [`MAX_REGISTERS`] values at once, is refused with
//! [`Error::Expression`], like every other error in a source: a coded error with the column and the source line with
//! a caret under the offending character.

mod call;
mod compile;
mod math;
mod parse;
mod reduce;
mod run;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

pub use call::{Call, Sink, Slot};
pub use compile::{MAX_REGISTERS, WIDTH};
pub use parse::MAX_NESTING;
pub use reduce::sum;
pub use run::{BlockValues, Bound, Input};

use crate::error::{Error, Result};

/// A compiled expression. Immutable, `Send + Sync`: compile once, run any number of times from any thread.
#[derive(Clone, Debug, PartialEq)]
pub struct Expression {
    source: String,
    program: compile::Program,
}

impl Expression {
    /// Parses and compiles `source`.
    ///
    /// # Errors
    /// [`Error::Expression`] when `source` is not an expression of the language (see the [module](self) docs), names
    /// an unknown function, calls one with the wrong number of arguments, or is nested too deeply.
    pub fn compile(source: &str) -> Result<Expression> {
        let ast = parse::parse(source)?;
        let program = compile::compile(source, &ast)?;
        Ok(Expression { source: source.to_string(), program })
    }

    /// The source it was compiled from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The variables, in order of first appearance in the source.
    pub fn variables(&self) -> &[String] {
        &self.program.variables
    }

    /// The value, when the expression has no variable (or none that matters: `0 * 0 + 1`); folded at compile time.
    pub fn constant(&self) -> Option<f64> {
        self.program.constant
    }

    /// Binds one input per variable, in the order of [`Expression::variables`].
    ///
    /// # Errors
    /// [`Error::InvalidArgValue`] when the count of inputs is not the count of variables; [`Error::LengthMismatch`]
    /// when two array inputs differ in length.
    pub fn bind<'e, 'v>(&'e self, inputs: Vec<Input<'v>>) -> Result<Bound<'e, 'v>> {
        Bound::new(&self.program, inputs)
    }

    /// Binds inputs given by name, in any order.
    ///
    /// # Errors
    /// [`Error::InvalidArgValue`] for a variable without an input (the first in order of appearance), or an input
    /// that names no variable or one named twice; [`Error::LengthMismatch`] when two array inputs differ in length.
    pub fn bind_named<'e, 'v, N: AsRef<str>>(
        &'e self,
        inputs: impl IntoIterator<Item = (N, Input<'v>)>,
    ) -> Result<Bound<'e, 'v>> {
        let variables = self.variables();
        let mut slots: Vec<Option<Input<'v>>> = variables.iter().map(|_| None).collect();
        for (name, input) in inputs {
            let name = name.as_ref();
            let Some(i) = variables.iter().position(|v| v == name) else {
                return Err(Error::arg_value(format!(
                    "input '{name}' is not a variable of the expression '{}' (its variables: {})",
                    self.source,
                    self.variables_list()
                )));
            };
            if slots[i].replace(input).is_some() {
                return Err(Error::arg_value(format!("input '{name}' is given twice")));
            }
        }
        let mut bound = Vec::with_capacity(slots.len());
        for (slot, name) in slots.into_iter().zip(variables) {
            match slot {
                Some(input) => bound.push(input),
                None => {
                    return Err(Error::arg_value(format!(
                        "the expression '{}' uses the variable '{name}', but no input gives it a value",
                        self.source
                    )))
                }
            }
        }
        self.bind(bound)
    }

    fn variables_list(&self) -> String {
        if self.variables().is_empty() {
            "none".to_string()
        } else {
            self.variables().join(", ")
        }
    }
}

/// Most compiled expressions [`compile_cached`] keeps.
const CACHE_ENTRIES: usize = 256;
/// Longest source [`compile_cached`] keeps: longer ones are compiled each time (they are rare, and the cache should
/// not hold megabytes of them).
const CACHE_SOURCE_BYTES: usize = 4096;

/// [`Expression::compile`], remembering the last 256 compiled sources (of up to 4096 bytes each) process-wide, the
/// least recently used going first. Errors are not remembered.
///
/// # Errors
/// As [`Expression::compile`].
pub fn compile_cached(source: &str) -> Result<Arc<Expression>> {
    struct Cache {
        entries: HashMap<String, (Arc<Expression>, u64)>,
        clock: u64,
    }
    static CACHE: OnceLock<Mutex<Cache>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(Cache { entries: HashMap::new(), clock: 0 }));
    // A panic elsewhere while the lock was held leaves nothing half-done in a map of finished entries.
    let lock = || cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if source.len() > CACHE_SOURCE_BYTES {
        return Expression::compile(source).map(Arc::new);
    }
    {
        let mut guard = lock();
        let Cache { entries, clock } = &mut *guard;
        *clock += 1;
        if let Some((expression, used)) = entries.get_mut(source) {
            *used = *clock;
            return Ok(Arc::clone(expression));
        }
    }
    // Compiled outside the lock: another thread compiling the same source meanwhile costs a duplicate, not a wait.
    let expression = Arc::new(Expression::compile(source)?);
    let mut guard = lock();
    let Cache { entries, clock } = &mut *guard;
    if entries.len() >= CACHE_ENTRIES && !entries.contains_key(source) {
        if let Some(oldest) = entries.iter().min_by_key(|(_, (_, used))| *used).map(|(k, _)| k.clone()) {
            entries.remove(&oldest);
        }
    }
    entries.insert(source.to_string(), (Arc::clone(&expression), *clock));
    Ok(expression)
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod fused_tests;

#[cfg(all(test, feature = "bench"))]
mod timings;
