//! The block as commonware's marshal and simplex see it.
//!
//! # Rules
//! - [`ConsensusBlock`] wraps a [`taonet_types::Block`] and adds nothing to its bytes: the
//!   wire and archive encoding is exactly the block's codec, and the consensus digest is
//!   exactly [`Block::hash`] (SHA-256 of the header), so the chain has one block identity.
//! - The hash is computed once, when the wrapper is built or decoded.
//! - Decoding is bounded twice: by the block's own [`BlockLimits`] and by
//!   [`BlockCodec::max_bytes`], the most bytes one encoded block may take (this is also what
//!   [`BoundedBlock::max_encode_size`] reports, so marshal sizes its messages from it).

use std::sync::Arc;

use bytes::BufMut;
use commonware_codec::{Buf, EncodeSize, Error as CodecError, Read, Write};
use commonware_consensus::types::Height;
use commonware_consensus::{Block as CwBlock, BoundedBlock, Heightable};
use commonware_cryptography::{Digestible, sha256};
use taonet_types::{Block, BlockLimits, Hash};

/// The consensus digest of a block hash (the same 32 bytes).
pub fn digest_of(hash: &Hash) -> sha256::Digest {
    sha256::Digest(hash.0)
}

/// The block hash of a consensus digest (the same 32 bytes).
pub fn hash_of(digest: &sha256::Digest) -> Hash {
    Hash(digest.0)
}

/// Decoding limits of a consensus block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockCodec {
    /// Limits of the inner block.
    pub limits: BlockLimits,
    /// Most bytes one encoded block may take.
    pub max_bytes: usize,
}

impl Default for BlockCodec {
    fn default() -> Self {
        BlockCodec {
            limits: BlockLimits::default(),
            max_bytes: 8 * 1024 * 1024,
        }
    }
}

/// A [`taonet_types::Block`] with its hash, as ordered by consensus.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsensusBlock {
    block: Arc<Block>,
    hash: Hash,
}

impl ConsensusBlock {
    /// Wraps a block (computes its hash).
    pub fn new(block: Block) -> Self {
        let hash = block.hash();
        ConsensusBlock {
            block: Arc::new(block),
            hash,
        }
    }

    /// The runtime block this consensus block wraps.
    pub fn block(&self) -> &Block {
        &self.block
    }

    /// The block hash (= the consensus digest).
    pub fn hash(&self) -> Hash {
        self.hash
    }
}

impl Write for ConsensusBlock {
    fn write(&self, buf: &mut impl BufMut) {
        self.block.write(buf);
    }
}

impl EncodeSize for ConsensusBlock {
    fn encode_size(&self) -> usize {
        self.block.encode_size()
    }
}

impl Read for ConsensusBlock {
    type Cfg = BlockCodec;
    fn read_cfg(buf: &mut impl Buf, cfg: &BlockCodec) -> Result<Self, CodecError> {
        let before = buf.remaining();
        let block = Block::read_cfg(buf, &cfg.limits)?;
        if before - buf.remaining() > cfg.max_bytes {
            return Err(CodecError::Invalid(
                "ConsensusBlock",
                "block exceeds max_bytes",
            ));
        }
        Ok(ConsensusBlock::new(block))
    }
}

impl Digestible for ConsensusBlock {
    type Digest = sha256::Digest;
    fn digest(&self) -> sha256::Digest {
        digest_of(&self.hash)
    }
}

impl Heightable for ConsensusBlock {
    fn height(&self) -> Height {
        Height::new(self.block.height)
    }
}

impl CwBlock for ConsensusBlock {
    fn parent(&self) -> sha256::Digest {
        digest_of(&self.block.parent)
    }
}

impl BoundedBlock for ConsensusBlock {
    fn max_encode_size(cfg: &BlockCodec) -> usize {
        cfg.max_bytes
    }
}
