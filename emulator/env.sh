# Sourced by run.sh and the scripts, or by hand before the AWS CLI (`source emulator/env.sh`): the
# standard AWS variables pointed at the local emulator (unless already set: the endpoint of the
# running ./run.sh, whatever its port, else http://127.0.0.1:4566), placeholder keys, and the
# functions' environment as template.yaml defines it. Nothing is read from or written to ~/.aws.
if [ -z "${AWS_ENDPOINT_URL:-}" ]; then
  AWS_ENDPOINT_URL="$("$(dirname "${BASH_SOURCE[0]}")/running-stack.sh" endpoint || echo http://127.0.0.1:4566)"
fi
: "${AWS_REGION:=${AWS_DEFAULT_REGION:-us-east-1}}"
: "${AWS_DEFAULT_REGION:=$AWS_REGION}"
# Emulators accept any credentials; these are placeholders, not secrets.
: "${AWS_ACCESS_KEY_ID:=test}"
: "${AWS_SECRET_ACCESS_KEY:=test}"
export AWS_ENDPOINT_URL AWS_REGION AWS_DEFAULT_REGION AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
eval "$(python3 "$(dirname "${BASH_SOURCE[0]}")/bootstrap.py" --env)"
