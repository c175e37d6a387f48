//! Every operation over a bound expression ([`execute_expression`]) against the same operation over a `Float64Array`
//! of the expression's values ([`execute`]): the same result bit for bit, or the same error, over random data with
//! every kind of special value and lengths around the block boundaries. Results are compared through their `Debug`
//! text, which tells every double apart (`-0.0` from `0.0`) but for NaN payloads, which no result promises.

use std::sync::Arc;

use super::*;
use crate::exec::{Cancel, BLOCK};
use crate::kernels::argext::{ArgMax, ArgMin};
use crate::kernels::argsort::Argsort;
use crate::kernels::blocks::{compensated_block, compensated_staged, LANES, STAGE};
use crate::kernels::count_nonzero::CountNonZero;
use crate::kernels::histogram::Histogram;
use crate::kernels::minmax::{Max, Min, MinMax};
use crate::kernels::moments::{Mean, Std, Variance};
use crate::kernels::norm::Norm;
use crate::kernels::numeric::Scalar;
use crate::kernels::quantile::Median;
use crate::kernels::source::Source;
use crate::kernels::sum::Sum;
use crate::kernels::testutil::{cancelled, Rng};
use crate::kernels::topk::Topk;
use crate::kernels::unique::Unique;
use crate::kind::ElementKind;
use crate::ledger::{Ledger, Lent};
use crate::ops::{execute, execute_expression, Arg, ExpressionUse, Op, Output};
use crate::region::OwnedBuffer;
use crate::view::ReadView;

/// A buffer holding `values`, under `ledger`.
fn buffer(ledger: &Ledger, values: &[f64]) -> Arc<OwnedBuffer> {
    let buf = OwnedBuffer::zeroed(8 * values.len());
    ledger.write(buf.region()).unwrap().view_mut::<f64>().unwrap().write_from(0, values);
    buf
}

/// A read argument of `values` as a `Float64Array`.
fn float64_arg(ledger: &Ledger, values: &[f64]) -> Arg {
    let buf = buffer(ledger, values);
    Arg::new(ElementKind::Float64, Lent::Read(Arc::new(ledger.read(buf.region()).unwrap())))
}

/// Binds `source` to `a` and `b` (whichever it uses) and runs `f` on it.
fn with_bound<R>(source: &str, a: &[f64], b: &[f64], f: impl FnOnce(&Bound<'_, '_>) -> R) -> R {
    let e = Expression::compile(source).unwrap();
    let ledger = Ledger::new();
    let (ba, bb) = (buffer(&ledger, a), buffer(&ledger, b));
    let (ga, gb) = (ledger.read(ba.region()).unwrap(), ledger.read(bb.region()).unwrap());
    let named = [("a", ga.view::<f64>().unwrap()), ("b", gb.view::<f64>().unwrap())];
    let inputs = named.into_iter().filter(|(n, _)| e.variables().iter().any(|v| v == n));
    let bound = e.bind_named(inputs.map(|(n, v)| (n, Input::array(v).unwrap()))).unwrap();
    f(&bound)
}

/// The values of `bound`, computed into an array.
fn values_of(bound: &Bound<'_, '_>) -> Vec<f64> {
    let n = bound.len().unwrap();
    let mut values = vec![0.0; n];
    bound.fill(0..n, &mut values).unwrap();
    values
}

/// The operations whose results are checked, with the other arrays each takes.
fn operations(ledger: &Ledger) -> Vec<(Op, Vec<Arg>)> {
    let alone = |op: Op| (op, Vec::new());
    let mut ops = vec![
        alone(Op::Sum(Sum)),
        alone(Op::Mean(Mean)),
        alone(Op::Min(Min)),
        alone(Op::Max(Max)),
        alone(Op::MinMax(MinMax)),
        alone(Op::ArgMin(ArgMin)),
        alone(Op::ArgMax(ArgMax)),
        alone(Op::Variance(Variance { ddof: 0.0 })),
        alone(Op::Variance(Variance { ddof: 1.0 })),
        alone(Op::Variance(Variance { ddof: 2.5 })),
        alone(Op::Std(Std { ddof: 0.0 })),
        alone(Op::Std(Std { ddof: 1.0 })),
        alone(Op::Norm(Norm)),
        alone(Op::CountNonZero(CountNonZero)),
        alone(Op::Median(Median { skip_nan: false })),
        alone(Op::Median(Median { skip_nan: true })),
        alone(Op::Unique(Unique)),
        alone(Op::Topk(Topk { k: 3, largest: true })),
        alone(Op::Argsort(Argsort { descending: false })),
    ];
    for (bins, min, max) in [
        (1, None, None),
        (7, None, None),
        (100, None, None),
        (5, Some(-1.0), Some(1.0)),
        (3, Some(0.0), None),
        (4, None, Some(2.5)),
        (2, Some(1e300), Some(1e300)),
    ] {
        ops.push(alone(Op::Histogram(Histogram { bins, min, max })));
    }
    let code = |name: &str| Op::TABLE.iter().position(|s| s.name == name).unwrap() as u32;
    let number = |x: f64| Some(Scalar::Number(x));
    let quantile = Op::parse(code("quantile"), &[number(1.0), number(0.0), number(0.0)]).unwrap();
    ops.push((quantile, vec![float64_arg(ledger, &[0.0, 0.25, 0.5, 1.0])]));
    let searchsorted = Op::parse(code("searchsorted"), &[number(1.0)]).unwrap();
    ops.push((searchsorted, vec![float64_arg(ledger, &[f64::NEG_INFINITY, -1.0, -0.0, 0.0, 0.5, f64::NAN])]));
    ops
}

