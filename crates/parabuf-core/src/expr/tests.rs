//! Tests of the expression engine: the parser's accepted and refused sources, V8's values and stores
//! (`tests/data/expr_js_cases.txt`, from `scripts/expr-js-cases.mjs`), correctly rounded values
//! (`tests/data/expr_mpmath_cases.txt`, from `scripts/expr-mpmath-cases.py`), random expressions against a tree
//! evaluator written apart, the output conversions, fused sums, in-place runs, cancellation.

use std::collections::BTreeMap;
use std::sync::Arc;

use half::f16;
use proptest::prelude::*;

use super::*;
use crate::exec::{Cancel, BLOCK};
use crate::kernels::convert::{Conversion, Store};
use crate::kernels::numeric::{Numeric, Scalar};
use crate::kernels::testutil::{cancelled, same_bits_or_both_nan, Rng};
use crate::kind::ElementKind;
use crate::ledger::Ledger;
use crate::region::OwnedBuffer;
use crate::view::{Element, ReadView};

/// A buffer holding `values`, under `ledger`.
fn buffer<T: Element>(ledger: &Ledger, values: &[T]) -> Arc<OwnedBuffer> {
    let buf = OwnedBuffer::zeroed(std::mem::size_of_val(values));
    ledger.write(buf.region()).unwrap().view_mut::<T>().unwrap().write_from(0, values);
    buf
}

/// What a test passes for one variable.
#[derive(Clone, Debug)]
enum Arg {
    Number(f64),
    Array(Vec<f64>),
}

/// Runs `expression` over `args` (one per variable, in order) into a new array of `len` doubles.
fn run_args(expression: &Expression, args: &[Arg], len: usize, cancel: &Cancel) -> Result<Vec<f64>> {
    let ledger = Ledger::new();
    let buffers: Vec<Option<Arc<OwnedBuffer>>> =
        args.iter().map(|a| if let Arg::Array(v) = a { Some(buffer(&ledger, v)) } else { None }).collect();
    let guards: Vec<_> = buffers.iter().map(|b| b.as_ref().map(|b| ledger.read(b.region()).unwrap())).collect();
    let mut inputs = Vec::new();
    for (arg, guard) in args.iter().zip(&guards) {
        inputs.push(match (arg, guard) {
            (Arg::Number(x), _) => Input::scalar(*x),
            (Arg::Array(_), Some(g)) => Input::array(g.view::<f64>().unwrap())?,
            (Arg::Array(_), None) => unreachable!(),
        });
    }
    let bound = expression.bind(inputs)?;
    let out = OwnedBuffer::zeroed(8 * len);
    let mut guard = ledger.write(out.region()).unwrap();
    bound.run_into(guard.view_mut::<f64>().unwrap(), Conversion::of(ElementKind::Float64), cancel)?;
    Ok(guard.view::<f64>().unwrap().to_vec())
}

fn bits(x: f64) -> String {
    format!("{x:?} ({:#018x})", x.to_bits())
}

/// How many doubles lie between `a` and `b` (0 when equal, or both NaN; `u64::MAX` when only one is NaN).
fn ulps(a: f64, b: f64) -> u64 {
    if a.is_nan() || b.is_nan() {
        return if a.is_nan() && b.is_nan() { 0 } else { u64::MAX };
    }
    let key = |x: f64| {
        let b = x.to_bits() as i64;
        if b < 0 {
            i64::MIN - b
        } else {
            b
        }
    };
    key(a).abs_diff(key(b))
}

fn syntax_error(source: &str) -> (usize, usize, String, String) {
    match Expression::compile(source) {
        Err(e @ Error::Expression { .. }) => {
            assert_eq!(e.code(), "ERR_PARABUF_EXPRESSION_SYNTAX");
            assert_eq!(e.js_class(), crate::JsClass::SyntaxError);
            let Error::Expression { line, column, ref reason, .. } = e else { unreachable!() };
            (line, column, reason.clone(), e.to_string())
        }
        other => panic!("{source:?}: expected a syntax error, got {other:?}"),
    }
}

#[test]
fn sources_that_compile_to_constants() {
    let cases: &[(&str, f64)] = &[
        ("1", 1.0),
        ("1e-3", 1e-3),
        (".5", 0.5),
        ("5.", 5.0),
        ("1.5E+2", 150.0),
        ("0x1F", 31.0),
        ("0o17", 15.0),
        ("0b101", 5.0),
        ("0", 0.0),
        ("-0", -0.0),
        ("Infinity", f64::INFINITY),
        ("-Infinity", f64::NEG_INFINITY),
        ("PI", std::f64::consts::PI),
        ("E", std::f64::consts::E),
        ("2 ** 3 ** 2", 512.0),
        ("(2 ** 3) ** 2", 64.0),
        ("2 ** -1", 0.5),
        ("(-2) ** 2", 4.0),
        ("1 + 2 * 3", 7.0),
        ("(1 + 2) * 3", 9.0),
        ("7 % 3 * 2", 2.0),
        ("-7 % 3", -1.0),
        ("-6 % 3", -0.0),
        ("10 - 4 - 3", 3.0),
        ("16 / 4 / 2", 2.0),
        ("1 < 2 == 1", 1.0),
        ("1 + 1 > 1 && 3", 3.0),
        ("0 || NaN || 5", 5.0),
        ("0 && 5", 0.0),
        ("-0 && 5", -0.0),
        ("!0 + !1 + !NaN", 2.0),
        ("- - 3", 3.0),
        ("+-+3", -3.0),
        ("1 ? 2 : 3", 2.0),
        ("0 ? 2 : 1 ? 3 : 4", 3.0),
        ("NaN ? 1 : 2", 2.0),
        ("where(0, 1, 2)", 2.0),
        ("min(3, 1, 2)", 1.0),
        ("max(3)", 3.0),
        ("min(0, -0)", -0.0),
        ("max(-0, 0)", 0.0),
        ("clamp(5, 0, 3)", 3.0),
        ("clamp(5, 4, 3)", 3.0),
        ("hypot(3, 4)", 5.0),
        ("hypot(-3)", 3.0),
        ("round(-0.5)", -0.0),
        ("round(2.5)", 3.0),
        ("round(-2.5)", -2.0),
        ("round(0.49999999999999994)", 0.0),
        ("sign(-0)", -0.0),
        ("abs(-0)", 0.0),
        ("1 ** NaN", f64::NAN),
        ("(-1) ** Infinity", f64::NAN),
        ("pow(NaN, 0)", 1.0),
        ("5 % 0", f64::NAN),
        ("5 % Infinity", 5.0),
        (" \t\n 1\r\n", 1.0),
        ("1 === 1", 1.0),
        ("1 !== 1", 0.0),
    ];
    for (source, want) in cases {
        let e = Expression::compile(source).unwrap_or_else(|e| panic!("{source}: {e}"));
        let got = e.constant().unwrap_or_else(|| panic!("{source} did not fold"));
        assert!(same_bits_or_both_nan(got, *want), "{source}: {} vs {}", bits(got), bits(*want));
        assert!(e.variables().is_empty());
        // The same value from the interpreter, for a constant expression bound to nothing.
        let ran = run_args(&e, &[], 3, &Cancel::new()).unwrap();
        assert!(ran.iter().all(|x| same_bits_or_both_nan(*x, *want)), "{source}");
    }
}

