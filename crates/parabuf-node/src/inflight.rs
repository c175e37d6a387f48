//! Operations in flight per Node.js environment, so that tearing an environment down (a worker's `terminate()`, the
//! process exiting) first stops them: native threads must never touch memory of an isolate that is gone.

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};

use napi::Env;
use parabuf_core::Cancel;

#[derive(Debug, Default)]
struct Tracker {
    running: Mutex<HashMap<u64, Cancel>>,
    finished: Condvar,
}

impl Tracker {
    fn lock(&self) -> MutexGuard<'_, HashMap<u64, Cancel>> {
        self.running.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn trackers() -> &'static Mutex<HashMap<usize, Arc<Tracker>>> {
    static TRACKERS: OnceLock<Mutex<HashMap<usize, Arc<Tracker>>>> = OnceLock::new();
    TRACKERS.get_or_init(Default::default)
}

/// Marks one operation as running until dropped. Dropped on the pool thread the moment the kernel returns, so teardown
/// waits only for kernels, never for the JavaScript thread it is blocking.
#[derive(Debug)]
pub struct Running {
    tracker: Arc<Tracker>,
    id: u64,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.tracker.lock().remove(&self.id);
        self.tracker.finished.notify_all();
    }
}

/// Registers an operation of `env` that stops when `cancel` is raised.
///
/// # Errors
/// Only when Node-API refuses the cleanup hook.
pub fn start(env: &Env, cancel: &Cancel) -> napi::Result<Running> {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let key = env.raw() as usize;
    let tracker = {
        let mut all = trackers().lock().unwrap_or_else(|p| p.into_inner());
        match all.get(&key) {
            Some(t) => Arc::clone(t),
            None => {
                let tracker = Arc::new(Tracker::default());
                all.insert(key, Arc::clone(&tracker));
                drop(all);
                env.add_env_cleanup_hook(key, stop_all)?;
                tracker
            }
        }
    };
    let id = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    tracker.lock().insert(id, cancel.clone());
    Ok(Running { tracker, id })
}

/// The cleanup hook: cancel every running operation of the environment and wait until their kernels have returned.
fn stop_all(key: usize) {
    let Some(tracker) = trackers().lock().unwrap_or_else(|p| p.into_inner()).remove(&key) else {
        return;
    };
    let mut running = tracker.lock();
    running.values().for_each(Cancel::cancel);
    while !running.is_empty() {
        running = tracker.finished.wait(running).unwrap_or_else(|p| p.into_inner());
    }
}
