//! The lists in the repo (`shared/core/data/`), read at build time.

use crate::domain::Address;

const DISPOSABLE: &str = include_str!("../../data/disposable_email_domains.txt");
const FORWARDERS: &str = include_str!("../../data/freight_forwarders.csv");

fn entries(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// The email's domain when it (or a domain it is under) hands out throwaway mailboxes.
pub fn disposable_domain(email: &str) -> Option<String> {
    let domain = email.rsplit_once('@')?.1.trim().to_ascii_lowercase();
    entries(DISPOSABLE)
        .any(|listed| domain == listed || domain.ends_with(&format!(".{listed}")))
        .then_some(domain)
}

/// Letters and digits only, lower case: how addresses are compared.
pub(super) fn plain(text: &str) -> String {
    text.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The forwarder's street when the address is one of the listed warehouses.
pub fn forwarder(address: &Address) -> Option<String> {
    let postal = plain(address.postal_code.as_deref().unwrap_or_default());
    let lines = plain(&format!(
        "{} {}",
        address.line1,
        address.line2.as_deref().unwrap_or_default()
    ));
    entries(FORWARDERS).skip(1).find_map(|row| {
        let mut fields = row.splitn(3, ',');
        let (country, zip, street) = (fields.next()?, fields.next()?, fields.next()?);
        let matches = country.eq_ignore_ascii_case(&address.country)
            && plain(zip) == postal
            && lines.contains(&plain(street));
        matches.then(|| street.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disposable_domains_match_with_their_subdomains_only() {
        assert_eq!(
            disposable_domain("a@YopMail.com").as_deref(),
            Some("yopmail.com")
        );
        assert!(disposable_domain("a@x.mailinator.com").is_some());
        assert!(disposable_domain("a@notmailinator.com").is_none());
        assert!(disposable_domain("a@example.com").is_none());
    }
}
