//! Digests: XXH3-128 of the inputs that decide what to rebuild (fast, and
//! only ever compared with itself), and hex spelling of any digest. Outputs
//! keep SHA-256 (`incremental::FileState`, `export`), which the archive's
//! checksums promise.

use xxhash_rust::xxh3::Xxh3;

/// The digest of inputs, as 32 hex digits.
#[derive(Default)]
pub struct InputHasher(Xxh3);

impl InputHasher {
    pub fn update(&mut self, bytes: impl AsRef<[u8]>) {
        self.0.update(bytes.as_ref());
    }

    pub fn finish(&self) -> String {
        format!("{:032x}", self.0.digest128())
    }
}

/// The digest of one byte string, as [`InputHasher`] makes it.
pub fn input_digest(bytes: &[u8]) -> String {
    format!("{:032x}", xxhash_rust::xxh3::xxh3_128(bytes))
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The `N` bytes spelled by exactly `2 × N` hex digits (either case), as
/// [`hex`] writes them; anything else is `None`.
pub fn from_hex<const N: usize>(text: &str) -> Option<[u8; N]> {
    let digits = text.as_bytes();
    if digits.len() != 2 * N {
        return None;
    }
    let mut bytes = [0u8; N];
    for (byte, pair) in bytes.iter_mut().zip(digits.chunks(2)) {
        let high = char::from(pair[0]).to_digit(16)?;
        let low = char::from(pair[1]).to_digit(16)?;
        *byte = (high * 16 + low) as u8;
    }
    Some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_reads_back_what_it_wrote_and_nothing_else() {
        let bytes = [0x00, 0x9f, 0xab, 0xff];
        assert_eq!(from_hex::<4>(&hex(&bytes)), Some(bytes));
        assert_eq!(from_hex::<4>("009FABFF"), Some(bytes));
        for wrong in ["009fab", "009fabff00", "+9fabfff", "009fabfg", "ж9fabf"] {
            assert_eq!(from_hex::<4>(wrong), None, "{wrong}");
        }
    }
}
