//! §1.7 A: the fake Entra token endpoint and IMDS.

use std::time::Duration;

use ccfgen_emulator::{ClientApp, Cloud, Fault, FaultTarget};
use serde_json::Value;

use crate::common::*;

fn with(form: &[(&'static str, String)], key: &str, value: &str) -> Vec<(&'static str, String)> {
    let pick = |k: &str, v: &String| {
        if k == key {
            value.to_owned()
        } else {
            v.clone()
        }
    };
    form.iter().map(|(k, v)| (*k, pick(k, v))).collect()
}

#[tokio::test]
async fn token_success_has_entra_shape_for_both_scope_forms() {
    bounded(async {
        let emulator = start_with(|c| c.token_ttl = Duration::from_secs(120)).await;
        let client = client(&emulator);
        let url = token_url(&emulator, &emulator.connection().tenant_id);
        let mut tokens = Vec::new();
        for scope in [
            "https://monitor.azure.com/.default",
            "https://monitor.azure.com//.default",
        ] {
            let response =
                post_form(&client, &url, &with(&token_form(&emulator), "scope", scope)).await;
            assert_eq!(response.status(), 200);
            assert!(response.headers().contains_key("x-ms-request-id"));
            let body: Value = response.json().await.expect("json");
            let keys: Vec<&str> = body
                .as_object()
                .expect("object")
                .keys()
                .map(String::as_str)
                .collect();
            assert_eq!(
                keys,
                ["token_type", "expires_in", "ext_expires_in", "access_token"]
            );
            assert_eq!(body["token_type"], "Bearer");
            assert_eq!(body["expires_in"], 120);
            assert_eq!(body["ext_expires_in"], 120);
            tokens.push(body["access_token"].as_str().expect("token").to_owned());
        }
        assert_ne!(
            tokens[0], tokens[1],
            "every request gets a fresh opaque token"
        );
        for token in &tokens {
            let ok = post_json(&client, &default_ingest_url(&emulator), token, "[]").await;
            assert_eq!(ok.status(), 204, "both scope forms give a Monitor audience");
        }
        let counters = emulator.counters();
        let mine = counters.token_requests[&emulator.connection().client_id];
        assert_eq!((mine.requests, mine.issued, mine.rejected), (2, 2, 0));
        emulator.shutdown().await;
    })
    .await;
}

/// Sends the first client's valid token request to `tenant` (the configured one when
/// `None`) with `field` set to `value`, and asserts the Entra error. Returns the
/// emulator and the error description.
async fn refused(
    emulator: ccfgen_emulator::Emulator,
    tenant: Option<&str>,
    (field, value): (&str, &str),
    (status, error, code): (u16, &str, u64),
) -> (ccfgen_emulator::Emulator, String) {
    let client = client(&emulator);
    let tenant = tenant.map_or_else(|| emulator.connection().tenant_id, str::to_owned);
    let form = with(&token_form(&emulator), field, value);
    let response = post_form(&client, &token_url(&emulator, &tenant), &form).await;
    let description = assert_entra_error(response, status, error, code).await;
    (emulator, description)
}

#[tokio::test]
async fn unknown_tenant_is_400_invalid_request_90002() {
    bounded(async {
        let tenant = "00000000-0000-0000-0000-000000000000";
        let expected = (400, "invalid_request", 90002);
        let (_, description) = refused(start().await, Some(tenant), ("", ""), expected).await;
        assert!(description.contains(&format!("Tenant '{tenant}' not found")));
    })
    .await;
}

#[tokio::test]
async fn other_grant_type_is_400_unsupported_grant_type() {
    bounded(async {
        let expected = (400, "unsupported_grant_type", 70003);
        refused(start().await, None, ("grant_type", "password"), expected).await;
    })
    .await;
}

#[tokio::test]
async fn unknown_client_is_400_unauthorized_client_700016() {
    bounded(async {
        let stranger = "11111111-2222-3333-4444-555555555555";
        let expected = (400, "unauthorized_client", 700016);
        let (emulator, description) =
            refused(start().await, None, ("client_id", stranger), expected).await;
        assert!(description.contains(&format!("'{stranger}' was not found in the directory")));
        assert_eq!(emulator.counters().token_requests[stranger].rejected, 1);
    })
    .await;
}

#[tokio::test]
async fn wrong_secret_is_401_invalid_client_7000215_and_never_echoed() {
    bounded(async {
        let pasted = "a-secret-id-pasted-by-mistake";
        let expected = (401, "invalid_client", 7000215);
        let (emulator, description) =
            refused(start().await, None, ("client_secret", pasted), expected).await;
        assert!(!description.contains(pasted));
        assert!(!description.contains(&emulator.connection().client_secret));
    })
    .await;
}

#[tokio::test]
async fn expired_secret_is_401_invalid_client_7000222() {
    bounded(async {
        let emulator = start_with(|c| c.clients[0].secret_expired = true).await;
        refused(emulator, None, ("", ""), (401, "invalid_client", 7000222)).await;
    })
    .await;
}

#[tokio::test]
async fn scope_not_a_single_default_is_400_invalid_scope_70011() {
    bounded(async {
        let mut emulator = start().await;
        for scope in [
            "https://monitor.azure.com/user_impersonation",
            "https://monitor.azure.com/.default openid",
            "",
        ] {
            let expected = (400, "invalid_scope", 70011);
            (emulator, _) = refused(emulator, None, ("scope", scope), expected).await;
        }
    })
    .await;
}

#[tokio::test]
async fn unknown_resource_is_400_invalid_resource_500011() {
    bounded(async {
        let mut emulator = start().await;
        // Another cloud's Monitor audience is unknown to the public cloud's Entra.
        for scope in [
            "https://monitor.azure.us/.default",
            "https://not-a-resource.example/.default",
        ] {
            let expected = (400, "invalid_resource", 500011);
            (emulator, _) = refused(emulator, None, ("scope", scope), expected).await;
        }
    })
    .await;
}

#[tokio::test]
async fn token_checks_run_in_entra_order() {
    bounded(async {
        let emulator = start_with(|c| {
            c.clients.push(ClientApp {
                client_id: "22222222-0000-0000-0000-000000000002".into(),
                secret: "expired-secret".into(),
                secret_expired: true,
            })
        })
        .await;
        let client = client(&emulator);
        let tenant = emulator.connection().tenant_id;
        let mut form = vec![
            (
                "client_id",
                "99999999-0000-0000-0000-000000000009".to_owned(),
            ),
            ("client_secret", "wrong".to_owned()),
            ("grant_type", "password".to_owned()),
            ("scope", "https://unknown.example/.default".to_owned()),
        ];
        // Every field is wrong: each fix reveals the next check in order.
        let response = post_form(&client, &token_url(&emulator, "bad-tenant"), &form).await;
        assert_entra_error(response, 400, "invalid_request", 90002).await;
        let steps: [(u16, &str, u64, &str, &str); 4] = [
            (
                400,
                "unsupported_grant_type",
                70003,
                "grant_type",
                "client_credentials",
            ),
            (
                400,
                "unauthorized_client",
                700016,
                "client_id",
                "22222222-0000-0000-0000-000000000002",
            ),
            (
                401,
                "invalid_client",
                7000215,
                "client_secret",
                "expired-secret",
            ),
            (
                401,
                "invalid_client",
                7000222,
                "scope",
                "https://monitor.azure.com/.default",
            ),
        ];
        for (status, error, code, fix_key, fix_value) in steps {
            let response = post_form(&client, &token_url(&emulator, &tenant), &form).await;
            assert_entra_error(response, status, error, code).await;
            form = with(&form, fix_key, fix_value);
        }
        // Only the expired secret is left wrong; with the scope fixed it still decides.
        let response = post_form(&client, &token_url(&emulator, &tenant), &form).await;
        assert_entra_error(response, 401, "invalid_client", 7000222).await;
        let mut form = with(&form, "client_id", &emulator.connection().client_id);
        form = with(&form, "client_secret", &emulator.connection().client_secret);
        form = with(&form, "scope", "https://unknown.example/.default");
        let response = post_form(&client, &token_url(&emulator, &tenant), &form).await;
        assert_entra_error(response, 400, "invalid_resource", 500011).await;
        let response = post_form(
            &client,
            &token_url(&emulator, &tenant),
            &token_form(&emulator),
        )
        .await;
        assert_eq!(response.status(), 200);
    })
    .await;
}

#[tokio::test]
async fn sovereign_cloud_accepts_its_own_audience_only() {
    bounded(async {
        let emulator = start_with(|c| c.cloud = Cloud::UsGovernment).await;
        assert_eq!(
            emulator.connection().scope,
            "https://monitor.azure.us/.default"
        );
        let client = client(&emulator);
        let url = token_url(&emulator, &emulator.connection().tenant_id);
        let public = with(
            &token_form(&emulator),
            "scope",
            "https://monitor.azure.com/.default",
        );
        let response = post_form(&client, &url, &public).await;
        assert_eq!(response.status(), 400);
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["error"], "invalid_resource");
        assert_eq!(
            body["error_uri"],
            "https://login.microsoftonline.us/error?code=500011"
        );
        let token = token_for(&emulator, &client, "https://monitor.azure.us//.default").await;
        let ok = post_json(&client, &default_ingest_url(&emulator), &token, "[]").await;
        assert_eq!(ok.status(), 204);
    })
    .await;
}

#[tokio::test]
async fn imds_issues_managed_identity_tokens_with_metadata_header() {
    bounded(async {
        let identity = "33333333-0000-0000-0000-000000000003";
        let emulator = start_with(|c| {
            c.managed_identity = Some(identity.into());
            c.dcrs[0].publishers.push(identity.into());
        })
        .await;
        let client = client(&emulator);
        let url = format!(
            "{}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://monitor.azure.com",
            emulator.base_url()
        );
        let refused = client.get(&url).send().await.expect("answered");
        assert_eq!(refused.status(), 400);
        let body: Value = refused.json().await.expect("json");
        assert_eq!(body["error"], "invalid_request");
        assert_eq!(body["error_description"], "Required metadata header not specified");

        let response = client.get(&url).header("Metadata", "true").send().await.expect("answered");
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["token_type"], "Bearer");
        assert_eq!(body["resource"], "https://monitor.azure.com");
        assert_eq!(body["client_id"], identity);
        assert_eq!(body["expires_in"], "3599");
        assert!(body["expires_on"].as_str().expect("string").parse::<u64>().is_ok());
        let token = body["access_token"].as_str().expect("token");
        let ok = post_json(&client, &default_ingest_url(&emulator), token, "[]").await;
        assert_eq!(ok.status(), 204);
        assert_eq!(emulator.counters().token_requests[identity].issued, 1);
    })
    .await;
}

