//! The whole OMS on one machine: the emulated AWS (moto, reached through `AWS_ENDPOINT_URL`) is
//! provisioned from template.yaml, the HTTP API is served like API Gateway, queues are polled like
//! Lambda's event source mappings, and a sandbox carrier sells labels. Used by `cargo xtask dev`
//! and by the black-box tests.

pub mod abort_on_panic;
pub mod bench_report;
pub mod cost;
pub mod functions;
pub mod gateway;
pub mod heap;
pub mod memory;
pub mod outbox;
pub mod own_time;
pub mod poller;
pub mod provision;
pub mod runtime_api;
pub mod sandbox_carrier;
pub mod schedule_runner;
pub mod simulation;
pub mod template;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use anyhow::{anyhow, bail, Context, Result};
use tokio::task::JoinHandle;

use functions::Handler;
use gateway::RouteTarget;
use oms::aws::Clients;
use poller::EventSource;
use provision::Provisioned;
use sandbox_carrier::SandboxCarrier;

/// Secrets and keys the functions read, with the values used when the environment has none.
/// The same names are read in AWS, where template parameters fill them.
pub const DEV_DEFAULTS: &[(&str, &str)] = &[
    ("SHOPIFY_WEBHOOK_SECRET", "dev-shopify-secret"),
    ("WOOCOMMERCE_WEBHOOK_SECRET", "dev-woocommerce-secret"),
    ("OMS_CHANNEL_SECRET", "dev-channel-secret"),
    ("EASYPOST_WEBHOOK_SECRET", "dev-easypost-secret"),
    ("AFTERSHIP_WEBHOOK_SECRET", "dev-aftership-secret"),
    ("SHIPPO_WEBHOOK_TOKEN", "dev-shippo-token-0123456789abcdef"),
    ("OMS_ADMIN_TOKEN", "dev-admin-token-change-me-0123456789"),
    ("EASYPOST_API_KEY", "dev-easypost-api-key"),
    // localstripe takes any test key; `cargo xtask dev` and `test` set STRIPE_API_BASE to it.
    ("STRIPE_API_KEY", "sk_test_dev_localstripe_0123456789"),
    // What localstripe signs its webhooks with once told to (`/_config/webhooks`).
    ("STRIPE_WEBHOOK_SECRET", "whsec_dev_localstripe_0123456789"),
    (
        "TRACKING_LINK_SECRET",
        "dev-tracking-link-secret-0123456789abcdef",
    ),
];

pub struct Options {
    /// 0 picks a free port.
    pub port: u16,
    pub carrier_port: u16,
    /// Prefix of every resource name, so stacks can share an emulator.
    pub prefix: String,
    pub template: PathBuf,
    /// The emulator at `AWS_ENDPOINT_URL`, or the in-memory world (on the real clock).
    pub in_memory: bool,
    /// Template parameters other than their defaults, as `sam deploy --parameter-overrides`.
    pub parameters: BTreeMap<String, String>,
    /// Variables every function of this stack gets instead of the process's (a test pointing one
    /// stack's STRIPE_API_BASE at a gateway that fails on demand).
    pub environment: BTreeMap<String, String>,
    /// Whether the functions consume their queues here (not when something else invokes them,
    /// as the cold-start benchmark does with their binaries).
    pub poll_queues: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            port: 3000,
            carrier_port: 0,
            prefix: "oms-local".into(),
            template: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../template.yaml"),
            in_memory: false,
            parameters: BTreeMap::new(),
            environment: BTreeMap::new(),
            poll_queues: true,
        }
    }
}

/// A running local OMS. Dropping it stops the gateway, pollers and sandbox carrier.
pub struct LocalOms {
    pub api_url: String,
    pub carrier_url: String,
    pub resources: Provisioned,
    /// The environment each function runs with, by template logical id.
    pub environments: BTreeMap<String, HashMap<String, String>>,
    pub aws: Clients,
    /// The services themselves, when running in memory.
    pub memory: Option<memory::MemoryWorld>,
    tasks: Vec<JoinHandle<()>>,
    _carrier: SandboxCarrier,
}

