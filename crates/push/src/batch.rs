//! Packs serialized records into gzip request bodies by **compressed** size.
//!
//! Records are staged in a buffer and handed to one gzip encoder in chunks of [`STAGE_BYTES`]
//! (one deflate call and one CRC-32 update per chunk rather than per record, which costs a
//! quarter of the CPU of writing record by record); a sync flush now and then gives the exact
//! compressed size so far, and a worst-case deflate bound for the bytes written since the last
//! flush decides whether the next record can still fit. A batch is sealed just before it could
//! exceed the wire limit (default 1 MiB − 8 KiB) or the inflated limit (50 MiB), so requests
//! carry close to the 1 MB the API allows instead of 1 MB of uncompressed JSON.

use std::collections::VecDeque;
use std::io::{Read, Write};

use bytes::Bytes;
use flate2::Compression;
use flate2::write::GzEncoder;
use uuid::Uuid;

/// The service's hard limit on a request body (Content-Length), in bytes.
pub const SERVICE_MAX_BODY: usize = 1_048_576;
/// Bytes appended by gzip after the deflate stream (CRC32 + size).
const GZIP_TRAILER: usize = 8;
/// Raw bytes staged before they are handed to the encoder in one write.
pub const STAGE_BYTES: usize = 64 * 1024;

/// Size limits of one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest compressed body (default 1,048,576 − 8,192).
    pub max_wire_bytes: usize,
    /// Largest inflated JSON array (default 50 MiB).
    pub max_raw_bytes: usize,
    /// Most records per request (default unlimited).
    pub max_records: usize,
    /// gzip level 0–9 (default 1, the quick strategy: about 5× compression of typical
    /// records; level 6 sends ~45% fewer bytes and ~40% fewer requests for several times
    /// the compression CPU).
    pub level: u32,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_wire_bytes: SERVICE_MAX_BODY - 8 * 1024,
            max_raw_bytes: 50 * 1024 * 1024,
            max_records: usize::MAX,
            level: 1,
        }
    }
}

/// Where a record came from: the source's index and the record's ordinal in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RecordRef {
    /// Index of the source in the run.
    pub source: u32,
    /// 0-based position of the record in its source.
    pub ordinal: u64,
}

/// A sealed request body and the records in it.
#[derive(Debug, Clone)]
pub struct Batch {
    /// `x-ms-client-request-id`, stable across the retries of this body.
    pub id: Uuid,
    /// gzip-compressed JSON array.
    pub body: Bytes,
    /// Length of the inflated JSON array.
    pub raw_len: usize,
    /// End offset (exclusive) of each record in the inflated array; record `i` starts one byte
    /// after the previous end (after `[` or `,`).
    pub ends: Vec<usize>,
    /// Identity of each record.
    pub refs: Vec<RecordRef>,
}

impl Batch {
    /// Number of records.
    pub fn len(&self) -> usize {
        self.refs.len()
    }

    /// Whether the batch has no record.
    pub fn is_empty(&self) -> bool {
        self.refs.is_empty()
    }

    /// The inflated JSON array.
    pub fn inflate(&self) -> std::io::Result<Vec<u8>> {
        let mut raw = Vec::with_capacity(self.raw_len);
        flate2::read::GzDecoder::new(&self.body[..]).read_to_end(&mut raw)?;
        Ok(raw)
    }

    /// The serialized records, in order.
    pub fn records(&self) -> std::io::Result<Vec<Vec<u8>>> {
        let raw = self.inflate()?;
        let mut start = 1;
        Ok(self
            .ends
            .iter()
            .map(|&end| {
                let rec = raw[start..end].to_vec();
                start = end + 1;
                rec
            })
            .collect())
    }

    /// Splits into two halves (each with a new request id). Needs at least two records.
    pub fn split(&self, level: u32) -> std::io::Result<(Batch, Batch)> {
        debug_assert!(self.len() >= 2);
        let records = self.records()?;
        let mid = records.len() / 2;
        let left = encode(&records[..mid], &self.refs[..mid], level)?;
        let right = encode(&records[mid..], &self.refs[mid..], level)?;
        Ok((left, right))
    }
}