#[test]
fn compiled_and_bound_expressions_cross_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Expression>();
    send_sync::<Arc<Expression>>();
    send_sync::<Bound<'_, '_>>();
    send_sync::<Input<'_>>();
}

#[test]
fn variables_are_listed_in_order_of_first_appearance() {
    let e = Expression::compile("b * a + b + $c_1 - sin(_x)").unwrap();
    assert_eq!(e.variables(), ["b", "a", "$c_1", "_x"]);
    assert_eq!(e.source(), "b * a + b + $c_1 - sin(_x)");
    assert_eq!(e.constant(), None);
}

#[test]
fn refused_sources_point_at_the_offending_character() {
    // (source, line, column, part of the reason)
    let cases: &[(&str, usize, usize, &str)] = &[
        ("", 1, 1, "expected an expression, found the end"),
        ("   ", 1, 4, "expected an expression"),
        ("1 +", 1, 4, "expected an expression, found the end"),
        ("1 + * 2", 1, 5, "found '*'"),
        ("(1 + 2", 1, 7, "expected ')'"),
        ("1 + 2)", 1, 6, "expected an operator or the end"),
        ("x y", 1, 3, "found 'y'"),
        ("-2 ** 2", 1, 4, "unary operator"),
        ("!x ** 2", 1, 4, "unary operator"),
        ("2 ** -x ** 2", 1, 9, "unary operator"),
        ("foo(1)", 1, 1, "unknown function 'foo'"),
        ("sin(1, 2)", 1, 9, "sin() takes 1 argument, got 2"),
        ("atan2(1)", 1, 8, "atan2() takes 2 arguments, got 1"),
        ("clamp(1, 2)", 1, 11, "clamp() takes 3 arguments, got 2"),
        ("min()", 1, 5, "min() takes at least 1 argument, got 0"),
        ("hypot()", 1, 7, "hypot() takes at least 1 argument, got 0"),
        ("sin + 1", 1, 1, "sin is a function"),
        ("x = 1", 1, 3, "assignment"),
        ("x & 1", 1, 3, "bitwise"),
        ("x # 1", 1, 3, "unexpected character '#'"),
        ("x + é", 1, 5, "unexpected character 'é'"),
        ("é + x", 1, 1, "unexpected character 'é'"),
        ("1e", 1, 2, "exponent"),
        ("1e+", 1, 2, "exponent"),
        ("0x", 1, 3, "digits after"),
        ("012", 1, 1, "cannot start with 0"),
        ("3in", 1, 2, "followed directly"),
        ("1.2.3", 1, 4, "followed directly"),
        ("if + 1", 1, 1, "reserved word"),
        ("x ? 1", 1, 6, "expected ':'"),
        ("x ? 1 : ", 1, 9, "expected an expression"),
        ("f(1,)", 1, 1, "unknown function"),
        ("sin(1,)", 1, 7, "expected an expression"),
        ("1 +\n  2 *", 2, 6, "expected an expression"),
        ("1 +\n  $ # 2", 2, 5, "unexpected character '#'"),
    ];
    for (source, line, column, reason) in cases {
        let (l, c, r, _) = syntax_error(source);
        assert_eq!((l, c), (*line, *column), "{source:?}: {r}");
        assert!(r.contains(reason), "{source:?}: {r:?} should contain {reason:?}");
    }
}

#[test]
fn messages_show_the_line_and_a_caret() {
    let (_, _, _, message) = syntax_error("a + b * (c - ) + d");
    assert_eq!(message, "expected an expression, found ')' (column 14)\n    a + b * (c - ) + d\n                 ^");
    let (_, _, _, message) = syntax_error("a +\n\tb # c");
    assert_eq!(message, "unexpected character '#' (line 2, column 4)\n     b # c\n       ^");
    // A long line is cut to a window around the character.
    let long = format!("{}+ # {}", "a + ".repeat(100), "b + ".repeat(100));
    let (_, column, _, message) = syntax_error(&long);
    assert_eq!(column, 403);
    let lines: Vec<&str> = message.lines().collect();
    assert_eq!(lines[1], format!("    …{}# {}…", &long[362..402], &long[404..442]));
    assert_eq!(lines[2].find('^'), lines[1].find('#').map(|i| i - '…'.len_utf8() + 1));
}

#[test]
fn deep_nesting_is_a_coded_error_not_a_stack_overflow() {
    const N: usize = 100_000;
    let sources = [
        format!("{}x{}", "(".repeat(N), ")".repeat(N)),
        format!("{}x", "-".repeat(N)),
        format!("{}x", "!".repeat(N)),
        format!("{}x", "+ ".repeat(N)),
        format!("{}x", "x ** ".repeat(N)),
        format!("{}x", "x ? x : ".repeat(N)),
        format!("{}x{}", "x ? ".repeat(N), " : x".repeat(N)),
        format!("{}x{}", "sin(".repeat(N), ")".repeat(N)),
        format!("{}x{}", "min(1, ".repeat(N), ")".repeat(N)),
        format!("{}x{}", "(".repeat(N), ")".repeat(N - 1)),
    ];
    for source in &sources {
        let (_, column, reason, _) = syntax_error(source);
        let levels = reason.contains("nested deeper than 256 levels");
        assert!(levels || reason.contains("stack budget ran out"), "{}…: {reason}", &source[..20]);
        assert!(column > if levels { MAX_NESTING } else { 30 }, "{column}");
    }
}

#[test]
fn the_deepest_accepted_nesting_fits_a_small_stack() {
    let n = MAX_NESTING;
    let sources = [
        format!("{}x{}", "(".repeat(n - 1), ")".repeat(n - 1)),
        format!("{}x", "-".repeat(n)),
        format!("{}x", "x ** ".repeat(n)),
        format!("{}x", "x ? x : ".repeat(n)),
        format!("{}x{}", "sin(".repeat(n), ")".repeat(n)),
        format!("{}x{}", "(x + ".repeat(n - 1), ")".repeat(n - 1)),
    ];
    // 1 MiB: half a rayon thread's stack, a quarter of a Node worker's.
    std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(move || {
            for source in &sources {
                super::parse::STACK_USED.with(|c| c.set(0));
                match Expression::compile(source) {
                    Ok(e) => assert_eq!(e.variables(), ["x"]),
                    // Unoptimised frames are several times larger: the byte budget stops them first.
                    Err(e) if cfg!(debug_assertions) => assert!(e.to_string().contains("stack budget ran out"), "{e}"),
                    Err(e) => panic!("{}…: {e}", &source[..20]),
                }
                let used = super::parse::STACK_USED.with(|c| c.get());
                if !cfg!(debug_assertions) {
                    assert!(used < 256 << 10, "{}…: {used} bytes of stack", &source[..20]);
                }
            }
        })
        .unwrap()
        .join()
        .unwrap();
    // One parenthesis more than the deepest accepted (each is one level).
    assert!(Expression::compile(&format!("{}x{}", "(".repeat(n + 1), ")".repeat(n + 1))).is_err());
}

