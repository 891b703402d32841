//! Each function's Lambda package stays under its limit: 5 MB, or, for a package already over it,
//! the size it was measured at (it may not grow while it is over). The arm64 zips take a release
//! cross-build of some 20 minutes (`cargo xtask package`), too long for every CI run, so that
//! command records each zip's size next to the size of the debug binary `cargo xtask test`
//! builds of the same code (`fixtures/package-sizes.json`); here the debug binary is weighed
//! again and the zip estimated in proportion. What makes a package grow (a new SDK, a new crate,
//! an embedded file) grows both builds alike. Run `cargo xtask package` to measure the zips again
//! and record the new sizes.

use std::path::PathBuf;

use serde_json::Value;

const SIZES: &str = include_str!("fixtures/package-sizes.json");
/// Debug builds of the same code differ a little from machine to machine (paths in panics and
/// line tables): growth within this share is not growth.
const TOLERANCE: f64 = 0.03;

#[test]
fn every_package_stays_under_its_limit() {
    let sizes: Value = serde_json::from_str(SIZES).expect("package-sizes.json");
    let limit = sizes["limit_bytes"].as_f64().expect("limit_bytes");
    let bin_dir = std::env::var("OMS_BIN_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/debug"));
    let functions = sizes["functions"].as_object().expect("functions");
    assert_eq!(functions.len(), 6, "every function is recorded");
    let mut over = Vec::new();
    for (function, recorded) in functions {
        let binary = bin_dir.join(function);
        let debug_now = std::fs::metadata(&binary)
            .unwrap_or_else(|e| {
                panic!(
                    "{} is not built (run `cargo xtask test`): {e}",
                    binary.display()
                )
            })
            .len() as f64;
        let zip = recorded["zip_bytes"].as_f64().expect("zip_bytes");
        let debug = recorded["debug_bytes"].as_f64().expect("debug_bytes");
        let estimate = zip * debug_now / debug;
        let allowed = limit.max(zip) * (1.0 + TOLERANCE);
        println!(
            "{function:<24} zip measured {:.2} MB, now about {:.2} MB, allowed {:.2} MB",
            zip / 1e6,
            estimate / 1e6,
            allowed / 1e6
        );
        if estimate > allowed {
            over.push(format!(
                "{function}: about {:.2} MB, over {:.2} MB",
                estimate / 1e6,
                allowed / 1e6
            ));
        }
    }
    assert!(over.is_empty(), "packages grew past their limit: {over:#?}");
}
