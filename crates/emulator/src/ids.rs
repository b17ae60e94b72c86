//! Random identifiers shaped like Azure's: GUIDs, DCR immutable ids, client secrets,
//! opaque access tokens.

use uuid::Uuid;

/// A random GUID in the usual lowercase hyphenated form.
pub fn guid() -> String {
    Uuid::new_v4().hyphenated().to_string()
}

/// `dcr-` followed by 32 lowercase hex digits.
pub fn dcr_id() -> String {
    format!("dcr-{}", Uuid::new_v4().simple())
}

/// A 40-character secret in Entra's current shape (`xxx8Q~` + 34 characters).
pub fn client_secret() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~";
    let bytes: Vec<u8> = (0..3).flat_map(|_| *Uuid::new_v4().as_bytes()).collect();
    let pick = |b: u8| ALPHABET[usize::from(b) % ALPHABET.len()] as char;
    let mut secret: String = bytes[..3].iter().map(|&b| pick(b)).collect();
    secret.push_str("8Q~");
    secret.extend(bytes[3..37].iter().map(|&b| pick(b)));
    secret
}

/// An opaque access token: 256 random bits, hex encoded.
pub fn access_token() -> String {
    format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_match_azure() {
        let dcr = dcr_id();
        assert_eq!(dcr.len(), 36);
        assert!(dcr.starts_with("dcr-"));
        assert!(dcr[4..].chars().all(|c| c.is_ascii_hexdigit()));
        let secret = client_secret();
        assert_eq!(secret.len(), 40);
        assert_eq!(&secret[3..6], "8Q~");
        assert_eq!(guid().len(), 36);
        assert_ne!(access_token(), access_token());
    }
}
