.PHONY: test
test:
	cargo test --workspace --exclude flowverify-web
