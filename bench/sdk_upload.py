"""Uploads an NDJSON file with Microsoft's Python SDK, the way its README does:
ClientSecretCredential + LogsIngestionClient.upload(rule_id, stream_name, logs=<list of dicts>).

Reads the connector config written by `ccfgen emulate` (or a real connector's). The emulator's
CA is trusted through REQUESTS_CA_BUNDLE and the authority through `authority=` (MSAL's
instance discovery is turned off because the authority is not a Microsoft host).

usage: sdk_upload.py CONFIG NDJSON [--chunk N]
  --chunk N  call upload() every N records instead of once with the whole list
"""

import argparse
import json
import os
import sys

from azure.identity import ClientSecretCredential
from azure.monitor.ingestion import LogsIngestionClient


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("config")
    parser.add_argument("input")
    parser.add_argument("--chunk", type=int, default=0)
    args = parser.parse_args()
    with open(args.config, encoding="utf-8") as f:
        c = json.load(f)
    if c.get("ca_file"):
        os.environ["REQUESTS_CA_BUNDLE"] = c["ca_file"]
    credential = ClientSecretCredential(
        c["tenant_id"],
        c["application_id"],
        c["application_secret"],
        authority=c["authority_host"],
        disable_instance_discovery=True,
    )
    client = LogsIngestionClient(endpoint=c["dce_endpoint"], credential=credential)
    failed = 0

    def on_error(error):
        nonlocal failed
        failed += len(error.failed_logs)

    def upload(logs):
        client.upload(
            rule_id=c["dcr_immutable_id"],
            stream_name=c["stream_name"],
            logs=logs,
            on_error=on_error,
        )

    logs = []
    sent = 0
    with open(args.input, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                logs.append(json.loads(line))
            if args.chunk and len(logs) >= args.chunk:
                upload(logs)
                sent += len(logs)
                logs = []
    if logs:
        upload(logs)
        sent += len(logs)
    print(json.dumps({"sent": sent, "failed": failed}))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
