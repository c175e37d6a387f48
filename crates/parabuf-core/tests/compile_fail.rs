//! The lifetime rules of views, checked by the compiler: every program under `ui/fail/` must be rejected, with the
//! error recorded beside it, and every program under `ui/pass/` must compile.
//!
//! To refresh the `.stderr` snapshots after a toolchain change: `TRYBUILD=overwrite cargo test -p parabuf-core --test
//! compile_fail`, then read the diff: each snapshot must still name the rule the program breaks.

#[test]
fn views_are_bound_to_their_guards() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}
