variable "golden_record_path" {
  description = "The golden record written by driftspec promote (its imageId is deployed)"
  type        = string
  default     = "golden.json"
}

variable "instance_type" {
  description = "EC2 instance type of the web server"
  type        = string
  default     = "t3.small"
}

variable "subnet_id" {
  description = "Subnet the web server is placed in"
  type        = string
}

variable "name" {
  description = "Name tag of the instance"
  type        = string
  default     = "web"
}