impl Drop for LocalOms {
    fn drop(&mut self) {
        self.tasks.iter().for_each(JoinHandle::abort);
    }
}

impl LocalOms {
    pub async fn start(options: Options) -> Result<Self> {
        let template = template::load(&options.template)?;
        let parameters = &options.parameters;
        let (aws, resources, memory) = if options.in_memory {
            let (world, resources) = memory::MemoryWorld::provision(
                &template,
                &options.prefix,
                parameters,
                memory::SimClock::real(),
                memory::Faults::default(),
            )?;
            (world.clients(), resources, Some(world))
        } else {
            let endpoint = std::env::var("AWS_ENDPOINT_URL").unwrap_or_default();
            if !endpoint.starts_with("http://127.0.0.1")
                && !endpoint.starts_with("http://localhost")
            {
                bail!("AWS_ENDPOINT_URL must point at the local emulator (got {endpoint:?}); refusing to touch real AWS");
            }
            let aws = Clients::load()
                .await
                .with_files()
                .with_mail()
                .with_schedules();
            let resources =
                provision::provision(&template, &options.prefix, parameters, &aws).await?;
            (aws, resources, None)
        };
        // Every function of the stack shares this process: their metrics are kept in memory
        // (tests read them) rather than interleaved on stdout.
        let mut aws = aws;
        aws.metrics = oms::metrics::Metrics::memory();
        let carrier = SandboxCarrier::start(options.carrier_port).await?;

        let listener = tokio::net::TcpListener::bind(("127.0.0.1", options.port))
            .await
            .with_context(|| format!("binding 127.0.0.1:{}", options.port))?;
        let api_url = format!("http://{}", listener.local_addr()?);

        let Wired {
            routes,
            sources,
            environments,
        } = wire(
            &template,
            &resources,
            (&carrier.base_url, &api_url),
            &options.environment,
            &aws,
        )?;

        create_default_location(&aws, &environments).await?;

        let mut tasks = Vec::new();
        let app = gateway::router(routes, memory.as_ref().map(|world| world.ses.clone()));
        tasks.push(tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "gateway stopped");
            }
        }));
        if options.poll_queues {
            for source in sources {
                tasks.push(tokio::spawn(poller::run(aws.queues.clone(), source)));
            }
            // The in-memory scheduler delivers by itself; the emulator's needs firing.
            if memory.is_none() {
                tasks.push(tokio::spawn(
                    schedule_runner(&template, &resources, &aws).run(),
                ));
            }
        }
        Ok(Self {
            api_url,
            carrier_url: carrier.base_url.clone(),
            resources,
            environments,
            aws,
            memory,
            tasks,
            _carrier: carrier,
        })
    }

    /// The value a function's environment variable has (secrets included), for tests and the banner.
    pub fn env(&self, name: &str) -> Option<&str> {
        self.environments
            .values()
            .find_map(|env| env.get(name))
            .map(String::as_str)
    }
}

/// Fires the emulator's schedules of the stack's groups into the stack's queues.
pub fn schedule_runner(
    template: &template::Template,
    resources: &Provisioned,
    aws: &Clients,
) -> schedule_runner::Runner {
    schedule_runner::Runner {
        client: aws_sdk_scheduler::Client::new(&aws.config),
        queues: aws.queues.clone(),
        groups: template
            .schedule_groups
            .iter()
            .filter_map(|group| resources.refs.get(group).cloned())
            .collect(),
        queue_urls: template
            .queues
            .iter()
            .filter_map(|q| {
                Some((
                    resources.arns.get(&q.logical_id)?.clone(),
                    resources.refs.get(&q.logical_id)?.clone(),
                ))
            })
            .collect(),
        clock: aws.clock.clone(),
    }
}

/// The six functions built from template.yaml on `aws`: their routes, their queues' event
/// sources, and the environment each runs with (by logical id).
pub(crate) struct Wired {
    pub routes: Vec<RouteTarget>,
    pub sources: Vec<EventSource>,
    pub environments: BTreeMap<String, HashMap<String, String>>,
}

