"""Vendor-shaped OCSF events, written for these tests after the vendors' published mappings.

Each sample is paired with the graph an analyst expects from it: every IP, host, user,
account, e-mail address, process, file and resource it names, linked one hop from its
Event node, and no placeholder as an entity.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

T = 1710410400000  # 2024-03-14T10:00:00Z in epoch milliseconds
ACCOUNT = "123456789012"
ZEEK_UID = "CHhAvVGS1DHFjwGM9"


@dataclass(frozen=True)
class Sample:
    name: str
    event: dict[str, Any]
    links: frozenset[tuple[str, str]]
    associations: frozenset[tuple[str, str]] = field(default_factory=frozenset)


def _aws(product: str, uid: str) -> dict[str, Any]:
    return {
        "product": {"name": product, "vendor_name": "AWS", "version": "1.09"},
        "uid": uid,
        "version": "1.1.0",
        "profiles": ["cloud", "datetime"],
    }


CLOUDTRAIL_LOGIN = Sample(
    "cloudtrail 3002 console login",
    {
        "class_uid": 3002,
        "category_uid": 3,
        "activity_id": 1,
        "type_uid": 300201,
        "time": T,
        "severity_id": 1,
        "status": "Success",
        "status_id": 1,
        "metadata": {
            **_aws("CloudTrail", "5d2bc0e8-a3f7-4bde-9b84-4e8f0a1c0001"),
            "event_code": "ConsoleLogin",
        },
        "cloud": {"region": "us-east-1", "provider": "AWS"},
        "api": {"operation": "ConsoleLogin", "service": {"name": "signin.amazonaws.com"}},
        "actor": {
            "user": {
                "type": "IAMUser",
                "name": "alice",
                "uid": "AIDAEXAMPLEALICE",
                "uid_alt": "arn:aws:iam::123456789012:user/alice",
                "account": {"uid": ACCOUNT, "type": "AWS Account"},
                "credential_uid": "ASIAEXAMPLE",
            }
        },
        "user": {"uid": "AIDAEXAMPLEALICE", "type": "IAMUser"},
        "src_endpoint": {"ip": "198.51.100.7"},
        "http_request": {"user_agent": "Mozilla/5.0 (X11; Linux x86_64)"},
        "dst_endpoint": {"svc_name": "https://console.aws.amazon.com/console/home"},
        "is_mfa": False,
        "unmapped": {
            "additionalEventData.LoginTo": "https://console.aws.amazon.com/",
            "ip": "192.0.2.99",
        },
    },
    frozenset(
        {
            ("HAS_PRINCIPAL", "User:AIDAEXAMPLEALICE"),
            ("HAS_USER", "User:AIDAEXAMPLEALICE"),
            ("HAS_ACCOUNT", f"Account:aws/{ACCOUNT}"),
            ("HAS_SOURCE", "IP:198.51.100.7"),
        }
    ),
    frozenset({("IP:198.51.100.7", "User:AIDAEXAMPLEALICE")}),
)

CLOUDTRAIL_API = Sample(
    "cloudtrail 6003 s3 put",
    {
        "class_uid": "6003",
        "category_uid": "6",
        "activity_id": 2,
        "time": "2024-03-14T10:00:05Z",
        "severity_id": 1,
        "status": "Success",
        "metadata": {
            **_aws("CloudTrail", "b0c1d2e3-0000-4000-8000-000000000002"),
            "event_code": "PutObject",
        },
        "cloud": {"region": "eu-west-1", "provider": "AWS", "account": {"uid": ACCOUNT}},
        "api": {"operation": "PutObject", "service": {"name": "s3.amazonaws.com"}},
        "actor": {
            "user": {
                "type": "AssumedRole",
                "name": "deploy-bot",
                "uid": "AROAEXAMPLE:deploy-bot",
                "account": {"uid": ACCOUNT},
                "credential_uid": "ASIADEPLOY",
            },
            "session": {"issuer": "arn:aws:iam::123456789012:role/deploy", "is_mfa": False},
        },
        "src_endpoint": {"ip": "203.0.113.44", "domain": "-"},
        "resources": [
            {
                "uid": "arn:aws:s3:::prod-artifacts",
                "type": "AWS::S3::Bucket",
                "owner": {"account": {"uid": ACCOUNT}},
            },
            {"uid": "arn:aws:s3:::prod-artifacts/releases/app.tar.gz", "type": "AWS::S3::Object"},
        ],
    },
    frozenset(
        {
            ("HAS_PRINCIPAL", "User:AROAEXAMPLE:deploy-bot"),
            ("HAS_ACCOUNT", f"Account:aws/{ACCOUNT}"),
            ("HAS_SOURCE", "IP:203.0.113.44"),
            ("HAS_RESOURCE", "Resource:arn:aws:s3:::prod-artifacts"),
            ("HAS_RESOURCE", "Resource:arn:aws:s3:::prod-artifacts/releases/app.tar.gz"),
        }
    ),
)

VPC_FLOW = Sample(
    "vpc flow with instance_uid",
    {
        "class_uid": 4001,
        "category_uid": 4,
        "activity_id": 6,
        "time": 1710410400,
        "severity_id": 1,
        "metadata": {
            "product": {"name": "Amazon VPC", "vendor_name": "AWS", "version": "v5"},
            "version": "1.1.0",
        },
        "cloud": {
            "account": {"uid": ACCOUNT},
            "region": "us-east-1",
            "zone": "use1-az1",
            "provider": "AWS",
        },
        "src_endpoint": {
            "port": 443,
            "svc_name": "-",
            "ip": "10.0.1.5",
            "interface_uid": "eni-0abc1234",
            "vpc_uid": "vpc-0123",
            "instance_uid": "i-0abc123def456",
            "subnet_uid": "subnet-01",
        },
        "dst_endpoint": {
            "port": 51234,
            "svc_name": "-",
            "ip": "52.94.1.2",
            "instance_uid": "-",
            "subnet_uid": "-",
        },
        "connection_info": {
            "protocol_num": 6,
            "direction_id": 2,
            "direction": "Outbound",
            "boundary": "-",
        },
        "traffic": {"packets": 10, "bytes": 840},
        "disposition": "Allowed",
    },
    frozenset(
        {
            ("HAS_SOURCE", "IP:10.0.1.5"),
            ("HAS_SOURCE", "Host:i-0abc123def456"),
            ("HAS_DESTINATION", "IP:52.94.1.2"),
            ("HAS_ACCOUNT", f"Account:aws/{ACCOUNT}"),
        }
    ),
)

ROUTE53 = Sample(
    "route 53 resolver query",
    {
        "class_uid": 4003,
        "category_uid": 4,
        "activity_id": 2,
        "time": T,
        "severity_id": 1,
        "metadata": {"product": {"name": "Route 53", "vendor_name": "AWS"}, "version": "1.1.0"},
        "cloud": {"account": {"uid": ACCOUNT}, "region": "us-east-1", "provider": "AWS"},
        "src_endpoint": {
            "vpc_uid": "vpc-0123",
            "ip": "10.0.1.5",
            "port": "53001",
            "instance_uid": "i-0abc123def456",
        },
        "dst_endpoint": {"instance_uid": "-", "interface_uid": "rni-0ff"},
        "query": {"hostname": "Updates.Example.COM.", "type": "A", "class": "IN"},
        "rcode": "NoError",
        "answers": [
            {"type": "A", "rdata": "93.184.216.34", "class": "IN"},
            {"type": "CNAME", "rdata": "cdn.example.net."},
        ],
        "connection_info": {"protocol_name": "UDP", "protocol_ver": "IPv4"},
    },
    frozenset(
        {
            ("HAS_SOURCE", "IP:10.0.1.5"),
            ("HAS_SOURCE", "Host:i-0abc123def456"),
            ("QUERIED", "Domain:updates.example.com"),
            ("RESOLVED_TO", "IP:93.184.216.34"),
            ("RESOLVED_TO", "Domain:cdn.example.net"),
            ("HAS_ACCOUNT", f"Account:aws/{ACCOUNT}"),
        }
    ),
)

SECURITY_HUB = Sample(
    "security hub finding with singular resource (OCSF 1.0)",
    {
        "class_uid": 2001,
        "category_uid": 2,
        "activity_id": 1,
        "time": T,
        "severity_id": 3,
        "state_id": 1,
        "metadata": {"product": {"name": "Security Hub", "vendor_name": "AWS"}, "version": "1.0.0"},
        "cloud": {"account_uid": ACCOUNT, "region": "us-east-1", "provider": "AWS"},
        "finding": {
            "title": "EC2 instance has a public IP address",
            "uid": "arn:aws:securityhub:us-east-1:123456789012:finding/ab12",
            "types": ["Software and Configuration Checks"],
        },
        "resource": {
            "uid": "arn:aws:ec2:us-east-1:123456789012:instance/i-0abc123def456",
            "type": "AwsEc2Instance",
            "region": "us-east-1",
            "cloud_partition": "aws",
        },
        "compliance": {"status": "FAILED"},
    },
    frozenset(
        {
            (
                "HAS_RESOURCE",
                "Resource:arn:aws:ec2:us-east-1:123456789012:instance/i-0abc123def456",
            ),
            ("HAS_ACCOUNT", f"Account:aws/{ACCOUNT}"),
        }
    ),
)

_WINDOWS_META = {
    "product": {"name": "Microsoft Windows", "vendor_name": "Microsoft"},
    "version": "1.1.0",
}
_WS = "Host:ws-042.corp.example.com"

WINDOWS_4624 = Sample(
    "windows 4624 logon with '-' address",
    {
        "class_uid": 3002,
        "activity_id": 1,
        "time": "2024-03-14T10:00:00.1234567Z",
        "severity_id": 1,
        "status_id": 1,
        "metadata": {**_WINDOWS_META, "event_code": "4624", "uid": "4624-0001"},
        "device": {"hostname": "WS-042.corp.example.com", "type_id": 2},
        "actor": {
            "user": {"uid": "S-1-5-18", "name": "WS-042$", "domain": "CORP"},
            "process": {"pid": "0x27c", "file": {"path": "C:\\Windows\\System32\\services.exe"}},
        },
        "user": {
            "uid": "S-1-5-21-3623811015-3361044348-30300820-1104",
            "name": "alice",
            "domain": "CORP",
        },
        "logon_type_id": 3,
        "logon_process": {"name": "NtLmSsp "},
        "src_endpoint": {"ip": "-", "hostname": "-", "port": "-"},
        "auth_protocol": "NTLM",
    },
    frozenset(
        {
            ("ON_DEVICE", _WS),
            ("HAS_PRINCIPAL", f"User@{_WS}/S-1-5-18"),
            ("HAS_ACTOR_PROCESS", f"Process@{_WS}/636/services.exe"),
            ("HAS_FILE", f"File@{_WS}/C:\\Windows\\System32\\services.exe"),
            ("HAS_USER", "User:S-1-5-21-3623811015-3361044348-30300820-1104"),
            ("HAS_LOGON_PROCESS", f"Process@{_WS}//ntlmssp"),
        }
    ),
)

WINDOWS_4625 = Sample(
    "windows 4625 failed logon with NULL SID and '-'",
    {
        "class_uid": 3002,
        "activity_id": 1,
        "time": 1710410400123456,  # microseconds
        "severity_id": 3,
        "status_id": 2,
        "status": "Failure",
        "status_detail": "0xC000006A",
        "metadata": {**_WINDOWS_META, "event_code": "4625"},
        "device": {"hostname": "DC01", "ip": "-"},
        "actor": {"user": {"uid": "S-1-0-0", "name": "-", "domain": "-"}},
        "user": {"uid": "NULL SID", "name": "bob", "domain": "CORP"},
        "src_endpoint": {"ip": "10.20.30.40", "hostname": "---", "port": 0},
        "logon_type_id": 3,
    },
    frozenset(
        {
            ("ON_DEVICE", "Host:dc01"),
            ("HAS_USER", "User:corp\\bob"),
            ("HAS_SOURCE", "IP:10.20.30.40"),
        }
    ),
)

WINDOWS_4688 = Sample(
    "windows 4688 process creation without uid",
    {
        "class_uid": 1007,
        "activity_id": 1,
        "time": T,
        "severity_id": 1,
        "metadata": {**_WINDOWS_META, "event_code": "4688"},
        "device": {"hostname": "WS-042.corp.example.com"},
        "actor": {
            "user": {
                "uid": "S-1-5-21-3623811015-3361044348-30300820-1104",
                "name": "alice",
                "domain": "CORP",
            },
            "process": {
                "pid": 4120,
                "file": {"path": "C:\\Windows\\explorer.exe", "name": "explorer.exe"},
            },
        },
        "process": {
            "pid": "0x1e6c",
            "file": {"path": "C:\\Windows\\System32\\cmd.exe", "name": "cmd.exe"},
            "cmd_line": "cmd.exe /c whoami /all",
            "parent_process": {"pid": 4120, "file": {"path": "C:\\Windows\\explorer.exe"}},
        },
    },
    frozenset(
        {
            ("ON_DEVICE", _WS),
            ("HAS_PRINCIPAL", "User:S-1-5-21-3623811015-3361044348-30300820-1104"),
            ("HAS_ACTOR_PROCESS", f"Process@{_WS}/4120/explorer.exe"),
            ("HAS_PARENT_PROCESS", f"Process@{_WS}/4120/explorer.exe"),
            ("HAS_PROCESS", f"Process@{_WS}/7788/cmd.exe"),
            ("HAS_FILE", f"File@{_WS}/C:\\Windows\\System32\\cmd.exe"),
            ("HAS_FILE", f"File@{_WS}/C:\\Windows\\explorer.exe"),
        }
    ),
)

WINDOWS_4663 = Sample(
    "windows 4663 file access without uid",
    {
        "class_uid": 1001,
        "activity_id": 2,
        "time": T,
        "severity_id": 1,
        "metadata": {**_WINDOWS_META, "event_code": "4663"},
        "device": {"hostname": "FS01"},
        "actor": {
            "user": {"uid": "S-1-5-21-1-2-3-1105", "name": "carol", "domain": "CORP"},
            "process": {"pid": 6700, "name": "winword.exe"},
        },
        "file": {"name": "payroll.xlsx", "parent_folder": "D:\\Shares\\HR", "type_id": 1},
    },
    frozenset(
        {
            ("ON_DEVICE", "Host:fs01"),
            ("HAS_PRINCIPAL", "User:S-1-5-21-1-2-3-1105"),
            ("HAS_ACTOR_PROCESS", "Process@Host:fs01/6700/winword.exe"),
            ("HAS_FILE", "File@Host:fs01/D:\\Shares\\HR\\payroll.xlsx"),
        }
    ),
)

M365_EMAIL = Sample(
    "microsoft 365 message trace 4009",
    {
        "class_uid": 4009,
        "activity_id": 2,
        "time": "2024-03-14T10:00:00Z",
        "severity_id": 1,
        "metadata": {
            "product": {"name": "Exchange Online", "vendor_name": "Microsoft"},
            "uid": "mt-7f3a",
            "version": "1.1.0",
        },
        "email": {
            "uid": "7f3a0b4c-0000-4000-8000-00000000abcd",
            "message_uid": "<CAF=abc@mail.external.example>",
            "from": "Mallory Billing <billing@external.example>",
            "to": ["alice@corp.example", "Bob Smith <Bob@Corp.Example>"],
            "cc": ["carol@corp.example"],
            "smtp_from": "bounce@external.example",
            "smtp_to": ["alice@corp.example"],
            "subject": "Overdue invoice",
            "x_originating_ip": ["203.0.113.9"],
        },
        "src_endpoint": {"ip": "203.0.113.9"},
        "direction_id": 1,
    },
    frozenset(
        {
            ("HAS_FROM", "Email:billing@external.example"),
            ("HAS_TO", "Email:alice@corp.example"),
            ("HAS_TO", "Email:bob@corp.example"),
            ("HAS_CC", "Email:carol@corp.example"),
            ("HAS_SMTP_FROM", "Email:bounce@external.example"),
            ("HAS_SMTP_TO", "Email:alice@corp.example"),
            ("HAS_X_ORIGINATING_IP", "IP:203.0.113.9"),
            ("HAS_SOURCE", "IP:203.0.113.9"),
        }
    ),
)

_ZEEK_META = {
    "product": {"name": "Zeek", "vendor_name": "Zeek"},
    "uid": ZEEK_UID,
    "version": "1.1.0",
}

ZEEK_CONN = Sample(
    "zeek conn",
    {
        "class_uid": 4001,
        "activity_id": 6,
        "time": 1710410400.123456,
        "metadata": _ZEEK_META,
        "src_endpoint": {"ip": "10.0.0.5", "port": 51514},
        "dst_endpoint": {"ip": "93.184.216.34", "port": 80},
        "connection_info": {"protocol_name": "tcp"},
    },
    frozenset({("HAS_SOURCE", "IP:10.0.0.5"), ("HAS_DESTINATION", "IP:93.184.216.34")}),
)

ZEEK_DNS = Sample(
    "zeek dns",
    {
        "class_uid": 4003,
        "activity_id": 2,
        "time": 1710410400.1,
        "metadata": _ZEEK_META,
        "src_endpoint": {"ip": "10.0.0.5", "port": 53533},
        "dst_endpoint": {"ip": "10.0.0.2", "port": 53},
        "query": {"hostname": "example.com", "type": "A"},
        "answers": [{"rdata": "93.184.216.34", "type": "A"}],
    },
    frozenset(
        {
            ("HAS_SOURCE", "IP:10.0.0.5"),
            ("HAS_DESTINATION", "IP:10.0.0.2"),
            ("QUERIED", "Domain:example.com"),
            ("RESOLVED_TO", "IP:93.184.216.34"),
        }
    ),
)

ZEEK_HTTP = Sample(
    "zeek http",
    {
        "class_uid": 4002,
        "activity_id": 3,
        "time": 1710410400.2,
        "metadata": _ZEEK_META,
        "src_endpoint": {"ip": "10.0.0.5", "port": 51514},
        "dst_endpoint": {"ip": "93.184.216.34", "port": 80},
        "http_request": {
            "http_method": "GET",
            "url": {
                "url_string": "http://example.com/index.html",
                "hostname": "example.com",
                "path": "/index.html",
            },
            "user_agent": "curl/8.5.0",
        },
        "http_response": {"code": 200},
    },
    frozenset(
        {
            ("HAS_SOURCE", "IP:10.0.0.5"),
            ("HAS_DESTINATION", "IP:93.184.216.34"),
            ("HAS_URL", "Url:http://example.com/index.html"),
            ("HAS_DOMAIN", "Domain:example.com"),
        }
    ),
)

OKTA = Sample(
    "okta sign-in",
    {
        "class_uid": 3002,
        "category_uid": 3,
        "activity_id": 1,
        "time": "2024-03-14T10:00:00.123Z",
        "severity_id": 1,
        "status_id": 1,
        "metadata": {
            "product": {"name": "Okta System Log", "vendor_name": "Okta"},
            "uid": "okta-9f8e",
            "version": "1.0.0",
        },
        "actor": {
            "user": {
                "uid": "00u1abcdEFGH",
                "name": "alice@corp.example",
                "email_addr": "alice@corp.example",
                "type": "User",
            },
            "session": {"uid": "102abc", "uid_alt": "trs-xyz"},
        },
        "user": {"uid": "00u1abcdEFGH", "name": "alice@corp.example"},
        "src_endpoint": {"ip": "198.51.100.23", "location": {"city": "Lisbon", "country": "PT"}},
        "http_request": {"user_agent": "Mozilla/5.0"},
        "auth_protocol": "FIDO2",
        "dst_endpoint": {"svc_name": "Okta Dashboard"},
    },
    frozenset(
        {
            ("HAS_PRINCIPAL", "User:00u1abcdEFGH"),
            ("HAS_USER", "User:00u1abcdEFGH"),
            ("HAS_EMAIL_ADDR", "Email:alice@corp.example"),
            ("HAS_SOURCE", "IP:198.51.100.23"),
        }
    ),
    frozenset({("IP:198.51.100.23", "User:00u1abcdEFGH")}),
)

QRADAR_OFFENSE = Sample(
    "qradar offense with only observables",
    {
        "class_uid": 2004,
        "category_uid": 2,
        "activity_id": 1,
        "time": T,
        "severity_id": 4,
        "metadata": {"product": {"name": "QRadar", "vendor_name": "IBM"}, "version": "1.1.0"},
        "finding_info": {"uid": "offense-42", "title": "Multiple Login Failures for the Same User"},
        "observables": [
            {"name": "src_endpoint.ip", "type_id": 2, "value": "10.1.2.3"},
            {"name": "dst_endpoint.ip", "type_id": 2, "value": "10.1.2.4"},
            {"name": "offense_source", "type": "IP Address", "value": "10.1.2.5"},
            {"name": "username", "type_id": 4, "value": "CORP\\dave"},
            {"name": "magnitude", "type_id": 99, "value": "7"},
        ],
    },
    frozenset(
        {
            ("HAS_OBSERVABLE", "IP:10.1.2.3"),
            ("HAS_OBSERVABLE", "IP:10.1.2.4"),
            ("HAS_OBSERVABLE", "IP:10.1.2.5"),
            ("HAS_OBSERVABLE", "User:corp\\dave"),
        }
    ),
)

ORIGINAL_PROJECT = Sample(
    "the original project's src/dst/principal event",
    {
        "class_uid": 3002,
        "time": "2024-03-14T10:00:00Z",
        "src": {"id": "src-1234", "type": "IP", "ip": "192.168.1.100"},
        "dst": {"id": "dst-5678", "type": "IP", "ip": "10.0.0.5"},
        "principal": {"id": "user-9012", "type": "User", "name": "admin", "domain": "test.local"},
    },
    frozenset(
        {
            ("HAS_SOURCE", "IP:192.168.1.100"),
            ("HAS_DESTINATION", "IP:10.0.0.5"),
            ("HAS_PRINCIPAL", "User:user-9012"),
        }
    ),
)

SAMPLES: tuple[Sample, ...] = (
    CLOUDTRAIL_LOGIN,
    CLOUDTRAIL_API,
    VPC_FLOW,
    ROUTE53,
    SECURITY_HUB,
    WINDOWS_4624,
    WINDOWS_4625,
    WINDOWS_4688,
    WINDOWS_4663,
    M365_EMAIL,
    ZEEK_CONN,
    ZEEK_DNS,
    ZEEK_HTTP,
    OKTA,
    QRADAR_OFFENSE,
    ORIGINAL_PROJECT,
)
