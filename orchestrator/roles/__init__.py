"""The roles and vulnerabilities a scenario may name, and what each says about itself."""
