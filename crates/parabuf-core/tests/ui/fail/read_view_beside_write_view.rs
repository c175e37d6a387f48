use parabuf_core::{Ledger, OwnedBuffer};

fn main() {
    let buf = OwnedBuffer::zeroed(8);
    let ledger = Ledger::new();
    let mut guard = ledger.write(buf.region()).unwrap();
    let r = guard.view::<f64>().unwrap();
    let mut w = guard.view_mut::<f64>().unwrap();
    w.set(0, 1.0);
    r.get(0);
}
