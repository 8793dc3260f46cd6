//! The vault's cryptography, all of it from maintained libraries: Argon2id (the `argon2` crate)
//! turns the passphrase into a key-encryption key; ring's AES-256-GCM wraps the data key and seals
//! every sensitive value; ring's HKDF derives purpose-specific subkeys from the data key; ring's
//! HMAC computes the blind index that lets the vault find a row without storing its name.
//!
//! Every sealed value carries associated data naming its [`Place`] (table, row, column), so a
//! ciphertext copied or swapped into another place fails to open instead of reading as the wrong
//! value.

use std::fmt;

use argon2::{Algorithm, Argon2, Params, Version};
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use ring::{hkdf, hmac};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// Length of the data key and of every derived symmetric key, in bytes.
pub const KEY_LEN: usize = 32;
/// Length of the Argon2id salt, in bytes.
pub const SALT_LEN: usize = 16;
/// The first byte of every sealed value: the layout version of `version || nonce || ciphertext`.
const SEALED_VERSION: u8 = 1;

/// Argon2id cost parameters. They are stored in the vault header and authenticated as associated
/// data of the wrapped data key, so editing them breaks the unwrap; parameters below
/// [`KdfParams::FLOOR`] are refused before any work is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    /// Memory cost in KiB.
    pub m_cost_kib: u32,
    /// Number of passes.
    pub t_cost: u32,
    /// Degree of parallelism (lanes).
    pub p_cost: u32,
}

impl KdfParams {
    /// The weakest parameters Butler accepts: 64 MiB and 3 passes.
    pub const FLOOR: Self = Self { m_cost_kib: 64 * 1024, t_cost: 3, p_cost: 1 };

    /// The parameters new vaults get: about half a second to a second on a current laptop core
    /// (measured in BENCHMARKS.md). That cost is the defence against offline guessing.
    pub const DEFAULT: Self = Self { m_cost_kib: 256 * 1024, t_cost: 3, p_cost: 1 };

    /// Refuses parameters below the floor, or too large to be honest (a header edited to make
    /// unlocking exhaust memory is refused too).
    pub fn check(self) -> Result<Self, CryptoError> {
        let floor = Self::FLOOR;
        if self.m_cost_kib < floor.m_cost_kib || self.t_cost < floor.t_cost || self.p_cost < 1 {
            return Err(CryptoError::KdfBelowFloor(self));
        }
        if self.m_cost_kib > 4 * 1024 * 1024 || self.t_cost > 64 || self.p_cost > 16 {
            return Err(CryptoError::KdfTooCostly(self));
        }
        Ok(self)
    }
}

impl fmt::Display for KdfParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Argon2id, {} MiB, {} passes, {} lane(s)", self.m_cost_kib / 1024, self.t_cost, self.p_cost)
    }
}

/// What can go wrong in the cryptographic layer. Messages never contain key material.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("key-derivation parameters ({0}) are below the floor of 64 MiB and 3 passes")]
    KdfBelowFloor(KdfParams),
    #[error("key-derivation parameters ({0}) are beyond any that Butler writes")]
    KdfTooCostly(KdfParams),
    #[error("the key-derivation function failed: {0}")]
    Kdf(String),
    #[error("the system random number generator failed")]
    Random,
    #[error("the sealed value at {0} failed authentication (it was altered or moved)")]
    Tampered(Place),
    #[error("the data key could not be unwrapped")]
    Unwrap,
}

/// Where a sealed value lives: table, row and column. Its encoding is the associated data of the
/// AEAD, so a value only opens in the place it was sealed for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub table: &'static str,
    pub row: String,
    pub column: &'static str,
}

impl Place {
    pub fn new(table: &'static str, row: impl Into<String>, column: &'static str) -> Self {
        Self { table, row: row.into(), column }
    }

    /// Length-prefixed encoding, so that no two distinct places share associated data.
    fn associated_data(&self) -> Vec<u8> {
        let mut aad = b"butler.seal.v1".to_vec();
        for part in [self.table.as_bytes(), self.row.as_bytes(), self.column.as_bytes()] {
            aad.extend_from_slice(&(part.len() as u32).to_be_bytes());
            aad.extend_from_slice(part);
        }
        aad
    }
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.table, self.row, self.column)
    }
}

/// Fills a buffer from the operating system's secure random generator.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], CryptoError> {
    let mut out = [0u8; N];
    SystemRandom::new().fill(&mut out).map_err(|_| CryptoError::Random)?;
    Ok(out)
}

/// A 256-bit secret key, zeroized on drop and never printed.
pub struct SecretKey(Zeroizing<[u8; KEY_LEN]>);