/// The other arrays of `args` again, as new arguments over the same memory (a run consumes its arguments).
fn again(ledger: &Ledger, args: &[Arg]) -> Vec<Arg> {
    args.iter()
        .map(|arg| {
            let Lent::Read(guard) = &arg.lent else { unreachable!() };
            Arg::new(arg.kind, Lent::Read(Arc::new(ledger.read(guard.region()).unwrap())))
        })
        .collect()
}

/// Checks every operation over `source` of `a` and `b` against the same operation over its values.
fn check_every_operation(source: &str, a: &[f64], b: &[f64]) {
    let ledger = Ledger::new();
    with_bound(source, a, b, |bound| {
        let values = values_of(bound);
        for (op, rest) in operations(&ledger) {
            let mut args = vec![float64_arg(&ledger, &values)];
            args.extend(again(&ledger, &rest));
            let want = execute(&op, &mut args, &Cancel::new());
            let got = execute_expression(&op, bound, again(&ledger, &rest), &Cancel::new());
            let (got, want) = (format!("{got:?}"), format!("{want:?}"));
            assert_eq!(got, want, "{op:?} of {source} over {} values: {values:?}", values.len());
        }
    });
}

/// Random doubles, mixing ordinary values with specials at the given rate (one in `rate`).
fn data(rng: &mut Rng, n: usize, rate: u64) -> Vec<f64> {
    const SPECIALS: [f64; 16] = [
        0.0,
        -0.0,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        5e-324,
        -5e-324,
        2.2250738585072014e-308,
        1e-310,
        f64::MAX,
        -f64::MAX,
        1e300,
        -1e300,
        1.0,
        -1.0,
        3.0,
    ];
    (0..n)
        .map(|_| {
            if rate > 0 && rng.next_u64().is_multiple_of(rate) {
                SPECIALS[(rng.next_u64() % SPECIALS.len() as u64) as usize]
            } else {
                rng.wide_f64()
            }
        })
        .collect()
}

/// Expressions that make every kind of value from ordinary data: cancellation, offsets, ties, zeros of either sign,
/// infinities and NaNs, huge and tiny magnitudes.
const SOURCES: [&str; 12] = [
    "a",
    "a + b",
    "a * b - b",
    "a * 1e10 - b",
    "a + 1e10",
    "floor(a * 4) * 0.25",
    "a > b ? -0 : a",
    "a / b",
    "a * 1e300",
    "a * 1e-300",
    "sqrt(a) - b",
    "a < 0 ? NaN : min(a, b)",
];

/// Lengths at the edges of stages, groups of lanes, pieces and blocks.
fn lengths() -> Vec<usize> {
    vec![
        0,
        1,
        2,
        LANES - 1,
        LANES + 1,
        STAGE,
        STAGE + 1,
        WIDTH - 1,
        WIDTH + 3,
        BLOCK - 1,
        BLOCK,
        BLOCK + 1,
        2 * BLOCK + 3,
        3 * BLOCK + 700,
    ]
}

#[test]
fn every_operation_over_an_expression_is_the_operation_over_its_values() {
    let mut rng = Rng::new(41);
    for n in lengths() {
        for (i, source) in SOURCES.iter().enumerate() {
            // Long inputs are slow to check against every operation: a few expressions each.
            if n > 2 * WIDTH && i % 3 != n % 3 {
                continue;
            }
            for rate in [0, 50, 4] {
                let (a, b) = (data(&mut rng, n, rate), data(&mut rng, n, rate));
                check_every_operation(source, &a, &b);
            }
        }
    }
}

