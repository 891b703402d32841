//! Runs the moto AWS emulator as a child process for as long as a command needs it.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::Result;

const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// A running moto server; dropping it kills the server.
pub struct Moto {
    child: Child,
    port: u16,
}

impl Moto {
    /// Starts moto on `port`, logging to `<target_dir>/<name>.log`.
    pub fn start(root: &Path, target_dir: &Path, name: &str, port: u16) -> Result<Moto> {
        // moto would fail to bind, but a server already there could answer the readiness probe.
        TcpListener::bind(("127.0.0.1", port))
            .map_err(|e| format!("port {port} is not free for moto: {e}"))?;
        fs::create_dir_all(target_dir)
            .map_err(|e| format!("cannot create {}: {e}", target_dir.display()))?;
        let log_path = target_dir.join(format!("{name}.log"));
        let log = File::create(&log_path)
            .map_err(|e| format!("cannot create {}: {e}", log_path.display()))?;
        let log_err = log
            .try_clone()
            .map_err(|e| format!("cannot share {}: {e}", log_path.display()))?;
        // moto's own server with two thread races closed (see xtask/moto_server.py).
        let child = Command::new(crate::venv::TOOLS.bin(root, "python"))
            .arg(root.join("xtask").join("moto_server.py"))
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .current_dir(root)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            .spawn()
            .map_err(|e| format!("cannot start moto_server: {e}"))?;
        let mut moto = Moto { child, port };
        moto.wait_until_ready()
            .map_err(|e| format!("{e}; see {}", log_path.display()))?;
        Ok(moto)
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn wait_until_ready(&mut self) -> Result<()> {
        let started = Instant::now();
        while started.elapsed() < READY_TIMEOUT {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("moto exited ({status}) before it was ready"));
            }
            if answers(self.port) {
                return Ok(());
            }
            thread::sleep(Duration::from_millis(100));
        }
        Err(format!(
            "moto did not answer on port {} within {}s",
            self.port,
            READY_TIMEOUT.as_secs()
        ))
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        // Either may fail only because moto already exited, which is what we want anyway.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether `GET /moto-api/` returns 200, asked over a raw HTTP/1.1 connection.
fn answers(port: u16) -> bool {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_secs(1)) else {
        return false;
    };
    let request =
        format!("GET /moto-api/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    let mut status_line = [0u8; 12];
    stream
        .set_read_timeout(Some(Duration::from_secs(2)))
        .is_ok()
        && stream.write_all(request.as_bytes()).is_ok()
        && stream.read_exact(&mut status_line).is_ok()
        && status_line.starts_with(b"HTTP/1.")
        && status_line.ends_with(b" 200")
}
