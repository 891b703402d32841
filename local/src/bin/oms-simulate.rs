//! `cargo xtask simulate [--orders N] [--seed S] [--faults F]`: one seeded simulation; prints the
//! invariant table and exits non-zero on any violation.

use std::process::ExitCode;

use oms_local::simulation::{run, Config};

fn main() -> ExitCode {
    // The functions' own logs, when asked for (`OMS_SIMULATION_LOG=1 RUST_LOG=info`).
    if std::env::var_os("OMS_SIMULATION_LOG").is_some() {
        oms::telemetry::init();
    }
    match parse(std::env::args().skip(1).collect()) {
        Ok(config) => match run(config) {
            Ok(report) => {
                print!("{}", report.text);
                println!("  world digest {}", report.digest);
                if report.passed {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::FAILURE
                }
            }
            Err(e) => {
                eprintln!("simulation could not run: {e:#}");
                ExitCode::from(2)
            }
        },
        Err(usage) => {
            eprintln!("{usage}\nusage: oms-simulate [--orders N] [--seed S] [--faults F]");
            ExitCode::from(2)
        }
    }
}

fn parse(args: Vec<String>) -> Result<Config, String> {
    let mut config = Config {
        orders: 1_000,
        seed: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64),
        faults: 0.1,
    };
    let mut args = args.into_iter();
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--orders" => {
                config.orders = value
                    .parse()
                    .ok()
                    .filter(|n| (1..=10_000_000).contains(n))
                    .ok_or("--orders takes a whole number from 1 to 10000000")?
            }
            "--seed" => config.seed = value.parse().map_err(|_| "--seed takes a whole number")?,
            "--faults" => {
                config.faults = value
                    .parse()
                    .ok()
                    .filter(|f: &f64| (0.0..=0.5).contains(f))
                    .ok_or("--faults takes a chance from 0 to 0.5")?
            }
            other => return Err(format!("unknown flag {other}")),
        }
    }
    Ok(config)
}
