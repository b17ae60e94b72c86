"""Uploads records with Microsoft's Python SDK (azure-monitor-ingestion + azure-identity), the
way its users write it.

Reads the connector config written by `ccfgen emulate` (or a real connector's). The emulator's
CA is trusted with azure-core's `connection_verify=` on both the credential and the client,
and the authority is given with `authority=` (MSAL's instance discovery is turned off because
the authority is not a Microsoft host).

usage: sdk_upload.py CONFIG RECORDS.json
         the idiomatic use (the SDK's README): `json.load` the file, one
         `LogsIngestionClient.upload(rule_id, stream_name, logs=records)` call
       sdk_upload.py CONFIG RECORDS.ndjson --chunk N
         a memory-conscious variant: NDJSON read line by line, one upload() per N records
"""

import argparse
import json
import sys

from azure.identity import ClientSecretCredential
from azure.monitor.ingestion import LogsIngestionClient


def client_for(c):
    ca = c.get("ca_file") or True
    credential = ClientSecretCredential(
        c["tenant_id"],
        c["application_id"],
        c["application_secret"],
        authority=c["authority_host"],
        disable_instance_discovery=True,
        connection_verify=ca,
    )
    return LogsIngestionClient(endpoint=c["dce_endpoint"], credential=credential,
                               connection_verify=ca)


def idiomatic(c, path):
    client = client_for(c)
    with open(path, encoding="utf-8") as f:
        records = json.load(f)
    client.upload(rule_id=c["dcr_immutable_id"], stream_name=c["stream_name"], logs=records)
    return len(records)


def ndjson_chunked(c, path, chunk):
    client = client_for(c)
    sent = 0
    logs = []

    def upload():
        client.upload(rule_id=c["dcr_immutable_id"], stream_name=c["stream_name"], logs=logs)

    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                logs.append(json.loads(line))
            if len(logs) >= chunk:
                upload()
                sent += len(logs)
                logs = []
    if logs:
        upload()
        sent += len(logs)
    return sent


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("config")
    parser.add_argument("input")
    parser.add_argument("--chunk", type=int, default=0)
    args = parser.parse_args()
    with open(args.config, encoding="utf-8") as f:
        c = json.load(f)
    if args.chunk:
        sent = ndjson_chunked(c, args.input, args.chunk)
    else:
        sent = idiomatic(c, args.input)
    print(json.dumps({"sent": sent}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
