use parabuf_core::{Ledger, OwnedBuffer};

fn main() {
    let buf = OwnedBuffer::zeroed(8);
    let ledger = Ledger::new();
    let guard = ledger.read(buf.region()).unwrap();
    let view = guard.view::<f64>().unwrap();
    view.set(0, 1.0);
}
