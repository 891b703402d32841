//! Whose emails they are: the merchant's name, addresses, logo and color, each checked so it
//! cannot break the layout.

use crate::domain::Order;

/// Who the emails come from, as customers see it, who hears about trouble, and where customers
/// follow their order.
#[derive(Debug, Clone)]
pub struct Branding {
    pub merchant_name: String,
    /// The merchant's operations address, for staff alerts.
    pub ops_email: String,
    /// Base URL of the public API, for tracking page links.
    pub public_base_url: String,
    /// Signs tracking page links (see `pages::link_token`).
    pub tracking_link_secret: Vec<u8>,
    pub logo_url: Option<LogoUrl>,
    pub brand_color: BrandColor,
}

/// An `https://` image URL without characters that could break out of an attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogoUrl(pub(super) String);

/// A `#rrggbb` color.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrandColor(pub(super) String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0}")]
pub struct InvalidBranding(&'static str);

impl LogoUrl {
    pub fn parse(url: &str) -> Result<Self, InvalidBranding> {
        let safe = url.starts_with("https://")
            && url.len() <= 2048
            && !url.chars().any(|c| {
                c.is_whitespace() || c.is_control() || matches!(c, '"' | '<' | '>' | '\'' | '`')
            });
        if safe {
            Ok(Self(url.to_string()))
        } else {
            Err(InvalidBranding(
                "the logo URL must be an https:// URL without quotes, brackets or spaces",
            ))
        }
    }
}

impl BrandColor {
    pub fn parse(color: &str) -> Result<Self, InvalidBranding> {
        let hex = color.strip_prefix('#').unwrap_or_default();
        if hex.len() == 6 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(Self(color.to_string()))
        } else {
            Err(InvalidBranding("the brand color must look like #1a2b3c"))
        }
    }
}

impl Branding {
    pub fn tracking_url(&self, order: &Order) -> String {
        crate::pages::tracking_url(&self.public_base_url, &self.tracking_link_secret, &order.id)
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::domain::order::tests::{new_order, now};
    use crate::domain::PaymentStatus;
    use crate::messages::Notification;
    use crate::notifications::render;

    /// The branding the notification tests render with.
    pub(in crate::notifications) fn branding() -> Branding {
        Branding {
            merchant_name: "Atelier Nord".into(),
            ops_email: "ops@example.com".into(),
            public_base_url: "https://oms.example".into(),
            tracking_link_secret: b"links".to_vec(),
            logo_url: Some(LogoUrl::parse("https://cdn.example/logo.png").unwrap()),
            brand_color: BrandColor::parse("#0f766e").unwrap(),
        }
    }

    #[test]
    fn branding_is_applied_and_checked() {
        let order = Order::place(new_order(PaymentStatus::Paid), now());
        let email = render(
            &order,
            &Notification::order_confirmed(order.id.clone()),
            &branding(),
        )
        .unwrap();
        assert!(email.html.contains("src=\"https://cdn.example/logo.png\""));
        assert!(email.html.contains("background:#0f766e"));
        for bad in [
            "http://cdn.example/x.png",
            "https://x\" onload=\"y",
            "javascript:alert(1)",
        ] {
            assert!(LogoUrl::parse(bad).is_err(), "{bad}");
        }
        for bad in ["red", "#12345", "#12345g", "#123456;x:y"] {
            assert!(BrandColor::parse(bad).is_err(), "{bad}");
        }
    }
}
