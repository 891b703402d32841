//! Keeps the Python venvs installed from their lock files: the shared tools in `.venv` from
//! `xtask/requirements.lock`, and checkov in `.venv-checkov` from `xtask/requirements-checkov.lock`
//! (a venv of its own: its pinned dependencies clash with aws-sam-cli's), and localstripe in
//! `.venv-localstripe` from `xtask/requirements-localstripe.lock`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::Result;

pub struct Venv {
    /// The venv's directory, relative to the workspace root.
    dir: &'static str,
    /// Its lock file, in `xtask/`.
    lock: &'static str,
}

/// moto server, cfn-lint, aws-sam-cli, cargo-lambda.
pub const TOOLS: Venv = Venv {
    dir: ".venv",
    lock: "requirements.lock",
};

/// localstripe, the Stripe-compatible server.
pub const LOCALSTRIPE: Venv = Venv {
    dir: ".venv-localstripe",
    lock: "requirements-localstripe.lock",
};

/// checkov, the template's security scan.
pub const CHECKOV: Venv = Venv {
    dir: ".venv-checkov",
    lock: "requirements-checkov.lock",
};

impl Venv {
    /// A program installed in the venv.
    pub fn bin(&self, root: &Path, program: &str) -> PathBuf {
        root.join(self.dir).join("bin").join(program)
    }

    /// Installs the venv unless its stamp says it was installed from this very lock file.
    pub fn ensure(&self, root: &Path) -> Result<()> {
        let lock_path = root.join("xtask").join(self.lock);
        let lock = fs::read(&lock_path)
            .map_err(|e| format!("cannot read {}: {e}", lock_path.display()))?;
        let venv = root.join(self.dir);
        let stamp_path = venv.join(".installed");
        let wanted = format!("{:016x}", fnv1a(&lock));
        if fs::read_to_string(&stamp_path).is_ok_and(|stamp| stamp.trim() == wanted) {
            return Ok(());
        }
        println!(
            "xtask: installing Python tools into {} from xtask/{}",
            self.dir, self.lock
        );
        // Start from an empty venv so packages dropped from the lock do not linger.
        self.run(
            Command::new("python3")
                .args(["-m", "venv", "--clear"])
                .arg(&venv),
        )?;
        self.run(
            Command::new(self.bin(root, "pip"))
                .args(["install", "-q", "--disable-pip-version-check", "-r"])
                .arg(&lock_path),
        )?;
        fs::write(&stamp_path, wanted)
            .map_err(|e| format!("cannot write {}: {e}", stamp_path.display()))
    }

    fn run(&self, cmd: &mut Command) -> Result<()> {
        let program = cmd.get_program().to_string_lossy().into_owned();
        match cmd.status() {
            Ok(status) if status.success() => Ok(()),
            Ok(status) => Err(format!(
                "{program} failed ({status}) while setting up {}",
                self.dir
            )),
            Err(e) => Err(format!("cannot run {program}: {e}")),
        }
    }
}

/// FNV-1a: a stable content hash in a few lines of std.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}
