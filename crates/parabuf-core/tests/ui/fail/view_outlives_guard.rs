use parabuf_core::{Ledger, OwnedBuffer};

fn main() {
    let buf = OwnedBuffer::zeroed(8);
    let ledger = Ledger::new();
    let view = {
        let guard = ledger.read(buf.region()).unwrap();
        guard.view::<f64>().unwrap()
    };
    view.get(0);
}
