use std::collections::BTreeSet;

use proptest::prelude::*;

use super::*;

/// Every index of `shape`, in row-major order.
fn indices(shape: &[usize]) -> Vec<Vec<usize>> {
    let mut all = vec![Vec::new()];
    for &n in shape {
        all = all.into_iter().flat_map(|prefix| (0..n).map(move |i| [prefix.clone(), vec![i]].concat())).collect();
    }
    all
}

/// The element each index reaches, in exact arithmetic.
fn reached(shape: &[usize], strides: &[i64], offset: i64) -> Vec<i128> {
    indices(shape)
        .iter()
        .map(|ix| offset as i128 + ix.iter().zip(strides).map(|(&i, &s)| i as i128 * s as i128).sum::<i128>())
        .collect()
}

fn layout(shape: &[i64], strides: &[i64], offset: i64, len: usize) -> Layout {
    Layout::new(shape, Some(strides), offset, len).unwrap()
}

#[derive(Clone, Debug)]
struct Case {
    shape: Vec<usize>,
    strides: Vec<i64>,
    offset: i64,
}

/// Small random layouts: up to four dimensions of up to four indices, steps from -7 to 7 (zero included).
fn case() -> impl Strategy<Value = Case> {
    (0..=4usize)
        .prop_flat_map(|ndim| {
            (prop::collection::vec(0..=4usize, ndim), prop::collection::vec(-7..=7i64, ndim), 0..60i64)
        })
        .prop_map(|(shape, strides, offset)| Case { shape, strides, offset })
}

fn signed(shape: &[usize]) -> Vec<i64> {
    shape.iter().map(|&n| n as i64).collect()
}

