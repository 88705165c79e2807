//! Reading automerge change bytes into changes without loading them into a document.
//!
//! Why not `load_incremental` on a scratch copy: that clones the whole partition for every
//! push (the relay's memory grew with the history, not with the push), and automerge
//! silently drops a damaged trailing chunk there. Splitting the bytes into chunks ourselves
//! costs only what was sent, and any damage is an error.
//!
//! The framing read here is automerge's binary chunk header (magic bytes, a 4-byte
//! checksum, a chunk type, a LEB128 length); automerge itself parses and verifies each
//! chunk's contents and checksum.

use automerge::{Automerge, Change};

use super::LogError;

const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
const DOCUMENT: u8 = 0;
const CHANGE: u8 = 1;
const COMPRESSED_CHANGE: u8 = 2;

/// The changes in `bytes`: concatenated change chunks (what `save_after` writes) and/or
/// whole documents (what `save` writes), in the order given.
pub(crate) fn decode_changes(bytes: &[u8]) -> Result<Vec<Change>, LogError> {
    let mut out = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let (chunk, after) = split_chunk(rest)?;
        match chunk[8] {
            CHANGE | COMPRESSED_CHANGE => {
                let change = Change::try_from(chunk)
                    .map_err(|e| LogError::Corrupt(format!("a change does not parse: {e}")))?;
                // The header's checksum is the first four bytes of the change's hash: a
                // flipped bit elsewhere would otherwise read as a different, valid change.
                if change.hash().0[..4] != chunk[4..8] {
                    return Err(LogError::Corrupt("a change fails its checksum".into()));
                }
                out.push(change);
            }
            DOCUMENT => {
                let mut doc = Automerge::load(chunk)
                    .map_err(|e| LogError::Corrupt(format!("a document does not load: {e}")))?;
                out.extend(doc_changes(&mut doc));
            }
            other => return Err(LogError::Corrupt(format!("unexpected chunk type {other}"))),
        }
        rest = after;
    }
    Ok(out)
}

fn doc_changes(doc: &mut Automerge) -> Vec<Change> {
    doc.get_changes(&[])
}

/// One chunk (header included) and what follows it.
fn split_chunk(bytes: &[u8]) -> Result<(&[u8], &[u8]), LogError> {
    let bad = |what: &str| LogError::Corrupt(format!("not an automerge chunk: {what}"));
    if bytes.len() < 10 || bytes[..4] != MAGIC {
        return Err(bad("no magic bytes"));
    }
    // LEB128 length after magic (4), checksum (4) and type (1).
    let mut len: u64 = 0;
    let mut shift = 0u32;
    let mut i = 9;
    loop {
        let byte = *bytes.get(i).ok_or_else(|| bad("truncated length"))?;
        if shift > 56 {
            return Err(bad("length too long"));
        }
        len |= u64::from(byte & 0x7f) << shift;
        i += 1;
        if byte & 0x80 == 0 {
            break;
        }
        shift += 7;
    }
    let end = usize::try_from(len)
        .ok()
        .and_then(|len| i.checked_add(len))
        .filter(|end| *end <= bytes.len())
        .ok_or_else(|| bad("truncated chunk"))?;
    Ok(bytes.split_at(end))
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ROOT};

    fn doc_with(n: usize) -> AutoCommit {
        let mut doc = AutoCommit::new();
        for i in 0..n {
            doc.put(ROOT, format!("k{i}"), i as i64).unwrap();
            doc.commit();
        }
        doc
    }

    #[test]
    fn reads_change_chunks_and_documents() {
        let mut doc = doc_with(3);
        let all = doc.save_after(&[]);
        assert_eq!(decode_changes(&all).unwrap().len(), 3);
        let whole = doc.save();
        assert_eq!(decode_changes(&whole).unwrap().len(), 3);
        let mut both = whole.clone();
        both.extend_from_slice(&all);
        assert_eq!(decode_changes(&both).unwrap().len(), 6);
        assert!(decode_changes(&[]).unwrap().is_empty());
    }

    #[test]
    fn any_damage_is_an_error() {
        let mut doc = doc_with(2);
        let bytes = doc.save_after(&[]);
        let first = doc.get_changes(&[])[0].raw_bytes().len();
        for cut in (1..bytes.len()).filter(|c| *c != first) {
            assert!(decode_changes(&bytes[..cut]).is_err(), "truncated at {cut}");
        }
        let mut flipped = bytes.clone();
        let mid = bytes.len() / 2;
        flipped[mid] ^= 0xff;
        assert!(decode_changes(&flipped).is_err());
        assert!(decode_changes(b"hello world, not automerge").is_err());
        let mut huge = bytes[..9].to_vec();
        huge.extend([0xff; 12]);
        assert!(decode_changes(&huge).is_err());
    }
}
