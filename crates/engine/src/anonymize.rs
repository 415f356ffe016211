//! User anonymization for Cloud Discovery: a user name becomes a keyed pseudonym
//! (HMAC-SHA256), and the real name is kept only sealed (AES-256-GCM) so that an analyst can
//! reveal it on purpose. The key lives in the OS keychain, never in the database.

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng};
use aes_gcm::{Aes256Gcm, Nonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::secrets::Secret;
use crate::{Error, Result};

/// Keychain entry of the anonymization key.
pub const KEY_NAME: &str = "discovery.anonymization-key";

/// What every pseudonym starts with.
pub const PREFIX: &str = "anon-";

const NONCE_LEN: usize = 12;

/// Pseudonymizes and seals user names with one key.
pub struct Anonymizer {
    mac_key: [u8; 32],
    cipher: Aes256Gcm,
}

impl std::fmt::Debug for Anonymizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Anonymizer(..)")
    }
}

fn derive(master: &[u8], label: &[u8]) -> Result<[u8; 32]> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(master)
        .map_err(|e| Error::Keychain(format!("anonymization key: {e}")))?;
    mac.update(label);
    Ok(mac.finalize().into_bytes().into())
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

impl Anonymizer {
    /// A fresh random key, as stored in the keychain.
    pub fn generate_key() -> Secret {
        Secret::new(hex(&Aes256Gcm::generate_key(&mut OsRng)))
    }

    /// The anonymizer of a key made by [`Anonymizer::generate_key`].
    pub fn new(key: &Secret) -> Result<Anonymizer> {
        let master = unhex(key.expose())
            .filter(|k| k.len() == 32)
            .ok_or_else(|| {
                Error::Keychain(format!(
                    "the keychain entry {KEY_NAME} is not a 256-bit hex key"
                ))
            })?;
        let mac_key = derive(&master, b"cloudwarden pseudonym v1")?;
        let seal_key = derive(&master, b"cloudwarden seal v1")?;
        let cipher = Aes256Gcm::new_from_slice(&seal_key)
            .map_err(|e| Error::Keychain(format!("anonymization key: {e}")))?;
        Ok(Anonymizer { mac_key, cipher })
    }

