#!/usr/bin/env python3
"""Generate local secrets for the coop platform; nothing generated here is committed.

  python deploy/scripts/gen_secrets.py compose-env [--output deploy/compose.env] [--force]
      Writes the docker-compose env file from deploy/compose.env.example,
      replacing every `change-me` with a fresh random value (fresh
      token-signing keys for members and the gateway, a Fernet key for the
      portal's sessions). Refuses to overwrite an existing file without --force.

  python deploy/scripts/gen_secrets.py k8s-dev [--namespace coop-dev] | kubectl create -f -
      Prints the Secrets that deploy/k8s/overlays/dev expects (random values,
      credential-free MongoDB URLs for the dev StatefulSet). `kubectl create`
      (not apply) leaves existing Secrets alone: RabbitMQ keeps the password it
      was first started with.

Production Secrets come from your secret store (see docs/deploy.md), never
from this script.

Needs `cryptography` (in the project's dev virtualenv) for the JWT key and
PyYAML for k8s-dev.
"""

from __future__ import annotations

import argparse
import base64
import secrets
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "deploy" / "compose.env.example"
PLACEHOLDER = "change-me"

SERVICES = ("gateway", "members", "invoicing", "payroll", "governance", "notifications", "portal")
DEV_MONGO_URL = "mongodb://mongodb-0.mongodb:27017/?replicaSet=rs0"
DEV_RABBITMQ_HOST = "rabbitmq"


def token() -> str:
    """32 random bytes, URL-safe (no character needs escaping in a URL or an env file)."""
    return secrets.token_urlsafe(32)


def fernet_key() -> str:
    """A Fernet key (URL-safe base64 of 32 random bytes), as the portal's SESSION_KEY needs."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii")


def jwt_private_key_pem(kind: str = "rsa") -> str:
    try:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise SystemExit(
            f"gen_secrets: the 'cryptography' package is missing ({exc}); run it with the project's .venv/bin/python"
        ) from exc
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
    if kind == "rsa":
        key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    elif kind == "ec":
        key = ec.generate_private_key(ec.SECP256R1())
    elif kind == "ed25519":
        key = ed25519.Ed25519PrivateKey.generate()
    else:
        raise SystemExit(f"gen_secrets: unknown key type {kind!r}")
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def amqp_url(user: str, password: str, host: str) -> str:
    return f"amqp://{quote(user, safe='')}:{quote(password, safe='')}@{host}:5672/"


def render_compose_env(example: str, key_type: str) -> str:
    """Fill the example: each `change-me` becomes a random value; AMQP_URL is rebuilt."""
    values: dict[str, str] = {}
    out: list[str] = []
    for line in example.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#") or "=" not in line:
            out.append(line)
            continue
        name, _, raw = line.partition("=")
        name = name.strip()
        value = raw.strip().strip('"')
        if name.endswith("JWT_PRIVATE_KEY") and value == PLACEHOLDER:
            pem = jwt_private_key_pem(key_type).replace("\n", "\\n")
            out.append(f'{name}="{pem}"')
            continue
        if value == PLACEHOLDER:
            value = fernet_key() if name == "SESSION_KEY" else token()
        if name == "AMQP_URL":
            value = amqp_url(
                values.get("RABBITMQ_DEFAULT_USER", "coop"), values.get("RABBITMQ_DEFAULT_PASS", ""), DEV_RABBITMQ_HOST
            )
        values[name] = value
        out.append(f"{name}={value}")
    return "\n".join(out) + "\n"


def dev_k8s_secrets(namespace: str, key_type: str) -> list[dict[str, Any]]:
    def secret(name: str, data: dict[str, str]) -> dict[str, Any]:
        return {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": name, "namespace": namespace, "labels": {"app.kubernetes.io/part-of": "coop"}},
            "type": "Opaque",
            "stringData": data,
        }

    rabbit_password = token()
    docs = [
        secret(
            "coop-amqp",
            {
                "username": "coop",
                "password": rabbit_password,
                "AMQP_URL": amqp_url("coop", rabbit_password, DEV_RABBITMQ_HOST),
            },
        )
    ]
    docs += [secret(f"{svc}-mongodb", {"connectionString.standard": DEV_MONGO_URL}) for svc in SERVICES]
    docs.append(
        secret(
            "members-secrets",
            {
                "JWT_PRIVATE_KEY": jwt_private_key_pem(key_type),
                "BOOTSTRAP_ADMIN_EMAIL": "admin@coop.localhost",
                "BOOTSTRAP_ADMIN_PASSWORD": token(),
            },
        )
    )
    docs.append(secret("portal-secrets", {"SESSION_KEY": fernet_key()}))
    docs.append(secret("governance-secrets", {"BALLOT_SEALING_KEY": token()}))
    docs.append(secret("notifications-secrets", {"WEBHOOK_SIGNING_KEY": token()}))
    docs.append(secret("coop-service-token", {"SERVICE_TOKEN_SECRET": token()}))
    docs.append(
        secret(
            "gateway-secrets",
            {"API_KEY_PEPPER": token(), "GATEWAY_JWT_PRIVATE_KEY": jwt_private_key_pem(key_type)},
        )
    )
    return docs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--jwt-key-type",
        choices=("rsa", "ec", "ed25519"),
        default="rsa",
        help="key type of the token-signing keys; the platform signs RS256, "
        "so keep the default (rsa, 3072 bits) unless that changes",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    ce = sub.add_parser("compose-env", help="write the docker-compose env file")
    ce.add_argument("--output", type=Path, default=REPO / "deploy" / "compose.env")
    ce.add_argument("--example", type=Path, default=EXAMPLE)
    ce.add_argument("--force", action="store_true", help="overwrite an existing file")
    kd = sub.add_parser("k8s-dev", help="print the Secrets of the dev overlay (YAML)")
    kd.add_argument("--namespace", default="coop-dev")
    args = parser.parse_args(argv)

    if args.command == "compose-env":
        if args.output.exists() and not args.force:
            print(f"gen_secrets: {args.output} exists; keeping it (use --force to replace it)", file=sys.stderr)
            return 0
        text = render_compose_env(args.example.read_text(encoding="utf-8"), args.jwt_key_type)
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.touch(mode=0o600)
        args.output.chmod(0o600)
        args.output.write_text(text, encoding="utf-8")
        print(f"gen_secrets: wrote {args.output} (mode 600; keep it out of git)", file=sys.stderr)
        return 0

    try:
        import yaml
    except ImportError as exc:  # pragma: no cover
        raise SystemExit(f"gen_secrets: PyYAML is missing ({exc})") from exc
    sys.stdout.write(yaml.safe_dump_all(dev_k8s_secrets(args.namespace, args.jwt_key_type), sort_keys=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