#[test]
fn long_flat_sources_compile_and_run_without_recursion() {
    const N: usize = 100_000;
    let source = format!("x{}", " + x".repeat(N - 1));
    let e = Expression::compile(&source).unwrap();
    assert_eq!(run_args(&e, &[Arg::Array(vec![1.0, 0.5])], 2, &Cancel::new()).unwrap(), [N as f64, N as f64 / 2.0]);
    let source = format!("min(x{})", ", x".repeat(N - 1));
    let e = Expression::compile(&source).unwrap();
    assert_eq!(run_args(&e, &[Arg::Array(vec![-0.0])], 1, &Cancel::new()).unwrap()[0].to_bits(), (-0.0f64).to_bits());
}

#[test]
fn too_many_values_at_once_is_refused() {
    let args: Vec<String> = (0..MAX_REGISTERS + 1).map(|i| format!("v{i}")).collect();
    let (_, _, reason, _) = syntax_error(&format!("hypot({})", args.join(", ")));
    assert!(reason.contains("intermediate values"), "{reason}");
    let fits: Vec<String> = (0..MAX_REGISTERS / 2).map(|i| format!("v{i}")).collect();
    let e = Expression::compile(&format!("hypot({})", fits.join(", "))).unwrap();
    let inputs: Vec<Arg> = (0..fits.len()).map(|i| Arg::Number(if i == 7 { 3.0 } else { 0.0 })).collect();
    assert_eq!(run_args(&e, &inputs, 2, &Cancel::new()).unwrap(), [3.0, 3.0]);
}

#[test]
fn powers_computed_without_pow_are_pows_bits() {
    let mut rng = Rng::new(3);
    let mut xs: Vec<f64> = (0..2000).map(|_| rng.wide_f64() * 1e3).collect();
    xs.extend([0.0, -0.0, 5e-324, -1e200, 1e-200, f64::INFINITY, f64::NEG_INFINITY, f64::NAN, 1.0, -1.0, 3.0]);
    for (source, y) in [("x ** 2", 2.0), ("pow(x, 1)", 1.0), ("x ** -1", -1.0), ("pow(x, 2)", 2.0)] {
        let e = Expression::compile(source).unwrap();
        assert!(e.program.instrs.iter().all(|i| !matches!(i, compile::Instr::Binary { op: parse::Binary::Pow, .. })));
        let got = run_args(&e, &[Arg::Array(xs.clone())], xs.len(), &Cancel::new()).unwrap();
        for (x, g) in xs.iter().zip(&got) {
            assert!(same_bits_or_both_nan(*g, libm::pow(*x, y)), "{source} at {x}: {g}");
        }
    }
}

/// One line of a data file: the first field, the arguments, the last field (doubles as the hex digits of their bits).
fn data_lines(text: &str) -> impl Iterator<Item = (&str, Vec<f64>, f64)> {
    text.lines().map(|line| {
        let fields: Vec<&str> = line.split('\t').collect();
        let double = |s: &str| f64::from_bits(u64::from_str_radix(s, 16).expect("hex bits"));
        let (last, middle) = fields[1..].split_last().expect("a result");
        (fields[0], middle.iter().map(|s| double(s)).collect(), double(last))
    })
}

/// The sources whose results are V8's bit for bit; the rest (transcendentals) are held within 1 ulp of V8 here and of
/// the correctly rounded value against mpmath.
fn exact_in_js(source: &str) -> bool {
    const INEXACT: [&str; 21] = [
        "cbrt", "exp", "log", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh",
        "atanh", "hypot", "pow", "**", "expm1", "atan2", "E",
    ];
    !INEXACT.iter().any(|f| source.contains(f))
}

/// The same source with its variables replaced by literals of their values.
fn with_literals(source: &str, args: &[f64]) -> String {
    let literal = |x: f64| {
        if x.is_nan() {
            "NaN".to_string()
        } else if x.is_infinite() {
            if x > 0.0 { "Infinity" } else { "(-Infinity)" }.to_string()
        } else if x.is_sign_negative() {
            format!("(-{:?})", -x)
        } else {
            format!("{x:?}")
        }
    };
    let chars: Vec<char> = source.chars().collect();
    let name = |i: Option<usize>| i.and_then(|i| chars.get(i)).is_some_and(|c| c.is_ascii_alphanumeric());
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        match "xyz".find(c) {
            Some(v) if !name(i.checked_sub(1)) && !name(Some(i + 1)) => out.push_str(&literal(args[v])),
            _ => out.push(c),
        }
    }
    out
}

#[test]
fn values_are_v8s() {
    let text = include_str!("../../tests/data/expr_js_cases.txt");
    let mut by_source: BTreeMap<&str, Vec<(Vec<f64>, f64)>> = BTreeMap::new();
    for (source, args, result) in data_lines(text).filter(|(s, _, _)| !s.starts_with("store:")) {
        by_source.entry(source).or_default().push((args, result));
    }
    assert!(by_source.len() > 60);
    let (mut inexact, mut differing) = (0, 0);
    let mut failures = Vec::new();
    for (source, rows) in &by_source {
        let e = Expression::compile(source).unwrap_or_else(|e| panic!("{source}: {e}"));
        let arity = rows[0].0.len();
        assert_eq!(e.variables().len(), arity, "{source}");
        // Every row at once, one array per variable: the block loops.
        let arrays: Vec<Arg> = (0..arity).map(|i| Arg::Array(rows.iter().map(|(a, _)| a[i]).collect())).collect();
        let got = run_args(&e, &arrays, rows.len(), &Cancel::new()).unwrap();
        for ((args, want), got) in rows.iter().zip(&got) {
            // Row by row with scalar inputs, and folded from literals: the same bits.
            let scalars: Vec<Arg> = args.iter().map(|x| Arg::Number(*x)).collect();
            let broadcast = run_args(&e, &scalars, 2, &Cancel::new()).unwrap();
            let literal_source = with_literals(source, args);
            let folded = Expression::compile(&literal_source).unwrap().constant().expect("folds");
            for (how, value) in [("scalars", broadcast[1]), ("folded", folded)] {
                assert!(
                    same_bits_or_both_nan(value, *got),
                    "{source} {args:?} {how}: {} vs {}",
                    bits(value),
                    bits(*got)
                );
            }
            if exact_in_js(source) {
                assert!(same_bits_or_both_nan(*got, *want), "{source} {args:?}: {} vs V8 {}", bits(*got), bits(*want));
            } else {
                inexact += 1;
                let d = ulps(*got, *want);
                // V8's hypot divides by the largest magnitude before squaring, which can put it 2 ulps from ours
                // (which is within 1 of the correctly rounded value, checked against mpmath).
                let allowed = if source.contains("hypot") { 2 } else { 1 };
                if d > allowed {
                    failures.push(format!("{source} {args:?}: {} vs V8 {} ({d} ulps)", bits(*got), bits(*want)));
                }
                differing += usize::from(d != 0);
            }
        }
    }
    assert!(failures.is_empty(), "{} beyond 1 ulp of V8:\n{}", failures.len(), failures.join("\n"));
    // libm and V8 share most of fdlibm's algorithms: most values are V8's exactly (about 96 % of this table).
    assert!(differing * 10 < inexact, "{differing} of {inexact} transcendental values differ from V8's");
}

