//! The brand API while the vault is unlocked: the same server as `butler serve`, on a thread
//! and runtime of its own, so the owner's commands never wait behind brands' requests.

use std::time::Duration;

use butler_core::Vault;

/// How long in-flight requests get to finish once the vault locks.
const DRAIN: Duration = Duration::from_secs(3);

#[derive(Debug)]
pub struct ApiServer {
    port: u16,
    state: butler_api::AppState,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ApiServer {
    /// Listens on 127.0.0.1:`port` (0 picks a free port) and serves until [`ApiServer::stop`].
    /// The error is a sentence for the owner.
    pub fn start(vault: Vault, port: u16) -> Result<Self, String> {
        let listener = std::net::TcpListener::bind(("127.0.0.1", port)).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AddrInUse {
                format!("port {port} is in use (is `butler serve` running?): choose another in Settings")
            } else {
                format!("cannot listen on 127.0.0.1:{port}: {e}")
            }
        })?;
        listener.set_nonblocking(true).map_err(|e| e.to_string())?;
        let port = listener.local_addr().map_err(|e| e.to_string())?.port();
        let state = butler_api::AppState::new(vault, port).map_err(|e| e.to_string())?;
        let served = state.clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("butler-api")
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the brand API's runtime: {e}"))?;
        let thread = std::thread::Builder::new()
            .name("butler-api-main".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else { return };
                    let (drain, drained) = tokio::sync::oneshot::channel::<()>();
                    let serving = tokio::spawn(butler_api::serve(listener, served, async move {
                        let _ = drained.await;
                    }));
                    let _ = stopped.await;
                    let _ = drain.send(());
                    // Idle keep-alive connections close at once; a slow request gets a moment.
                    let _ = tokio::time::timeout(DRAIN, serving).await;
                });
                runtime.shutdown_timeout(Duration::from_millis(100));
            })
            .map_err(|e| e.to_string())?;
        Ok(Self { port, state, stop: Some(stop), thread: Some(thread) })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Refuses every request from now on (503), then stops serving and waits for the thread.
    pub fn stop(mut self) {
        self.shut();
    }

    fn shut(&mut self) {
        self.state.lock();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for ApiServer {
    fn drop(&mut self) {
        self.shut();
    }
}
