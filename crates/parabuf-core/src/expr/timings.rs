//! Timings of the bench's expressions on this machine, not tests: `cargo test --release -p parabuf-core --features bench --lib
//! expr_timings -- --ignored --nocapture` (`EXPR_TIMINGS_LEN` sets the length, default 2e7). The bench
//! (`bench/expressions.mjs`) holds the measurements.

use super::*;
use crate::exec::Cancel;
use crate::kernels::convert::Conversion;
use crate::kind::ElementKind;
use crate::ledger::Ledger;
use crate::region::OwnedBuffer;

/// The median of `rounds` timings of `f`, in milliseconds.
fn median_ms(rounds: usize, mut f: impl FnMut()) -> f64 {
    f();
    let mut times: Vec<f64> = (0..rounds)
        .map(|_| {
            let t = std::time::Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[rounds / 2]
}

#[test]
#[ignore = "timings, not a test"]
fn expr_timings() {
    let n: usize =
        std::env::var("EXPR_TIMINGS_LEN").ok().and_then(|v| v.parse::<f64>().ok()).map_or(20_000_000, |v| v as usize);
    let ledger = Ledger::new();
    let filled = |f: &dyn Fn(usize) -> f64| {
        let buf = OwnedBuffer::zeroed(8 * n);
        let values: Vec<f64> = (0..n).map(f).collect();
        ledger.write(buf.region()).unwrap().view_mut::<f64>().unwrap().write_from(0, &values);
        buf
    };
    let a = filled(&|i| ((i * 7919) % 1000) as f64 / 1000.0);
    let b = filled(&|i| ((i * 104_729) % 1000) as f64 / 997.0);
    let c = filled(&|i| (i % 1013) as f64 * 0.5 + 0.25);
    let out = OwnedBuffer::zeroed(8 * n);
    let (ga, gb, gc) =
        (ledger.read(a.region()).unwrap(), ledger.read(b.region()).unwrap(), ledger.read(c.region()).unwrap());
    let (va, vb, vc) = (ga.view::<f64>().unwrap(), gb.view::<f64>().unwrap(), gc.view::<f64>().unwrap());
    let cancel = Cancel::new();
    let rounds = 9;
    let mut w = ledger.write(out.region()).unwrap();
    let limit = crate::probe::copy_bandwidth(&va, w.view_mut::<f64>().unwrap(), 5).bytes_per_second;
    println!("copy through views: {:.1} GB/s moved", limit / 1e9);
    let mut run = |source: &str, inputs: Vec<Input<'_>>, arrays: usize| {
        let e = Expression::compile(source).unwrap();
        let bound = e.bind(inputs).unwrap();
        let ms = median_ms(rounds, || {
            bound.run_into(w.view_mut::<f64>().unwrap(), Conversion::of(ElementKind::Float64), &cancel).unwrap()
        });
        let limit_ms = (arrays * n * 8) as f64 / limit * 1e3;
        println!("{source} into out: {ms:.2} ms; limit {limit_ms:.2} ms ({:.2} of it)", limit_ms / ms);
    };
    let arr = |v| Input::array(v).unwrap();
    run("a * b + c", vec![arr(va), arr(vb), arr(vc)], 4);
    run("sqrt(x*x + y*y)", vec![arr(va), arr(vb)], 3);
    let e = Expression::compile("(a - b) ** 2").unwrap();
    let bound = e.bind(vec![arr(va), arr(vb)]).unwrap();
    let fused = median_ms(rounds, || {
        std::hint::black_box(sum(&bound, &cancel).unwrap());
    });
    let dot = median_ms(rounds, || {
        std::hint::black_box(crate::kernels::dot(&va, &vb, &cancel).unwrap());
    });
    println!("sum((a - b) ** 2): {fused:.2} ms; dot {dot:.2} ms ({:.2}×)", fused / dot);
    let e = Expression::compile("x * y + 1").unwrap();
    let small = 1000;
    let bound = e.bind(vec![arr(va.slice(0..small)), arr(vb.slice(0..small))]).unwrap();
    let calls = 20_000;
    let small_ms = median_ms(rounds, || {
        for _ in 0..calls {
            let head = w.view_mut::<f64>().unwrap().split_at(small).0;
            bound.run_into(head, Conversion::of(ElementKind::Float64), &cancel).unwrap();
        }
    });
    println!("x * y + 1 on {small}: {:.2} µs a run", small_ms * 1e3 / calls as f64);
}
