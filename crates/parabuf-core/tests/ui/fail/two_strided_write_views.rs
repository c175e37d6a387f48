use parabuf_core::{Layout, Ledger, OwnedBuffer};

fn main() {
    let buf = OwnedBuffer::zeroed(64);
    let ledger = Ledger::new();
    let even = Layout::new(&[4], Some(&[2]), 0, 8).unwrap();
    let mut guard = ledger.write_strided(buf.region(), 8, even).unwrap();
    let mut a = guard.strided_view_mut::<f64>().unwrap();
    let mut b = guard.strided_view_mut::<f64>().unwrap();
    a.set(&[0], 1.0);
    b.set(&[0], 2.0);
}