#[test]
fn transcendentals_are_within_an_ulp_of_correctly_rounded() {
    let text = include_str!("../../tests/data/expr_mpmath_cases.txt");
    let mut worst: BTreeMap<&str, u64> = BTreeMap::new();
    let mut failures = Vec::new();
    type Rows = Vec<(Vec<f64>, f64)>;
    let mut by_call: BTreeMap<(&str, usize), Rows> = BTreeMap::new();
    for (function, args, result) in data_lines(text) {
        by_call.entry((function, args.len())).or_default().push((args, result));
    }
    for ((function, arity), rows) in &by_call {
        let source = format!("{function}({})", ["x", "y", "z"][..*arity].join(", "));
        let e = Expression::compile(&source).unwrap();
        let arrays: Vec<Arg> = (0..*arity).map(|i| Arg::Array(rows.iter().map(|(a, _)| a[i]).collect())).collect();
        let got = run_args(&e, &arrays, rows.len(), &Cancel::new()).unwrap();
        for ((args, want), got) in rows.iter().zip(&got) {
            let d = ulps(*got, *want);
            if d > 1 {
                failures.push(format!("{source} {args:?}: {} vs {} ({d} ulps)", bits(*got), bits(*want)));
            }
            let w = worst.entry(function).or_default();
            *w = (*w).max(d);
        }
    }
    assert!(failures.is_empty(), "{} beyond 1 ulp:\n{}", failures.len(), failures.join("\n"));
    assert!(worst.len() >= 22, "{worst:?}");
}

/// The kind of a typed array constructor's name.
fn kind_named(name: &str) -> ElementKind {
    ElementKind::ALL.into_iter().find(|k| k.name() == name).unwrap_or_else(|| panic!("{name}"))
}

/// Runs `source` over one array of doubles into an output of `kind`, returned as doubles.
fn run_into_kind(source: &str, xs: &[f64], kind: ElementKind) -> Vec<f64> {
    let e = Expression::compile(source).unwrap();
    let ledger = Ledger::new();
    let input = buffer(&ledger, xs);
    let guard = ledger.read(input.region()).unwrap();
    let bound = e.bind(vec![Input::array(guard.view::<f64>().unwrap()).unwrap()]).unwrap();
    let out = OwnedBuffer::zeroed(kind.size() * xs.len());
    let mut w = ledger.write(out.region()).unwrap();
    crate::with_element_type!(kind, U => {
        bound.run_into(w.view_mut::<U>().unwrap(), Conversion::of(kind), &Cancel::new()).unwrap();
        w.view::<U>().unwrap().iter().map(Numeric::to_f64).collect()
    })
}

#[test]
fn stores_convert_as_javascripts() {
    let text = include_str!("../../tests/data/expr_js_cases.txt");
    let mut by_type: BTreeMap<&str, Vec<(f64, f64)>> = BTreeMap::new();
    for (first, args, stored) in data_lines(text) {
        if let Some(name) = first.strip_prefix("store:") {
            by_type.entry(name).or_default().push((args[0], stored));
        }
    }
    assert_eq!(by_type.len(), 10);
    for (name, rows) in &by_type {
        let kind = kind_named(name);
        let xs: Vec<f64> = rows.iter().map(|(x, _)| *x).collect();
        for (source, scale) in [("x", 1.0), ("x * 1", 1.0)] {
            let got = run_into_kind(source, &xs, kind);
            for ((x, want), got) in rows.iter().zip(&got) {
                assert!(
                    same_bits_or_both_nan(*got, want * scale),
                    "{name}[i] = {}: {} vs {}",
                    bits(*x),
                    bits(*got),
                    bits(*want)
                );
            }
        }
    }
}

#[test]
fn bigint_arrays_are_refused() {
    let ledger = Ledger::new();
    let ints = buffer(&ledger, &[1i64, 2]);
    let guard = ledger.read(ints.region()).unwrap();
    let err = Input::array(guard.view::<i64>().unwrap()).unwrap_err();
    assert_eq!(err.code(), "ERR_INVALID_ARG_TYPE");
    assert!(err.to_string().contains("BigInt64Array"), "{err}");
    let e = Expression::compile("1").unwrap();
    let bound = e.bind(vec![]).unwrap();
    let out = OwnedBuffer::zeroed(16);
    let mut w = ledger.write(out.region()).unwrap();
    let err = bound.run_into(w.view_mut::<u64>().unwrap(), Conversion::of(ElementKind::BigUint64), &Cancel::new());
    assert_eq!(err.unwrap_err().code(), "ERR_INVALID_ARG_TYPE");
    assert_eq!(w.view::<u64>().unwrap().to_vec(), [0, 0]);
}

#[test]
fn inputs_of_every_type_are_read_as_javascript_reads_them() {
    fn check<T: Numeric>(values: &[T]) {
        let ledger = Ledger::new();
        let buf = buffer(&ledger, values);
        let guard = ledger.read(buf.region()).unwrap();
        let e = Expression::compile("x * 2 + y").unwrap();
        let bound = e.bind(vec![Input::array(guard.view::<T>().unwrap()).unwrap(), Input::scalar(0.25)]).unwrap();
        let mut out = vec![0.0; values.len()];
        bound.fill(0..values.len(), &mut out).unwrap();
        for (v, got) in values.iter().zip(&out) {
            assert_eq!(got.to_bits(), (v.to_f64() * 2.0 + 0.25).to_bits(), "{v:?}");
        }
    }
    check(&[-128i8, -1, 0, 127]);
    check(&[0u8, 200, 255]);
    check(&[i16::MIN, -1, i16::MAX]);
    check(&[0u16, u16::MAX]);
    check(&[i32::MIN, 0, i32::MAX]);
    check(&[0u32, u32::MAX]);
    check(&[f16::from_f32(-1.5), f16::MAX, f16::from_bits(1), f16::NEG_INFINITY]);
    check(&[f32::MIN_POSITIVE, -0.0, f32::MAX, 1.0e-45]);
    check(&(0..1500).map(|i| i as f64 * 0.37 - 100.0).collect::<Vec<_>>());
}

