//! The Host's vocabulary that parsers fill directly: records whose shape is
//! the same in a file's bytes and in the Host (an installed package, an
//! fstab line, a dependency's kind, a virtual host, an OpenRC script's
//! dependencies, a sudo grant, a container's mount and published port, an
//! NFS export's client, a loaded AppArmor profile).
//! Below both parse/ and model/, importing nothing of the crate, so the
//! parsers need not keep a copy of the Host's types nor the model convert
//! field by field, and rules/ and diff/ read these without reaching parse/.
//! A record the Host shapes differently from its bytes stays a parser's
//! type, converted in model/.

pub mod applications;
pub mod containers;
pub mod dependencies;
pub mod exports;
pub mod fstab;
pub mod openrc;
pub mod packages;
pub mod security;
pub mod sudo;
