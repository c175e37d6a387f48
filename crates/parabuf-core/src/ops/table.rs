//! The operation table: one declaration per operation (its [`Spec`], parameters and kernel call) and one row in the
//! `operations!` list below. A row's position is the operation's code; the binding exports the table to the facade.
//! `docs/adding-an-operation.md` walks through adding one.

use crate::error::{Error, Result};
use crate::exec::{pool, Cancel};
use crate::kernels::histogram::MAX_BINS;
use crate::kernels::{self, Scalar};
use crate::ops::{
    check_element, operations, reading, same_kind_and_length, writing, Arg, Operation, Output, ParamSpec, ParamType,
    Params, Returns, Spec, READS_A, READS_A_B, WRITES_A, WRITES_A_READS_B,
};

operations! {
    /// The sum of every element.
    Sum,
    /// The arithmetic mean.
    Mean,
    /// The smallest element.
    Min,
    /// The largest element.
    Max,
    /// The smallest and the largest element.
    MinMax,
    /// The index of the first smallest element.
    ArgMin,
    /// The index of the first largest element.
    ArgMax,
    /// The variance with `ddof` delta degrees of freedom.
    Variance,
    /// The standard deviation with `ddof` delta degrees of freedom.
    Std,
    /// The dot product of two arrays of one kind and length.
    Dot,
    /// The Euclidean norm.
    Norm,
    /// Counts in equal-width bins.
    Histogram,
    /// Every element set to one value.
    Fill,
    /// Every element set to `element * factor + offset`.
    Scale,
    /// `dst[i] += src[i]` for a destination and a source of one kind and length.
    Add,
    /// Sorted ascending, in place.
    Sort,
    /// A kernel panic on a pool thread, for the binding's tests.
    SelfTestPanic,
}

fn number(x: f64) -> Output {
    Output::Scalar(Scalar::Number(x))
}

fn in_place(_: ()) -> Output {
    Output::InPlace
}

/// `sum(a)`: exact for integers, compensated and deterministic for floats.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Sum;

impl Operation for Sum {
    const SPEC: Spec = Spec::new("sum", READS_A, Returns::Element);
    fn parse(_: &Params<'_>) -> Result<Self> {
        Ok(Sum)
    }
    fn run(&self, args: &mut [Arg], cancel: &Cancel) -> Result<Output> {
        reading!(args, T, v => kernels::sum(&v, cancel).map(Output::Scalar))
    }
}

/// `mean(a)`: the sum divided by the length.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Mean;

impl Operation for Mean {
    const SPEC: Spec = Spec::new("mean", READS_A, Returns::Number);
    fn parse(_: &Params<'_>) -> Result<Self> {
        Ok(Mean)
    }
    fn run(&self, args: &mut [Arg], cancel: &Cancel) -> Result<Output> {
        reading!(args, T, v => kernels::mean(&v, cancel).map(number))
    }
}

/// `min(a)`.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Min;

impl Operation for Min {
    const SPEC: Spec = Spec::new("min", READS_A, Returns::Element);
    fn parse(_: &Params<'_>) -> Result<Self> {
        Ok(Min)
    }
    fn run(&self, args: &mut [Arg], cancel: &Cancel) -> Result<Output> {
        reading!(args, T, v => kernels::min(&v, cancel).map(Output::Scalar))
    }
}

/// `max(a)`.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Max;

impl Operation for Max {
    const SPEC: Spec = Spec::new("max", READS_A, Returns::Element);
    fn parse(_: &Params<'_>) -> Result<Self> {
        Ok(Max)
    }
    fn run(&self, args: &mut [Arg], cancel: &Cancel) -> Result<Output> {
        reading!(args, T, v => kernels::max(&v, cancel).map(Output::Scalar))
    }
}

/// `minmax(a)`.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct MinMax;

impl Operation for MinMax {
    const SPEC: Spec = Spec::new("minmax", READS_A, Returns::MinMax);
    fn parse(_: &Params<'_>) -> Result<Self> {
        Ok(MinMax)
    }
    fn run(&self, args: &mut [Arg], cancel: &Cancel) -> Result<Output> {
        reading!(args, T, v => kernels::minmax(&v, cancel).map(|(min, max)| Output::MinMax { min, max }))
    }
}

/// `argmin(a)`.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct ArgMin;

impl Operation for ArgMin {
    const SPEC: Spec = Spec::new("argmin", READS_A, Returns::Index);
    fn parse(_: &Params<'_>) -> Result<Self> {
        Ok(ArgMin)
    }
    fn run(&self, args: &mut [Arg], cancel: &Cancel) -> Result<Output> {
        reading!(args, T, v => kernels::argmin(&v, cancel).map(Output::Index))
    }
}

/// `argmax(a)`.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct ArgMax;

