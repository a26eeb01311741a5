//! `taonet sim` tests (added with the command).
