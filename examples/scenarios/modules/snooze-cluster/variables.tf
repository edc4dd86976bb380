variable "name" {
  description = "Prefix of the VM names (each VM is <name>-<n>); VM names must be unique in Snooze."
  type        = string
}

variable "size" {
  description = "Number of VMs."
  type        = number
  default     = 1
}

variable "vcpus" {
  description = "Virtual CPUs per VM."
  type        = number
  default     = 1
}

variable "memory" {
  description = "Memory per VM, in KiB."
  type        = number
  default     = 262144
}

variable "image_id" {
  description = "Disk image to boot, by its id in Snooze's image repository."
  type        = string
  default     = "debian.qcow2"
}

variable "spread" {
  description = "Place the VMs round-robin over the active hosts instead of letting Snooze choose."
  type        = bool
  default     = false
}