#[test]
fn binding_checks_inputs() {
    let e = Expression::compile("a * b + c").unwrap();
    let ledger = Ledger::new();
    let (x, y) = (buffer(&ledger, &[1.0f64, 2.0, 3.0]), buffer(&ledger, &[1.0f32, 2.0]));
    let (gx, gy) = (ledger.read(x.region()).unwrap(), ledger.read(y.region()).unwrap());
    let xs = || Input::array(gx.view::<f64>().unwrap()).unwrap();
    let ys = || Input::array(gy.view::<f32>().unwrap()).unwrap();
    let err = e.bind(vec![xs(), Input::scalar(1.0)]).unwrap_err();
    assert_eq!(err.code(), "ERR_INVALID_ARG_VALUE");
    assert_eq!(err.to_string(), "the expression has 3 variable(s) (a, b, c), got 2 input(s)");
    assert_eq!(e.bind(vec![xs(), Input::scalar(1.0), ys()]).unwrap_err(), Error::LengthMismatch { left: 3, right: 2 });
    let err = e.bind_named([("a", xs()), ("c", Input::scalar(1.0))]).unwrap_err();
    assert_eq!(err.to_string(), "the expression 'a * b + c' uses the variable 'b', but no input gives it a value");
    let err = e.bind_named([("a", xs()), ("b", xs()), ("c", xs()), ("d", xs())]).unwrap_err();
    assert_eq!(err.to_string(), "input 'd' is not a variable of the expression 'a * b + c' (its variables: a, b, c)");
    let err = e.bind_named([("a", xs()), ("a", xs())]).unwrap_err();
    assert_eq!(err.to_string(), "input 'a' is given twice");
    let bound = e.bind_named([("c", Input::scalar(0.5)), ("b", Input::scalar(2.0)), ("a", xs())]).unwrap();
    assert_eq!(bound.len(), Some(3));
    let mut out = [0.0; 3];
    bound.fill(0..3, &mut out).unwrap();
    assert_eq!(out, [2.5, 4.5, 6.5]);
    // An output of another length.
    let buf = OwnedBuffer::zeroed(8 * 4);
    let mut w = ledger.write(buf.region()).unwrap();
    let err = bound.run_into(w.view_mut::<f64>().unwrap(), Conversion::of(ElementKind::Float64), &Cancel::new());
    assert_eq!(err.unwrap_err(), Error::LengthMismatch { left: 3, right: 4 });
    // Only numbers: no length to reduce over.
    let scalars = e.bind(vec![Input::scalar(1.0), Input::scalar(2.0), Input::scalar(3.0)]).unwrap();
    assert_eq!(scalars.len(), None);
    assert_eq!(sum(&scalars, &Cancel::new()).unwrap_err().code(), "ERR_INVALID_ARG_VALUE");
}

#[test]
fn the_output_can_be_an_input_at_the_same_position() {
    let e = Expression::compile("x * 2 + y - x").unwrap();
    let n = 3 * BLOCK + 1000;
    let start: Vec<f64> = (0..n).map(|i| i as f64).collect();
    let ledger = Ledger::new();
    let buf = buffer(&ledger, &start);
    let mut w = ledger.write(buf.region()).unwrap();
    let bound = e.bind(vec![Input::output(), Input::scalar(0.5)]).unwrap();
    assert_eq!(bound.len(), None);
    assert_eq!(bound.fill(0..1, &mut [0.0]).unwrap_err().code(), "ERR_INVALID_ARG_VALUE");
    bound.run_into(w.view_mut::<f64>().unwrap(), Conversion::of(ElementKind::Float64), &Cancel::new()).unwrap();
    let got = w.view::<f64>().unwrap().to_vec();
    assert!(got.iter().zip(&start).all(|(g, x)| *g == x * 2.0 + 0.5 - x));
    // Another element type in place: the output's elements read as JavaScript reads them, stored back converted.
    let bytes = buffer(&ledger, &[250u8, 3, 0]);
    let mut w = ledger.write(bytes.region()).unwrap();
    let e = Expression::compile("x + 10").unwrap();
    let bound = e.bind(vec![Input::output()]).unwrap();
    bound.run_into(w.view_mut::<u8>().unwrap(), Conversion::of(ElementKind::Uint8), &Cancel::new()).unwrap();
    assert_eq!(w.view::<u8>().unwrap().to_vec(), [4, 13, 10]);
    bound.run_into(w.view_mut::<u8>().unwrap(), Conversion::of(ElementKind::Uint8Clamped), &Cancel::new()).unwrap();
    assert_eq!(w.view::<u8>().unwrap().to_vec(), [14, 23, 20]);
}

#[test]
fn a_raised_flag_aborts_before_any_block() {
    let e = Expression::compile("x + 1").unwrap();
    let xs = vec![1.0; 3 * BLOCK];
    let err = run_args(&e, &[Arg::Array(xs.clone())], xs.len(), &cancelled()).unwrap_err();
    assert_eq!(err, Error::Aborted { operation: None });
    let ledger = Ledger::new();
    let buf = buffer(&ledger, &xs);
    let guard = ledger.read(buf.region()).unwrap();
    let bound = e.bind(vec![Input::array(guard.view::<f64>().unwrap()).unwrap()]).unwrap();
    assert_eq!(sum(&bound, &cancelled()).unwrap_err(), Error::Aborted { operation: None });
    assert!(bound.map_blocks(&cancelled(), |_| ()).is_err());
}

#[test]
fn a_flag_raised_by_a_block_stops_the_blocks_not_yet_started() {
    let e = Expression::compile("x + 1").unwrap();
    let n = 64 * BLOCK;
    let ledger = Ledger::new();
    let input = buffer(&ledger, &vec![1.0f64; n]);
    let guard = ledger.read(input.region()).unwrap();
    let bound = e.bind(vec![Input::array(guard.view::<f64>().unwrap()).unwrap()]).unwrap();
    assert_eq!(bound.map_blocks(&Cancel::new(), |values| values.range().start).unwrap().len(), 64);
    let cancel = Cancel::new();
    let started = std::sync::atomic::AtomicUsize::new(0);
    let result = bound.map_blocks(&cancel, |values| {
        if started.fetch_add(1, std::sync::atomic::Ordering::Relaxed) == 3 {
            cancel.cancel();
        }
        values.range()
    });
    assert_eq!(result.unwrap_err(), Error::Aborted { operation: None });
    // Each thread stops at its next block: at most one block per thread starts after the flag.
    let started = started.into_inner();
    assert!(started < 4 + crate::threads() + 1, "{started} blocks started");
}

