//! Plain emails to staff about their own requests: an orders export is ready.

use super::layout::escape;
use super::{Branding, Email};

/// The export `id` of `orders` orders can be fetched: the link is the admin API's status route,
/// which answers with a fresh download link (no link in an email outlives its use).
pub fn render_export_ready(id: &str, orders: u64, to: &str, branding: &Branding) -> Email {
    let status_url = format!(
        "{}/exports/{id}",
        branding.public_base_url.trim_end_matches('/')
    );
    let subject = format!("Your orders export is ready ({orders} orders)");
    let text = format!(
        "The orders export {id} you asked for is ready: {orders} orders.\n\nGET {status_url} with your admin token answers with a download link, valid for 15 minutes; the file is kept for 7 days.\n\n{}\n",
        branding.merchant_name
    );
    let html = format!(
        "<!doctype html><html><body style=\"font-family:sans-serif\"><p>{}</p></body></html>",
        escape(&text).replace("\n\n", "</p><p>")
    );
    Email {
        to: to.to_string(),
        subject,
        text,
        html,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notifications::branding::tests::branding;

    #[test]
    fn the_email_names_the_export_and_where_to_fetch_it() {
        let email = render_export_ready("exp_1", 1200, "ana@example.com", &branding());
        assert_eq!(email.to, "ana@example.com");
        assert!(email.subject.contains("1200 orders"));
        assert!(email.text.contains("GET https://oms.example/exports/exp_1"));
    }
}
