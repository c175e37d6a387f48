//! Expressions: compiling a source into an opaque handle, and calling it on arrays — into an output, or through a
//! reduction of the operation table.
//!
//! A compiled expression is a type-tagged external owning an `Arc<Expression>`; what it is and what its variables are
//! come from that record, never from the object the facade wraps it in.

use std::sync::Arc;

use napi::{Env, Unknown};
use parabuf_core::expr::{compile_cached, Call, Expression, Sink, Slot};
use parabuf_core::{Arg, Cancel, Error, Mode, Op, Output, INLINE_BYTES};
use smallvec::SmallVec;

use crate::intake::{self, Tagged};
use crate::operation::{ArgIn, ArgumentName, Job};

/// The record behind a compiled expression's handle.
#[derive(Debug)]
pub struct CompiledExpression(pub Arc<Expression>);

impl Tagged for CompiledExpression {
    const TAG: napi::sys::napi_type_tag =
        napi::sys::napi_type_tag { lower: 0x7061_7261_6275_6578, upper: 0x4e1f_93a7_c25d_08b6 };

    fn collected(&self, _: &Env) {}
}

/// The compiled expression behind `value`.
///
/// # Errors
/// `ERR_INVALID_ARG_TYPE` for anything that is not a handle [`compile`] made.
pub fn expression_of<'v>(env: &Env, value: &'v Unknown<'_>) -> Result<&'v Arc<Expression>, Error> {
    intake::external_ref::<CompiledExpression>(env, value)?
        .map(|record| &record.0)
        .ok_or_else(|| Error::arg_type("not a compiled expression from compile()"))
}

/// Compiles `source` (through the process-wide cache) into a handle.
///
/// # Errors
/// `ERR_PARABUF_EXPRESSION_SYNTAX` and the other errors of [`Expression::compile`].
pub fn compile<'env>(env: &'env Env, source: &str) -> Result<Unknown<'env>, Error> {
    intake::wrap_external(env, CompiledExpression(compile_cached(source)?))
}

/// An expression called on leased arrays: the core's [`Call`], and how errors name its arrays.
#[derive(Debug)]
pub struct ExpressionJob {
    call: Call,
    /// For each array argument, the index of its variable; `None` for the output (`options.out`).
    names: SmallVec<[Option<usize>; 4]>,
}

impl Job for ExpressionJob {
    fn name(&self) -> &'static str {
        self.call.name()
    }

    fn modes(&self) -> SmallVec<[Mode; 2]> {
        let output = matches!(self.call.sink, Sink::Output);
        (0..self.names.len())
            .map(|i| if output && i + 1 == self.names.len() { Mode::Write } else { Mode::Read })
            .collect()
    }

    fn argument(&self, index: usize) -> ArgumentName<'_> {
        let variables = self.call.expression.variables();
        let option = match self.names.get(index) {
            Some(Some(variable)) => variables.get(*variable).map(|name| ("inputs.", name.as_str())),
            Some(None) => Some(("options.", "out")),
            None => None,
        };
        ArgumentName { operation: self.name(), position: None, option }
    }

    /// The output may be the inputs at exactly its position (`x = x * 2`), and an input may share an earlier one's
    /// write handle (`x * y` with both the same handle).
    fn may_alias(&self, index: usize) -> std::ops::Range<usize> {
        0..index
    }

    fn runs_inline(&self, args: &[Arg]) -> bool {
        args.iter().map(|a| a.lent.region().len()).sum::<usize>() <= INLINE_BYTES
    }

    fn execute(&self, args: &mut [Arg], cancel: &Cancel) -> Result<Output, Error> {
        parabuf_core::guarded(self.name(), || self.call.execute(args, cancel))
    }
}

/// The job and its array arguments, from the facade's arguments: the expression's handle, `inputs` (an `Array` of
/// `value, kind, view` triples in the order of the expression's variables: a number, or an array as for an operation
/// and its view's layout or `undefined`), and for a run into an output, `out`, its kind and its view's layout. `reduce` is the reduction of a bound expression, `None` for a run.
///
/// Every element of `inputs` is read here, before any export is taken.
///
/// # Errors
/// `ERR_INVALID_ARG_TYPE` for a handle that is not one, an input that is neither a number nor an array, or a bigint;
/// `ERR_INVALID_ARG_VALUE` for a count of inputs that is not the count of variables.
pub fn parse<'a, 'env>(
    env: &Env,
    expression: &Unknown<'_>,
    inputs: &'a [Unknown<'env>],
    output: Option<(&'a Unknown<'env>, &Unknown<'_>, Option<&Unknown<'_>>)>,
    reduce: Option<Op>,
) -> Result<(ExpressionJob, Vec<ArgIn<'a, 'env>>), Error> {
    let expression = Arc::clone(expression_of(env, expression)?);
    let variables = expression.variables();
    if inputs.len() != 3 * variables.len() {
        return Err(Error::internal(format!(
            "the expression '{}' has {} variables, but the facade passed {} values",
            expression.source(),
            variables.len(),
            inputs.len() / 3
        )));
    }
    let sink = match reduce {
        Some(op) => Sink::Reduce(op),
        None => Sink::Output,
    };
    let operation = match &sink {
        Sink::Output => "evaluate",
        Sink::Reduce(op) => op.name(),
    };
    let mut slots = Vec::with_capacity(variables.len());
    let mut arrays = Vec::with_capacity(variables.len() + 1);
    let mut names = SmallVec::new();
    for (index, (pair, variable)) in inputs.chunks(3).zip(variables).enumerate() {
        let value = &pair[0];
        match intake::type_of(env, value)? {
            napi::sys::ValueType::napi_number => {
                let what = ArgumentName { operation, position: None, option: Some(("inputs.", variable)) };
                slots.push(Slot::Scalar(intake::number(env, value, &what)?));
            }
            napi::sys::ValueType::napi_bigint => {
                return Err(Error::arg_type(format!(
                    "{operation}() inputs.{variable} is a bigint: expressions compute with numbers, not bigints"
                )))
            }
            _ => {
                slots.push(Slot::Array(arrays.len()));
                arrays.push(crate::array_argument(env, value, &pair[1], pair.get(2))?);
                names.push(Some(index));
            }
        }
    }
    if let Some((out, kind, view)) = output {
        arrays.push(crate::array_argument(env, out, kind, view)?);
        names.push(None);
    }
    Ok((ExpressionJob { call: Call { expression, slots, sink }, names }, arrays))
}
