//! `param_table!`: a parameter record declared once, as a table with one row per field.
//!
//! One invocation names the record (a struct), its update enum, the update's error, the
//! list of settable names and the hand-written function of rules between fields, then lists
//! the fields. It generates:
//!
//! - the struct, with each row's documentation, and its `Default` (each row's default);
//! - `FORMAT_VERSION` and the record's encoding: the version byte, then every field in table
//!   order; decoding refuses any other version (and, through `Decode`, trailing bytes);
//! - `FIELDS`: each field's name, [`Unit`](super::Unit), documentation and whether it is
//!   settable;
//! - the update enum: one variant per settable row, plus the composite updates listed after
//!   the fields (one variant setting several fields at once);
//! - the list of settable names, `name()`, `value_text()`, the text parser `parse(name,
//!   value)`, `apply()` (the row's bounds, then the rules between fields, on a copy: all or
//!   nothing) and the update's tagged encoding (tag byte, then the value).
//!
//! # Rows
//!
//! ```text
//! /// Doc.
//! field: Type = default, Unit;                                   // not settable
//! field: Type = default, Unit, via Variant;                      // set by a composite update
//! field: Type = default, Unit, update TAG Variant in [MIN, MAX]; // settable within bounds
//! field: Type = default, Unit, update TAG Variant in any;        // settable, any value
//! field: Type = default, Unit, update TAG Variant alias "other" in [MIN, MAX];
//! field: Record = default, Record, update TAG Variant nested RecordUpdate;
//! ```
//!
//! The user-facing name of a field is the field's own name (`alias` adds another name the
//! parser accepts); a `nested` field is changed one inner field at a time, named
//! `field.inner` (`default_hyperparams.tempo`). Composite updates are listed after the
//! fields: `TAG Variant(field: Type [MIN, MAX], …) "name";`.
//!
//! Tags are the update's encoding and never change once used; a repeated tag does not
//! compile (the decoder's match would have an unreachable arm, which is denied).

/// The `(min, max)` of a row's bounds: `any` is the type's whole range.
macro_rules! param_bounds {
    ($ty:ty, any) => {
        (
            <$ty as $crate::params::value::ParamValue>::MIN,
            <$ty as $crate::params::value::ParamValue>::MAX,
        )
    };
    ($ty:ty, [$min:expr, $max:expr]) => {
        ($min, $max)
    };
}