#[tokio::test]
async fn token_endpoint_faults_fail_with_retry_after() {
    bounded(async {
        let emulator = start().await;
        emulator.inject(Fault::fail(503).on(FaultTarget::Token).retry_after(3));
        let client = client(&emulator);
        let url = token_url(&emulator, &emulator.connection().tenant_id);
        let response = post_form(&client, &url, &token_form(&emulator)).await;
        assert_eq!(response.headers()["retry-after"], "3");
        assert_entra_error(response, 503, "temporarily_unavailable", 90033).await;
        let response = post_form(&client, &url, &token_form(&emulator)).await;
        assert_eq!(response.status(), 200, "the fault applied once");
        let mine = emulator.counters().token_requests[&emulator.connection().client_id];
        assert_eq!((mine.requests, mine.issued, mine.rejected), (2, 1, 1));
    })
    .await;
}

#[tokio::test]
async fn openid_discovery_points_msal_clients_at_the_token_endpoint() {
    bounded(async {
        let emulator = start().await;
        let client = client(&emulator);
        let tenant = emulator.connection().tenant_id;
        let url = format!(
            "{}/{tenant}/v2.0/.well-known/openid-configuration",
            emulator.base_url()
        );
        let response = client.get(&url).send().await.expect("answered");
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.expect("JSON");
        assert_eq!(body["token_endpoint"], token_url(&emulator, &tenant));
        assert_eq!(
            body["issuer"],
            format!("{}/{tenant}/v2.0", emulator.base_url())
        );
        let unknown = url.replace(&tenant, "00000000-0000-0000-0000-000000000000");
        let response = client.get(&unknown).send().await.expect("answered");
        assert_eq!(response.status(), 400);
        let body: Value = response.json().await.expect("JSON");
        assert_eq!(body["error_codes"][0], 90002);
    })
    .await;
}