impl SecretKey {
    pub fn generate() -> Result<Self, CryptoError> {
        Ok(Self(Zeroizing::new(random_bytes::<KEY_LEN>()?)))
    }

    fn expose(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    /// A second copy, for a second connection to the same vault (zeroized on drop like the first).
    pub(crate) fn duplicate(&self) -> Self {
        Self(Zeroizing::new(*self.0))
    }

    /// Seals `plaintext` under this key with `aad` as associated data.
    pub fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        seal_with(&aead_key(self.expose()), aad, plaintext)
    }

    /// Opens what [`SecretKey::seal`] sealed with the same associated data; `None` if the bytes,
    /// the key or the associated data differ.
    pub fn open(&self, aad: &[u8], sealed: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        open_with(&aead_key(self.expose()), aad, sealed)
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

/// Runs Argon2id over the passphrase. This is the slow step of unlocking, by design.
pub fn derive_kek(
    passphrase: &SecretString,
    salt: &[u8],
    params: KdfParams,
) -> Result<SecretKey, CryptoError> {
    let params = params.check()?;
    let argon_params = Params::new(params.m_cost_kib, params.t_cost, params.p_cost, Some(KEY_LEN))
        .map_err(|e| CryptoError::Kdf(e.to_string()))?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, argon_params);
    let mut out = Zeroizing::new([0u8; KEY_LEN]);
    argon
        .hash_password_into(passphrase.expose_secret().as_bytes(), salt, out.as_mut())
        .map_err(|e| CryptoError::Kdf(e.to_string()))?;
    Ok(SecretKey(out))
}

fn aead_key(key: &[u8; KEY_LEN]) -> LessSafeKey {
    // AES-256-GCM accepts any 32-byte key, so this cannot fail.
    LessSafeKey::new(UnboundKey::new(&AES_256_GCM, key).expect("a 32-byte AES-256 key"))
}

fn seal_with(key: &LessSafeKey, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
    seal_with_nonce(key, random_bytes::<NONCE_LEN>()?, aad, plaintext)
}

/// Seals under a nonce drawn for this one value (never reused: callers draw it fresh from the
/// operating system's generator just before).
fn seal_with_nonce(
    key: &LessSafeKey,
    nonce_bytes: [u8; NONCE_LEN],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    const HEADER: usize = 1 + NONCE_LEN;
    let mut buf = Vec::with_capacity(HEADER + plaintext.len() + AES_256_GCM.tag_len());
    buf.push(SEALED_VERSION);
    buf.extend_from_slice(&nonce_bytes);
    buf.extend_from_slice(plaintext);
    let tag = key
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(nonce_bytes),
            Aad::from(aad),
            &mut buf[HEADER..],
        )
        .map_err(|_| CryptoError::Random)?;
    buf.extend_from_slice(tag.as_ref());
    Ok(buf)
}

fn open_with(key: &LessSafeKey, aad: &[u8], sealed: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    let (&version, rest) = sealed.split_first()?;
    if version != SEALED_VERSION || rest.len() < NONCE_LEN + AES_256_GCM.tag_len() {
        return None;
    }
    let (nonce, body) = rest.split_at(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
    let mut buf = Zeroizing::new(body.to_vec());
    let len = key.open_in_place(nonce, Aad::from(aad), buf.as_mut_slice()).ok()?.len();
    buf.truncate(len);
    Some(buf)
}

/// Wraps the data key under the key-encryption key; `header` (the vault's identity and KDF
/// parameters) is the associated data, which is how those parameters are authenticated.
pub fn wrap_key(kek: &SecretKey, data_key: &SecretKey, header: &[u8]) -> Result<Vec<u8>, CryptoError> {
    kek.seal(header, data_key.expose())
}

/// Unwraps the data key. Fails alike for a wrong passphrase and for an edited header.
pub fn unwrap_key(kek: &SecretKey, wrapped: &[u8], header: &[u8]) -> Result<SecretKey, CryptoError> {
    let plain = kek.open(header, wrapped).ok_or(CryptoError::Unwrap)?;
    let bytes: [u8; KEY_LEN] = plain.as_slice().try_into().map_err(|_| CryptoError::Unwrap)?;
    Ok(SecretKey(Zeroizing::new(bytes)))
}

/// A fixed-width slot name for a row: a keyed hash of what the row is about.
pub type Slot = [u8; 32];

/// The working keys of an unlocked vault, derived from its data key with HKDF-SHA256.
pub struct VaultKeys {
    seal: LessSafeKey,
    blind: hmac::Key,
    manifest: hmac::Key,
    chain: hmac::Key,
}

impl fmt::Debug for VaultKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("VaultKeys(<redacted>)")
    }
}

