#!/bin/bash
# LocalStack ready hook: creates the pipeline's buckets, queues and notification from template.yaml.
set -euo pipefail
export AWS_ENDPOINT_URL=http://localhost:4566 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
export AWS_REGION="${AWS_DEFAULT_REGION:-us-east-1}"
# LocalStack's own virtualenv has boto3 and PyYAML.
python=/opt/code/localstack/.venv/bin/python
[ -x "$python" ] || python=python3
"$python" /pipeline/emulator/bootstrap.py --template /pipeline/template.yaml
