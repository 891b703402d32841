//! Developer commands for the OMS workspace: `cargo xtask dev | test | lint | bench`.

mod emulator;
mod system_tools;
mod venv;

use std::env;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, ExitStatus};
use std::time::Instant;

use emulator::Emulator;

type Result<T> = std::result::Result<T, String>;

const USAGE: &str = "\
Usage: cargo xtask <command>

Commands:
  dev [--port N] [--aws-port N] [--stripe-port N]
                                  run the OMS locally (HTTP on --port, default 3000)
                                  against moto on --aws-port (default 4566) and
                                  localstripe on --stripe-port (default 8420)
  test [-- <cargo test args>]     fmt, clippy, build, cargo test against moto and localstripe,
                                  template checks
                                  (cfn-lint, sam validate, checkov, the API documents)
  lint                            fmt, clippy, template checks
  bench                           criterion benchmarks of the core, each function's cold start
                                  and package size next to a hello-world Lambda (release
                                  builds, against moto), intake warm up to 100,000 orders,
                                  the 100,000-order export, the cost of 1,000 orders' lives
                                  on AWS; figures also in target/oms-bench.json
  package                         every function built for Lambda (release, arm64, with
                                  cargo-lambda and zig from the tools venv) as
                                  target/lambda/<function>/bootstrap.zip, weighed against
                                  the 5 MB target
  simulate [--orders N] [--seed S] [--faults F]
                                  the seeded simulation of the whole OMS in memory (release
                                  build; defaults: 1000 orders, a random seed, 0.1 faults per call)
  help                            show this message
";

/// Dummy credentials: moto accepts any, and real ones must never reach it.
/// The AWS SDK's settings against the emulator. moto copies a whole table at the start of every
/// transaction and, under concurrent writes, now and then fails the copy with a 500 (nothing is
/// written then); more retries than the SDK's default 3 ride that out.
const LOCAL_AWS: [(&str, &str); 4] = [
    ("AWS_REGION", "us-east-1"),
    ("AWS_ACCESS_KEY_ID", "test"),
    ("AWS_SECRET_ACCESS_KEY", "test"),
    ("AWS_MAX_ATTEMPTS", "10"),
];

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("xtask: error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<ExitCode> {
    let root = workspace_root();
    let (command, rest) = match args.split_first() {
        Some((command, rest)) => (command.as_str(), rest),
        None => return Ok(usage_error("no command given")),
    };
    if rest.first().is_some_and(|a| a == "-h" || a == "--help") {
        return Ok(usage());
    }
    match (command, rest) {
        ("dev", _) => match parse_dev_flags(rest) {
            Ok((port, aws_port, stripe_port)) => dev(&root, port, aws_port, stripe_port),
            Err(e) => Ok(usage_error(&e)),
        },
        ("test", []) => test(&root, &[]),
        ("test", [sep, test_args @ ..]) if sep == "--" => test(&root, test_args),
        ("lint", []) => lint(&root),
        ("bench", []) => bench(&root),
        ("package", []) => package(&root),
        ("simulate", args) => simulate(&root, args),
        ("help" | "-h" | "--help", _) => Ok(usage()),
        ("test" | "lint" | "bench" | "package", [arg, ..]) => {
            Ok(usage_error(&format!("unexpected argument `{arg}`")))
        }
        (other, _) => Ok(usage_error(&format!("unknown command `{other}`"))),
    }
}

fn usage() -> ExitCode {
    print!("{USAGE}");
    ExitCode::SUCCESS
}

fn usage_error(msg: &str) -> ExitCode {
    eprintln!("xtask: {msg}\n\n{USAGE}");
    ExitCode::from(2)
}

fn parse_dev_flags(args: &[String]) -> Result<(u16, u16, u16)> {
    let (mut port, mut aws_port, mut stripe_port) = (3000, 4566, 8420);
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let slot = match flag.as_str() {
            "--port" => &mut port,
            "--aws-port" => &mut aws_port,
            "--stripe-port" => &mut stripe_port,
            _ => return Err(format!("unknown flag `{flag}` for dev")),
        };
        let value = it.next().and_then(|v| v.parse().ok());
        *slot = value.ok_or(format!("{flag} needs a port number"))?;
    }
    Ok((port, aws_port, stripe_port))
}

