//! Makes sure the programs some tests drive are installed: Debian's chromium and its WebDriver (the
//! tracking page test), poppler's `pdftoppm` and zbar's `zbarimg` (the shipping label render
//! check). Missing ones are installed with apt when running as root, as CI does.

use std::process::Command;

/// (program, Debian package providing it)
const TOOLS: [(&str, &str); 4] = [
    ("chromium", "chromium"),
    ("chromedriver", "chromium-driver"),
    ("pdftoppm", "poppler-utils"),
    ("zbarimg", "zbar-tools"),
];

pub fn ensure() -> Result<(), String> {
    let mut missing: Vec<&str> = TOOLS
        .iter()
        .filter(|(program, _)| !on_path(program))
        .map(|(_, package)| *package)
        .collect();
    missing.dedup();
    if missing.is_empty() {
        return Ok(());
    }
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if !root {
        return Err(format!(
            "some tests need programs that are not installed: sudo apt-get install {}",
            missing.join(" ")
        ));
    }
    println!("xtask: installing {} with apt", missing.join(" "));
    let mut install = vec!["install", "-y", "-q"];
    install.extend(&missing);
    for args in [&["update", "-q"][..], &install[..]] {
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