#[test]
fn fused_sums_are_the_materialised_sums() {
    let mut rng = Rng::new(5);
    let n = 2 * BLOCK + 777;
    let a: Vec<f64> = (0..n).map(|_| rng.wide_f64()).collect();
    let b: Vec<f64> = (0..n).map(|_| rng.wide_f64()).collect();
    let sources = [
        "(a - b) ** 2",
        "a * b",
        // Heavy cancellation: the compensated pass cannot prove its answer, the exact pass decides.
        "a * 1e10 - b",
        "sin(a) * exp(-b * b)",
        "a > b ? a : -b",
        "a - a",
        "(a - a) * -1",
        "a / 0",
        "a / 0 * (b > 0 ? 1 : -1)",
        "a < 0 ? NaN : a",
    ];
    for source in sources {
        let e = Expression::compile(source).unwrap();
        let ledger = Ledger::new();
        let (ba, bb) = (buffer(&ledger, &a), buffer(&ledger, &b));
        let (ga, gb) = (ledger.read(ba.region()).unwrap(), ledger.read(bb.region()).unwrap());
        let named = [("a", ga.view::<f64>().unwrap()), ("b", gb.view::<f64>().unwrap())];
        let inputs = named.into_iter().filter(|(n, _)| e.variables().iter().any(|v| v == n));
        let bound = e.bind_named(inputs.map(|(n, v)| (n, Input::array(v).unwrap()))).unwrap();
        let fused = sum(&bound, &Cancel::new()).unwrap();
        let mut values = vec![0.0; n];
        bound.fill(0..n, &mut values).unwrap();
        let materialised = buffer(&ledger, &values);
        let g = ledger.read(materialised.region()).unwrap();
        let Scalar::Number(want) = crate::kernels::sum(&g.view::<f64>().unwrap(), &Cancel::new()).unwrap() else {
            unreachable!()
        };
        assert!(same_bits_or_both_nan(fused, want), "{source}: {} vs {}", bits(fused), bits(want));
    }
}

#[test]
fn the_cache_keeps_compiled_expressions() {
    let first = compile_cached("cached_x * 3 + 1").unwrap();
    let second = compile_cached("cached_x * 3 + 1").unwrap();
    assert!(Arc::ptr_eq(&first, &second));
    assert_eq!(compile_cached("cached_x +").unwrap_err().code(), "ERR_PARABUF_EXPRESSION_SYNTAX");
    for i in 0..CACHE_ENTRIES + 10 {
        compile_cached(&format!("evict_{i} + 1")).unwrap();
    }
    let third = compile_cached("cached_x * 3 + 1").unwrap();
    assert!(!Arc::ptr_eq(&first, &third));
    assert_eq!(*first, *third);
    let long = format!("x{}", " + x".repeat(CACHE_SOURCE_BYTES));
    assert!(!Arc::ptr_eq(&compile_cached(&long).unwrap(), &compile_cached(&long).unwrap()));
}

// Random expressions against a tree evaluator written apart from the engine (its own parser-free tree, its own
// precedence-free printing, its own reading of JavaScript's rules); the transcendentals call the same `libm`
// functions, so every value must match bit for bit.

#[derive(Clone, Debug)]
enum Tree {
    Var(usize),
    Num(f64),
    Prefix(&'static str, Box<Tree>),
    Infix(&'static str, Box<Tree>, Box<Tree>),
    Cond(Box<Tree>, Box<Tree>, Box<Tree>),
    Call(&'static str, Vec<Tree>),
}

const FUNCTIONS_1: [&str; 26] = [
    "abs", "sign", "sqrt", "cbrt", "exp", "expm1", "log", "log1p", "log2", "log10", "sin", "cos", "tan", "asin",
    "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "floor", "ceil", "round", "trunc",
];
const INFIX: [&str; 18] =
    ["+", "-", "*", "/", "%", "**", "<", "<=", ">", ">=", "==", "!=", "===", "!==", "&&", "||", "+", "*"];

fn special() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(0.0),
        Just(-0.0),
        Just(0.5),
        Just(-0.5),
        Just(1.0),
        Just(-1.0),
        Just(2.5),
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(5e-324),
        Just(-2.2250738585072014e-308),
        Just(1e308),
        Just(f64::MAX),
        Just(9007199254740993.0),
        (-1e6f64..1e6),
        (-4.0f64..4.0),
        any::<f64>(),
        any::<u64>().prop_map(|b| f64::from_bits(b & 0x800F_FFFF_FFFF_FFFF)),
    ]
}

fn tree(variables: usize) -> impl Strategy<Value = Tree> {
    let leaf = prop_oneof![3 => (0..variables).prop_map(Tree::Var), 1 => special().prop_map(Tree::Num)];
    leaf.prop_recursive(6, 48, 3, |inner| {
        prop_oneof![
            (prop::sample::select(vec!["-", "+", "!"]), inner.clone())
                .prop_map(|(op, a)| Tree::Prefix(op, Box::new(a))),
            (prop::sample::select(INFIX.to_vec()), inner.clone(), inner.clone()).prop_map(|(op, a, b)| Tree::Infix(
                op,
                Box::new(a),
                Box::new(b)
            )),
            (inner.clone(), inner.clone(), inner.clone()).prop_map(|(c, a, b)| Tree::Cond(
                Box::new(c),
                Box::new(a),
                Box::new(b)
            )),
            (prop::sample::select(FUNCTIONS_1.to_vec()), inner.clone()).prop_map(|(f, a)| Tree::Call(f, vec![a])),
            (prop::sample::select(vec!["atan2", "pow", "min", "max", "hypot"]), inner.clone(), inner.clone())
                .prop_map(|(f, a, b)| Tree::Call(f, vec![a, b])),
            (prop::sample::select(vec!["where", "clamp", "min", "max", "hypot"]), inner.clone(), inner.clone(), inner)
                .prop_map(|(f, a, b, c)| Tree::Call(f, vec![a, b, c])),
        ]
    })
}

impl Tree {
    fn source(&self, names: &[&str]) -> String {
        match self {
            Tree::Var(i) => names[*i].to_string(),
            Tree::Num(x) => with_literals("x", &[*x]),
            Tree::Prefix(op, a) => format!("{op}({})", a.source(names)),
            Tree::Infix(op, a, b) => format!("({}) {op} ({})", a.source(names), b.source(names)),
            Tree::Cond(c, a, b) => format!("({}) ? ({}) : ({})", c.source(names), a.source(names), b.source(names)),
            Tree::Call(f, args) => {
                format!("{f}({})", args.iter().map(|a| a.source(names)).collect::<Vec<_>>().join(", "))
            }
        }
    }

