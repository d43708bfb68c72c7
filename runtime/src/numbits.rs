//! coverage.py's "numbits": a set of line numbers packed into a byte string.
//!
//! Line-mode data files store each file's executed lines as one blob in which
//! bit `n % 8` of byte `n / 8` is set for every line `n` (least significant bit
//! first), with no trailing bytes beyond the highest line. coverage.py, and
//! every tool that reads `.coverage` files through it, decodes exactly this, so
//! rcov must produce it byte for byte.

use std::collections::BTreeSet;

/// Packs `nums` into a numbits blob (empty for an empty set).
pub fn nums_to_numbits(nums: &BTreeSet<u32>) -> Vec<u8> {
    let Some(&max) = nums.last() else {
        return Vec::new();
    };
    let mut bits = vec![0u8; (max / 8) as usize + 1];
    for &num in nums {
        bits[(num / 8) as usize] |= 1 << (num % 8);
    }
    bits
}

/// Unpacks a numbits blob into its numbers, in increasing order.
pub fn numbits_to_nums(numbits: &[u8]) -> Vec<u32> {
    let mut nums = Vec::new();
    for (byte_index, &byte) in numbits.iter().enumerate() {
        let Ok(base) = u32::try_from(byte_index * 8) else {
            break;
        };
        for bit in 0..8 {
            if byte & (1 << bit) != 0 {
                nums.push(base + bit);
            }
        }
    }
    nums
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(nums: &[u32]) -> BTreeSet<u32> {
        nums.iter().copied().collect()
    }

    #[test]
    fn empty_set_is_empty_blob() {
        assert_eq!(nums_to_numbits(&set(&[])), Vec::<u8>::new());
        assert_eq!(numbits_to_nums(&[]), Vec::<u32>::new());
    }

    #[test]
    fn bits_are_least_significant_first() {
        // coverage.py: nums_to_numbits([1, 2, 9]) == b"\x06\x02"
        assert_eq!(nums_to_numbits(&set(&[1, 2, 9])), vec![0x06, 0x02]);
        assert_eq!(nums_to_numbits(&set(&[0])), vec![0x01]);
        assert_eq!(nums_to_numbits(&set(&[7])), vec![0x80]);
        assert_eq!(nums_to_numbits(&set(&[8])), vec![0x00, 0x01]);
    }

    #[test]
    fn length_is_set_by_the_highest_number() {
        assert_eq!(nums_to_numbits(&set(&[100])).len(), 13);
        assert_eq!(nums_to_numbits(&set(&[1, 40_000])).len(), 5001);
    }

    #[test]
    fn round_trip() {
        let nums = set(&[1, 3, 5, 8, 9, 10, 255, 256, 1000, 65_535, 70_001]);
        let packed = nums_to_numbits(&nums);
        assert_eq!(
            numbits_to_nums(&packed),
            nums.into_iter().collect::<Vec<_>>()
        );
    }

    #[test]
    fn trailing_zero_bytes_decode_to_nothing() {
        assert_eq!(numbits_to_nums(&[0x02, 0x00, 0x00]), vec![1]);
    }
}