/// Compresses `records` into one batch, whatever its size.
pub fn encode(records: &[Vec<u8>], refs: &[RecordRef], level: u32) -> std::io::Result<Batch> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::new(level));
    let mut ends = Vec::with_capacity(records.len());
    let mut raw_len = 0;
    for (i, rec) in records.iter().enumerate() {
        enc.write_all(if i == 0 { b"[" } else { b"," })?;
        enc.write_all(rec)?;
        raw_len += 1 + rec.len();
        ends.push(raw_len);
    }
    if records.is_empty() {
        enc.write_all(b"[")?;
        raw_len += 1;
    }
    enc.write_all(b"]")?;
    raw_len += 1;
    Ok(Batch {
        id: Uuid::new_v4(),
        body: Bytes::from(enc.finish()?),
        raw_len,
        ends,
        refs: refs.to_vec(),
    })
}

/// A record that cannot fit in any request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "record too large: {raw} bytes of JSON ({wire} bytes gzip-compressed) exceed the request limit of {limit} bytes"
)]
pub struct TooLarge {
    /// Serialized size.
    pub raw: usize,
    /// Compressed size when sent alone (0 when the inflated limit was the reason).
    pub wire: usize,
    /// The limit that was exceeded.
    pub limit: usize,
}

/// Accumulates records into batches; sealed batches are collected with [`Batcher::take_ready`].
pub struct Batcher {
    limits: Limits,
    enc: Option<GzEncoder<Vec<u8>>>,
    /// Raw bytes of the open batch not yet written to `enc`.
    staged: Vec<u8>,
    raw_len: usize,
    /// Compressed bytes known exactly (after the last sync flush).
    flushed_wire: usize,
    /// Raw bytes written since the last sync flush.
    unflushed_raw: usize,
    ends: Vec<usize>,
    refs: Vec<RecordRef>,
    ready: VecDeque<Batch>,
    flushes: u64,
}

/// Upper bound of the deflate output for `n` input bytes written after a sync flush, including
/// the final flush, block headers and the gzip header (generous: stored blocks cost 5 bytes per
/// 64 KiB).
fn deflate_bound(n: usize) -> usize {
    n + n / 64 + 64
}