fn dev(root: &Path, port: u16, aws_port: u16, stripe_port: u16) -> Result<ExitCode> {
    venv::TOOLS.ensure(root)?;
    venv::LOCALSTRIPE.ensure(root)?;
    let moto = Emulator::moto(root, &target_dir(root), "moto", aws_port)?;
    let stripe = Emulator::localstripe(root, &target_dir(root), stripe_port)?;
    let mut cmd = cargo(
        root,
        &["run", "-p", "oms-local", "--", "--port", &port.to_string()],
    );
    cmd.env("AWS_ENDPOINT_URL", moto.endpoint());
    cmd.env("STRIPE_API_BASE", stripe.endpoint());
    for (key, value) in LOCAL_AWS {
        if env::var_os(key).is_none() {
            cmd.env(key, value);
        }
    }
    // A foreground child in our process group: the terminal's Ctrl-C reaches it (and moto) directly.
    let status = cmd.status().map_err(|e| format!("cannot run cargo: {e}"))?;
    drop(moto);
    drop(stripe);
    Ok(exit_code(status))
}

fn test(root: &Path, test_args: &[String]) -> Result<ExitCode> {
    venv::TOOLS.ensure(root)?;
    venv::CHECKOV.ensure(root)?;
    venv::LOCALSTRIPE.ensure(root)?;
    system_tools::ensure()?;
    let target = target_dir(root);
    let moto = Emulator::moto(root, &target, "moto", free_port()?)?;
    let stripe = Emulator::localstripe(root, &target, free_port()?)?;
    let mut tests = cargo(root, &["test", "--workspace"]);
    tests.args(test_args);
    against(&mut tests, &moto, &target);
    tests.env("STRIPE_API_BASE", stripe.endpoint());
    let mut steps = code_checks(root);
    steps.extend([cargo(root, &["build", "--workspace", "--bins"]), tests]);
    // The load test gets an emulator of its own: it neither slows the others down nor is slowed
    // by what they leave behind. Skipped when a filter picks particular tests.
    let load_moto = if test_args.is_empty() {
        let moto = Emulator::moto(root, &target, "moto-load", free_port()?)?;
        let mut load = cargo(
            root,
            &[
                "test",
                "-p",
                "oms-tests",
                "--test",
                "under_load",
                "--",
                "--ignored",
            ],
        );
        against(&mut load, &moto, &target);
        steps.push(load);
        Some(moto)
    } else {
        None
    };
    steps.extend(template_checks(root));
    let code = run_steps("test", steps);
    drop(moto);
    drop(stripe);
    drop(load_moto);
    Ok(code)
}

/// Points a test run at an emulator with local credentials, and at the built binaries.
fn against(cmd: &mut Command, moto: &Emulator, target: &Path) {
    cmd.envs(LOCAL_AWS)
        .env_remove("AWS_SESSION_TOKEN")
        .env("AWS_ENDPOINT_URL", moto.endpoint())
        .env("OMS_BIN_DIR", target.join("debug"));
}

fn lint(root: &Path) -> Result<ExitCode> {
    venv::TOOLS.ensure(root)?;
    venv::CHECKOV.ensure(root)?;
    let mut steps = code_checks(root);
    steps.extend(template_checks(root));
    Ok(run_steps("lint", steps))
}

/// The Lambda functions' packages (each builds the binary of the same name).
const FUNCTIONS: [&str; 6] = [
    "order-intake",
    "payment-verification",
    "label-request",
    "carrier-tracking",
    "customer-notification",
    "orders-api",
];

/// How many times each binary is started for the cold-start figures.
const COLD_START_ROUNDS: &str = "21";

