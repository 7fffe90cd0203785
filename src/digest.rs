//! Digests: XXH3-128 of the inputs that decide what to rebuild (fast, and
//! only ever compared with itself), and hex spelling of any digest. The
//! archive's checksums are SHA-256, made as `export` writes each file.

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_two_lower_case_digits_per_byte() {
        assert_eq!(hex(&[0x00, 0x9f, 0xab, 0xff]), "009fabff");
    }
}