    fn eval(&self, vars: &[f64]) -> f64 {
        let truth = |x: f64| !(x.is_nan() || x == 0.0);
        let flag = |b: bool| if b { 1.0 } else { 0.0 };
        let min = |a: f64, b: f64| {
            if a.is_nan() || b.is_nan() {
                f64::NAN
            } else if a == 0.0 && b == 0.0 {
                if a.is_sign_negative() || b.is_sign_negative() {
                    -0.0
                } else {
                    0.0
                }
            } else if a < b {
                a
            } else {
                b
            }
        };
        let max = |a: f64, b: f64| -min(-a, -b);
        match self {
            Tree::Var(i) => vars[*i],
            Tree::Num(x) => *x,
            Tree::Prefix(op, a) => {
                let a = a.eval(vars);
                match *op {
                    "-" => -a,
                    "+" => a,
                    _ => flag(!truth(a)),
                }
            }
            Tree::Infix(op, a, b) => {
                let (a, b) = (a.eval(vars), b.eval(vars));
                match *op {
                    "+" => a + b,
                    "-" => a - b,
                    "*" => a * b,
                    "/" => a / b,
                    "%" => libm::fmod(a, b),
                    "**" => {
                        if b.is_nan() || (b.is_infinite() && (a == 1.0 || a == -1.0)) {
                            f64::NAN
                        } else {
                            libm::pow(a, b)
                        }
                    }
                    "<" => flag(a < b),
                    "<=" => flag(a <= b),
                    ">" => flag(a > b),
                    ">=" => flag(a >= b),
                    "==" | "===" => flag(a == b),
                    "!=" | "!==" => flag(a != b),
                    "&&" => {
                        if truth(a) {
                            b
                        } else {
                            a
                        }
                    }
                    "||" => {
                        if truth(a) {
                            a
                        } else {
                            b
                        }
                    }
                    _ => unreachable!(),
                }
            }
            Tree::Cond(c, a, b) => {
                if truth(c.eval(vars)) {
                    a.eval(vars)
                } else {
                    b.eval(vars)
                }
            }
            Tree::Call(f, args) => {
                let v: Vec<f64> = args.iter().map(|a| a.eval(vars)).collect();
                let x = v[0];
                match *f {
                    "abs" => f64::from_bits(x.to_bits() & !(1 << 63)),
                    "sign" => {
                        if x.is_nan() || x == 0.0 {
                            x
                        } else if x > 0.0 {
                            1.0
                        } else {
                            -1.0
                        }
                    }
                    "sqrt" => x.sqrt(),
                    "cbrt" => libm::cbrt(x),
                    "exp" => math::js_exp(x),
                    "expm1" => libm::expm1(x),
                    "log" => libm::log(x),
                    "log1p" => libm::log1p(x),
                    "log2" => libm::log2(x),
                    "log10" => libm::log10(x),
                    "sin" => math::js_sin(x),
                    "cos" => math::js_cos(x),
                    "tan" => libm::tan(x),
                    "asin" => libm::asin(x),
                    "acos" => libm::acos(x),
                    "atan" => libm::atan(x),
                    "sinh" => math::js_sinh(x),
                    "cosh" => libm::cosh(x),
                    "tanh" => math::js_tanh(x),
                    "asinh" => libm::asinh(x),
                    "acosh" => math::js_acosh(x),
                    "atanh" => libm::atanh(x),
                    "floor" => libm::floor(x),
                    "ceil" => libm::ceil(x),
                    "trunc" => libm::trunc(x),
                    "round" => {
                        // ECMA-262 Math.round, case by case.
                        if !x.is_finite() || x == 0.0 || x.abs() >= 4503599627370496.0 {
                            x
                        } else if x > 0.0 && x < 0.5 {
                            0.0
                        } else if (-0.5..0.0).contains(&x) {
                            -0.0
                        } else {
                            libm::floor(x + 0.5)
                        }
                    }
                    "atan2" => libm::atan2(x, v[1]),
                    "pow" => Tree::Infix("**", Box::new(Tree::Num(x)), Box::new(Tree::Num(v[1]))).eval(&[]),
                    "min" => v.iter().copied().reduce(min).unwrap(),
                    "max" => v.iter().copied().reduce(max).unwrap(),
                    "hypot" => math::js_hypot(v.iter().copied()),
                    "where" => {
                        if truth(x) {
                            v[1]
                        } else {
                            v[2]
                        }
                    }
                    "clamp" => min(max(x, v[1]), v[2]),
                    _ => unreachable!("{f}"),
                }
            }
        }
    }
}

proptest! {
    // 256 cases by default; PROPTEST_CASES=… for more.

    #[test]
    fn random_expressions_match_the_tree_evaluator(
        t in tree(3),
        columns in prop::collection::vec(prop::collection::vec(special(), 0..600), 3),
        scalar in prop::option::of((0usize..3, special())),
    ) {
        let names = ["x", "y", "z"];
        let source = t.source(&names);
        let e = Expression::compile(&source).map_err(|e| TestCaseError::fail(format!("{source}: {e}")))?;
        let len = columns.iter().map(Vec::len).min().unwrap_or(0);
        let args: Vec<(usize, Arg)> = (0..3)
            .map(|i| match scalar {
                Some((s, x)) if s == i => (i, Arg::Number(x)),
                _ => (i, Arg::Array(columns[i][..len].to_vec())),
            })
            .collect();
        // Bind only the variables the source uses, in its order.
        let used: Vec<usize> = e.variables().iter().map(|v| names.iter().position(|n| n == v).unwrap()).collect();
        let bound: Vec<Arg> = used.iter().map(|i| args[*i].1.clone()).collect();
        let got = run_args(&e, &bound, len, &Cancel::new()).unwrap();
        for (i, got) in got.iter().enumerate() {
            let vars: Vec<f64> = args
                .iter()
                .map(|(_, a)| match a {
                    Arg::Number(x) => *x,
                    Arg::Array(v) => v[i],
                })
                .collect();
            let want = t.eval(&vars);
            prop_assert!(same_bits_or_both_nan(*got, want), "{} at {} ({:?}): {} vs {}", source, i, vars, bits(*got), bits(want));
        }
    }
}

#[test]
fn results_do_not_depend_on_blocks_or_threads() {
    let mut rng = Rng::new(9);
    let n = 3 * BLOCK + 123;
    let x: Vec<f64> = (0..n).map(|_| rng.wide_f64()).collect();
    let y: Vec<f64> = (0..n).map(|_| rng.wide_f64()).collect();
    let t = Tree::Infix(
        "+",
        Box::new(Tree::Call("sin", vec![Tree::Var(0)])),
        Box::new(Tree::Infix(
            "%",
            Box::new(Tree::Var(1)),
            Box::new(Tree::Call("hypot", vec![Tree::Var(0), Tree::Var(1)])),
        )),
    );
    let e = Expression::compile(&t.source(&["x", "y"])).unwrap();
    let pooled = run_args(&e, &[Arg::Array(x.clone()), Arg::Array(y.clone())], n, &Cancel::new()).unwrap();
    // One piece at a time on this thread, in no particular order of pieces.
    let ledger = Ledger::new();
    let (bx, by) = (buffer(&ledger, &x), buffer(&ledger, &y));
    let (gx, gy) = (ledger.read(bx.region()).unwrap(), ledger.read(by.region()).unwrap());
    let views: [ReadView<'_, f64>; 2] = [gx.view().unwrap(), gy.view().unwrap()];
    let bound = e.bind(views.iter().map(|v| Input::array(*v).unwrap()).collect()).unwrap();
    let mut piecewise = vec![0.0; n];
    let mut start = n;
    while start > 0 {
        let from = start.saturating_sub(777);
        bound.fill(from..start, &mut piecewise[from..start]).unwrap();
        start = from;
    }
    for i in 0..n {
        let want = t.eval(&[x[i], y[i]]);
        assert!(same_bits_or_both_nan(pooled[i], want), "{i}");
        assert!(same_bits_or_both_nan(piecewise[i], want), "{i}");
    }
    // Any output type's conversion is applied per element after the value.
    for kind in ElementKind::ALL.into_iter().filter(|k| !k.is_bigint()) {
        let got = run_into_kind("x * 300", &x[..2000], kind);
        for (g, xi) in got.iter().zip(&x) {
            let want = crate::with_element_type!(kind, U => Conversion::of(kind).number::<U>(xi * 300.0).to_f64());
            assert!(same_bits_or_both_nan(*g, want), "{kind}");
        }
    }
    let _ = <f64 as Store>::from_number(0.0);
}

/// Doubles for checking a function of one argument everywhere: every sign, exponent and mantissa (random bit
/// patterns), positive ones spread over every binade, values near 1 and near the powers of two, subnormals, and the
/// special values.
fn everywhere(count: usize, seed: u64) -> Vec<f64> {
    let mut rng = Rng::new(seed);
    let mut xs = vec![
        0.0,
        -0.0,
        1.0,
        -1.0,
        2.0,
        0.5,
        10.0,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        -f64::NAN,
        f64::MIN_POSITIVE,
        f64::MAX,
        f64::from_bits(1),
        f64::from_bits(0x000f_ffff_ffff_ffff),
        std::f64::consts::E,
        std::f64::consts::SQRT_2,
        std::f64::consts::FRAC_1_SQRT_2,
    ];
    for e in -1074..1024 {
        let p = 2f64.powi(e);
        xs.extend([p, f64::from_bits(p.to_bits() + 1), f64::from_bits(p.to_bits().wrapping_sub(1))]);
    }
    while xs.len() < count {
        let bits = rng.next_u64();
        xs.push(f64::from_bits(bits));
        xs.push(f64::from_bits(bits >> 1));
        xs.push(1.0 + (rng.unit() - 0.5) * 2f64.powi(-((rng.next_u64() % 52) as i32)));
    }
    xs
}

#[test]
fn logarithms_are_libms_bits_in_scalar_and_vector_loops() {
    let xs = everywhere(if cfg!(debug_assertions) { 300_000 } else { 3_000_000 }, 17);
    for name in ["log", "log2", "log10"] {
        let reference = match name {
            "log" => libm::log,
            "log2" => libm::log2,
            _ => libm::log10,
        };
        let e = Expression::compile(&format!("{name}(x)")).unwrap();
        let looped = run_args(&e, &[Arg::Array(xs.clone())], xs.len(), &Cancel::new()).unwrap();
        for (&x, &got) in xs.iter().zip(&looped) {
            let want = reference(x);
            let scalar = math::unary(e_op(name), x);
            assert!(
                same_bits_or_both_nan(got, want),
                "{name}({}) = {} in a loop, libm {}",
                bits(x),
                bits(got),
                bits(want)
            );
            assert!(
                same_bits_or_both_nan(scalar, want),
                "{name}({}) = {} alone, libm {}",
                bits(x),
                bits(scalar),
                bits(want)
            );
        }
    }
}

/// The operation a one-function source calls.
fn e_op(name: &str) -> parse::Unary {
    match name {
        "log" => parse::Unary::Log,
        "log2" => parse::Unary::Log2,
        "log10" => parse::Unary::Log10,
        "sin" => parse::Unary::Sin,
        "cos" => parse::Unary::Cos,
        "exp" => parse::Unary::Exp,
        _ => unreachable!("{name}"),
    }
}

#[test]
fn vector_loops_give_the_scalar_functions_bits() {
    // The interpreter's loops (split or vectorised) against the one-element functions that constant folding uses.
    let mut xs = everywhere(400_000, 23);
    let mut rng = Rng::new(29);
    xs.extend((0..200_000).map(|_| (rng.unit() - 0.5) * 2f64.powi((rng.next_u64() % 24) as i32)));
    xs.extend((0..1000).map(|i| math::TRIG_REDUCED * (1.0 + (i as f64 - 500.0) * 1e-12)));
    for name in ["sin", "cos", "exp", "log", "log2", "log10"] {
        let e = Expression::compile(&format!("{name}(x)")).unwrap();
        let looped = run_args(&e, &[Arg::Array(xs.clone())], xs.len(), &Cancel::new()).unwrap();
        for (&x, &got) in xs.iter().zip(&looped) {
            let want = math::unary(e_op(name), x);
            assert!(
                same_bits_or_both_nan(got, want),
                "{name}({}) = {} in a loop, {} alone",
                bits(x),
                bits(got),
                bits(want)
            );
        }
    }
}

#[test]
fn outputs_large_enough_to_stream_get_every_value() {
    // Past the size from which doubles go out in streaming stores: every element, across blocks and at the ragged end,
    // is the one the scalar arithmetic gives.
    let len = (16 << 20) / 8 + 3 * BLOCK / 2 + 7;
    let mut rng = Rng::new(31);
    let [a, b, c]: [Vec<f64>; 3] = std::array::from_fn(|_| (0..len).map(|_| rng.unit() * 4.0 - 2.0).collect());
    let e = Expression::compile("a * b + c").unwrap();
    let got = run_args(&e, &[Arg::Array(a.clone()), Arg::Array(b.clone()), Arg::Array(c.clone())], len, &Cancel::new())
        .unwrap();
    for i in 0..len {
        assert_eq!(got[i].to_bits(), (a[i] * b[i] + c[i]).to_bits(), "element {i}");
    }
    // In place: each piece read before the streaming stores overwrite it.
    let ledger = Ledger::new();
    let buf = buffer(&ledger, &a);
    let mut w = ledger.write(buf.region()).unwrap();
    let e = Expression::compile("x * 0.5 - 1").unwrap();
    let bound = e.bind(vec![Input::output()]).unwrap();
    bound.run_into(w.view_mut::<f64>().unwrap(), Conversion::of(ElementKind::Float64), &Cancel::new()).unwrap();
    let got = w.view::<f64>().unwrap().to_vec();
    assert!(got.iter().zip(&a).all(|(g, x)| g.to_bits() == (x * 0.5 - 1.0).to_bits()));
}