/// The core's criterion benchmarks; each function's cold start and package size next to a
/// hello-world Lambda, against moto (`local/src/bin/oms-bench-coldstart.rs`); order intake warm
/// in memory, up to 100,000 orders (`local/src/bin/oms-bench-warm.rs`); then the queued orders
/// export at 10,000 and 100,000 orders in memory (`local/src/bin/oms-bench-export.rs`); then
/// what 1,000 orders' whole lives cost on AWS (`local/src/bin/oms-bench-cost.rs`).
/// The figures go to `target/oms-bench.json`.
fn bench(root: &Path) -> Result<ExitCode> {
    venv::TOOLS.ensure(root)?;
    let target = target_dir(root);
    let report = target.join("oms-bench.json");
    let report = report.to_string_lossy();
    let release = target.join("release");
    let release = release.to_string_lossy();
    // The functions alone, as they are packaged (features unified among them only), then the
    // benchmark binaries.
    let mut functions = vec!["build", "--release", "-q"];
    for function in FUNCTIONS {
        functions.extend(["-p", function]);
    }
    let mut steps: Vec<Command> = vec![
        cargo(root, &["bench", "-p", "oms-core"]),
        cargo(root, &functions),
        cargo(
            root,
            &[
                "build",
                "--release",
                "-q",
                "-p",
                "oms-local",
                "--bin",
                "hello-lambda",
                "--bin",
                "oms-bench-coldstart",
                "--bin",
                "oms-bench-warm",
                "--bin",
                "oms-bench-export",
                "--bin",
                "oms-bench-cost",
            ],
        ),
    ];
    let moto = Emulator::moto(root, &target, "moto-bench", free_port()?)?;
    let mut cold_start = Command::new(target.join("release/oms-bench-coldstart"));
    cold_start
        .current_dir(root)
        .args([&*release, COLD_START_ROUNDS, &*report]);
    against(&mut cold_start, &moto, &target);
    steps.push(cold_start);
    let mut warm = Command::new(target.join("release/oms-bench-warm"));
    warm.current_dir(root).arg(&*report);
    steps.push(warm);
    let mut export = Command::new(target.join("release/oms-bench-export"));
    export.current_dir(root).arg(&*report);
    steps.push(export);
    let mut cost = Command::new(target.join("release/oms-bench-cost"));
    cost.current_dir(root).args([&*report, "1000", "10000"]);
    steps.push(cost);
    for mut step in steps {
        let code = step
            .status()
            .map(exit_code)
            .map_err(|e| format!("cannot run {:?}: {e}", step.get_program()))?;
        if code != ExitCode::SUCCESS {
            return Ok(code);
        }
    }
    drop(moto);
    Ok(ExitCode::SUCCESS)
}

/// Lambda's processor.
const LAMBDA_TARGET: &str = "aarch64-unknown-linux-gnu";
/// What each function's package should stay under, with room to grow.
const PACKAGE_LIMIT_BYTES: u64 = 5_000_000;

/// Where `package` records each zip's size next to the debug binary's that `cargo xtask test`
/// builds, so the tests can tell when a package outgrows its limit without a release build.
const PACKAGE_SIZES: &str = "tests/fixtures/package-sizes.json";

