//! Sharing an amount out over parts in proportion to their weights, in whole minor units, so the
//! shares add up to the amount exactly.

use rust_decimal::Decimal;

/// `amount` shared in proportion to `weights`, each share rounded to `unit` and the rounding left
/// over given to the last part with a weight, so the shares always sum to `amount`. Parts of zero
/// weight get nothing; when every weight is zero, the first part takes it all.
pub fn share(amount: Decimal, weights: &[Decimal], unit: Decimal) -> Vec<Decimal> {
    let mut shares = vec![Decimal::ZERO; weights.len()];
    if weights.is_empty() {
        return shares;
    }
    let total: Decimal = weights.iter().sum();
    if total.is_zero() {
        shares[0] = amount;
        return shares;
    }
    let last = weights.iter().rposition(|w| !w.is_zero()).unwrap_or(0);
    let mut given = Decimal::ZERO;
    for (i, weight) in weights.iter().enumerate() {
        if i == last {
            shares[i] = amount - given;
            break;
        }
        let exact = amount * *weight / total;
        let rounded = (exact / unit).round() * unit;
        shares[i] = rounded;
        given += rounded;
    }
    shares
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    #[test]
    fn shares_add_up_to_the_amount_whatever_the_rounding() {
        let shares = share(d("10.00"), &[d("1"), d("1"), d("1")], d("0.01"));
        assert_eq!(shares, vec![d("3.33"), d("3.33"), d("3.34")]);
        let shares = share(d("7.77"), &[d("19.99"), d("0"), d("5.01")], d("0.01"));
        assert_eq!(shares.iter().sum::<Decimal>(), d("7.77"));
        assert_eq!(shares[1], Decimal::ZERO, "no weight, no share");
    }

    #[test]
    fn nothing_to_weigh_by_goes_to_the_first_part() {
        assert_eq!(
            share(d("4.00"), &[d("0"), d("0")], d("0.01")),
            vec![d("4.00"), d("0")]
        );
        assert!(share(d("4.00"), &[], d("0.01")).is_empty());
    }

    #[test]
    fn whole_units_stay_whole() {
        let shares = share(d("1000"), &[d("1"), d("2")], d("1"));
        assert_eq!(shares, vec![d("333"), d("667")]);
    }
}
