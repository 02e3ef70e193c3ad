# Example values for candidate.pkr.hcl: packer build -var-file=candidate.pkrvars.hcl candidate.pkr.hcl
ssh_host             = "10.0.0.5"
ssh_username         = "root"
ssh_private_key_file = "keys/build_ed25519"
specs                = ["image-gate.yaml", "../../specs/debian-web-server.yaml"]
output_dir           = "driftspec-reports"
