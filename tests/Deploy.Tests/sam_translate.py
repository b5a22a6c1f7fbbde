#!/usr/bin/env python3
"""Prints template.yaml as CloudFormation JSON, translated by the SAM translator cfn-lint uses.

Local code paths become placeholder S3 URIs (the translator accepts nothing else); everything
else is what `sam deploy` would hand CloudFormation, parameters unresolved.

    python3 tests/Deploy.Tests/sam_translate.py [template.yaml]
"""
import json
import sys

from cfnlint.data import Serverless
from cfnlint.decode import cfn_yaml
from cfnlint.helpers import load_resource
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator

_CODE = {"AWS::Serverless::Function": "CodeUri", "AWS::Serverless::LayerVersion": "ContentUri"}


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "template.yaml"
    template = json.loads(json.dumps(cfn_yaml.load(path)))
    for resource in template["Resources"].values():
        key = _CODE.get(resource["Type"])
        if key:
            resource["Properties"][key] = "s3://placeholder/code.zip"
    translator = Translator(managed_policy_map=load_resource(Serverless, "ManagedPolicies.json"), sam_parser=Parser())
    json.dump(translator.translate(sam_template=template, parameter_values={}), sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