impl VaultKeys {
    /// Derives the subkeys. `vault_id` salts the derivation, so two vaults never share subkeys
    /// even if they were to share a data key.
    pub fn derive(data_key: &SecretKey, vault_id: &[u8]) -> Self {
        let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, vault_id).extract(data_key.expose());
        let mut seal = Zeroizing::new([0u8; KEY_LEN]);
        prk.expand(&[b"butler seal v1"], &AES_256_GCM)
            .and_then(|okm| okm.fill(seal.as_mut()))
            .expect("HKDF output of one block");
        let blind: hmac::Key = prk
            .expand(&[b"butler blind index v1"], hmac::HMAC_SHA256)
            .expect("HKDF output of one block")
            .into();
        let manifest: hmac::Key =
            prk.expand(&[b"butler manifest v1"], hmac::HMAC_SHA256).expect("HKDF output of one block").into();
        let chain: hmac::Key = prk
            .expand(&[b"butler log chain v1"], hmac::HMAC_SHA256)
            .expect("HKDF output of one block")
            .into();
        Self { seal: aead_key(&seal), blind, manifest, chain }
    }

    /// The access log's chain link for an entry: a keyed hash over the previous link, the
    /// entry's sequence number and its sealed bytes. Editing, removing, reordering or inserting
    /// an entry breaks the chain at that position.
    pub fn chain_link(&self, previous: &[u8], seq: i64, sealed: &[u8]) -> [u8; 32] {
        let mut ctx = hmac::Context::with_key(&self.chain);
        ctx.update(previous);
        ctx.update(&seq.to_be_bytes());
        ctx.update(sealed);
        ctx.sign().as_ref().try_into().expect("HMAC-SHA256 is 32 bytes")
    }

    /// Checks a stored chain link in constant time.
    pub fn chain_link_matches(&self, previous: &[u8], seq: i64, sealed: &[u8], link: &[u8]) -> bool {
        let mut data = Vec::with_capacity(previous.len() + 8 + sealed.len());
        data.extend_from_slice(previous);
        data.extend_from_slice(&seq.to_be_bytes());
        data.extend_from_slice(sealed);
        hmac::verify(&self.chain, &data, link).is_ok()
    }

    /// The keyed hash that vouches for a set of rows as a whole (see `profile::manifest`).
    pub fn manifest_tag(&self, rows: &[u8]) -> Vec<u8> {
        hmac::sign(&self.manifest, rows).as_ref().to_vec()
    }

    /// Checks a manifest tag in constant time.
    pub fn manifest_matches(&self, rows: &[u8], tag: &[u8]) -> bool {
        hmac::verify(&self.manifest, rows, tag).is_ok()
    }

    /// Seals a value for its place.
    pub fn seal(&self, place: &Place, plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        seal_with(&self.seal, &place.associated_data(), plaintext)
    }

    /// Seals several values, each for its place, with their nonces drawn from the operating
    /// system in one call rather than one call each (the access log seals a whole group commit).
    pub fn seal_each(&self, values: &[(Place, &[u8])]) -> Result<Vec<Vec<u8>>, CryptoError> {
        let mut nonces = vec![0u8; values.len() * NONCE_LEN];
        SystemRandom::new().fill(&mut nonces).map_err(|_| CryptoError::Random)?;
        values
            .iter()
            .zip(nonces.chunks_exact(NONCE_LEN))
            .map(|((place, plaintext), nonce)| {
                let nonce: [u8; NONCE_LEN] = nonce.try_into().expect("chunks of the nonce length");
                seal_with_nonce(&self.seal, nonce, &place.associated_data(), plaintext)
            })
            .collect()
    }

    /// Opens a value sealed for this place; any change to the bytes, or a value sealed for
    /// another place, is reported as tampering.
    pub fn open(&self, place: &Place, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        open_with(&self.seal, &place.associated_data(), sealed)
            .ok_or_else(|| CryptoError::Tampered(place.clone()))
    }

    /// The blind index of a name: the row key that finds it without revealing it.
    pub fn slot(&self, domain: &str, name: &str) -> Slot {
        let mut ctx = hmac::Context::with_key(&self.blind);
        ctx.update(&(domain.len() as u32).to_be_bytes());
        ctx.update(domain.as_bytes());
        ctx.update(name.as_bytes());
        ctx.sign().as_ref().try_into().expect("HMAC-SHA256 is 32 bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn keys() -> VaultKeys {
        VaultKeys::derive(&SecretKey::generate().unwrap(), b"test vault")
    }

    fn place_strategy() -> impl Strategy<Value = Place> {
        (
            prop::sample::select(vec!["profile_field", "interest", "log"]),
            "[a-z0-9]{0,12}",
            prop::sample::select(vec!["value", "record"]),
        )
            .prop_map(|(t, r, c)| Place::new(t, r, c))
    }

    proptest! {
        #[test]
        fn seal_then_open_round_trips(place in place_strategy(), data in prop::collection::vec(any::<u8>(), 0..512)) {
            let k = keys();
            let sealed = k.seal(&place, &data).unwrap();
            let opened = k.open(&place, &sealed).unwrap();
            prop_assert_eq!(opened.as_slice(), data.as_slice());
        }

        #[test]
        fn wrong_place_never_opens(a in place_strategy(), b in place_strategy(), data in prop::collection::vec(any::<u8>(), 0..64)) {
            prop_assume!(a != b);
            let k = keys();
            let sealed = k.seal(&a, &data).unwrap();
            prop_assert!(matches!(k.open(&b, &sealed), Err(CryptoError::Tampered(p)) if p == b));
        }

        #[test]
        fn any_flipped_bit_fails(place in place_strategy(), data in prop::collection::vec(any::<u8>(), 1..64), pos in any::<prop::sample::Index>(), bit in 0u8..8) {
            let k = keys();
            let mut sealed = k.seal(&place, &data).unwrap();
            let i = pos.index(sealed.len());
            sealed[i] ^= 1 << bit;
            prop_assert!(k.open(&place, &sealed).is_err());
        }

        #[test]
        fn values_sealed_together_open_each_at_its_own_place_only(
            values in prop::collection::vec((place_strategy(), prop::collection::vec(any::<u8>(), 0..128)), 1..24)
        ) {
            let k = keys();
            let pairs: Vec<(Place, &[u8])> = values.iter().map(|(p, d)| (p.clone(), d.as_slice())).collect();
            let sealed = k.seal_each(&pairs).unwrap();
            prop_assert_eq!(sealed.len(), values.len());
            for (i, ((place, data), bytes)) in values.iter().zip(&sealed).enumerate() {
                let opened = k.open(place, bytes).unwrap();
                prop_assert_eq!(opened.as_slice(), data.as_slice());
                // Each value has its own nonce (bytes 1..13), never its neighbour's.
                for other in &sealed[i + 1..] {
                    prop_assert_ne!(&bytes[1..=NONCE_LEN], &other[1..=NONCE_LEN]);
                }
                for (other_place, _) in &values {
                    if other_place != place {
                        prop_assert!(k.open(other_place, bytes).is_err());
                    }
                }
            }
        }

        #[test]
        fn another_vaults_key_never_opens(place in place_strategy(), data in prop::collection::vec(any::<u8>(), 0..64)) {
            let sealed = keys().seal(&place, &data).unwrap();
            prop_assert!(keys().open(&place, &sealed).is_err());
        }
    }

    #[test]
    fn places_with_shifted_separators_differ() {
        // Without length prefixes "ab"+"c" and "a"+"bc" would collide.
        let a = Place::new("t", "ab", "c");
        let b = Place::new("t", "a", "bc");
        assert_ne!(a.associated_data(), b.associated_data());
    }

    #[test]
    fn floor_is_enforced() {
        let weak = KdfParams { m_cost_kib: 8 * 1024, t_cost: 3, p_cost: 1 };
        assert!(matches!(weak.check(), Err(CryptoError::KdfBelowFloor(_))));
        let few_passes = KdfParams { t_cost: 2, ..KdfParams::FLOOR };
        assert!(few_passes.check().is_err());
        assert!(KdfParams::FLOOR.check().is_ok());
        assert!(KdfParams::DEFAULT.check().is_ok());
        let pw = SecretString::from("correct horse");
        assert!(matches!(derive_kek(&pw, &[0; 16], weak), Err(CryptoError::KdfBelowFloor(_))));
    }

    #[test]
    fn wrapped_key_is_bound_to_header() {
        let pw = SecretString::from("correct horse battery");
        let kek = derive_kek(&pw, &[7; 16], KdfParams::FLOOR).unwrap();
        let dk = SecretKey::generate().unwrap();
        let wrapped = wrap_key(&kek, &dk, b"header one").unwrap();
        assert_eq!(unwrap_key(&kek, &wrapped, b"header one").unwrap().expose(), dk.expose());
        assert!(unwrap_key(&kek, &wrapped, b"header two").is_err());
        let other = derive_kek(&SecretString::from("wrong"), &[7; 16], KdfParams::FLOOR).unwrap();
        assert!(unwrap_key(&other, &wrapped, b"header one").is_err());
    }

    #[test]
    fn debug_output_redacts_keys() {
        let k = SecretKey::generate().unwrap();
        let shown = format!("{k:?} {:?}", keys());
        assert!(shown.contains("redacted"));
        assert!(!shown.contains(&hex::encode(k.expose())));
    }
}
