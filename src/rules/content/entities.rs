//! The entity schema of analytic rule entity mappings: each entity type, its identifiers and
//! the identifier combinations one of which must be mapped. Taken from Azure-Sentinel's
//! `.script/tests/detectionTemplateSchemaValidation/Models/EntityMappingIdentifiers.cs`
//! (commit 9a09dab5ee2649bb95cf6e5a85a5b0e9048d86bb), which follows the documented entity
//! schema (learn.microsoft.com, "Microsoft Sentinel entity types reference").

/// One entity type: its name, identifiers, and required combinations (one must be mapped).
pub struct EntityType {
    /// The `entityType` value.
    pub name: &'static str,
    /// Identifiers that may be mapped.
    pub identifiers: &'static [&'static str],
    /// Identifier sets, one of which must be mapped completely.
    pub required: &'static [&'static [&'static str]],
}

/// Most entity mappings of one rule.
pub const MAX_MAPPINGS: usize = 5;
/// Most field mappings of one entity mapping.
pub const MAX_FIELDS: usize = 3;
/// Longest column name (a Log Analytics column name).
pub const MAX_COLUMN: usize = 500;

/// The entity types.
pub const TYPES: &[EntityType] = &[
    EntityType {
        name: "Account",
        identifiers: &[
            "Name",
            "FullName",
            "NTDomain",
            "DnsDomain",
            "UPNSuffix",
            "Sid",
            "AadTenantId",
            "AadUserId",
            "PUID",
            "IsDomainJoined",
            "DisplayName",
            "ObjectGuid",
            "CloudAppAccountId",
        ],
        required: &[
            &["FullName"],
            &["Sid"],
            &["Name"],
            &["AadUserId"],
            &["PUID"],
            &["ObjectGuid"],
        ],
    },
    EntityType {
        name: "AzureResource",
        identifiers: &["ResourceId"],
        required: &[&["ResourceId"]],
    },
    EntityType {
        name: "CloudApplication",
        identifiers: &["AppId", "Name", "InstanceName"],
        required: &[&["AppId"], &["Name"]],
    },
    EntityType {
        name: "DNS",
        identifiers: &["DomainName"],
        required: &[&["DomainName"]],
    },
    EntityType {
        name: "File",
        identifiers: &["Directory", "Name"],
        required: &[&["Name"]],
    },
    EntityType {
        name: "FileHash",
        identifiers: &["Algorithm", "Value"],
        required: &[&["Algorithm", "Value"]],
    },
    EntityType {
        name: "Host",
        identifiers: &[
            "DnsDomain",
            "NTDomain",
            "HostName",
            "FullName",
            "NetBiosName",
            "AzureID",
            "OMSAgentID",
            "OSFamily",
            "OSVersion",
            "IsDomainJoined",
        ],
        required: &[
            &["FullName"],
            &["HostName"],
            &["NetBiosName"],
            &["AzureID"],
            &["OMSAgentID"],
        ],
    },
    EntityType {
        name: "IoTDevice",
        identifiers: &[
            "DeviceId",
            "DeviceName",
            "Manufacturer",
            "Model",
            "FirmwareVersion",
            "OperatingSystem",
            "MacAddress",
            "Protocols",
            "SerialNumber",
            "Source",
            "IoTSecurityAgentId",
            "DeviceType",
        ],
        required: &[&["DeviceId"]],
    },
    EntityType {
        name: "IP",
        identifiers: &["Address"],
        required: &[&["Address"]],
    },
    EntityType {
        name: "Mailbox",
        identifiers: &[
            "MailboxPrimaryAddress",
            "DisplayName",
            "Upn",
            "ExternalDirectoryObjectId",
            "RiskLevel",
        ],
        required: &[&["MailboxPrimaryAddress"]],
    },
    EntityType {
        name: "MailCluster",
        identifiers: &[
            "NetworkMessageIds",
            "CountByDeliveryStatus",
            "CountByThreatType",
            "CountByProtectionStatus",
            "Threats",
            "Query",
            "QueryTime",
            "MailCount",
            "IsVolumeAnomaly",
            "Source",
            "ClusterSourceIdentifier",
            "ClusterSourceType",
            "ClusterQueryStartTime",
            "ClusterQueryEndTime",
            "ClusterGroup",
        ],
        required: &[&["Query"], &["Source"]],
    },
    EntityType {
        name: "MailMessage",
        identifiers: &[
            "Recipient",
            "Urls",
            "Threats",
            "Sender",
            "P1Sender",
            "P1SenderDisplayName",
            "P1SenderDomain",
            "SenderIP",
            "P2Sender",
            "P2SenderDisplayName",
            "P2SenderDomain",
            "ReceivedDate",
            "NetworkMessageId",
            "InternetMessageId",
            "Subject",
            "BodyFingerprintBin1",
            "BodyFingerprintBin2",
            "BodyFingerprintBin3",
            "BodyFingerprintBin4",
            "BodyFingerprintBin5",
            "AntispamDirection",
            "DeliveryAction",
            "DeliveryLocation",
            "Language",
            "ThreatDetectionMethods",
        ],
        required: &[&["NetworkMessageId"], &["Recipient"]],
    },
    EntityType {
        name: "Malware",
        identifiers: &["Name", "Category"],
        required: &[&["Name"]],
    },
    EntityType {
        name: "Process",
        identifiers: &[
            "ProcessId",
            "CommandLine",
            "ElevationToken",
            "CreationTimeUtc",
        ],
        required: &[&["CommandLine"], &["ProcessId"]],
    },
    EntityType {
        name: "RegistryKey",
        identifiers: &["Hive", "Key"],
        required: &[&["Key"], &["Hive"]],
    },
    EntityType {
        name: "RegistryValue",
        identifiers: &["Name", "Value", "ValueType"],
        required: &[&["Name"]],
    },
    EntityType {
        name: "SecurityGroup",
        identifiers: &["DistinguishedName", "SID", "ObjectGuid"],
        required: &[&["DistinguishedName"], &["SID"], &["ObjectGuid"]],
    },
    EntityType {
        name: "SubmissionMail",
        identifiers: &[
            "NetworkMessageId",
            "Timestamp",
            "Recipient",
            "Sender",
            "SenderIp",
            "Subject",
            "ReportType",
            "SubmissionId",
            "SubmissionDate",
            "Submitter",
        ],
        required: &[
            &["SubmissionId"],
            &["NetworkMessageId"],
            &["Recipient"],
            &["Submitter"],
        ],
    },
    EntityType {
        name: "URL",
        identifiers: &["Url"],
        required: &[&["Url"]],
    },
];

/// The entity type named `name` (exact case, as the pipeline's enum parsing).
pub fn entity_type(name: &str) -> Option<&'static EntityType> {
    TYPES.iter().find(|t| t.name == name)
}
