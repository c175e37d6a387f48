//! An expression called on exported arrays: what the binding runs for `run`/`evaluate` and for a reduction of a
//! bound expression. The arrays arrive as leased [`Arg`]s, like an operation's; this module views them, binds them to
//! the expression's variables and runs it, into an output or through a reduction.

use std::sync::Arc;

use super::run::Input;
use super::Expression;
use crate::error::{Error, Result};
use crate::exec::Cancel;
use crate::kernels::Conversion;
use crate::ledger::{Lent, Mode};
use crate::ops::{gathered, read_view, write_view, Arg, Op, Output};
use crate::with_element_type;

/// Where one variable's value comes from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Slot {
    /// A number, the same for every element.
    Scalar(f64),
    /// The array argument at this index.
    Array(usize),
}

/// What a call does with the expression's values.
#[derive(Clone, Debug, PartialEq)]
pub enum Sink {
    /// Stores them into the last array argument, which is written (or lent as an alias of one of the inputs, for an
    /// output that is that input at exactly the same position).
    Output,
    /// Feeds them to this operation in place of its array.
    Reduce(Op),
}

/// An expression, where each of its variables' values come from, and what to do with the values.
#[derive(Clone, Debug)]
pub struct Call {
    /// The compiled expression.
    pub expression: Arc<Expression>,
    /// One slot per variable, in the order of [`Expression::variables`].
    pub slots: Vec<Slot>,
    /// What to do with the values.
    pub sink: Sink,
}

impl Call {
    /// The name errors give the call: the reduction's, or `evaluate` for a run into an output.
    pub fn name(&self) -> &'static str {
        match &self.sink {
            Sink::Output => "evaluate",
            Sink::Reduce(op) => op.name(),
        }
    }

    /// Views `args` as the slots say, binds them and runs the expression. With [`Sink::Output`] the last argument is
    /// the output; every other argument is an input, read only.
    ///
    /// # Errors
    /// [`Error::InvalidArgValue`] when the slots do not match the variables or the arguments; [`Error::InvalidArgType`]
    /// for 64-bit integer inputs or output; [`Error::LengthMismatch`] for arrays of different lengths; the
    /// reduction's own errors; [`Error::Aborted`].
    pub fn execute(&self, args: &mut [Arg], cancel: &Cancel) -> Result<Output> {
        if args.iter().any(|arg| arg.view_layout().is_some()) {
            let mut modes = vec![Mode::Read; args.len()];
            if let (Sink::Output, Some(last)) = (&self.sink, modes.last_mut()) {
                *last = Mode::Write;
            }
            return gathered(args, &modes, |private| self.execute(private, cancel));
        }
        let (inputs, output) = match self.sink {
            Sink::Output => match args.split_last_mut() {
                Some((output, inputs)) => (inputs, Some(output)),
                None => return Err(Error::internal("evaluate() was given no output")),
            },
            Sink::Reduce(_) => (args, None),
        };
        let aliased = match output.as_ref().map(|o| &o.lent) {
            Some(Lent::Alias { of, .. }) => Some(*of),
            _ => None,
        };
        // An output that is one of the inputs writes through that input's export (a write export, which the output
        // shares as its alias), and the variable reads the output's own elements before each piece is written.
        let output_kind = output.as_ref().map(|o| o.kind);
        let mut output_lent = None;
        // An input lent as an alias of an earlier one (the same write handle twice) reads through a copy of that
        // one's view.
        let alias_of: Vec<Option<usize>> = inputs
            .iter()
            .map(|arg| match arg.lent {
                Lent::Alias { of, .. } => Some(of),
                _ => None,
            })
            .collect();
        let mut views: Vec<Option<Input<'_>>> = (0..inputs.len()).map(|_| None).collect();
        for (index, arg) in inputs.iter_mut().enumerate() {
            if aliased == Some(index) {
                output_lent = Some(&mut arg.lent);
                continue;
            }
            if alias_of[index].is_some() {
                continue;
            }
            let sharing: Vec<usize> = (index + 1..alias_of.len()).filter(|&j| alias_of[j] == Some(index)).collect();
            with_element_type!(arg.kind, T => {
                let view = read_view::<T>(&mut arg.lent)?;
                for &j in &sharing {
                    views[j] = Some(Input::array(view)?);
                }
                views[index] = Some(Input::array(view)?);
            });
        }
        if let (None, Some(output)) = (&output_lent, output) {
            output_lent = Some(&mut output.lent);
        }
        let mut bound = Vec::with_capacity(self.slots.len());
        for slot in &self.slots {
            bound.push(match *slot {
                Slot::Scalar(x) => Input::scalar(x),
                Slot::Array(index) if aliased.is_some() && (aliased == Some(index) || alias_of[index] == aliased) => {
                    Input::output()
                }
                Slot::Array(index) => views
                    .get_mut(index)
                    .and_then(Option::take)
                    .ok_or_else(|| Error::internal("an expression's array argument was bound twice or not at all"))?,
            });
        }
        if views.iter().any(Option::is_some) {
            return Err(Error::internal("an expression's array argument was given to no variable"));
        }
        let bound = self.expression.bind(bound)?;
        match (&self.sink, output_kind, output_lent) {
            (Sink::Output, Some(kind), Some(lent)) => {
                with_element_type!(kind, U => {
                    bound.run_into(write_view::<U>(lent)?, Conversion::of(kind), cancel)?;
                });
                Ok(Output::InPlace)
            }
            (Sink::Reduce(op), _, _) => crate::ops::execute_expression(op, &bound, Vec::new(), cancel),
            _ => Err(Error::internal("evaluate() was given no output")),
        }
    }
}
