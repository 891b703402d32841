//! `target/oms-bench.json`, the report `cargo xtask bench` writes, and the summary figures its
//! benchmarks share (median, p90): each benchmark replaces its own
//! sections and stamps the date and the machine it ran on.

use std::path::Path;

use anyhow::Result;
use serde_json::{json, Value};

/// Replaces `sections` of the JSON report at `path` (created when missing), keeping the others.
pub fn update(path: &Path, sections: &[(&str, Value)]) -> Result<()> {
    let mut report = std::fs::read_to_string(path)
        .ok()
        .and_then(|text| serde_json::from_str::<Value>(&text).ok())
        .filter(Value::is_object)
        .unwrap_or_else(|| json!({}));
    report["date"] = json!(chrono::Utc::now().format("%Y-%m-%d").to_string());
    report["machine"] = json!(machine());
    for (name, value) in sections {
        report[*name] = value.clone();
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, serde_json::to_string_pretty(&report)? + "\n")?;
    Ok(())
}

/// The median of sorted figures (NaN for none).
pub fn median(sorted: &[f64]) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// The nearest-rank 90th percentile of sorted figures (NaN for none).
pub fn p90(sorted: &[f64]) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        n => sorted[(n * 9).div_ceil(10) - 1],
    }
}

/// The processor, its cores and the memory, as Linux reports them ("x86_64" alone elsewhere).
pub fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|line| line.strip_prefix("model name"))
        .and_then(|rest| rest.split_once(':'))
        .map(|(_, name)| name.trim().to_string());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let memory_gib = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|line| line.strip_prefix("MemTotal:"))
                .and_then(|rest| {
                    rest.trim()
                        .trim_end_matches("kB")
                        .trim()
                        .parse::<f64>()
                        .ok()
                })
        })
        .map(|kib| kib / (1024.0 * 1024.0));
    let mut parts = vec![std::env::consts::ARCH.to_string()];
    parts.extend(model);
    parts.push(format!("{cores} cores"));
    parts.extend(memory_gib.map(|g| format!("{g:.0} GiB")));
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_p90_of_sorted_figures() {
        assert_eq!(median(&[1.0, 2.0, 9.0]), 2.0);
        assert_eq!(median(&[1.0, 2.0, 4.0, 9.0]), 3.0);
        let ten: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(p90(&ten), 9.0);
        assert_eq!(p90(&[5.0]), 5.0);
        assert!(median(&[]).is_nan() && p90(&[]).is_nan());
    }
}