    /// The stable pseudonym of `user` under this key: `anon-` and 16 hex digits.
    pub fn pseudonym(&self, user: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.mac_key)
            .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
        mac.update(user.as_bytes());
        let digest = mac.finalize().into_bytes();
        format!("{PREFIX}{}", hex(digest.get(..8).unwrap_or_default()))
    }

    /// The stable pseudonym of a source address: `anon-ip-` and 16 hex digits (keyed apart
    /// from user names, so a user called `10.0.0.1` and that address differ).
    pub fn ip_pseudonym(&self, ip: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.mac_key)
            .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
        mac.update(b"ip\0");
        mac.update(ip.as_bytes());
        let digest = mac.finalize().into_bytes();
        format!("{PREFIX}ip-{}", hex(digest.get(..8).unwrap_or_default()))
    }

    /// A malformed log line fit to keep as a sample with anonymization on: every address
    /// (IPv4, IPv6, with or without a port), e-mail address, `DOMAIN\user`, value of a
    /// `…user…=` field and name in `users` becomes its pseudonym; the rest of the line —
    /// what shows why it did not parse — stays. Returns the line and the `(pseudonym, real)`
    /// pairs it replaced, to seal.
    pub fn redact_line(&self, line: &str, users: &[&str]) -> (String, Vec<(String, String)>) {
        const SEPARATORS: &[char] = &[
            ' ', '\t', ',', ';', '|', '"', '\'', '[', ']', '(', ')', '<', '>', '{', '}', '=', '&',
            '?', '/',
        ];
        let mut out = String::with_capacity(line.len());
        let mut replaced = Vec::new();
        let mut user_field = false;
        let mut rest = line;
        while !rest.is_empty() {
            let end = rest.find(SEPARATORS).unwrap_or(rest.len());
            let (token, tail) = rest.split_at(end);
            if !token.is_empty() {
                let host_part = token
                    .rsplit_once(':')
                    .filter(|(h, p)| p.chars().all(|c| c.is_ascii_digit()) && !h.is_empty())
                    .map_or(token, |(h, _)| h);
                let ip = token.parse::<std::net::IpAddr>().is_ok()
                    || host_part.parse::<std::net::Ipv4Addr>().is_ok();
                let pseudonym = if ip {
                    Some(
                        self.ip_pseudonym(if token.parse::<std::net::IpAddr>().is_ok() {
                            token
                        } else {
                            host_part
                        }),
                    )
                } else if user_field
                    || users.contains(&token)
                    || (token.contains('@') && token.contains('.'))
                    || (token.contains('\\') && token.len() > 2)
                {
                    Some(self.pseudonym(token))
                } else {
                    None
                };
                match pseudonym {
                    Some(p) => {
                        out.push_str(&p);
                        replaced.push((p, token.to_owned()));
                    }
                    None => out.push_str(token),
                }
            }
            user_field = false;
            if let Some(sep) = tail.chars().next() {
                if sep == '=' {
                    let key = token.to_ascii_lowercase();
                    user_field = key.contains("user") || key.contains("usr") || key == "suid";
                }
                out.push(sep);
                rest = &tail[sep.len_utf8()..];
            } else {
                rest = tail;
            }
        }
        (out, replaced)
    }

    /// `user` encrypted with a random nonce: `nonce || ciphertext`.
    pub fn seal(&self, user: &str) -> Result<Vec<u8>> {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let mut out = nonce.to_vec();
        out.extend(
            self.cipher
                .encrypt(&nonce, user.as_bytes())
                .map_err(|e| Error::Keychain(format!("cannot seal a user name: {e}")))?,
        );
        Ok(out)
    }

    /// The user name sealed by [`Anonymizer::seal`] under the same key.
    pub fn open(&self, sealed: &[u8]) -> Result<String> {
        let fail = || {
            Error::Validation(
                "this pseudonym was sealed with another anonymization key and cannot be revealed"
                    .into(),
            )
        };
        if sealed.len() < NONCE_LEN {
            return Err(fail());
        }
        let (nonce, ct) = sealed.split_at(NONCE_LEN);
        let plain = self
            .cipher
            .decrypt(Nonce::from_slice(nonce), ct)
            .map_err(|_| fail())?;
        String::from_utf8(plain).map_err(|_| fail())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn pseudonyms_are_stable_per_key_and_sealed_names_open() {
        let key = Anonymizer::generate_key();
        let a = Anonymizer::new(&key).unwrap();
        let b = Anonymizer::new(&key).unwrap();
        assert_eq!(a.pseudonym("alice"), b.pseudonym("alice"));
        assert_ne!(a.pseudonym("alice"), a.pseudonym("Alice"));
        assert!(a.pseudonym("alice").starts_with(PREFIX));
        assert_eq!(a.pseudonym("alice").len(), PREFIX.len() + 16);
        let sealed = a.seal("CORP\\alice").unwrap();
        assert_ne!(sealed, a.seal("CORP\\alice").unwrap(), "random nonce");
        assert_eq!(b.open(&sealed).unwrap(), "CORP\\alice");

        let other = Anonymizer::new(&Anonymizer::generate_key()).unwrap();
        assert_ne!(other.pseudonym("alice"), a.pseudonym("alice"));
        assert!(other.open(&sealed).is_err());
        assert!(Anonymizer::new(&Secret::new("zz")).is_err());
    }

    #[test]
    fn malformed_lines_keep_their_shape_and_lose_who_and_where() {
        let a = Anonymizer::new(&Anonymizer::generate_key()).unwrap();
        let line = "1157689312.049 5006 10.105.21.199 TCP_MISS/200 oops CONNECT login.yahoo.com:443 badeyek \
                    DIRECT/175.16.199.115:8080 suser=jdoe mail=j.doe@example.com CORP\\alice [fe80::1]";
        let (text, replaced) = a.redact_line(line, &["badeyek"]);
        for secret in [
            "10.105.21.199",
            "175.16.199.115",
            "badeyek",
            "jdoe",
            "j.doe@example.com",
            "CORP\\alice",
            "fe80::1",
        ] {
            assert!(!text.contains(secret), "{secret} left in {text}");
        }
        // What shows why the line failed stays.
        for kept in [
            "TCP_MISS/200",
            "oops",
            "CONNECT",
            "login.yahoo.com:443",
            "suser=",
            "DIRECT/",
        ] {
            assert!(text.contains(kept), "{kept} lost from {text}");
        }
        assert!(text.contains(&a.ip_pseudonym("10.105.21.199")));
        assert!(text.contains(&a.pseudonym("badeyek")));
        assert!(replaced.contains(&(a.pseudonym("jdoe"), "jdoe".to_owned())));
        assert_ne!(a.ip_pseudonym("10.0.0.1"), a.pseudonym("10.0.0.1"));
    }
}
