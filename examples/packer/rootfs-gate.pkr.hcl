# The chroot-style flow: the image is a root directory on the build machine (what Packer's chroot
# builder mounts, or debootstrap and friends write). The candidate is provisioned inside it with
# chroot, driftspec checks it as a `rootfs:` target before capture, and only a passing root is
# captured (here as a tar archive). Needs root, like the chroot builder.
#
#   cd examples/packer
#   sudo packer build -on-error=abort -var image_root=/srv/build/root -var capture_to=/srv/images/web.tar \
#     rootfs-gate.pkr.hcl

variable "image_root" {
  type        = string
  description = "The image's root directory, provisioned in place."
}

variable "capture_to" {
  type        = string
  description = "The archive the root is captured into when it passes the gate."
}

variable "provision_scripts" {
  type        = list(string)
  default     = ["provision/harden-sshd.sh"]
  description = "Shell scripts run inside the root (chroot), in order."
}

variable "specs" {
  type        = list(string)
  default     = ["image-gate.yaml"]
  description = "Spec files the root must pass (paths without blanks)."
}

variable "driftspec_command" {
  type    = string
  default = "driftspec"
}

variable "output_dir" {
  type    = string
  default = "driftspec-reports"
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
  type    = string
  default = ""
}

variable "drift_ignore_file" {
  type    = string
  default = ""
}

source "null" "image_root" {
  communicator = "none"
}

build {
  sources = ["source.null.image_root"]

  # Paths reach the shell as environment variables or single-quoted, so blanks and quotes in them are safe.
  provisioner "shell-local" {
    environment_vars = ["IMAGE_ROOT=${var.image_root}"]
    inline = [
      for script in var.provision_scripts : "chroot \"$IMAGE_ROOT\" /bin/sh -s < '${replace(script, "'", "'\\''")}'"
    ]
  }

  provisioner "shell-local" {
    script = "${path.root}/driftspec-gate.sh"
    environment_vars = [
      "GATE_TARGET=rootfs:${var.image_root}",
      "GATE_SPECS=${join(" ", var.specs)}",
      "GATE_OUTPUT_DIR=${var.output_dir}",
      "GATE_DRIFTSPEC=${var.driftspec_command}",
      "GATE_POLICY=${var.policy_file}",
      "GATE_IMAGE_ID=${var.image_id}",
      "GATE_BASELINE=${var.drift_baseline}",
      "GATE_DRIFT_IGNORE=${var.drift_ignore_file}",
    ]
  }

  # Capture: only reached when the gate passed. Written beside its final name, then renamed.
  provisioner "shell-local" {
    environment_vars = ["IMAGE_ROOT=${var.image_root}", "CAPTURE_TO=${var.capture_to}"]
    inline = [
      "tar --numeric-owner --xattrs -C \"$IMAGE_ROOT\" -cpf \"$CAPTURE_TO.partial\" .",
      "mv \"$CAPTURE_TO.partial\" \"$CAPTURE_TO\"",
    ]
  }
}