/// A case as a layout valid for data just large enough, or `None` when it reaches below element 0.
fn valid(case: &Case) -> Option<(Layout, usize)> {
    let elements = reached(&case.shape, &case.strides, case.offset);
    let len = elements.iter().max().map_or(0, |&m| m.max(0) as usize + 1);
    Layout::new(&signed(&case.shape), Some(&case.strides), case.offset, len).ok().map(|l| (l, len))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(crate::ledger::model_cases()))]

    /// Permuting, slicing, indexing and coalescing reach the elements numpy's would, in the same index order.
    #[cfg_attr(miri, ignore)]
    #[test]
    fn derived_layouts_reach_what_they_should(case in case(), pick in any::<usize>()) {
        let Some((l, _)) = valid(&case) else { return Ok(()) };
        let elements = |l: &Layout| -> Vec<usize> { indices(l.shape()).iter().map(|ix| l.element_of(ix).unwrap()).collect() };
        let all = elements(&l);
        let c = l.coalesced();
        prop_assert_eq!(elements(&c), all.clone());
        for axis in 0..l.ndim().saturating_sub(1) {
            if let Some(m) = l.merged(axis) {
                prop_assert_eq!(elements(&m), all.clone());
                prop_assert_eq!(m.ndim(), l.ndim() - 1);
            }
        }
        prop_assert!(c.ndim() <= l.ndim().max(1));
        if l.ndim() == 0 {
            return Ok(());
        }
        let mut axes: Vec<usize> = (0..l.ndim()).collect();
        axes.rotate_left(pick % l.ndim());
        let p = l.permuted(&axes).unwrap();
        for ix in indices(p.shape()) {
            let mut original = vec![0; l.ndim()];
            axes.iter().zip(&ix).for_each(|(&a, &i)| original[a] = i);
            prop_assert_eq!(p.element_of(&ix), l.element_of(&original));
        }
        let axis = pick % l.ndim();
        let n = l.shape()[axis];
        let range = (pick / 7) % (n + 1)..n;
        let s = l.sliced(axis, range.clone());
        for ix in indices(s.shape()) {
            let mut original = ix.clone();
            original[axis] += range.start;
            prop_assert_eq!(s.element_of(&ix), l.element_of(&original));
        }
        if n > 0 {
            let i = pick % n;
            let d = l.indexed(axis, i);
            for ix in indices(d.shape()) {
                let mut original = ix.clone();
                original.insert(axis, i);
                prop_assert_eq!(d.element_of(&ix), l.element_of(&original));
            }
        }
    }

    /// Valid exactly when every element reached is in `[0, len)`; the span is the exact lowest and highest.
    // Enumerates every index: too slow under Miri (this module is safe code).
    #[cfg_attr(miri, ignore)]
    #[test]
    fn validity_is_the_exact_extremes(case in case(), len in 0..64usize) {
        let elements = reached(&case.shape, &case.strides, case.offset);
        let fits = elements.iter().all(|&e| e >= 0 && e < len as i128);
        let got = Layout::new(&signed(&case.shape), Some(&case.strides), case.offset, len);
        prop_assert_eq!(got.is_ok(), fits, "{:?}", got);
        if let Ok(l) = got {
            let span = elements.iter().min().zip(elements.iter().max()).map(|(&lo, &hi)| lo as usize..hi as usize + 1);
            prop_assert_eq!(l.element_span(), span);
            prop_assert_eq!(l.len(), elements.len());
            for (ix, e) in indices(&case.shape).iter().zip(&elements) {
                prop_assert_eq!(l.element_of(ix), Some(*e as usize));
            }
        } else {
            prop_assert_eq!(got.unwrap_err().code(), "ERR_OUT_OF_RANGE");
        }
    }

    /// Internal overlap exactly when two indices reach one element, with a true witness; dense exactly when the
    /// elements reached fill their span once each.
    #[cfg_attr(miri, ignore)]
    #[test]
    fn internal_overlap_is_exact(case in case()) {
        let Some((l, _)) = valid(&case) else { return Ok(()) };
        let elements = reached(&case.shape, &case.strides, case.offset);
        let distinct: BTreeSet<i128> = elements.iter().copied().collect();
        let repeats = distinct.len() != elements.len();
        prop_assert_eq!(l.internal_overlap(), if repeats { Overlap::Yes } else { Overlap::No });
        match l.collision(usize::MAX) {
            Collision::Found(a, b) => {
                prop_assert!(a != b);
                prop_assert_eq!(l.element_of(&a), l.element_of(&b));
                prop_assert!(l.element_of(&a).is_some());
                prop_assert_eq!(l.check_writable().unwrap_err().code(), "ERR_INVALID_ARG_VALUE");
            }
            Collision::None => prop_assert!(l.check_writable().is_ok()),
            Collision::TooHard => prop_assert!(false, "no bound set"),
        }
        let span = distinct.last().map_or(0, |hi| hi - distinct.first().unwrap() + 1);
        prop_assert_eq!(l.is_dense(), !repeats && span == elements.len() as i128);
    }

    /// Shares a byte exactly when the byte sets meet, for elements of 1, 2, 4 or 8 bytes at any byte offset.
    #[cfg_attr(miri, ignore)]
    #[test]
    fn shares_memory_is_exact(
        a in case(), b in case(),
        sizes in (prop::sample::select(vec![1usize, 2, 4, 8]), prop::sample::select(vec![1usize, 2, 4, 8])),
        bases in (0..24usize, 0..24usize),
    ) {
        let (Some((la, _)), Some((lb, _))) = (valid(&a), valid(&b)) else { return Ok(()) };
        let bytes = |case: &Case, size: usize, base: usize| -> BTreeSet<i128> {
            reached(&case.shape, &case.strides, case.offset)
                .into_iter()
                .flat_map(|e| (0..size as i128).map(move |u| base as i128 + e * size as i128 + u))
                .collect()
        };
        let meet = !bytes(&a, sizes.0, bases.0).is_disjoint(&bytes(&b, sizes.1, bases.1));
        let fa = Footprint::new(bases.0, sizes.0, la);
        let fb = Footprint::new(bases.1, sizes.1, lb);
        let expected = if meet { Overlap::Yes } else { Overlap::No };
        prop_assert_eq!(fa.shares_memory(&fb, usize::MAX), expected);
        prop_assert_eq!(fb.shares_memory(&fa, usize::MAX), expected);
        let range = Footprint::bytes(bases.1 + 3, 5);
        let range_bytes: BTreeSet<i128> = (bases.1 as i128 + 3..bases.1 as i128 + 8).collect();
        let meet_range = !bytes(&a, sizes.0, bases.0).is_disjoint(&range_bytes);
        prop_assert_eq!(fa.shares_memory(&range, usize::MAX), if meet_range { Overlap::Yes } else { Overlap::No });
    }
}