#[test]
fn special_runs_are_the_operation_over_their_values() {
    let n = 2 * BLOCK + 5;
    let runs: Vec<Vec<f64>> = vec![
        vec![0.0; n],
        vec![-0.0; n],
        (0..n).map(|i| if i % 2 == 0 { 0.0 } else { -0.0 }).collect(),
        vec![f64::NAN; n],
        // Ties at block boundaries: the first index of the extreme must win.
        (0..n).map(|i| if i == BLOCK || i == 2 * BLOCK + 1 || i == 7 { -2.0 } else { (i % 5) as f64 }).collect(),
        // A late NaN, and NaN in the last block only.
        (0..n).map(|i| if i == 2 * BLOCK + 4 { f64::NAN } else { i as f64 }).collect(),
        // Subnormals only: scaled norms and variances.
        (0..n).map(|i| (i % 7) as f64 * 5e-324).collect(),
        // Huge values whose sum and squares overflow.
        (0..n).map(|i| if i % 3 == 0 { f64::MAX } else { -1e308 }).collect(),
        // One infinity among ordinary values, and both infinities.
        (0..n).map(|i| if i == BLOCK + 3 { f64::INFINITY } else { 1.5 }).collect(),
        (0..n)
            .map(|i| {
                if i == 3 {
                    f64::NEG_INFINITY
                } else if i == n - 1 {
                    f64::INFINITY
                } else {
                    1.0
                }
            })
            .collect(),
        // An offset far larger than the spread (the variance's one-pass test), drifting across blocks.
        (0..n).map(|i| 1e12 + (i % 11) as f64 + (i / BLOCK) as f64 * 1e6).collect(),
        // Sums on rounding boundaries: the exact passes decide.
        (0..n).map(|i| if i % 2 == 0 { 1.0 } else { 2f64.powi(-53) }).collect(),
        // A mean that drifts (two passes), with magnitudes whose sum is below the variance's thresholds for scaling
        // (2^500 and 2^-400) while the count times the largest is above them: the scale follows the bound the
        // compensated pass computes, which the register path computes its own way.
        (0..n).map(|i| if i == BLOCK + 7 { 2f64.powi(495) } else { 1.0 }).collect(),
        (0..n).map(|i| if i == BLOCK + 7 { 2f64.powi(-402) } else { (i % 3) as f64 * 2f64.powi(-460) }).collect(),
    ];
    for values in &runs {
        for len in [0, 1, BLOCK, n] {
            check_every_operation("a", &values[..len], &values[..len]);
            check_every_operation("a * -1", &values[..len], &values[..len]);
        }
    }
}

/// The variance's scale is picked from the magnitude bound of the compensated pass, which the register path computes
/// its own way: an expression's blocks give the bound a view of their values gives, bit for bit.
#[test]
fn compensated_blocks_of_values_are_those_of_a_view_of_them() {
    let mut rng = Rng::new(43);
    for n in [1, LANES - 1, LANES, STAGE + 3, WIDTH + 40, BLOCK - 3, BLOCK, 2 * BLOCK + 33] {
        for rate in [0, 3] {
            let (a, b) = (data(&mut rng, n, rate), data(&mut rng, n, rate));
            with_bound("a * b + a", &a, &b, |bound| {
                let values = values_of(bound);
                let fused = Source::map_blocks(bound, &Cancel::new(), |_, block| compensated_staged(block)).unwrap();
                let ledger = Ledger::new();
                let buf = buffer(&ledger, &values);
                let guard = ledger.read(buf.region()).unwrap();
                let view: ReadView<'_, f64> = guard.view().unwrap();
                let direct = Source::map_blocks(&view, &Cancel::new(), |_, block| compensated_block(block)).unwrap();
                assert_eq!(fused.len(), direct.len());
                for (f, d) in fused.iter().zip(&direct) {
                    assert_eq!(format!("{:?}", f.total.parts()), format!("{:?}", d.total.parts()), "{n}");
                    assert_eq!(format!("{:?}", f.magnitude), format!("{:?}", d.magnitude), "{n}");
                }
            });
        }
    }
}

/// Histograms whose range comes from the data, over many bins (one accumulator per thread, waited for) and few.
#[test]
fn histograms_of_many_bins_count_every_value_once() {
    let mut rng = Rng::new(47);
    let n = 5 * BLOCK + 17;
    let a: Vec<f64> = (0..n).map(|_| rng.unit() * 1000.0).collect();
    with_bound("floor(a) + 0.5", &a, &a, |bound| {
        let values = values_of(bound);
        for bins in [1, 999, 1000, 4096, 4097, 100_000] {
            let op = Op::Histogram(Histogram { bins, min: None, max: None });
            let ledger = Ledger::new();
            let want = execute(&op, &mut [float64_arg(&ledger, &values)], &Cancel::new()).unwrap();
            let got = execute_expression(&op, bound, Vec::new(), &Cancel::new()).unwrap();
            let Output::Counts(counts) = &got else { panic!("{got:?}") };
            assert_eq!(counts.iter().sum::<f64>(), n as f64, "{bins} bins");
            assert_eq!(got, want, "{bins} bins");
        }
    });
}

