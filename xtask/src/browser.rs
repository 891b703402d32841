//! Makes sure the browser the tracking-page test drives is installed (Debian's chromium and its
//! WebDriver), installing it with apt when running as root, as CI does.

use std::process::Command;

pub fn ensure() -> Result<(), String> {
    if on_path("chromium") && on_path("chromedriver") {
        return Ok(());
    }
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if !root {
        return Err("the browser tests need chromium and chromedriver: \
                    sudo apt-get install chromium chromium-driver"
            .into());
    }
    println!("xtask: installing chromium and chromium-driver with apt");
    for args in [
        &["update", "-q"][..],
        &["install", "-y", "-q", "chromium", "chromium-driver"][..],
    ] {
        let ok = Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            return Err(format!("apt-get {} failed", args.join(" ")));
        }
    }
    Ok(())
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}