#[test]
fn coalescing_and_permuting() {
    assert_eq!(layout(&[3, 4], &[4, 1], 0, 12).coalesced(), layout(&[12], &[1], 0, 12));
    assert_eq!(layout(&[3, 1, 4], &[4, 99, 1], 0, 12).coalesced(), layout(&[12], &[1], 0, 12));
    // Every other column is every other element when the row length is even, not when it is odd; a reversed
    // matrix's rows stay apart.
    assert_eq!(layout(&[3, 2], &[4, 2], 0, 12).coalesced(), layout(&[6], &[2], 0, 12));
    assert_eq!(layout(&[3, 4], &[7, 2], 0, 21).coalesced(), layout(&[3, 4], &[7, 2], 0, 21));
    assert_eq!(layout(&[3, 4], &[-4, 1], 8, 12).coalesced(), layout(&[3, 4], &[-4, 1], 8, 12));
    assert_eq!(layout(&[3, 4], &[-4, -1], 11, 12).coalesced(), layout(&[12], &[-1], 11, 12));
    assert_eq!(layout(&[3, 4], &[4, 1], 0, 12).permuted(&[1, 0]).unwrap(), layout(&[4, 3], &[1, 4], 0, 12));
    let e = layout(&[3, 4], &[4, 1], 0, 12).permuted(&[1, 1]).unwrap_err();
    assert_eq!(e.code(), "ERR_INVALID_ARG_VALUE");
}

#[test]
fn defaults_are_row_major() {
    let l = Layout::new(&[3, 4], None, 0, 12).unwrap();
    assert_eq!((l.strides(), l.offset(), l.len()), (&[4isize, 1][..], 0, 12));
    assert!(l.is_row_major() && l.is_dense());
    assert_eq!(l.element_span(), Some(0..12));
    assert_eq!(l.byte_span(8), Some(0..96));
    let scalar = Layout::new(&[], None, 5, 6).unwrap();
    assert_eq!((scalar.len(), scalar.element_span()), (1, Some(5..6)));
    assert_eq!(Layout::row_major(&[2, 3]).unwrap(), Layout::new(&[2, 3], None, 0, 6).unwrap());
    // Transposed, reversed: dense, not row-major.
    let t = layout(&[4, 3], &[1, 4], 0, 12);
    assert!(!t.is_row_major() && t.is_dense());
    let r = layout(&[3, 4], &[-4, 1], 8, 12);
    assert!(!r.is_row_major() && r.is_dense());
    // Every other column: neither.
    let even = layout(&[3, 2], &[4, 2], 0, 12);
    assert!(!even.is_row_major() && !even.is_dense());
}

#[test]
fn empty_shapes_reach_nothing_whatever_their_strides() {
    let l = Layout::new(&[0, 5], Some(&[1_000_000, -7]), 99, 0).unwrap();
    assert!(l.is_empty() && l.element_span().is_none() && l.is_dense());
    assert_eq!(l.internal_overlap(), Overlap::No);
    // Sizes whose row-major steps would overflow, but one of which is zero.
    assert!(Layout::new(&[0, i64::MAX, i64::MAX], None, 0, 0).is_ok());
    let fp = Footprint::new(0, 8, l);
    assert_eq!(fp.shares_memory(&Footprint::bytes(0, 1 << 20), MAX_WORK), Overlap::No);
}