impl Operation for ArgMax {
    const SPEC: Spec = Spec::new("argmax", READS_A, Returns::Index);
    fn parse(_: &Params<'_>) -> Result<Self> {
        Ok(ArgMax)
    }
    fn run(&self, args: &mut [Arg], cancel: &Cancel) -> Result<Output> {
        reading!(args, T, v => kernels::argmax(&v, cancel).map(Output::Index))
    }
}

const DDOF: &[ParamSpec] = &[ParamSpec { name: "ddof", ty: ParamType::Number }];

/// A finite `ddof >= 0` (0 when absent).
fn ddof(params: &Params<'_>, operation: &str) -> Result<f64> {
    let ddof = params.number("ddof")?.unwrap_or(0.0);
    if !(ddof.is_finite() && ddof >= 0.0) {
        return Err(Error::out_of_range(format!("{operation}() ddof must be a finite number >= 0, got {ddof}")));
    }
    Ok(ddof)
}

/// `variance(a, { ddof })`.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Variance {
    /// Subtracted from the element count in the divisor: 0 for the population, 1 for a sample.
    pub ddof: f64,
}

impl Operation for Variance {
    const SPEC: Spec = Spec { params: DDOF, ..Spec::new("variance", READS_A, Returns::Number) };
    fn parse(params: &Params<'_>) -> Result<Self> {
        Ok(Variance { ddof: ddof(params, "variance")? })
    }
    fn run(&self, args: &mut [Arg], cancel: &Cancel) -> Result<Output> {
        reading!(args, T, v => kernels::variance(&v, self.ddof, cancel).map(number))
    }
}

/// `std(a, { ddof })`.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Std {
    /// As for [`Variance`].
    pub ddof: f64,
}

impl Operation for Std {
    const SPEC: Spec = Spec { params: DDOF, ..Spec::new("std", READS_A, Returns::Number) };
    fn parse(params: &Params<'_>) -> Result<Self> {
        Ok(Std { ddof: ddof(params, "std")? })
    }
    fn run(&self, args: &mut [Arg], cancel: &Cancel) -> Result<Output> {
        reading!(args, T, v => kernels::std(&v, self.ddof, cancel).map(number))
    }
}

/// `dot(a, b)`.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Dot;

impl Operation for Dot {
    const SPEC: Spec = Spec::new("dot", READS_A_B, Returns::Element);
    fn parse(_: &Params<'_>) -> Result<Self> {
        Ok(Dot)
    }
    fn check(&self, args: &[Arg]) -> Result<()> {
        same_kind_and_length("dot", args)
    }
    fn run(&self, args: &mut [Arg], cancel: &Cancel) -> Result<Output> {
        let [a, b] = args else { return Err(Error::internal("dot() takes two arrays")) };
        crate::with_element_type!(a.kind, T => {
            let a = crate::ops::read_view::<T>(&mut a.lent)?;
            let b = crate::ops::read_view::<T>(&mut b.lent)?;
            kernels::dot(&a, &b, cancel).map(Output::Scalar)
        })
    }
}

/// `norm(a)`.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Norm;

impl Operation for Norm {
    const SPEC: Spec = Spec::new("norm", READS_A, Returns::Number);
    fn parse(_: &Params<'_>) -> Result<Self> {
        Ok(Norm)
    }
    fn run(&self, args: &mut [Arg], cancel: &Cancel) -> Result<Output> {
        reading!(args, T, v => kernels::norm(&v, cancel).map(number))
    }
}

/// `histogram(a, { bins, min?, max? })`.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Histogram {
    /// The number of bins, 1 to [`MAX_BINS`].
    pub bins: u32,
    /// The lower edge; the data's minimum when absent.
    pub min: Option<f64>,
    /// The upper edge; the data's maximum when absent.
    pub max: Option<f64>,
}

impl Histogram {
    /// The histogram of `bins` bins (a JavaScript number, which must be an integer from 1 to [`MAX_BINS`]) over
    /// `[min, max]`.
    ///
    /// # Errors
    /// [`Error::OutOfRange`] for any other bin count, a non-finite bound, or `min > max`.
    pub fn new(bins: f64, min: Option<f64>, max: Option<f64>) -> Result<Histogram> {
        if !(bins >= 1.0 && bins <= MAX_BINS as f64 && bins.fract() == 0.0) {
            return Err(Error::out_of_range(format!(
                "histogram() bins must be an integer from 1 to {MAX_BINS}, got {bins}"
            )));
        }
        for (name, bound) in [("min", min), ("max", max)] {
            if let Some(bound) = bound.filter(|b| !b.is_finite()) {
                return Err(Error::out_of_range(format!("histogram() {name} must be a finite number, got {bound}")));
            }
        }
        if let (Some(lo), Some(hi)) = (min, max) {
            if lo > hi {
                return Err(Error::out_of_range(format!("histogram() min ({lo}) must not exceed max ({hi})")));
            }
        }
        Ok(Histogram { bins: bins as u32, min, max })
    }
}

