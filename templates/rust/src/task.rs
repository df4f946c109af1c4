//! The one function you edit: turn one item into its result.
//! Return Err(message) to fail the item: it goes to the failed list and can be retried
//! (gridcore queue retry). Keep it idempotent: after a crash an item may be processed again.

pub fn handle(item: &str) -> Result<String, String> {
    let n: f64 = item
        .trim()
        .parse()
        .map_err(|e| format!("not a number: {e}"))?;
    Ok(format!("{item}:{}", n.sqrt()))
}