impl Batcher {
    /// An empty batcher.
    pub fn new(limits: Limits) -> Batcher {
        Batcher {
            limits,
            enc: None,
            staged: Vec::new(),
            raw_len: 0,
            flushed_wire: 0,
            unflushed_raw: 0,
            ends: Vec::new(),
            refs: Vec::new(),
            ready: VecDeque::new(),
            flushes: 0,
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Records in the open batch.
    pub fn pending(&self) -> usize {
        self.refs.len()
    }

    /// Sync flushes performed so far (a measure of packing overhead).
    pub fn flushes(&self) -> u64 {
        self.flushes
    }

    /// Adds one serialized record (a JSON object). Batches sealed on the way are queued for
    /// [`Batcher::take_ready`]. A record that can never fit is refused, and nothing is queued
    /// for it.
    pub fn push(&mut self, json: &[u8], r: RecordRef) -> Result<(), TooLarge> {
        let n = json.len();
        if n + 2 > self.limits.max_raw_bytes {
            return Err(TooLarge {
                raw: n,
                wire: 0,
                limit: self.limits.max_raw_bytes,
            });
        }
        if !self.refs.is_empty()
            && (self.raw_len + n + 2 > self.limits.max_raw_bytes
                || self.refs.len() >= self.limits.max_records)
        {
            self.seal();
        }
        if !self.fits(n) {
            self.sync_flush();
            if !self.fits(n) && !self.refs.is_empty() {
                self.seal();
            }
            if !self.fits(n) {
                // Even an empty request cannot hold the worst case: compress it alone and see.
                let alone = encode(&[json.to_vec()], &[r], self.limits.level)
                    .expect("writing to memory cannot fail");
                if alone.body.len() > self.limits.max_wire_bytes {
                    return Err(TooLarge {
                        raw: n,
                        wire: alone.body.len(),
                        limit: self.limits.max_wire_bytes,
                    });
                }
                self.ready.push_back(alone);
                return Ok(());
            }
        }
        if self.enc.is_none() {
            self.enc = Some(GzEncoder::new(
                Vec::with_capacity(self.limits.max_wire_bytes.min(SERVICE_MAX_BODY) + 1024),
                Compression::new(self.limits.level),
            ));
            self.staged.reserve(STAGE_BYTES + n + 1);
        }
        self.staged
            .push(if self.refs.is_empty() { b'[' } else { b',' });
        self.staged.extend_from_slice(json);
        if self.staged.len() >= STAGE_BYTES {
            self.write_staged();
        }
        self.raw_len += 1 + n;
        self.unflushed_raw += 1 + n;
        self.ends.push(self.raw_len);
        self.refs.push(r);
        Ok(())
    }

    /// Whether a record of `n` bytes (plus separator and closing bracket) surely fits.
    fn fits(&self, n: usize) -> bool {
        self.flushed_wire + deflate_bound(self.unflushed_raw + n + 2) + GZIP_TRAILER
            <= self.limits.max_wire_bytes
    }

    /// Hands the staged bytes to the encoder.
    fn write_staged(&mut self) {
        if let Some(enc) = &mut self.enc {
            enc.write_all(&self.staged).expect("memory write");
        }
        self.staged.clear();
    }

    fn sync_flush(&mut self) {
        self.write_staged();
        if let Some(enc) = &mut self.enc
            && self.unflushed_raw > 0
        {
            enc.flush().expect("memory write");
            self.flushes += 1;
            self.flushed_wire = enc.get_ref().len();
            self.unflushed_raw = 0;
        }
    }

    /// Seals the open batch (if it has records) and queues it.
    pub fn seal(&mut self) {
        if self.enc.is_none() {
            return;
        }
        self.staged.push(b']');
        self.write_staged();
        let enc = self.enc.take().expect("an open batch has an encoder");
        let body = enc.finish().expect("memory write");
        let batch = Batch {
            id: Uuid::new_v4(),
            body: Bytes::from(body),
            raw_len: self.raw_len + 1,
            ends: std::mem::take(&mut self.ends),
            refs: std::mem::take(&mut self.refs),
        };
        debug_assert!(
            batch.body.len() <= self.limits.max_wire_bytes,
            "bound violated: {} > {}",
            batch.body.len(),
            self.limits.max_wire_bytes
        );
        self.raw_len = 0;
        self.flushed_wire = 0;
        self.unflushed_raw = 0;
        self.ready.push_back(batch);
    }

    /// Takes the next sealed batch.
    pub fn take_ready(&mut self) -> Option<Batch> {
        self.ready.pop_front()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic pseudo-random text (xorshift), to get realistic compression ratios.
    fn record(i: u64, pad: usize) -> Vec<u8> {
        let mut x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut noise = String::with_capacity(pad);
        while noise.len() < pad {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            noise.push(char::from(b'a' + (x % 26) as u8));
        }
        format!(
            r#"{{"TimeGenerated":"2025-01-01T00:00:{:02}Z","Id":{i},"Host":"host-{}","Msg":"{noise}"}}"#,
            i % 60,
            i % 97
        )
        .into_bytes()
    }

    fn drain(b: &mut Batcher) -> Vec<Batch> {
        std::iter::from_fn(|| b.take_ready()).collect()
    }

    #[test]
    fn packs_close_to_the_compressed_limit_and_round_trips() {
        // Level 6: the random padding needs dynamic Huffman codes to compress 2:1.
        let limits = Limits {
            level: 6,
            ..Limits::default()
        };
        let mut b = Batcher::new(limits);
        let mut originals = Vec::new();
        for i in 0..40_000 {
            let rec = record(i, 200);
            b.push(
                &rec,
                RecordRef {
                    source: 0,
                    ordinal: i,
                },
            )
            .unwrap();
            originals.push(rec);
        }
        b.seal();
        let batches = drain(&mut b);
        assert!(batches.len() >= 3, "{} batches", batches.len());
        let mut seen = 0usize;
        for (k, batch) in batches.iter().enumerate() {
            assert!(batch.body.len() <= limits.max_wire_bytes);
            // Every batch but the last is full to within a few records of the limit.
            if k + 1 < batches.len() {
                assert!(
                    batch.body.len() > limits.max_wire_bytes - 4096,
                    "batch {k} only {} bytes",
                    batch.body.len()
                );
                // Far more than 1 MiB of JSON per request: the point of packing by wire size.
                assert!(
                    batch.raw_len > 2 * SERVICE_MAX_BODY,
                    "raw {}",
                    batch.raw_len
                );
            }
            let raw = batch.inflate().unwrap();
            assert_eq!(raw.len(), batch.raw_len);
            let parsed: Vec<serde_json::Value> = serde_json::from_slice(&raw).unwrap();
            assert_eq!(parsed.len(), batch.len());
            for (rec, r) in batch.records().unwrap().iter().zip(&batch.refs) {
                assert_eq!(rec, &originals[r.ordinal as usize]);
                assert_eq!(r.ordinal as usize, seen);
                seen += 1;
            }
        }
        assert_eq!(seen, originals.len());
        let ids: std::collections::BTreeSet<_> = batches.iter().map(|b| b.id).collect();
        assert_eq!(ids.len(), batches.len());
    }

    #[test]
    fn raw_limit_and_record_count_limit_seal_batches() {
        let limits = Limits {
            max_raw_bytes: 10_000,
            max_records: 1_000,
            ..Limits::default()
        };
        let mut b = Batcher::new(limits);
        for i in 0..500 {
            b.push(
                &record(i, 100),
                RecordRef {
                    source: 0,
                    ordinal: i,
                },
            )
            .unwrap();
        }
        b.seal();
        let batches = drain(&mut b);
        assert!(batches.len() > 5);
        assert!(batches.iter().all(|x| x.raw_len <= 10_000));
        assert_eq!(batches.iter().map(Batch::len).sum::<usize>(), 500);

        let mut b = Batcher::new(Limits {
            max_records: 7,
            ..Limits::default()
        });
        for i in 0..20 {
            b.push(
                &record(i, 10),
                RecordRef {
                    source: 1,
                    ordinal: i,
                },
            )
            .unwrap();
        }
        b.seal();
        let sizes: Vec<usize> = drain(&mut b).iter().map(Batch::len).collect();
        assert_eq!(sizes, vec![7, 7, 6]);
    }

    #[test]
    fn oversized_records_are_refused_or_sent_alone() {
        let limits = Limits {
            max_wire_bytes: 4096,
            ..Limits::default()
        };
        let mut b = Batcher::new(limits);
        b.push(
            &record(0, 50),
            RecordRef {
                source: 0,
                ordinal: 0,
            },
        )
        .unwrap();
        // Too random to compress below the wire limit: refused, earlier records are kept.
        let big = record(1, 9000);
        let err = b
            .push(
                &big,
                RecordRef {
                    source: 0,
                    ordinal: 1,
                },
            )
            .unwrap_err();
        assert!(err.wire > 4096 && err.raw == big.len(), "{err:?}");
        // Larger than the worst-case bound but compressible: sent in a batch of its own.
        let compressible = format!(r#"{{"Msg":"{}"}}"#, "x".repeat(20_000)).into_bytes();
        b.push(
            &compressible,
            RecordRef {
                source: 0,
                ordinal: 2,
            },
        )
        .unwrap();
        b.push(
            &record(3, 50),
            RecordRef {
                source: 0,
                ordinal: 3,
            },
        )
        .unwrap();
        b.seal();
        let batches = drain(&mut b);
        let ords: Vec<Vec<u64>> = batches
            .iter()
            .map(|x| x.refs.iter().map(|r| r.ordinal).collect())
            .collect();
        assert_eq!(ords, vec![vec![0], vec![2], vec![3]]);
        assert!(batches.iter().all(|x| x.body.len() <= 4096));
        // The inflated limit applies even to a single record.
        let mut b = Batcher::new(Limits {
            max_raw_bytes: 1000,
            ..Limits::default()
        });
        let err = b
            .push(
                &record(9, 2000),
                RecordRef {
                    source: 0,
                    ordinal: 0,
                },
            )
            .unwrap_err();
        assert_eq!((err.wire, err.limit), (0, 1000));
    }

    #[test]
    fn split_halves_keep_records_and_get_new_ids() {
        let mut b = Batcher::new(Limits::default());
        for i in 0..11 {
            b.push(
                &record(i, 30),
                RecordRef {
                    source: 2,
                    ordinal: i,
                },
            )
            .unwrap();
        }
        b.seal();
        let batch = b.take_ready().unwrap();
        let (l, r) = batch.split(6).unwrap();
        assert_eq!((l.len(), r.len()), (5, 6));
        assert_ne!(l.id, batch.id);
        assert_ne!(l.id, r.id);
        let mut all = l.records().unwrap();
        all.extend(r.records().unwrap());
        assert_eq!(all, batch.records().unwrap());
        assert_eq!(r.refs[0].ordinal, 5);
    }
}
