//! An email's words laid out: as plain text, and as HTML in the layout's placeholders, escaped.

use super::Branding;

const LAYOUT: &str = include_str!("../../templates/email.html");

pub(super) struct Content {
    /// Who the email greets; `None` greets the customer by first name.
    pub(super) greeting: Option<String>,
    pub(super) subject: String,
    pub(super) headline: String,
    pub(super) message: String,
    pub(super) details: Vec<String>,
    pub(super) items: Vec<(String, u32)>,
}

/// What surrounds an email's content: who it greets, where its button leads, what its footer
/// names.
pub(super) struct Frame<'a> {
    pub(super) first_name: &'a str,
    pub(super) link: String,
    pub(super) button: &'a str,
    pub(super) footer: String,
}

pub(super) fn text(c: &Content, frame: &Frame<'_>, branding: &Branding) -> String {
    let mut out = format!("Hi {},\n\n{}\n", frame.first_name, c.message);
    for d in &c.details {
        out.push_str(&format!("{d}\n"));
    }
    out.push('\n');
    for (title, qty) in &c.items {
        out.push_str(&format!("  {qty} x {title}\n"));
    }
    out.push_str(&format!("\n{}: {}\n", frame.button, frame.link));
    out.push_str(&format!(
        "\n{} - {}\n",
        frame.footer, branding.merchant_name
    ));
    out
}

pub(super) fn html(c: &Content, frame: &Frame<'_>, branding: &Branding) -> String {
    let details: String = c
        .details
        .iter()
        .map(|d| {
            format!(
                "<p style=\"margin:0 0 12px\"><strong>{}</strong></p>",
                escape(d)
            )
        })
        .collect();
    let items: String = c
        .items
        .iter()
        .map(|(title, qty)| {
            format!(
                "<tr><td style=\"padding:8px 0;border-bottom:1px solid #e4e4e7\">{}</td><td align=\"right\" style=\"padding:8px 0;border-bottom:1px solid #e4e4e7\">&times; {qty}</td></tr>",
                escape(title)
            )
        })
        .collect();
    // Each placeholder is replaced once, in order, and values are escaped first, so text from an
    // order can never inject markup or another placeholder.
    [
        ("{{subject}}", escape(&c.subject)),
        ("{{merchant}}", escape(&branding.merchant_name)),
        ("{{headline}}", escape(&c.headline)),
        ("{{first_name}}", escape(frame.first_name)),
        ("{{message}}", escape(&c.message)),
        ("{{details}}", details),
        ("{{items}}", items),
        ("{{link}}", escape(&frame.link)),
        ("{{brand_color}}", branding.brand_color.0.clone()),
        ("{{button}}", escape(frame.button)),
        (
            "{{logo}}",
            branding
                .logo_url
                .as_ref()
                .map(|l| format!("<img src=\"{}\" alt=\"\" height=\"32\" style=\"display:block;margin-bottom:8px\">", escape(&l.0)))
                .unwrap_or_default(),
        ),
        ("{{footer}}", escape(&frame.footer)),
    ]
    .iter()
    .fold(LAYOUT.to_string(), |page, (placeholder, value)| {
        fill(&page, placeholder, value)
    })
}

pub(crate) fn fill(page: &str, placeholder: &str, value: &str) -> String {
    let mut out = String::with_capacity(page.len() + value.len());
    let mut rest = page;
    while let Some(at) = rest.find(placeholder) {
        out.push_str(&rest[..at]);
        out.push_str(value);
        rest = &rest[at + placeholder.len()..];
    }
    out.push_str(rest);
    out
}

pub(crate) fn escape(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '&' => "&amp;".to_string(),
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            '"' => "&quot;".to_string(),
            '\'' => "&#39;".to_string(),
            '{' => "&#123;".to_string(),
            c => c.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::domain::order::tests::{new_order, now};
    use crate::domain::{Order, PaymentStatus};
    use crate::messages::Notification;
    use crate::notifications::branding::tests::branding;
    use crate::notifications::render;

    #[test]
    fn markup_from_orders_is_escaped() {
        let mut new = new_order(PaymentStatus::Paid);
        new.lines[0].title = "<script>alert(1)</script>{{items}}".into();
        let order = Order::place(new, now());
        let email = render(
            &order,
            &Notification::order_confirmed(order.id.clone()),
            &branding(),
        )
        .unwrap();
        assert!(!email.html.contains("<script>"));
        assert!(email.html.contains("&lt;script&gt;"));
    }
}
