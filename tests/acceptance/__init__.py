"""The provider and the runtime driven by the real Terraform engines."""
