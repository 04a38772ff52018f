//! Standard base64 (with padding), the encoding Go's `encoding/json` gives a `[]byte`.

use serde::{Deserialize, Deserializer, Serializer};

// One base64 codec in the core: the API's (files given as bytes travel in it too).
use crate::api::project::{decode_base64, encode_base64};

pub fn encode(bytes: &[u8]) -> String {
    encode_base64(bytes)
}

pub fn decode(text: &str) -> Option<Vec<u8>> {
    decode_base64(text).ok()
}

pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&encode(bytes))
}

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
    let text = Option::<String>::deserialize(d)?.unwrap_or_default();
    decode(&text).ok_or_else(|| serde::de::Error::custom("invalid base64"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_like_go() {
        assert_eq!(encode(b""), "");
        assert_eq!(encode(b"f"), "Zg==");
        assert_eq!(encode(b"fo"), "Zm8=");
        assert_eq!(encode(b"foo"), "Zm9v");
        assert_eq!(encode(b"hello\n"), "aGVsbG8K");
        for s in ["", "f", "fo", "foo", "foob", "hello\n"] {
            assert_eq!(decode(&encode(s.as_bytes())).as_deref(), Some(s.as_bytes()));
        }
        assert_eq!(decode("a*"), None);
    }
}
