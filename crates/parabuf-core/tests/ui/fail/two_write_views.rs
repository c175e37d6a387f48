use parabuf_core::{Ledger, OwnedBuffer};

fn main() {
    let buf = OwnedBuffer::zeroed(8);
    let ledger = Ledger::new();
    let mut guard = ledger.write(buf.region()).unwrap();
    let mut a = guard.view_mut::<f64>().unwrap();
    let mut b = guard.view_mut::<f64>().unwrap();
    a.set(0, 1.0);
    b.set(0, 2.0);
}