pub(crate) fn wire(
    template: &template::Template,
    resources: &Provisioned,
    (carrier_url, api_url): (&str, &str),
    overrides: &BTreeMap<String, String>,
    aws: &Clients,
) -> Result<Wired> {
    let mut wired = Wired {
        routes: Vec::new(),
        sources: Vec::new(),
        environments: BTreeMap::new(),
    };
    for function in &template.functions {
        let env = environment(function, resources, (carrier_url, api_url), overrides)?;
        match functions::build(&function.binary, &env, aws)
            .with_context(|| format!("starting {}", function.logical_id))?
        {
            Handler::Http(handler) => {
                wired
                    .routes
                    .extend(function.routes.iter().map(|r| RouteTarget {
                        method: r.method.clone(),
                        path: r.path.clone(),
                        handler: handler.clone(),
                    }))
            }
            Handler::Queue(handler) => {
                for source in &function.queue_sources {
                    let queue = &source.queue_logical_id;
                    wired.sources.push(EventSource {
                        function: function.logical_id.clone(),
                        queue_url: resources
                            .refs
                            .get(queue)
                            .cloned()
                            .ok_or_else(|| anyhow!("queue {queue} not provisioned"))?,
                        queue_arn: resources.arns.get(queue).cloned().unwrap_or_default(),
                        batch_size: source.batch_size,
                        report_batch_item_failures: source.report_batch_item_failures,
                        handler: handler.clone(),
                    });
                }
            }
        }
        wired.environments.insert(function.logical_id.clone(), env);
    }
    Ok(wired)
}

/// The location `main` every fresh dev stack starts with, at the template's ship-from address
/// (kept as it is when a developer has edited it through the API).
pub(crate) async fn create_default_location(
    aws: &Clients,
    environments: &BTreeMap<String, HashMap<String, String>>,
) -> Result<()> {
    let env = |name: &str| environments.values().find_map(|env| env.get(name));
    let (Some(table), Some(address)) = (env("ORDERS_TABLE"), env("SHIP_FROM_ADDRESS")) else {
        bail!("the template gives no function ORDERS_TABLE and SHIP_FROM_ADDRESS");
    };
    let inventory = oms::aws::InventoryStore::new(aws.db.clone(), table.clone());
    let id = oms::inventory::LocationId::default_location();
    if inventory.location(&id).await?.is_none() {
        let address: oms::domain::Address =
            serde_json::from_str(address).context("SHIP_FROM_ADDRESS is not an address")?;
        inventory
            .put_location(&oms::inventory::Location {
                id,
                name: address.name.clone(),
                address,
                priority: 0,
            })
            .await?;
    }
    Ok(())
}

/// A function's variables: local overrides (the sandbox carrier, this gateway), then the process environment, then dev defaults, then
/// what the template resolves to.
fn environment(
    function: &template::Function,
    resources: &Provisioned,
    (carrier_url, api_url): (&str, &str),
    overrides: &BTreeMap<String, String>,
) -> Result<HashMap<String, String>> {
    function
        .environment
        .iter()
        .map(|(name, value)| {
            let resolved = match name.as_str() {
                "EASYPOST_API_URL" => Some(carrier_url.to_string()),
                "PUBLIC_BASE_URL" => Some(api_url.to_string()),
                _ => overrides
                    .get(name)
                    .cloned()
                    .or_else(|| std::env::var(name).ok())
                    .or_else(|| {
                        DEV_DEFAULTS
                            .iter()
                            .find(|(n, _)| n == name)
                            .map(|(_, v)| v.to_string())
                    })
                    .or_else(|| resources.resolve(value)),
            };
            let resolved = resolved.ok_or_else(|| {
                anyhow!(
                    "{}: {name} = {value:?} has no local value",
                    function.logical_id
                )
            })?;
            Ok((name.clone(), resolved))
        })
        .collect()
}
