use parabuf_core::{Ledger, OwnedBuffer};

fn main() {
    let buf = OwnedBuffer::zeroed(8);
    let ledger = Ledger::new();
    let guard = ledger.read(buf.region()).unwrap();
    let _view = guard.view_mut::<f64>();
}