impl Operation for Histogram {
    const SPEC: Spec = Spec {
        params: &[
            ParamSpec { name: "bins", ty: ParamType::Number },
            ParamSpec { name: "min", ty: ParamType::Number },
            ParamSpec { name: "max", ty: ParamType::Number },
        ],
        ..Spec::new("histogram", READS_A, Returns::Counts)
    };
    fn parse(params: &Params<'_>) -> Result<Self> {
        Histogram::new(params.number("bins")?.unwrap_or(f64::NAN), params.number("min")?, params.number("max")?)
    }
    fn run(&self, args: &mut [Arg], cancel: &Cancel) -> Result<Output> {
        let Histogram { bins, min, max } = *self;
        reading!(args, T, v => kernels::histogram(&v, bins, min, max, cancel).map(Output::Counts))
    }
}

/// `fill(a, value)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fill {
    /// A bigint for 64-bit integer arrays, a number for every other kind.
    pub value: Scalar,
}

impl Operation for Fill {
    const SPEC: Spec = Spec {
        params: &[ParamSpec { name: "value", ty: ParamType::Element }],
        ..Spec::new("fill", WRITES_A, Returns::InPlace)
    };
    fn parse(params: &Params<'_>) -> Result<Self> {
        Ok(Fill { value: params.element("value")? })
    }
    fn check(&self, args: &[Arg]) -> Result<()> {
        check_element("fill", args[0].kind, "value", self.value)
    }
    fn run(&self, args: &mut [Arg], cancel: &Cancel) -> Result<Output> {
        writing!(args, T, conv, v => kernels::fill(v, conv.scalar::<T>(self.value), cancel).map(in_place))
    }
}

/// `scale(a, factor, offset)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scale {
    /// A bigint for 64-bit integer arrays, a number for every other kind.
    pub factor: Scalar,
    /// Of the same type as `factor`.
    pub offset: Scalar,
}

impl Operation for Scale {
    const SPEC: Spec = Spec {
        params: &[
            ParamSpec { name: "factor", ty: ParamType::Element },
            ParamSpec { name: "offset", ty: ParamType::Element },
        ],
        ..Spec::new("scale", WRITES_A, Returns::InPlace)
    };
    fn parse(params: &Params<'_>) -> Result<Self> {
        Ok(Scale { factor: params.element("factor")?, offset: params.element("offset")? })
    }
    fn check(&self, args: &[Arg]) -> Result<()> {
        check_element("scale", args[0].kind, "factor", self.factor)?;
        check_element("scale", args[0].kind, "offset", self.offset)
    }
    fn run(&self, args: &mut [Arg], cancel: &Cancel) -> Result<Output> {
        let Scale { factor, offset } = *self;
        writing!(args, T, conv, v => kernels::scale(v, factor, offset, conv, cancel).map(in_place))
    }
}

/// `add(dst, src)`.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Add;

impl Operation for Add {
    const SPEC: Spec = Spec::new("add", WRITES_A_READS_B, Returns::InPlace);
    fn parse(_: &Params<'_>) -> Result<Self> {
        Ok(Add)
    }
    fn check(&self, args: &[Arg]) -> Result<()> {
        same_kind_and_length("add", args)
    }
    fn run(&self, args: &mut [Arg], cancel: &Cancel) -> Result<Output> {
        let [dst, src] = args else { return Err(Error::internal("add() takes two arrays")) };
        let conv = kernels::Conversion::of(dst.kind);
        crate::with_element_type!(dst.kind, T => {
            let src = crate::ops::read_view::<T>(&mut src.lent)?;
            let dst = crate::ops::write_view::<T>(&mut dst.lent)?;
            kernels::add(dst, &src, conv, cancel).map(in_place)
        })
    }
}

/// `sort(a)`.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Sort;

impl Operation for Sort {
    const SPEC: Spec = Spec::new("sort", WRITES_A, Returns::InPlace);
    fn parse(_: &Params<'_>) -> Result<Self> {
        Ok(Sort)
    }
    fn run(&self, args: &mut [Arg], cancel: &Cancel) -> Result<Output> {
        writing!(args, T, _conv, v => kernels::sort(v, cancel).map(in_place))
    }
}

/// Panics on a pool thread on purpose, so the binding's tests can check that a kernel panic comes back as
/// [`Error::Internal`] and the process lives on. Not part of the JavaScript API.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct SelfTestPanic;

impl Operation for SelfTestPanic {
    const SPEC: Spec = Spec { public: false, ..Spec::new("__panic", READS_A, Returns::InPlace) };
    fn parse(_: &Params<'_>) -> Result<Self> {
        Ok(SelfTestPanic)
    }
    fn run(&self, _: &mut [Arg], _: &Cancel) -> Result<Output> {
        pool().install(|| panic!("self-test panic inside the pool"))
    }
}