#[test]
fn bad_input_names_the_argument_and_values() {
    let err = |r: Result<Layout>| {
        let e = r.unwrap_err();
        (e.code(), e.to_string())
    };
    assert_eq!(
        err(Layout::new(&[3, -1], None, 0, 12)),
        ("ERR_OUT_OF_RANGE", "shape[1] must be a non-negative integer, got -1 (shape [3, -1])".into())
    );
    assert_eq!(
        err(Layout::new(&[3], None, -2, 12)),
        ("ERR_OUT_OF_RANGE", "offset must be a non-negative integer, got -2".into())
    );
    assert_eq!(
        err(Layout::new(&[3, 4], Some(&[1]), 0, 12)),
        (
            "ERR_INVALID_ARG_VALUE",
            "strides must have one entry per dimension of shape [3, 4] (2), got 1 entries: [1]".into()
        )
    );
    assert_eq!(
        err(Layout::new(&[3, 5], None, 0, 12)),
        (
            "ERR_OUT_OF_RANGE",
            "shape [3, 5] with offset 0 reach element 14 (at index [2, 4]), past the end of data of 12 elements".into()
        )
    );
    assert_eq!(
        err(Layout::new(&[3, 4], Some(&[-4, 1]), 4, 12)),
        (
            "ERR_OUT_OF_RANGE",
            "strides [-4, 1] with shape [3, 4] and offset 4 reach element -4 (at index [2, 0]), before the start of data"
                .into()
        )
    );
    assert_eq!(
        err(Layout::new(&[2], None, 12, 12)),
        (
            "ERR_OUT_OF_RANGE",
            "offset 12 is outside data of 12 elements (it is the element at index [0] of shape [2])".into()
        )
    );
    // Extents past any integer: refused, not wrapped around into range.
    let huge = Layout::new(&[i64::MAX, i64::MAX, 3], Some(&[i64::MAX, i64::MAX, 1]), 0, 12);
    assert_eq!(err(huge).0, "ERR_OUT_OF_RANGE");
    assert!(Layout::new(&[3, 2], Some(&[i64::MAX, i64::MAX]), 0, usize::MAX).is_err());
    assert!(Layout::new(&[2, 2], Some(&[i64::MAX, i64::MAX]), 0, usize::MAX).is_ok());
    assert_eq!(err(Layout::new(&vec![1; MAX_DIMS + 1], None, 0, 1)).0, "ERR_OUT_OF_RANGE");
    assert!(Layout::new(&vec![1; MAX_DIMS], None, 0, 1).is_ok());
    // From JavaScript numbers.
    assert_eq!(
        err(Layout::from_numbers(&[2.5], None, None, 12)),
        ("ERR_OUT_OF_RANGE", "shape[0] must be an integer, got 2.5".into())
    );
    assert_eq!(err(Layout::from_numbers(&[2.0], Some(&[f64::NAN]), None, 12)).0, "ERR_OUT_OF_RANGE");
    assert_eq!(err(Layout::from_numbers(&[2.0], None, Some(1e300), 12)).0, "ERR_OUT_OF_RANGE");
    assert_eq!(
        Layout::from_numbers(&[2.0, 2.0], Some(&[-1.0, 2.0]), Some(1.0), 4).unwrap(),
        layout(&[2, 2], &[-1, 2], 1, 4)
    );
}

