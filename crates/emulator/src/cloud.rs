//! Per-cloud constants: the authority host Entra errors point at, the Azure Monitor
//! audience the ingestion endpoint requires, and the other resources Entra would issue
//! tokens for (useful to provoke `InvalidAudience`).

/// An Azure cloud.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Cloud {
    /// Azure public cloud.
    #[default]
    Public,
    /// Azure US Government.
    UsGovernment,
    /// Azure China (21Vianet).
    China,
}

impl Cloud {
    /// The real authority host (used in `error_uri`).
    pub fn authority_host(self) -> &'static str {
        match self {
            Cloud::Public => "https://login.microsoftonline.com",
            Cloud::UsGovernment => "https://login.microsoftonline.us",
            Cloud::China => "https://login.chinacloudapi.cn",
        }
    }

    /// The Azure Monitor audience, without trailing slash.
    pub fn monitor_audience(self) -> &'static str {
        match self {
            Cloud::Public => "https://monitor.azure.com",
            Cloud::UsGovernment => "https://monitor.azure.us",
            Cloud::China => "https://monitor.azure.cn",
        }
    }

    /// The scope a client should request (single-slash form).
    pub fn monitor_scope(self) -> String {
        format!("{}/.default", self.monitor_audience())
    }

    /// Every resource this cloud's Entra issues tokens for in the emulator: Azure Monitor
    /// first, then resources that are valid but wrong for ingestion.
    pub fn known_resources(self) -> [&'static str; 3] {
        match self {
            Cloud::Public => [
                self.monitor_audience(),
                "https://management.azure.com",
                "https://graph.microsoft.com",
            ],
            Cloud::UsGovernment => [
                self.monitor_audience(),
                "https://management.usgovcloudapi.net",
                "https://graph.microsoft.us",
            ],
            Cloud::China => [
                self.monitor_audience(),
                "https://management.chinacloudapi.cn",
                "https://microsoftgraph.chinacloudapi.cn",
            ],
        }
    }

    /// The known resource `resource` names (trailing slashes ignored), if any.
    pub(crate) fn resolve_resource(self, resource: &str) -> Option<&'static str> {
        let wanted = resource.trim_end_matches('/');
        self.known_resources()
            .into_iter()
            .find(|known| known.eq_ignore_ascii_case(wanted))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_both_slash_forms_within_the_cloud_only() {
        let public = Cloud::Public;
        assert_eq!(
            public.resolve_resource("https://monitor.azure.com/"),
            Some("https://monitor.azure.com")
        );
        assert_eq!(
            public.resolve_resource("https://monitor.azure.com"),
            Some("https://monitor.azure.com")
        );
        assert_eq!(public.resolve_resource("https://monitor.azure.us"), None);
        assert_eq!(
            Cloud::UsGovernment.resolve_resource("https://monitor.azure.us/"),
            Some("https://monitor.azure.us")
        );
    }
}
