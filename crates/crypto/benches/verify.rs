//! sr25519 verification cost: one signature at a time (`verify`) against batches of 8, 64
//! and 256 (`verify_batch`, one multi-scalar multiplication), all with the decoded public
//! keys in the process's key cache (the steady state of a node: its pool's signers verify
//! again and again), and a single verification of a key seen for the first time.
#![allow(missing_docs, clippy::unwrap_used)]

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use taonet_crypto::{Keypair, Signature, SignedMessage, verify, verify_batch};
use taonet_types::AccountId;

struct Signed {
    account: AccountId,
    message: Vec<u8>,
    signature: Signature,
}

fn signed(n: usize, salt: u8) -> Vec<Signed> {
    (0..n)
        .map(|i| {
            let mut seed = [salt; 32];
            seed[..8].copy_from_slice(&(i as u64).to_le_bytes());
            let key = Keypair::from_seed(&seed);
            let message = format!("transfer {i} of a benchmark").into_bytes();
            Signed {
                account: key.account_id(),
                signature: key.sign(&message),
                message,
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("sr25519");
    let one = signed(64, 1);
    g.throughput(Throughput::Elements(1));
    g.bench_function("verify/cached_key", |b| {
        let mut i = 0;
        b.iter(|| {
            let s = &one[i % one.len()];
            i += 1;
            assert!(verify(&s.account, &s.message, &s.signature));
        })
    });
    let mut salt = 2u8;
    g.bench_function("verify/new_key", |b| {
        b.iter_batched(
            || {
                salt = salt.wrapping_add(1).max(2);
                signed(1, salt).pop().unwrap()
            },
            |s| assert!(verify(&s.account, &s.message, &s.signature)),
            BatchSize::SmallInput,
        )
    });
    for n in [8usize, 64, 256] {
        let items = signed(n, 200);
        let batch: Vec<SignedMessage<'_>> = items
            .iter()
            .map(|s| SignedMessage {
                account: &s.account,
                message: &s.message,
                signature: &s.signature,
            })
            .collect();
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::new("verify_batch", n), &batch, |b, batch| {
            b.iter(|| assert!(verify_batch(batch).iter().all(|ok| *ok)))
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
