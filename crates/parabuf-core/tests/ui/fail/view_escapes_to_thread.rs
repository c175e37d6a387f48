use parabuf_core::{Ledger, OwnedBuffer};

// What `std::thread::spawn` or a detached task asks of what it captures.
fn spawn_detached<F: FnOnce() + Send + 'static>(_task: F) {}

fn main() {
    let buf = OwnedBuffer::zeroed(8);
    let ledger = Ledger::new();
    let guard = ledger.read(buf.region()).unwrap();
    let view = guard.view::<f64>().unwrap();
    spawn_detached(move || {
        view.get(0);
    });
}
