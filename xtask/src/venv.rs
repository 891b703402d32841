//! Keeps the shared Python venv (`.venv`) installed from `xtask/requirements.lock`.

use std::fs;
use std::path::Path;
use std::process::Command;

use crate::Result;

pub fn ensure(root: &Path) -> Result<()> {
    let lock_path = root.join("xtask").join("requirements.lock");
    let lock =
        fs::read(&lock_path).map_err(|e| format!("cannot read {}: {e}", lock_path.display()))?;
    let venv = root.join(".venv");
    let stamp_path = venv.join(".installed");
    let wanted = format!("{:016x}", fnv1a(&lock));
    if fs::read_to_string(&stamp_path).is_ok_and(|stamp| stamp.trim() == wanted) {
        return Ok(());
    }
    println!("xtask: installing Python tools into .venv from xtask/requirements.lock");
    // Start from an empty venv so packages dropped from the lock do not linger.
    run(Command::new("python3")
        .args(["-m", "venv", "--clear"])
        .arg(&venv))?;
    let pip = venv.join("bin").join("pip");
    run(Command::new(pip)
        .args(["install", "-q", "--disable-pip-version-check", "-r"])
        .arg(&lock_path))?;
    fs::write(&stamp_path, wanted)
        .map_err(|e| format!("cannot write {}: {e}", stamp_path.display()))
}

fn run(cmd: &mut Command) -> Result<()> {
    let program = cmd.get_program().to_string_lossy().into_owned();
    match cmd.status() {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => Err(format!(
            "{program} failed ({status}) while setting up .venv"
        )),
        Err(e) => Err(format!("cannot run {program}: {e}")),
    }
}

/// FNV-1a: a stable content hash in a few lines of std.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}
