"""Test support: the Terraform engines, provider mirrors, and a test-only provider."""
