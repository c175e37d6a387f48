//! Times the expression interpreter against plain Rust loops over the same arrays.
//!
//! `PARABUF_THREADS=1 cargo run --release -p parabuf-core --example expr_bench [elements] [filter]`
//!
//! With a filter, only the cases whose source contains it run (`stream` for the streaming references, `sum(` for the
//! fused sum, `1000` for the small run, `compile` for the compile time).

use std::hint::black_box;
use std::time::Instant;

use parabuf_core::expr::{self, Expression, Input};
use parabuf_core::{Cancel, Conversion, ElementKind, Ledger, OwnedBuffer};

fn buffer(ledger: &Ledger, values: &[f64]) -> std::sync::Arc<OwnedBuffer> {
    let buf = OwnedBuffer::zeroed(8 * values.len());
    ledger.write(buf.region()).unwrap().view_mut::<f64>().unwrap().write_from(0, values);
    buf
}

/// The best of `runs` timings of `f`, in nanoseconds per element.
fn best(n: usize, runs: usize, mut f: impl FnMut()) -> f64 {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_nanos() as f64 / n as f64
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(1_000_000);
    let filter = std::env::args().nth(2).unwrap_or_default();
    let wanted = |name: &str| name.contains(filter.as_str());
    println!("{n} elements, {} thread(s)", parabuf_core::threads());
    let ledger = Ledger::new();
    let data: Vec<Vec<f64>> =
        (0..3).map(|k| (0..n).map(|i| ((i * 7 + k * 13) % 1000) as f64 / 500.0 - 1.0).collect()).collect();
    let bufs: Vec<_> = data.iter().map(|d| buffer(&ledger, d)).collect();
    let guards: Vec<_> = bufs.iter().map(|b| ledger.read(b.region()).unwrap()).collect();
    let out = OwnedBuffer::zeroed(8 * n);
    let mut out_guard = ledger.write(out.region()).unwrap();
    let (a, b, c) = (&data[0], &data[1], &data[2]);
    let mut plain = vec![0.0f64; n];

    let cases: [(&str, &dyn Fn(usize) -> f64); 8] = [
        ("sin(a * 100)", &|i| libm::sin(a[i] * 100.0)),
        ("exp(a)", &|i| libm::exp(a[i])),
        ("sin(a)", &|i| libm::sin(a[i])),
        ("log(a + 2)", &|i| libm::log(a[i] + 2.0)),
        ("a * b + c", &|i| a[i] * b[i] + c[i]),
        ("sqrt(a*a + b*b)", &|i| (a[i] * a[i] + b[i] * b[i]).sqrt()),
        ("sin(a) * exp(-a*a)", &|i| libm::sin(a[i]) * libm::exp(-a[i] * a[i])),
        ("a > b ? a - b : round(c * 10) % 3", &|i| if a[i] > b[i] { a[i] - b[i] } else { (c[i] * 10.0).round() % 3.0 }),
    ];
    if wanted("stream") {
        // What memory allows: the same reads and writes as `a * b + c` (and a copy) by plain vectorised loops over
        // private memory, block-parallel on the pool.
        use rayon::prelude::*;
        let blocks = |f: &(dyn Fn(usize, &mut [f64]) + Sync), out: &mut [f64]| {
            parabuf_core::pool().install(|| {
                out.par_chunks_mut(parabuf_core::BLOCK).enumerate().for_each(|(k, o)| f(k * parabuf_core::BLOCK, o))
            })
        };
        let fma = best(n, 7, || {
            blocks(
                &|at, o| {
                    let (a, b, c) = (&a[at..at + o.len()], &b[at..at + o.len()], &c[at..at + o.len()]);
                    for (((o, a), b), c) in o.iter_mut().zip(a).zip(b).zip(c) {
                        *o = a * b + c;
                    }
                },
                &mut plain,
            );
            black_box(&plain);
        });
        let copy = best(n, 7, || {
            blocks(&|at, o| o.copy_from_slice(&a[at..at + o.len()]), &mut plain);
            black_box(&plain);
        });
        println!(
            "stream: a * b + c plain parallel loop {fma:6.2} ns/element ({:.1} GB/s of reads and writes), copy {copy:6.2} ns/element ({:.1} GB/s)",
            32.0 / fma,
            16.0 / copy
        );
    }
    for (source, scalar) in cases {
        if !wanted(source) {
            continue;
        }
        let e = Expression::compile(source).unwrap();
        let inputs = || {
            let views: Vec<_> = e
                .variables()
                .iter()
                .map(|v| {
                    (v.clone(), Input::array(guards[(v.as_bytes()[0] - b'a') as usize].view::<f64>().unwrap()).unwrap())
                })
                .collect();
            e.bind_named(views).unwrap()
        };
        let interpreted = best(n, 7, || {
            let bound = inputs();
            bound
                .run_into(
                    out_guard.view_mut::<f64>().unwrap(),
                    Conversion::of(ElementKind::Float64),
                    &Cancel::for_blocked_caller(),
                )
                .unwrap();
        });
        let looped = best(n, 7, || {
            for (i, o) in plain.iter_mut().enumerate() {
                *o = scalar(i);
            }
            black_box(&plain);
        });
        println!("{source:<36} interpreter {interpreted:6.2} ns/element   plain Rust loop {looped:6.2} ns/element");
    }
    if wanted("sum((a - b) ** 2)") {
        let e = Expression::compile("(a - b) ** 2").unwrap();
        let fused = best(n, 7, || {
            let bound = e
                .bind(vec![
                    Input::array(guards[0].view::<f64>().unwrap()).unwrap(),
                    Input::array(guards[1].view::<f64>().unwrap()).unwrap(),
                ])
                .unwrap();
            black_box(expr::sum(&bound, &Cancel::for_blocked_caller()).unwrap());
        });
        let materialised = best(n, 7, || {
            let bound = e
                .bind(vec![
                    Input::array(guards[0].view::<f64>().unwrap()).unwrap(),
                    Input::array(guards[1].view::<f64>().unwrap()).unwrap(),
                ])
                .unwrap();
            bound
                .run_into(
                    out_guard.view_mut::<f64>().unwrap(),
                    Conversion::of(ElementKind::Float64),
                    &Cancel::for_blocked_caller(),
                )
                .unwrap();
            black_box(
                parabuf_core::kernels::sum(&out_guard.view::<f64>().unwrap(), &Cancel::for_blocked_caller()).unwrap(),
            );
        });
        let dot = best(n, 7, || {
            black_box(
                parabuf_core::kernels::dot(
                    &guards[0].view::<f64>().unwrap(),
                    &guards[1].view::<f64>().unwrap(),
                    &Cancel::for_blocked_caller(),
                )
                .unwrap(),
            );
        });
        println!(
            "sum((a - b) ** 2)  fused {fused:6.2} ns/element   materialised {materialised:6.2}   dot(a, b) {dot:6.2}"
        );
    }
    // A second run of a compiled expression on 1e3 elements, sync.
    let small = 1000.min(n);
    if wanted(&format!("a * b + c on {small} elements")) {
        let e = Expression::compile("a * b + c").unwrap();
        let t = best(1, 2000, || {
            let bound = e
                .bind(vec![
                    Input::array(guards[0].view::<f64>().unwrap().slice(0..small)).unwrap(),
                    Input::array(guards[1].view::<f64>().unwrap().slice(0..small)).unwrap(),
                    Input::array(guards[2].view::<f64>().unwrap().slice(0..small)).unwrap(),
                ])
                .unwrap();
            let out = out_guard.view_mut::<f64>().unwrap().split_at(small).0;
            bound.run_into(out, Conversion::of(ElementKind::Float64), &Cancel::for_blocked_caller()).unwrap();
        });
        println!("a * b + c on {small} elements: {:.2} µs per bind + run", t / 1000.0);
    }
    if !wanted("compile") {
        return;
    }
    let source: String = (0..100).map(|i| format!("sin(v{} * {i}.5)", i % 7)).collect::<Vec<_>>().join(" + ");
    let t = best(1, 200, || {
        black_box(Expression::compile(&source).unwrap());
    });
    println!("compile of a {}-byte, ~400-node source: {:.1} µs", source.len(), t / 1000.0);
}