#[test]
fn the_table_says_which_operations_take_an_expression() {
    let use_of = |name: &str| Op::TABLE.iter().find(|s| s.name == name).unwrap().expression;
    let fused = [
        "sum",
        "mean",
        "min",
        "max",
        "minmax",
        "argmin",
        "argmax",
        "variance",
        "std",
        "norm",
        "histogram",
        "countNonZero",
    ];
    for name in fused {
        assert_eq!(use_of(name), ExpressionUse::Fused, "{name}");
    }
    for name in ["median", "quantile", "unique", "topk", "argsort", "searchsorted"] {
        assert_eq!(use_of(name), ExpressionUse::Materialised, "{name}");
    }
    for name in ["dot", "fill", "scale", "add", "sort", "cumsum"] {
        assert_eq!(use_of(name), ExpressionUse::No, "{name}");
    }
    assert_eq!(
        [ExpressionUse::No, ExpressionUse::Fused, ExpressionUse::Materialised].map(ExpressionUse::as_str),
        ["no", "fused", "materialised"]
    );
}

#[test]
fn operations_that_write_or_pair_their_arrays_refuse_an_expression() {
    let a = [1.0, 2.0];
    with_bound("a * 2", &a, &a, |bound| {
        for spec in Op::TABLE.iter().filter(|s| !s.expression.accepted()) {
            let code = Op::TABLE.iter().position(|s| s.name == spec.name).unwrap() as u32;
            let values: Vec<Option<Scalar>> = spec.params.iter().map(|_| Some(Scalar::Number(1.0))).collect();
            let op = Op::parse(code, &values).unwrap();
            let err = execute_expression(&op, bound, Vec::new(), &Cancel::new()).unwrap_err();
            assert_eq!(err.code(), "ERR_INVALID_ARG_TYPE", "{}", spec.name);
            let name = spec.arrays[0].name;
            let message = format!("{}() does not take an expression in place of {name}", spec.name);
            assert!(err.to_string().starts_with(&message), "{err}");
        }
    });
}

#[test]
fn expressions_without_array_inputs_have_no_length() {
    let e = Expression::compile("2 * 3 + x").unwrap();
    let bound = e.bind(vec![Input::scalar(1.0)]).unwrap();
    let ledger = Ledger::new();
    for (op, rest) in operations(&ledger) {
        let err = execute_expression(&op, &bound, rest, &Cancel::new()).unwrap_err();
        assert_eq!(err.code(), "ERR_INVALID_ARG_VALUE", "{op:?}");
        assert!(err.to_string().contains("has no length"), "{err}");
    }
}

#[test]
fn errors_are_named_after_the_operation() {
    with_bound("a", &[], &[], |bound| {
        let err = execute_expression(&Op::ArgMin(ArgMin), bound, Vec::new(), &Cancel::new()).unwrap_err();
        assert_eq!(err, Error::Empty { operation: Some("argmin") });
    });
    let a = vec![1.0; 3 * BLOCK];
    with_bound("a + 1", &a, &a, |bound| {
        for op in [Op::Variance(Variance { ddof: 1.0 }), Op::Median(Median { skip_nan: false })] {
            let err = execute_expression(&op, bound, Vec::new(), &cancelled()).unwrap_err();
            assert_eq!(err, Error::Aborted { operation: Some(op.name()) });
        }
        let err = execute_expression(&Op::Sum(Sum), bound, vec![float64_arg(&Ledger::new(), &[1.0])], &Cancel::new())
            .unwrap_err();
        assert_eq!(err.code(), "ERR_PARABUF_INTERNAL");
    });
}

#[test]
fn a_panic_becomes_an_internal_error() {
    with_bound("a", &[1.0], &[1.0], |bound| {
        let op = Op::SelfTestPanic(crate::ops::SelfTestPanic);
        let err = execute_expression(&op, bound, Vec::new(), &Cancel::new()).unwrap_err();
        assert_eq!(err.code(), "ERR_PARABUF_INTERNAL");
        assert!(err.to_string().contains("__panic(): self-test panic inside the pool"), "{err}");
    });
}

#[test]
fn an_expression_reading_the_output_is_refused() {
    let e = Expression::compile("a * 2").unwrap();
    let bound = e.bind(vec![Input::output()]).unwrap();
    for op in [Op::Sum(Sum), Op::Median(Median { skip_nan: false })] {
        let err = execute_expression(&op, &bound, Vec::new(), &Cancel::new()).unwrap_err();
        assert_eq!(err.code(), "ERR_INVALID_ARG_VALUE", "{op:?}");
    }
}
