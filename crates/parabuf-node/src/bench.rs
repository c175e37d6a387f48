//! Hooks for `npm run bench` only, built only with the `bench` feature (the bench builds its own addon with it): the
//! shipped addon does not contain them. Not part of the API; the facade never calls them.

use napi::{Env, Unknown};
use napi_derive::napi;
use parabuf_core::{ElementKind, Error, Ledger};

use crate::errors::to_napi;
use crate::intake;

/// Internal, for `npm run bench` only (not part of the API; the facade never calls it): the machine's memory-read
/// bandwidth as measured by `parabuf_core::probe::read_bandwidth`.
#[napi(object, object_from_js = false)]
#[derive(Debug)]
pub struct BenchBandwidth {
    /// Bytes read per second in the fastest pass.
    pub bytes_per_second: f64,
    /// The buffer's size in bytes.
    pub bytes: f64,
    /// The seconds of every pass.
    pub seconds: Vec<f64>,
    /// Threads that read at once.
    pub threads: u32,
}

/// Internal, for `npm run bench` only: reads a private buffer of `bytes` bytes `passes` times with every pool thread
/// and reports the fastest pass. `throughViews` reads it as the kernels read JavaScript memory (relaxed atomic loads
/// per element, staged), else with plain vectorised loads (the machine's limit). Blocks the calling thread.
#[napi]
pub fn bench_read_bandwidth(bytes: f64, passes: u32, through_views: Option<bool>) -> BenchBandwidth {
    use parabuf_core::probe::{read_bandwidth, ReadPath};
    let path = if through_views.unwrap_or(false) { ReadPath::View } else { ReadPath::Plain };
    read_bandwidth(bytes.max(0.0) as usize, passes as usize, path).into()
}

impl From<parabuf_core::probe::Bandwidth> for BenchBandwidth {
    fn from(bw: parabuf_core::probe::Bandwidth) -> Self {
        BenchBandwidth {
            bytes_per_second: bw.bytes_per_second,
            bytes: bw.bytes as f64,
            seconds: bw.seconds,
            threads: bw.threads as u32,
        }
    }
}

/// Internal, for `npm run bench` only: reads the memory of a `Float64Array` `passes` times with every pool thread and
/// reports the fastest pass (`parabuf_core::probe::read_bandwidth_of`), the read limit of that array's own pages.
/// Blocks the calling thread.
#[napi]
pub fn bench_array_read_bandwidth(env: Env, array: Unknown<'_>, passes: u32) -> napi::Result<BenchBandwidth> {
    with_float64_view(&env, &array, "benchArrayReadBandwidth()", |view| {
        parabuf_core::probe::read_bandwidth_of(view, passes as usize).into()
    })
}

/// Internal, for `npm run bench` only: the plain, non-deterministic parallel sum of a `Float64Array`
/// (`parabuf_core::probe::plain_sum`), the baseline the compensated `sum` is measured against. Synchronous.
#[napi]
pub fn bench_plain_sum(env: Env, array: Unknown<'_>) -> napi::Result<f64> {
    with_float64_view(&env, &array, "benchPlainSum()", parabuf_core::probe::plain_sum)
}

/// Internal, for `npm run bench` only: the plain, non-deterministic parallel dot product of two `Float64Array`s of
/// one length (`parabuf_core::probe::plain_dot`), the baseline the correctly rounded `dot` is measured against.
#[napi]
pub fn bench_plain_dot(env: Env, a: Unknown<'_>, b: Unknown<'_>) -> napi::Result<f64> {
    with_float64_view(&env, &a, "benchPlainDot()", |x| {
        with_float64_view(&env, &b, "benchPlainDot()", |y| {
            if x.len() == y.len() {
                Ok(parabuf_core::probe::plain_dot(x, y))
            } else {
                Err(napi::Error::from_reason("benchPlainDot() needs two arrays of one length"))
            }
        })
    })??
}

/// Internal, for `npm run bench` only: copies one `Float64Array` into another of the same length `passes` times with
/// every pool thread and reports the fastest pass in bytes moved (read and written) per second
/// (`parabuf_core::probe::copy_bandwidth`): the limit of a kernel that reads one array and writes another. Blocks the
/// calling thread.
#[napi]
pub fn bench_copy_bandwidth(env: Env, src: Unknown<'_>, dst: Unknown<'_>, passes: u32) -> napi::Result<BenchBandwidth> {
    let who = "benchCopyBandwidth()";
    with_float64_view(&env, &src, who, |from| {
        let run = || -> Result<BenchBandwidth, Error> {
            let info = intake::typed_array(&env, &dst, &format_args!("{who} argument 2"))?;
            if info.napi_kind != Some(ElementKind::Float64) {
                return Err(Error::arg_type(format!("{who} needs a Float64Array")));
            }
            if info.region.len() != from.len() * 8 {
                return Err(Error::LengthMismatch { left: from.len(), right: info.region.len() / 8 });
            }
            let mut guard = Ledger::global().write(info.region).map_err(|e| e.relative_to(info.base()))?;
            Ok(parabuf_core::probe::copy_bandwidth(from, guard.view_mut::<f64>()?, passes as usize).into())
        };
        run().map_err(|e| to_napi(&env, &e))
    })?
}

/// Runs `f` on a read view of `array`, which must be a `Float64Array`, for the bench hooks (`who` names the hook in
/// errors). Synchronous: the array is an argument of the calling function, so its memory outlives the guard.
fn with_float64_view<R>(
    env: &Env,
    array: &Unknown<'_>,
    who: &str,
    f: impl FnOnce(&parabuf_core::ReadView<'_, f64>) -> R,
) -> napi::Result<R> {
    let run = || -> Result<R, Error> {
        let info = intake::typed_array(env, array, &format_args!("{who} argument"))?;
        if info.napi_kind != Some(ElementKind::Float64) {
            return Err(Error::arg_type(format!("{who} needs a Float64Array")));
        }
        let guard = Ledger::global().read(info.region).map_err(|e| e.relative_to(info.base()))?;
        Ok(f(&guard.view::<f64>()?))
    };
    run().map_err(|e| to_napi(env, &e))
}
