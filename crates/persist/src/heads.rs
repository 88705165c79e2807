//! The heads codec: a partition's heads stored as one blob of 32-byte change hashes.

use automerge::ChangeHash;

use crate::PersistError;

/// Heads as one blob of 32-byte hashes, in the order given.
pub fn to_blob(heads: &[ChangeHash]) -> Vec<u8> {
    heads.iter().flat_map(|h| h.0).collect()
}

/// Heads from a blob written by [`to_blob`].
pub fn from_blob(blob: &[u8]) -> Result<Vec<ChangeHash>, PersistError> {
    if blob.len() % 32 != 0 {
        return Err(PersistError::BadHeads);
    }
    Ok(blob
        .chunks_exact(32)
        .map(|c| ChangeHash(c.try_into().expect("chunks_exact(32)")))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_round_trip_and_damage_is_refused() {
        let heads = vec![ChangeHash([1; 32]), ChangeHash([2; 32])];
        assert_eq!(from_blob(&to_blob(&heads)).unwrap(), heads);
        assert!(from_blob(&[]).unwrap().is_empty());
        assert!(matches!(from_blob(&[0; 33]), Err(PersistError::BadHeads)));
    }
}
