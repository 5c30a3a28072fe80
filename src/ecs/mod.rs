//! The ECS world and its rules: instances, tasks and groups ([`world`]), placement ([`placement`]) and the
//! cluster query language ([`cql`]). The control loops that drive them live in [`crate::sim`].

pub mod cql;
pub mod fit;
pub mod placement;
pub mod world;