/// Declares a parameter record once; see the module documentation for the row syntax.
macro_rules! param_table {
    // Entry: hand the header and the composite updates through, munch the rows one by one
    // into four lists (every field, simple updates, nested updates, settable names).
    (
        $(#[$smeta:meta])*
        pub struct $Struct:ident, version $version:literal;
        $(#[$umeta:meta])*
        pub enum $Update:ident, name $NameTy:ty, error $Error:ident, names $names:ident,
            rules $rules:path;
        fields { $($rows:tt)* }
        composite { $($composite:tt)* }
    ) => {
        $crate::params::table::param_table!(@munch
            {
                $(#[$smeta])* pub struct $Struct, version $version;
                $(#[$umeta])* pub enum $Update, name $NameTy, error $Error, names $names,
                    rules $rules;
            }
            { $($composite)* }
            {} {} {} {}
            $($rows)*
        );
    };

    // A field no update sets.
    (@munch $h:tt $c:tt {$($F:tt)*} {$($S:tt)*} {$($N:tt)*} {$($M:tt)*}
        $(#[doc = $doc:literal])* $f:ident : $ty:ty = $def:expr, $unit:ident ;
        $($rest:tt)*
    ) => {
        $crate::params::table::param_table!(@munch $h $c
            {$($F)* [[$($doc)*] $f ($ty) ($def) $unit false]} {$($S)*} {$($N)*} {$($M)*}
            $($rest)*);
    };

    // A field a composite update sets.
    (@munch $h:tt $c:tt {$($F:tt)*} {$($S:tt)*} {$($N:tt)*} {$($M:tt)*}
        $(#[doc = $doc:literal])* $f:ident : $ty:ty = $def:expr, $unit:ident, via $V:ident ;
        $($rest:tt)*
    ) => {
        $crate::params::table::param_table!(@munch $h $c
            {$($F)* [[$($doc)*] $f ($ty) ($def) $unit true]} {$($S)*} {$($N)*} {$($M)*}
            $($rest)*);
    };

    // A field with its own update, within bounds.
    (@munch $h:tt $c:tt {$($F:tt)*} {$($S:tt)*} {$($N:tt)*} {$($M:tt)*}
        $(#[doc = $doc:literal])* $f:ident : $ty:ty = $def:expr, $unit:ident,
            update $tag:literal $V:ident $(alias $alias:literal)* in $b:tt ;
        $($rest:tt)*
    ) => {
        $crate::params::table::param_table!(@munch $h $c
            {$($F)* [[$($doc)*] $f ($ty) ($def) $unit true]}
            {$($S)* [$f ($ty) $unit $tag $V [$($alias)*] $b]}
            {$($N)*}
            {$($M)* (stringify!($f))}
            $($rest)*);
    };

    // A record field, changed one inner field at a time.
    (@munch $h:tt $c:tt {$($F:tt)*} {$($S:tt)*} {$($N:tt)*} {$($M:tt)*}
        $(#[doc = $doc:literal])* $f:ident : $ty:ty = $def:expr, $unit:ident,
            update $tag:literal $V:ident nested $inner:ty ;
        $($rest:tt)*
    ) => {
        $crate::params::table::param_table!(@munch $h $c
            {$($F)* [[$($doc)*] $f ($ty) ($def) $unit true]}
            {$($S)*}
            {$($N)* [$f $tag $V ($inner)]}
            {$($M)* (concat!(stringify!($f), ".<name>"))}
            $($rest)*);
    };

    // Every row munched: generate.
    (@munch
        {
            $(#[$smeta:meta])* pub struct $Struct:ident, version $version:literal;
            $(#[$umeta:meta])* pub enum $Update:ident, name $NameTy:ty, error $Error:ident,
                names $names:ident, rules $rules:path;
        }
        {
            $(
                $(#[doc = $cdoc:literal])*
                $ctag:literal $CV:ident ( $($cf:ident : $cty:ty [$cmin:expr, $cmax:expr]),+ $(,)? )
                    $cname:literal ;
            )*
        }
        { $( [[$($doc:literal)*] $f:ident ($ty:ty) ($def:expr) $unit:ident $settable:literal] )* }
        { $( [$sf:ident ($sty:ty) $sunit:ident $stag:literal $SV:ident [$($alias:literal)*] $sb:tt] )* }
        { $( [$nf:ident $ntag:literal $NV:ident ($ninner:ty)] )* }
        { $( ($name:expr) )* }
    ) => {
        $(#[$smeta])*
        pub struct $Struct {
            $( $(#[doc = $doc])* pub $f: $ty, )*
        }

        impl Default for $Struct {
            fn default() -> Self {
                Self { $( $f: $def, )* }
            }
        }

        impl $Struct {
            /// Every field, in table (and encoding) order.
            pub const FIELDS: &'static [$crate::params::FieldInfo] = &[$(
                $crate::params::FieldInfo {
                    name: stringify!($f),
                    unit: $crate::params::Unit::$unit,
                    settable: $settable,
                    doc: concat!($($doc, "\n"),*),
                },
            )*];
        }

        $crate::versioned_codec!($Struct, version $version { $($f: $ty),* });

        $(#[$umeta])*
        pub enum $Update {
            $(
                #[doc = concat!("Sets [`", stringify!($Struct), "::", stringify!($sf),
                    "`], within `", stringify!($sb), "`.")]
                $SV($sty),
            )*
            $(
                #[doc = concat!("Sets one field of [`", stringify!($Struct), "::",
                    stringify!($nf), "`], within that field's bounds.")]
                $NV($ninner),
            )*
            $( $(#[doc = $cdoc])* $CV($($cty),+), )*
        }

        #[doc = concat!("The name of every settable parameter, as [`", stringify!($Update),
            "::parse`] reads it.")]
        pub const $names: &[&str] = &[ $($name,)* $($cname,)* ];

        impl $Update {
            /// The parameter's name.
            #[allow(clippy::useless_conversion)]
            pub fn name(&self) -> $NameTy {
                match self {
                    $( Self::$SV(_) => stringify!($sf).into(), )*
                    $( Self::$NV(inner) => format!(concat!(stringify!($nf), ".{}"), inner.name()).into(), )*
                    $( Self::$CV(..) => $cname.into(), )*
                }
            }

            /// The new value as users write it (amounts in TAO; several values joined by
            /// `", "`).
            pub fn value_text(&self) -> String {
                use $crate::params::value::ParamValue as _;
                match self {
                    $( Self::$SV(v) => v.text(), )*
                    $( Self::$NV(inner) => inner.value_text(), )*
                    $( Self::$CV($($cf),+) => [$($cf.text()),+].join(", "), )*
                }
            }

            /// Reads an update from a name (case-insensitive, `-` for `_`) and its value's
            /// text.
            pub fn parse(name: &str, value: &str) -> Result<Self, $crate::params::ParamParseError> {
                use $crate::params::value::parse_value;
                let key = name.trim().to_ascii_lowercase().replace('-', "_");
                let n = key.as_str();
                $(
                    if n == stringify!($sf) $(|| n == $alias)* {
                        return Ok(Self::$SV(parse_value(stringify!($sf), value)?));
                    }
                )*
                $(
                    if let Some(inner) = n.strip_prefix(concat!(stringify!($nf), ".")) {
                        return <$ninner>::parse(inner, value)
                            .map(Self::$NV)
                            .map_err(|e| e.within(stringify!($nf)));
                    }
                )*
                $(
                    if n == $cname {
                        let parts = $crate::params::value::split_values(
                            $cname, value, &[$(stringify!($cf)),+])?;
                        let mut parts = parts.into_iter();
                        return Ok(Self::$CV($(
                            parse_value::<$cty>($cname, parts.next().unwrap_or_default())?
                        ),+));
                    }
                )*
                Err($crate::params::ParamParseError::UnknownName {
                    name: name.trim().to_string(),
                    valid: $names,
                })
            }

            /// The row's own bounds (a nested update's are checked by its own `apply`).
            pub(crate) fn check_bounds(&self) -> Result<(), String> {
                use $crate::params::value::check_bounds;
                use $crate::params::Unit;
                match *self {
                    $( Self::$SV(v) => {
                        let (min, max) = $crate::params::table::param_bounds!($sty, $sb);
                        check_bounds(v, min, max, Unit::$sunit)
                    } )*
                    $( Self::$NV(_) => Ok(()), )*
                    $( Self::$CV($($cf),+) => {
                        $({
                            let (min, max): ($cty, $cty) = ($cmin, $cmax);
                            check_bounds($cf, min, max, Unit::Number)
                                .map_err(|b| format!("{} {b}", stringify!($cf)))?;
                        })+
                        Ok(())
                    } )*
                }
            }

            /// Checks the bounds, then the rules between fields, and applies the change to
            /// `p`. On error `p` is unchanged.
            #[allow(clippy::useless_conversion)]
            pub fn apply(&self, p: &mut $Struct) -> Result<(), $Error> {
                let fail = |bound: String| $Error {
                    name: self.name().into(),
                    value: self.value_text(),
                    bound,
                };
                self.check_bounds().map_err(fail)?;
                let mut next = p.clone();
                match self {
                    $( Self::$SV(v) => next.$sf = *v, )*
                    $( Self::$NV(inner) => inner.apply(&mut next.$nf)?, )*
                    $( Self::$CV($($cf),+) => { $( next.$cf = *$cf; )+ } )*
                }
                $rules(&next, self).map_err(|rule| fail(rule.to_string()))?;
                *p = next;
                Ok(())
            }

            /// Every single-value update at the edges of its bounds (`true`: must pass the
            /// bound check) and just outside them (`false`: must fail it).
            #[cfg(test)]
            pub(crate) fn bound_edges() -> Vec<(Self, bool)> {
                use $crate::params::value::ParamValue as _;
                let mut edges = Vec::new();
                $({
                    let (min, max): ($sty, $sty) = $crate::params::table::param_bounds!($sty, $sb);
                    edges.push((Self::$SV(min), true));
                    edges.push((Self::$SV(max), true));
                    if let Some(v) = min.below() {
                        edges.push((Self::$SV(v), false));
                    }
                    if let Some(v) = max.above() {
                        edges.push((Self::$SV(v), false));
                    }
                })*
                edges
            }
        }

        /// Encoding: the tag byte, then the value (a nested update's own encoding, or a
        /// composite's values in order).
        impl commonware_codec::Write for $Update {
            fn write(&self, buf: &mut impl bytes::BufMut) {
                match self {
                    $( Self::$SV(v) => {
                        let tag: u8 = $stag;
                        tag.write(buf);
                        v.write(buf);
                    } )*
                    $( Self::$NV(inner) => {
                        let tag: u8 = $ntag;
                        tag.write(buf);
                        inner.write(buf);
                    } )*
                    $( Self::$CV($($cf),+) => {
                        let tag: u8 = $ctag;
                        tag.write(buf);
                        $( $cf.write(buf); )+
                    } )*
                }
            }
        }

        impl commonware_codec::EncodeSize for $Update {
            fn encode_size(&self) -> usize {
                1 + match self {
                    $( Self::$SV(v) => v.encode_size(), )*
                    $( Self::$NV(inner) => inner.encode_size(), )*
                    $( Self::$CV($($cf),+) => 0 $( + $cf.encode_size() )+, )*
                }
            }
        }

        impl commonware_codec::Read for $Update {
            type Cfg = ();
            #[deny(unreachable_patterns)]
            fn read_cfg(
                buf: &mut impl commonware_codec::Buf,
                _: &(),
            ) -> Result<Self, commonware_codec::Error> {
                use commonware_codec::ReadExt as _;
                Ok(match u8::read(buf)? {
                    $( $stag => Self::$SV(<$sty>::read(buf)?), )*
                    $( $ntag => Self::$NV(<$ninner>::read(buf)?), )*
                    $( $ctag => Self::$CV($(<$cty>::read(buf)?),+), )*
                    t => return Err(commonware_codec::Error::InvalidEnum(t)),
                })
            }
        }
    };
}

pub(crate) use {param_bounds, param_table};
