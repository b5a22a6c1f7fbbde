# Build targets for `sam build` (template.yaml uses BuildMethod: makefile); SAM sets ARTIFACTS_DIR.
.PHONY: build-ApiFunction build-WorkerFunction build-OpenCvLayer

build-ApiFunction:
	./scripts/publish-aot.sh api
	cp artifacts/aot/api/bootstrap "$(ARTIFACTS_DIR)/"

build-WorkerFunction:
	./scripts/publish-aot.sh worker
	cp artifacts/aot/worker/bootstrap "$(ARTIFACTS_DIR)/"

build-OpenCvLayer:
	./scripts/build-layer.sh
	cp -r artifacts/layer/lib artifacts/layer/licenses "$(ARTIFACTS_DIR)/"
