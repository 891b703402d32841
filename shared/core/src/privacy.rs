//! What may go in a log: no personal data, suppliers' included. Text from outside that ends up in
//! a log line (an email service's error, say) has its email addresses masked first.

/// `text` with every email address in it replaced by `[email]`.
pub fn mask_emails(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if word.contains('@') {
            out.push_str("[email]");
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in text.chars() {
        // Characters an address may hold; anything else ends a word.
        if c.is_alphanumeric() || "@._%+-'".contains(c) {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_masked_and_the_rest_kept() {
        assert_eq!(
            mask_emails("MessageRejected: Email address is not verified: <ana.b+x@shop.example>."),
            "MessageRejected: Email address is not verified: <[email]>."
        );
        assert_eq!(mask_emails("a@b.c, d@e.f"), "[email], [email]");
        assert_eq!(mask_emails("throttled, retry"), "throttled, retry");
    }
}
