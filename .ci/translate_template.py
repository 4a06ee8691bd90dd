"""Print template.yaml as CloudFormation sees it after the SAM transform (JSON on stdout).

checkov reads a SAM template's AWS::Serverless::Function resources itself, but not what SAM generates
from them: the execution roles and their policies, the event source mappings, the SNS subscriptions and
permissions. `make lint` runs checkov on this output too, so those are checked as they will be deployed.

Offline: the code locations become placeholder S3 URIs (as `sam package` would make them), and no
managed-policy names need resolving (the template uses none), so no AWS account is needed.

    python .ci/translate_template.py [template.yaml] > translated.json
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from samcli.yamlhelper import yaml_parse
from samtranslator.translator.transform import transform

PLACEHOLDER_CODE = {
    "AWS::Serverless::Function": ("CodeUri", "s3://placeholder-bucket/function.zip"),
    "AWS::Serverless::LayerVersion": ("ContentUri", "s3://placeholder-bucket/layer.zip"),
}


class NoManagedPolicies:
    """The managed-policy loader SAM asks when a policy is named, not given by ARN: there are none here."""

    def load(self) -> dict[str, str]:
        return {}


def translate(template_path: Path) -> dict[str, Any]:
    template: dict[str, Any] = yaml_parse(template_path.read_text(encoding="utf-8"))
    for resource in template.get("Resources", {}).values():
        code = PLACEHOLDER_CODE.get(resource.get("Type"))
        if code:
            resource.setdefault("Properties", {})[code[0]] = code[1]
    # SAM builds ARNs for the current partition: a region is all it needs.
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    translated: dict[str, Any] = transform(template, {}, NoManagedPolicies())
    return translated


def main() -> None:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "template.yaml")
    json.dump(translate(path), sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
