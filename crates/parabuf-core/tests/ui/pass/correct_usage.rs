// The supported patterns: shared read views, a write view followed (not accompanied) by a read view, disjoint halves
// of one write view written from two threads.
use parabuf_core::{Ledger, OwnedBuffer};

fn main() {
    let buf = OwnedBuffer::zeroed(64);
    let ledger = Ledger::new();

    let mut w = ledger.write(buf.region()).unwrap();
    {
        let mut v = w.view_mut::<f64>().unwrap();
        v.set(0, 1.5);
        let (mut head, mut tail) = v.split_at(4);
        std::thread::scope(|s| {
            s.spawn(move || head.set(1, 2.0));
            s.spawn(move || tail.set(0, 3.0));
        });
    }
    let total: f64 = w.view::<f64>().unwrap().iter().sum();
    assert_eq!(total, 6.5);
    drop(w);

    let r = ledger.read(buf.region()).unwrap();
    let a = r.view::<f64>().unwrap();
    let b = r.view::<u8>().unwrap();
    assert_eq!(a.get(4), 3.0);
    assert_eq!(b.len(), 64);
}
