# Deploys the image the golden record names, and no other: the AMI comes only from the record that
# `driftspec promote` writes after the gate and the drift comparison passed (docs/pipelines.md).

terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}

locals {
  golden = jsondecode(file(var.golden_record_path))
  # Packer's amazon-ebs artifact id is "region:ami-…"; the golden record keeps it as Packer reported it.
  image_id = regex("ami-[0-9a-f]+$", local.golden.imageId)
}

resource "aws_instance" "web" {
  ami           = local.image_id
  instance_type = var.instance_type
  subnet_id     = var.subnet_id

  tags = {
    Name                   = var.name
    "driftspec:promotedAt" = local.golden.promotedAt
  }

  lifecycle {
    precondition {
      condition     = local.golden.schemaVersion == 1
      error_message = "${var.golden_record_path}: expected schemaVersion 1, found ${local.golden.schemaVersion}."
    }
    precondition {
      condition     = local.golden.run.exitCode == 0
      error_message = "${var.golden_record_path}: the run exited ${local.golden.run.exitCode}; not a promoted image."
    }
  }
}
