use parabuf_core::{Ledger, OwnedBuffer};

fn main() {
    let buf = OwnedBuffer::zeroed(8);
    let ledger = Ledger::new();
    let mut guard = ledger.write(buf.region()).unwrap();
    let mut view = guard.view_mut::<f64>().unwrap();
    drop(guard);
    view.set(0, 1.0);
}
