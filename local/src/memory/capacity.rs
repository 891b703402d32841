//! What DynamoDB's on-demand mode bills for each call, counted from the items a call actually
//! reads and writes, as DynamoDB counts them: a write unit per 1 KB written (the larger of the item
//! before and after), a read unit per 4 KB read strongly consistent and half of one eventually
//! consistent, twice both inside a transaction, a query rounded up over all the items it read, and
//! every global secondary index an item enters, leaves or changes in written again at the size of
//! what it projects. A call that finds nothing still costs its one unit (or half).

use std::ops::AddAssign;

/// Read units are kept in halves (an eventually consistent read of up to 4 KB is half a unit), so
/// no fractions are ever summed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Units {
    pub read_halves: u64,
    pub writes: u64,
}

impl Units {
    pub fn read_units(&self) -> f64 {
        self.read_halves as f64 / 2.0
    }
}

impl AddAssign for Units {
    fn add_assign(&mut self, other: Self) {
        self.read_halves += other.read_halves;
        self.writes += other.writes;
    }
}

/// How a call reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Read {
    Eventual,
    Consistent,
    /// A condition check or read inside a transaction.
    Transactional,
}

impl Read {
    pub fn consistent(consistent: bool) -> Self {
        if consistent {
            Read::Consistent
        } else {
            Read::Eventual
        }
    }
}

const READ_CHUNK: usize = 4 * 1024;
const WRITE_CHUNK: usize = 1024;

/// One read of `bytes` (an item, or a query's items together).
pub fn read(bytes: usize, how: Read) -> Units {
    let chunks = bytes.div_ceil(READ_CHUNK).max(1) as u64;
    let halves_per_chunk = match how {
        Read::Eventual => 1,
        Read::Consistent => 2,
        Read::Transactional => 4,
    };
    Units {
        read_halves: chunks * halves_per_chunk,
        writes: 0,
    }
}

/// One write of an item that was `before` bytes and is `after` bytes (0 for none).
pub fn write(before: usize, after: usize, transactional: bool) -> Units {
    let chunks = before.max(after).div_ceil(WRITE_CHUNK).max(1) as u64;
    Units {
        read_halves: 0,
        writes: chunks * if transactional { 2 } else { 1 },
    }
}

/// The writes one index takes when an item's entry in it goes from `before` to `after` (its key,
/// what it projects and that projection's size; `None` when the item is not in the index): none
/// when nothing it projects changed, two when the entry moves to another key (a delete and a put).
pub fn index_write<K: PartialEq, P: PartialEq>(
    before: Option<(K, P, usize)>,
    after: Option<(K, P, usize)>,
) -> Units {
    let chunks = |bytes: usize| bytes.div_ceil(WRITE_CHUNK).max(1) as u64;
    let writes = match (before, after) {
        (None, None) => 0,
        (Some((_, _, size)), None) | (None, Some((_, _, size))) => chunks(size),
        (Some((old_key, _, old)), Some((new_key, _, new))) if old_key != new_key => {
            chunks(old) + chunks(new)
        }
        (Some((_, old_entry, _)), Some((_, new_entry, _))) if old_entry == new_entry => 0,
        (Some((_, _, old)), Some((_, _, new))) => chunks(old.max(new)),
    };
    Units {
        read_halves: 0,
        writes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_round_up_to_4_kb_and_cost_half_when_eventually_consistent() {
        assert_eq!(read(0, Read::Eventual).read_halves, 1);
        assert_eq!(read(4096, Read::Eventual).read_halves, 1);
        assert_eq!(read(4097, Read::Consistent).read_halves, 4);
        assert_eq!(read(3000, Read::Transactional).read_units(), 2.0);
    }

    #[test]
    fn writes_round_up_to_1_kb_of_the_larger_item_and_double_in_a_transaction() {
        assert_eq!(write(0, 100, false).writes, 1);
        assert_eq!(write(2500, 900, false).writes, 3);
        assert_eq!(write(1024, 1024, true).writes, 2);
        assert_eq!(write(0, 0, true).writes, 2);
    }

    #[test]
    fn an_index_is_written_when_its_entry_comes_goes_moves_or_changes() {
        assert_eq!(index_write::<&str, u8>(None, None).writes, 0);
        assert_eq!(index_write(None, Some(("a", 1, 10))).writes, 1);
        assert_eq!(index_write(Some(("a", 1, 10)), None).writes, 1);
        assert_eq!(
            index_write(Some(("a", 1, 10)), Some(("b", 1, 2000))).writes,
            3
        );
        assert_eq!(
            index_write(Some(("a", 1, 10)), Some(("a", 2, 1500))).writes,
            2
        );
        assert_eq!(
            index_write(Some(("a", 1, 10)), Some(("a", 1, 10))).writes,
            0
        );
    }
}
