//! Azure clouds: the Entra authority host, the Azure Monitor audience and the token scope of
//! each (push-client.md §1.2). The push client and the emulator both use these constants.

/// An Azure cloud: picks the default Entra authority and token scope.
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
    /// Parses `public`, `usgov`/`AzureUSGovernment`, `china`/`AzureChinaCloud` (case-insensitive).
    pub fn parse(name: &str) -> Option<Cloud> {
        match name
            .to_ascii_lowercase()
            .replace(['-', '_', ' '], "")
            .as_str()
        {
            "public" | "azurecloud" | "azurepublic" | "azurepubliccloud" => Some(Cloud::Public),
            "usgov" | "usgovernment" | "azureusgovernment" | "azureusgovernmentcloud" => {
                Some(Cloud::UsGovernment)
            }
            "china" | "azurechina" | "azurechinacloud" => Some(Cloud::China),
            _ => None,
        }
    }

    /// The Entra authority host of this cloud.
    pub const fn authority_host(self) -> &'static str {
        match self {
            Cloud::Public => "https://login.microsoftonline.com",
            Cloud::UsGovernment => "https://login.microsoftonline.us",
            Cloud::China => "https://login.chinacloudapi.cn",
        }
    }

    /// The Azure Monitor resource (audience) of this cloud, without a trailing slash.
    pub const fn monitor_audience(self) -> &'static str {
        match self {
            Cloud::Public => "https://monitor.azure.com",
            Cloud::UsGovernment => "https://monitor.azure.us",
            Cloud::China => "https://monitor.azure.cn",
        }
    }

    /// The token scope for the Logs Ingestion API in this cloud (single-slash form).
    pub const fn scope(self) -> &'static str {
        match self {
            Cloud::Public => "https://monitor.azure.com/.default",
            Cloud::UsGovernment => "https://monitor.azure.us/.default",
            Cloud::China => "https://monitor.azure.cn/.default",
        }
    }
}
