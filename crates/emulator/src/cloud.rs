//! The resources each cloud's Entra issues tokens for in the emulator: Azure Monitor first,
//! then resources that are valid but wrong for ingestion (useful to provoke
//! `InvalidAudience`). The cloud constants themselves are `ccfgen_push::Cloud`.

pub use ccfgen_push::Cloud;

/// Every resource `cloud`'s Entra issues tokens for in the emulator.
pub fn known_resources(cloud: Cloud) -> [&'static str; 3] {
    match cloud {
        Cloud::Public => [
            cloud.monitor_audience(),
            "https://management.azure.com",
            "https://graph.microsoft.com",
        ],
        Cloud::UsGovernment => [
            cloud.monitor_audience(),
            "https://management.usgovcloudapi.net",
            "https://graph.microsoft.us",
        ],
        Cloud::China => [
            cloud.monitor_audience(),
            "https://management.chinacloudapi.cn",
            "https://microsoftgraph.chinacloudapi.cn",
        ],
    }
}

/// The known resource `resource` names (trailing slashes ignored), if any.
pub(crate) fn resolve_resource(cloud: Cloud, resource: &str) -> Option<&'static str> {
    let wanted = resource.trim_end_matches('/');
    known_resources(cloud)
        .into_iter()
        .find(|known| known.eq_ignore_ascii_case(wanted))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_both_slash_forms_within_the_cloud_only() {
        let public = Cloud::Public;
        assert_eq!(
            resolve_resource(public, "https://monitor.azure.com/"),
            Some("https://monitor.azure.com")
        );
        assert_eq!(
            resolve_resource(public, "https://monitor.azure.com"),
            Some("https://monitor.azure.com")
        );
        assert_eq!(resolve_resource(public, "https://monitor.azure.us"), None);
        assert_eq!(
            resolve_resource(Cloud::UsGovernment, "https://monitor.azure.us/"),
            Some("https://monitor.azure.us")
        );
    }
}
