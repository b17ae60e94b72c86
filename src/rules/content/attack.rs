//! MITRE ATT&CK for content files: the tactics Microsoft Sentinel accepts and the Enterprise
//! matrix's techniques with their tactics (`attack-enterprise.tsv`, ATT&CK v18.1; its header
//! gives the source and date).

use std::collections::HashMap;
use std::sync::OnceLock;

/// The bundled technique table (see its header for provenance).
const DATA: &str = include_str!("attack-enterprise.tsv");

/// The ATT&CK version of the bundled table.
pub const VERSION: &str = "ATT&CK Enterprise v18.1 (2026-02-16)";

/// Tactics an analytic rule or hunting query may name: the Enterprise matrix's fourteen, the
/// legacy `PreAttack` and the ICS matrix's two that Sentinel also accepts.
pub const TACTICS: &[&str] = &[
    "Reconnaissance",
    "ResourceDevelopment",
    "InitialAccess",
    "Execution",
    "Persistence",
    "PrivilegeEscalation",
    "DefenseEvasion",
    "CredentialAccess",
    "Discovery",
    "LateralMovement",
    "Collection",
    "CommandAndControl",
    "Exfiltration",
    "Impact",
    "PreAttack",
    "ImpairProcessControl",
    "InhibitResponseFunction",
];

/// Whether a technique is current.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// In the matrix.
    Active,
    /// Revoked by MITRE (replaced by another technique).
    Revoked,
    /// Deprecated by MITRE.
    Deprecated,
}

/// One technique of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Technique {
    /// Its tactics, Sentinel names.
    pub tactics: Vec<&'static str>,
    /// Current, revoked or deprecated.
    pub status: Status,
}

/// The technique table by id (`T1078`, `T1071.001`).
pub fn techniques() -> &'static HashMap<&'static str, Technique> {
    static TABLE: OnceLock<HashMap<&'static str, Technique>> = OnceLock::new();
    TABLE.get_or_init(|| {
        DATA.lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .filter_map(|l| {
                let mut cols = l.split('\t');
                let id = cols.next()?;
                let tactics = cols.next()?.split(',').filter(|t| !t.is_empty()).collect();
                let status = match cols.next()? {
                    "revoked" => Status::Revoked,
                    "deprecated" => Status::Deprecated,
                    _ => Status::Active,
                };
                Some((id, Technique { tactics, status }))
            })
            .collect()
    })
}

/// Whether `id` is written as a technique (`T1234`) or sub-technique (`T1234.001`) id.
pub fn is_technique_id(id: &str) -> bool {
    let b = id.as_bytes();
    let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    match b.len() {
        5 => b[0] == b'T' && digits(&b[1..]),
        9 => b[0] == b'T' && digits(&b[1..5]) && b[5] == b'.' && digits(&b[6..]),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_has_the_matrix() {
        let t = techniques();
        assert!(t.len() > 800, "{}", t.len());
        let valid = &t["T1078"];
        assert_eq!(valid.status, Status::Active);
        assert!(valid.tactics.contains(&"InitialAccess") && valid.tactics.contains(&"Persistence"));
        assert_eq!(t["T1071.001"].tactics, ["CommandAndControl"]);
        assert_eq!(t["T1002"].status, Status::Revoked);
        // every tactic of the table is one Sentinel accepts
        for tech in t.values() {
            for tactic in &tech.tactics {
                assert!(TACTICS.contains(tactic), "{tactic}");
            }
        }
        assert!(is_technique_id("T1556") && is_technique_id("T1071.001"));
        assert!(
            !is_technique_id("T155") && !is_technique_id("t1556") && !is_technique_id("T1071.1")
        );
    }
}