#[test]
fn writes_through_repeating_layouts_are_refused_with_a_witness() {
    let broadcast = layout(&[3, 2], &[0, 1], 0, 2);
    assert_eq!(broadcast.internal_overlap(), Overlap::Yes);
    assert_eq!(
        broadcast.check_writable().unwrap_err().to_string(),
        "a view with shape [3, 2] and strides [0, 1] reaches element 0 at both index [0, 0] and index [1, 0]: it can \
         be read but not written through"
    );
    // Colliding strides: 3·1 = 1·3.
    let colliding = layout(&[2, 4], &[3, 1], 0, 8);
    let message = colliding.check_writable().unwrap_err().to_string();
    assert!(message.contains("reaches element 3 at both index [0, 3] and index [1, 0]"), "{message}");
    // Reversed colliding axes.
    assert_eq!(layout(&[2, 4], &[-3, 1], 3, 8).internal_overlap(), Overlap::Yes);
    // Sizes of one never collide, whatever their stride.
    assert_eq!(layout(&[1, 4, 1], &[0, 1, 0], 0, 4).internal_overlap(), Overlap::No);
}

#[test]
fn interleaved_columns_share_no_byte_and_overlapping_blocks_do() {
    // An 8 × 6 matrix of doubles: even and odd columns interleave but share nothing.
    let even = Footprint::new(0x1000, 8, layout(&[8, 3], &[6, 2], 0, 48));
    let odd = Footprint::new(0x1000, 8, layout(&[8, 3], &[6, 2], 1, 48));
    assert_eq!(even.shares_memory(&odd, MAX_WORK), Overlap::No);
    assert_eq!(even.shares_memory(&even, MAX_WORK), Overlap::Yes);
    // The same bytes as 16-bit elements: element 4 (bytes 8-9) is in the first double of the odd columns.
    let halves = Footprint::new(0x1000, 2, layout(&[1], &[1], 4, 192));
    assert_eq!(odd.shares_memory(&halves, MAX_WORK), Overlap::Yes);
    assert_eq!(even.shares_memory(&halves, MAX_WORK), Overlap::No);
    // A plain byte range inside one odd element only.
    assert_eq!(even.shares_memory(&Footprint::bytes(0x1008, 8), MAX_WORK), Overlap::No);
    assert_eq!(even.shares_memory(&Footprint::bytes(0x1007, 2), MAX_WORK), Overlap::Yes);
    // Rows 0-4 and rows 3-7 of the matrix overlap in rows 3-4.
    let top = Footprint::new(0x1000, 8, layout(&[5, 6], &[6, 1], 0, 48));
    let bottom = Footprint::new(0x1000, 8, layout(&[5, 6], &[6, 1], 18, 48));
    assert_eq!(top.shares_memory(&bottom, MAX_WORK), Overlap::Yes);
    // A zero bound decides only what the byte ranges decide.
    assert_eq!(even.shares_memory(&odd, 0), Overlap::TooHard);
    assert_eq!(top.shares_memory(&Footprint::bytes(0x2000, 8), 0), Overlap::No);
}

#[test]
fn adversarial_strides_are_too_hard_within_the_bound() {
    // numpy's hard instance, scaled into range: x1 and x2 share nothing, and proving it needs a long search.
    let x1 = Footprint::new(0, 1, layout(&[1049, 1049, 1049], &[36674, 61119, 85569], 0, 192_163_377));
    let x2 = Footprint::new(0, 1, layout(&[1049, 1049, 1], &[12223, 12224, 1], 64_023_025, 192_163_377));
    assert_eq!(x1.shares_memory(&x2, MAX_WORK), Overlap::TooHard);
    // x1 itself reaches some bytes twice, and the search finds where.
    let Collision::Found(a, b) = x1.layout().collision(MAX_WORK) else { panic!("x1 repeats elements") };
    assert!(a != b && x1.layout().element_of(&a) == x1.layout().element_of(&b));
    // Past its bound, a search answers TooHard, and that refuses writes.
    assert!(matches!(x1.layout().collision(1), Collision::TooHard));
    let message = x1.layout().writable_within(1).unwrap_err().to_string();
    assert!(message.contains("could not be proven to reach each element once within 1 steps"), "{message}");
}
