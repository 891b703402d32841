//! Each function's binary links the AWS SDKs it uses and no other: a function that neither sends
//! email nor keeps files carries neither SES nor S3 (S3 alone is some 3 MB of each binary). The
//! linker keeps only the code a binary can reach, so the SDKs' symbols in the built binary show what
//! it links, in the debug build the tests run as in the release build Lambda is given (whose size
//! `cargo xtask bench` reports). A new client reached from a shared path shows up here first.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

/// Every function stores in DynamoDB, hands work on through SQS and reads its secret; the
/// credential chain brings STS (assumed roles, web identity).
const EVERY_FUNCTION: [&str; 4] = ["dynamodb", "secretsmanager", "sqs", "sts"];

const BEYOND: [(&str, &[&str]); 6] = [
    ("order-intake", &[]),
    ("carrier-tracking", &[]),
    // Waits past SQS's 15 minutes go to EventBridge Scheduler.
    ("customer-notification", &["scheduler", "ses"]),
    ("payment-verification", &[]),
    ("label-request", &["s3"]),
    ("orders-api", &["s3"]),
];

/// The `aws_sdk_*` crates whose symbols `binary` holds. Mangled names spell each path segment as
/// its length then its text (`10aws_sdk_s36client...`), which tells `aws_sdk_s3` from
/// `aws_sdk_ses`.
fn linked_sdks(binary: &std::path::Path) -> BTreeSet<String> {
    let output = Command::new("nm")
        .arg(binary)
        .output()
        .unwrap_or_else(|e| panic!("nm (binutils) reads {}: {e}", binary.display()));
    assert!(output.status.success(), "nm failed on {}", binary.display());
    let symbols = String::from_utf8_lossy(&output.stdout);
    let mut crates = BTreeSet::new();
    for (at, _) in symbols.match_indices("aws_sdk_") {
        let digits: String = symbols[..at]
            .chars()
            .rev()
            .take_while(char::is_ascii_digit)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let Ok(length) = digits.parse::<usize>() else {
            continue;
        };
        if let Some(name) = symbols.get(at..at + length) {
            if let Some(service) = name.strip_prefix("aws_sdk_") {
                crates.insert(service.to_string());
            }
        }
    }
    crates
}

#[test]
fn each_function_links_only_the_aws_sdks_it_uses() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let bin_dir = std::env::var("OMS_BIN_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root.join("target/debug"));
    let mut wrong = Vec::new();
    for (function, beyond) in BEYOND {
        let binary = bin_dir.join(function);
        assert!(
            binary.exists(),
            "{} is not built (run `cargo xtask test`)",
            binary.display()
        );
        let expected: BTreeSet<String> = EVERY_FUNCTION
            .iter()
            .chain(beyond)
            .map(|s| s.to_string())
            .collect();
        let linked = linked_sdks(&binary);
        if linked != expected {
            wrong.push(format!(
                "{function} links {linked:?}, expected {expected:?}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
