use parabuf_core::{Layout, Ledger, OwnedBuffer};

fn main() {
    let buf = OwnedBuffer::zeroed(64);
    let ledger = Ledger::new();
    let even = Layout::new(&[4], Some(&[2]), 0, 8).unwrap();
    let view = {
        let guard = ledger.read_strided(buf.region(), 8, even).unwrap();
        guard.strided_view::<f64>().unwrap()
    };
    view.get(&[0]);
}
