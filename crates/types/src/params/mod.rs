//! Chain and subnet parameters, each declared once in a table.
//!
//! [`ChainParams`] are network-wide (changed by governance through [`ParamUpdate`]);
//! [`SubnetHyperparams`] are per subnet (a subset is settable by the subnet owner through
//! [`HyperparamUpdate`]). Each is one `param_table!` invocation (in `chain.rs` and `subnet.rs`)
//! with one row per field: name, type, default, unit, and — if it is settable — the update's
//! tag, variant and bounds. The table generates the struct, its `Default` and encoding, the
//! update enum with its names, text form, parser, bounds check and encoding. Rules between
//! fields are one hand-written function beside each table.
//!
//! # Adding a parameter
//! One row in the table (with the next unused tag if it is settable), plus a line in the
//! rules function if it is bound to another field. Nothing else lists parameters: the CLI
//! parses `NAME=VALUE` with the generated [`ParamUpdate::parse`] /
//! [`HyperparamUpdate::parse`], and the RPC and the explorer show updates with the generated
//! `name()` / `value_text()`.
//!
//! # Encoding
//! A record is its format version ([`ChainParams::FORMAT_VERSION`], a `u8`, now 1) followed
//! by every field in table order; an unknown version, a short record or trailing bytes are
//! decode errors. An update is its tag byte followed by its value; tags never change once
//! used. Until the chain launches, version 1 is the format being defined and a new field
//! joins it; after launch a record that gains a field takes the next version, with a
//! migration of the stored records.

mod chain;
mod subnet;
pub(crate) mod table;
pub(crate) mod value;

pub use chain::{
    ChainParams, MAX_BLOCK_BYTES_LIMIT, MAX_BLOCK_TRANSACTIONS_LIMIT, MAX_JAIL_EPOCHS, MAX_PERIOD,
    MAX_SLASH_FRACTION_PPB, MIN_MISSED_VOTES_JAIL_PPB, PARAM_NAMES, PPB, ParamError, ParamUpdate,
    apply_all,
};
pub use subnet::{
    HYPERPARAM_NAMES, HyperparamError, HyperparamUpdate, MAX_TEMPO, MAX_UIDS_LIMIT, MIN_ALPHA,
    MIN_TEMPO, SubnetHyperparams,
};
pub use value::{FieldInfo, ParamParseError, Unit};

/// Defines `Write`/`EncodeSize`/`Read` for a struct whose fields all read with `Cfg = ()`.
#[macro_export]
macro_rules! plain_codec {
    ($name:ident { $($field:ident : $ty:ty),* $(,)? }) => {
        impl commonware_codec::Write for $name {
            fn write(&self, buf: &mut impl bytes::BufMut) {
                $( commonware_codec::Write::write(&self.$field, buf); )*
            }
        }
        impl commonware_codec::EncodeSize for $name {
            fn encode_size(&self) -> usize {
                0 $( + commonware_codec::EncodeSize::encode_size(&self.$field) )*
            }
        }
        impl commonware_codec::Read for $name {
            type Cfg = ();
            fn read_cfg(
                buf: &mut impl commonware_codec::Buf,
                _: &(),
            ) -> Result<Self, commonware_codec::Error> {
                Ok(Self { $( $field: <$ty as commonware_codec::ReadExt>::read(buf)?, )* })
            }
        }
    };
}

/// Defines `Write`/`EncodeSize`/`Read` for a record stored as a format version (a `u8`,
/// `FORMAT_VERSION` on the type) followed by every field in order (each read with
/// `Cfg = ()`). Decoding refuses any other version; a record that gains, loses or reorders a
/// field takes the next version.
#[macro_export]
macro_rules! versioned_codec {
    ($name:ident, version $version:literal { $($field:ident : $ty:ty),* $(,)? }) => {
        impl $name {
            /// The version byte that starts the encoding; decoding refuses any other.
            pub const FORMAT_VERSION: u8 = $version;
        }
        impl commonware_codec::Write for $name {
            fn write(&self, buf: &mut impl bytes::BufMut) {
                commonware_codec::Write::write(&Self::FORMAT_VERSION, buf);
                $( commonware_codec::Write::write(&self.$field, buf); )*
            }
        }
        impl commonware_codec::EncodeSize for $name {
            fn encode_size(&self) -> usize {
                1 $( + commonware_codec::EncodeSize::encode_size(&self.$field) )*
            }
        }
        impl commonware_codec::Read for $name {
            type Cfg = ();
            fn read_cfg(
                buf: &mut impl commonware_codec::Buf,
                _: &(),
            ) -> Result<Self, commonware_codec::Error> {
                let version = <u8 as commonware_codec::ReadExt>::read(buf)?;
                if version != Self::FORMAT_VERSION {
                    return Err(commonware_codec::Error::Invalid(
                        stringify!($name),
                        "unknown format version",
                    ));
                }
                Ok(Self { $( $field: <$ty as commonware_codec::ReadExt>::read(buf)?, )* })
            }
        }
    };
}

#[cfg(test)]
mod tests;
