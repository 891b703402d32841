//! Runs an emulator (moto for AWS, localstripe for Stripe) as a child process for as long as a
//! command needs it.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::venv::{LOCALSTRIPE, TOOLS};
use crate::Result;

const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// A running emulator; dropping it kills the server.
pub struct Emulator {
    child: Child,
    port: u16,
    name: String,
    /// What it answers 200 to once it is up.
    probe: &'static str,
}

impl Emulator {
    /// moto (through `xtask/moto_server.py`, which closes two of its thread races) on `port`,
    /// logging to `<target_dir>/<name>.log`.
    pub fn moto(root: &Path, target_dir: &Path, name: &str, port: u16) -> Result<Emulator> {
        let mut command = Command::new(TOOLS.bin(root, "python"));
        command
            .arg(root.join("xtask").join("moto_server.py"))
            .args(["-H", "127.0.0.1", "-p", &port.to_string()]);
        Self::start(command, root, target_dir, name, port, "/moto-api/")
    }

    /// localstripe on `port` (it listens on every interface; the tests and `dev` use loopback),
    /// through `xtask/localstripe_server.py`, which keeps its store in memory (localstripe's own
    /// file is one fixed path every instance shares).
    pub fn localstripe(root: &Path, target_dir: &Path, port: u16) -> Result<Emulator> {
        let mut command = Command::new(LOCALSTRIPE.bin(root, "python"));
        command
            .arg(root.join("xtask").join("localstripe_server.py"))
            .args(["--port", &port.to_string()]);
        Self::start(
            command,
            root,
            target_dir,
            "localstripe",
            port,
            "/js.stripe.com/v3/",
        )
    }

    fn start(
        mut command: Command,
        root: &Path,
        target_dir: &Path,
        name: &str,
        port: u16,
        probe: &'static str,
    ) -> Result<Emulator> {
        // The server would fail to bind, but another one already there could answer the probe.
        TcpListener::bind(("127.0.0.1", port))
            .map_err(|e| format!("port {port} is not free for {name}: {e}"))?;
        fs::create_dir_all(target_dir)
            .map_err(|e| format!("cannot create {}: {e}", target_dir.display()))?;
        let log_path = target_dir.join(format!("{name}.log"));
        let log = File::create(&log_path)
            .map_err(|e| format!("cannot create {}: {e}", log_path.display()))?;
        let log_err = log
            .try_clone()
            .map_err(|e| format!("cannot share {}: {e}", log_path.display()))?;
        let child = command
            .current_dir(root)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            .spawn()
            .map_err(|e| format!("cannot start {name}: {e}"))?;
        let mut emulator = Emulator {
            child,
            port,
            name: name.to_string(),
            probe,
        };
        emulator
            .wait_until_ready()
            .map_err(|e| format!("{e}; see {}", log_path.display()))?;
        Ok(emulator)
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn wait_until_ready(&mut self) -> Result<()> {
        let started = Instant::now();
        while started.elapsed() < READY_TIMEOUT {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!(
                    "{} exited ({status}) before it was ready",
                    self.name
                ));
            }
            if answers(self.port, self.probe) {
                return Ok(());
            }
            thread::sleep(Duration::from_millis(100));
        }
        Err(format!(
            "{} did not answer on port {} within {}s",
            self.name,
            self.port,
            READY_TIMEOUT.as_secs()
        ))
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        // Either may fail only because the server already exited, which is what we want anyway.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether `GET <path>` returns 200, asked over a raw HTTP/1.1 connection.
fn answers(port: u16, path: &str) -> bool {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_secs(1)) else {
        return false;
    };
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    let mut status_line = [0u8; 12];
    stream
        .set_read_timeout(Some(Duration::from_secs(2)))
        .is_ok()
        && stream.write_all(request.as_bytes()).is_ok()
        && stream.read_exact(&mut status_line).is_ok()
        && status_line.starts_with(b"HTTP/1.")
        && status_line.ends_with(b" 200")
}
