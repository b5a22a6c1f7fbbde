# Sourced by run.sh and the scripts: the standard AWS variables pointed at the local emulator
# (unless already set) and the functions' environment as template.yaml defines it.
: "${AWS_ENDPOINT_URL:=http://127.0.0.1:4566}"
: "${AWS_REGION:=${AWS_DEFAULT_REGION:-us-east-1}}"
: "${AWS_DEFAULT_REGION:=$AWS_REGION}"
# Emulators accept any credentials; these are placeholders, not secrets.
: "${AWS_ACCESS_KEY_ID:=test}"
: "${AWS_SECRET_ACCESS_KEY:=test}"
export AWS_ENDPOINT_URL AWS_REGION AWS_DEFAULT_REGION AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
eval "$(python3 "$(dirname "${BASH_SOURCE[0]}")/bootstrap.py" --env)"