/// Builds the functions as `sam build` does (cargo-lambda, release profile, arm64) into
/// `target/lambda/<function>/bootstrap.zip`, weighs each zip, and records the sizes with the
/// debug binaries' (`tests/package_size.rs` reads them).
fn package(root: &Path) -> Result<ExitCode> {
    venv::TOOLS.ensure(root)?;
    let debug = cargo(root, &["build", "--workspace", "--bins"])
        .status()
        .map(exit_code)
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if debug != ExitCode::SUCCESS {
        return Ok(debug);
    }
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map_err(|e| format!("cannot run rustup: {e}"))?;
    if !String::from_utf8_lossy(&installed.stdout).contains(LAMBDA_TARGET) {
        let added = Command::new("rustup")
            .args(["target", "add", LAMBDA_TARGET])
            .status()
            .map_err(|e| format!("cannot run rustup: {e}"))?;
        if !added.success() {
            return Err(format!(
                "rustup cannot add the {LAMBDA_TARGET} standard library"
            ));
        }
    }
    // cargo-lambda cross-links with zig, which the venv's ziglang provides (`python3 -m ziglang`).
    let venv_bin = venv::TOOLS.bin(root, "");
    let path = env::join_paths(
        std::iter::once(venv_bin).chain(env::split_paths(&env::var_os("PATH").unwrap_or_default())),
    )
    .map_err(|e| format!("PATH: {e}"))?;
    let mut build = Command::new(venv::TOOLS.bin(root, "cargo-lambda"));
    build.current_dir(root).env("PATH", path).args([
        "lambda",
        "build",
        "--release",
        "--arm64",
        "--output-format",
        "zip",
    ]);
    for function in FUNCTIONS {
        build.args(["--package", function]);
    }
    let code = build
        .status()
        .map(exit_code)
        .map_err(|e| format!("cannot run cargo-lambda: {e}"))?;
    if code != ExitCode::SUCCESS {
        return Ok(code);
    }
    let size = |path: PathBuf| {
        std::fs::metadata(&path)
            .map(|m| m.len())
            .map_err(|e| format!("{}: {e}", path.display()))
    };
    let target = target_dir(root);
    let mut over = Vec::new();
    let mut recorded = Vec::new();
    println!("{:<24} {:>10} {:>10}", "function", "zip", "target");
    for function in FUNCTIONS {
        let bytes = size(target.join("lambda").join(function).join("bootstrap.zip"))?;
        let debug_bytes = size(target.join("debug").join(function))?;
        println!(
            "{function:<24} {:>7.2} MB {:>7.2} MB",
            bytes as f64 / 1e6,
            PACKAGE_LIMIT_BYTES as f64 / 1e6
        );
        if bytes > PACKAGE_LIMIT_BYTES {
            over.push(function);
        }
        recorded.push(format!(
            "    \"{function}\": {{\"zip_bytes\": {bytes}, \"debug_bytes\": {debug_bytes}}}"
        ));
    }
    let sizes = format!(
        "{{\n  \"limit_bytes\": {PACKAGE_LIMIT_BYTES},\n  \"functions\": {{\n{}\n  }}\n}}\n",
        recorded.join(",\n")
    );
    std::fs::write(root.join(PACKAGE_SIZES), sizes).map_err(|e| format!("{PACKAGE_SIZES}: {e}"))?;
    println!("recorded in {PACKAGE_SIZES}");
    if over.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("xtask: over the package target: {}", over.join(", "));
        Ok(ExitCode::FAILURE)
    }
}

/// One simulation, built with optimizations (the debug build runs it about ten times slower).
fn simulate(root: &Path, args: &[String]) -> Result<ExitCode> {
    let mut cmd = cargo(
        root,
        &[
            "run",
            "--release",
            "-q",
            "-p",
            "oms-local",
            "--bin",
            "oms-simulate",
            "--",
        ],
    );
    cmd.args(args);
    cmd.status()
        .map(exit_code)
        .map_err(|e| format!("cannot run cargo: {e}"))
}

fn code_checks(root: &Path) -> Vec<Command> {
    let clippy = [
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ];
    vec![
        cargo(root, &["fmt", "--all", "--", "--check"]),
        cargo(root, &clippy),
    ]
}

fn template_checks(root: &Path) -> Vec<Command> {
    let tool = |program| Command::new(venv::TOOLS.bin(root, program));
    let mut cfn_lint = tool("cfn-lint");
    cfn_lint.arg("template.yaml");
    let mut sam = tool("sam");
    sam.args(["validate", "--lint", "--template", "template.yaml"]);
    // Fails on any failed check, and on a template it cannot parse (by default it would pass
    // that, having checked nothing); a skipped check is justified beside its resource in the
    // template (`# checkov:skip=CKV_AWS_N: reason`). Offline: no platform download, no update check.
    let mut checkov = Command::new(venv::CHECKOV.bin(root, "checkov"));
    checkov.args([
        "--file",
        "template.yaml",
        "--framework",
        "cloudformation",
        "--skip-download",
        "--quiet",
        "--compact",
    ]);
    checkov
        .env("CKV_PARSE_ERROR_FAIL", "true")
        .env("CKV_SKIP_PACKAGE_UPDATE_CHECK", "true");
    let mut docs = tool("python");
    docs.arg("xtask/check_docs.py");
    let mut checks = vec![cfn_lint, sam, checkov, docs];
    for cmd in &mut checks {
        cmd.current_dir(root)
            .envs(LOCAL_AWS)
            .env("AWS_DEFAULT_REGION", "us-east-1");
        cmd.env("SAM_CLI_TELEMETRY", "0");
    }
    checks
}

