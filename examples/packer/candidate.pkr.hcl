# A candidate image, provisioned and then gated by driftspec over the build's own SSH connection.
# The gate writes JUnit, HTML and JSON reports (and drift reports, given a baseline) into
# var.output_dir; when it fails, the build fails and nothing is captured.
#
#   cd examples/packer
#   packer build -on-error=abort -var-file=candidate.pkrvars.hcl candidate.pkr.hcl
#
# The null source stands for the build VM here (any reachable machine); with a cloud or QEMU
# source the two provisioners stay the same, and build.SSHPrivateKey carries the temporary key
# such builders make.

variable "ssh_host" {
  type        = string
  description = "Address of the build instance."
}

variable "ssh_port" {
  type    = number
  default = 22
}

variable "ssh_username" {
  type    = string
  default = "root"
}

variable "ssh_private_key_file" {
  type        = string
  description = "Private key that logs in to the build instance."
}

variable "provision_scripts" {
  type        = list(string)
  default     = ["provision/harden-sshd.sh"]
  description = "Shell scripts that make the candidate, run on it in order."
}

variable "specs" {
  type        = list(string)
  default     = ["image-gate.yaml"]
  description = "Spec files the candidate must pass (paths without blanks)."
}

variable "driftspec_command" {
  type    = string
  default = "driftspec"
}

variable "output_dir" {
  type        = string
  default     = "driftspec-reports"
  description = "Where the gate's reports go: the build's artifacts."
}

variable "known_hosts_file" {
  type        = string
  default     = ""
  description = "known_hosts for the build instance; empty: its host key is trusted on first contact."
}

variable "policy_file" {
  type    = string
  default = ""
}

variable "image_id" {
  type    = string
  default = ""
}

variable "drift_baseline" {
  type        = string
  default     = ""
  description = "A snapshot of the last good image: the candidate is compared with it, and drift blocks."
}

variable "drift_ignore_file" {
  type    = string
  default = ""
}

source "null" "candidate" {
  ssh_host             = var.ssh_host
  ssh_port             = var.ssh_port
  ssh_username         = var.ssh_username
  ssh_private_key_file = var.ssh_private_key_file
}

build {
  sources = ["source.null.candidate"]

  provisioner "shell" {
    scripts = var.provision_scripts
  }

  provisioner "shell-local" {
    script = "${path.root}/driftspec-gate.sh"
    environment_vars = [
      "GATE_TARGET=ssh://${build.User}@${build.Host}:${build.Port}",
      "GATE_SSH_PRIVATE_KEY=${build.SSHPrivateKey}",
      "GATE_SSH_KEY_FILE=${var.ssh_private_key_file}",
      "GATE_KNOWN_HOSTS=${var.known_hosts_file}",
      "GATE_SPECS=${join(" ", var.specs)}",
      "GATE_OUTPUT_DIR=${var.output_dir}",
      "GATE_DRIFTSPEC=${var.driftspec_command}",
      "GATE_POLICY=${var.policy_file}",
      "GATE_IMAGE_ID=${var.image_id}",
      "GATE_BASELINE=${var.drift_baseline}",
      "GATE_DRIFT_IGNORE=${var.drift_ignore_file}",
    ]
  }
}
