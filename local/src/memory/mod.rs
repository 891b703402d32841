//! The in-memory world: AWS services as data structures with the semantics our code depends on,
//! so use cases and whole simulations run without an emulator. Its contract with the real
//! services is checked by the suites in `tests/contract_*.rs`, run on both this world and moto.

pub mod dynamo;
pub mod expression;
pub mod faults;

pub use dynamo::{MemoryDynamo, TableSchema};
pub use faults::{Fate, FaultPlan, Faults};

/// Every table template.yaml declares, named as `provision` names them (`<prefix>-<logical id>`).
pub fn dynamo_from_template(
    template: &crate::template::Template,
    prefix: &str,
    faults: Faults,
) -> anyhow::Result<MemoryDynamo> {
    let dynamo = MemoryDynamo::new(faults);
    for table in &template.tables {
        dynamo.create_table(
            &format!("{prefix}-{}", table.logical_id),
            TableSchema::from_template(&table.properties)?,
        );
    }
    Ok(dynamo)
}