/// Runs each step in order, stopping at the first failure, timing each one. Ends with the tests'
/// tally in the plain `N passed, N failed` form, summed over every `cargo test` binary.
fn run_steps(name: &str, steps: Vec<Command>) -> ExitCode {
    let started = Instant::now();
    let total = steps.len();
    let mut tally = Tally::default();
    for mut cmd in steps {
        let title = describe(&cmd);
        println!("==> {title}");
        let step_started = Instant::now();
        let ok = run_teeing(&mut cmd, &mut tally)
            .map_err(|e| eprintln!("xtask: cannot run {title}: {e}"))
            .is_ok_and(|status| status.success());
        let took = step_started.elapsed().as_secs_f64();
        println!("    {} in {took:.1}s", if ok { "ok" } else { "FAILED" });
        if !ok {
            let total_secs = started.elapsed().as_secs_f64();
            println!("xtask {name}: FAILED at `{title}` after {total_secs:.1}s");
            tally.print();
            return ExitCode::FAILURE;
        }
    }
    let total_secs = started.elapsed().as_secs_f64();
    println!("xtask {name}: all {total} steps ok in {total_secs:.1}s");
    tally.print();
    ExitCode::SUCCESS
}

/// Test counts read from cargo test's `test result:` lines.
#[derive(Default)]
struct Tally {
    passed: u64,
    failed: u64,
    seen: bool,
}

impl Tally {
    fn read(&mut self, line: &str) {
        let Some(result) = line.strip_prefix("test result: ") else {
            return;
        };
        let count = |label: &str| {
            result
                .split(';')
                .find_map(|part| {
                    part.trim()
                        .trim_start_matches("ok. ")
                        .trim_start_matches("FAILED. ")
                        .strip_suffix(label)
                })
                .and_then(|n| n.trim().parse::<u64>().ok())
                .unwrap_or(0)
        };
        self.passed += count("passed");
        self.failed += count("failed");
        self.seen = true;
    }

    fn print(&self) {
        if self.seen {
            println!("{} passed, {} failed", self.passed, self.failed);
        }
    }
}

/// Runs a step with its stdout passed through line by line, counting test results on the way.
fn run_teeing(cmd: &mut Command, tally: &mut Tally) -> std::io::Result<ExitStatus> {
    use std::io::{BufRead, BufReader, Write};
    let mut child = cmd.stdout(std::process::Stdio::piped()).spawn()?;
    if let Some(stdout) = child.stdout.take() {
        let mut out = std::io::stdout().lock();
        for line in BufReader::new(stdout).lines() {
            let line = line?;
            tally.read(&line);
            writeln!(out, "{line}")?;
        }
    }
    child.wait()
}

fn describe(cmd: &Command) -> String {
    let program = Path::new(cmd.get_program())
        .file_name()
        .unwrap_or(cmd.get_program());
    let words = std::iter::once(program)
        .chain(cmd.get_args())
        .map(OsStr::to_string_lossy);
    words.collect::<Vec<_>>().join(" ")
}

fn cargo(root: &Path, args: &[&str]) -> Command {
    // $CARGO is the cargo that launched xtask, so nested builds use the same toolchain.
    let mut cmd = Command::new(env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.current_dir(root).args(args);
    cmd
}

fn workspace_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().unwrap_or(manifest_dir).to_path_buf()
}

/// Where cargo puts build output; nested cargo runs in the root, so a relative dir is relative to it.
fn target_dir(root: &Path) -> PathBuf {
    env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), |dir| root.join(dir))
}

fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0");
    let addr = listener.and_then(|l| l.local_addr());
    addr.map(|a| a.port())
        .map_err(|e| format!("cannot find a free port: {e}"))
}

fn exit_code(status: ExitStatus) -> ExitCode {
    // No code means a signal (e.g. Ctrl-C) ended the child.
    status.code().map_or(ExitCode::FAILURE, |code| {
        ExitCode::from(u8::try_from(code).unwrap_or(1))
    })
}
