# infidraw on k3s: the apps behind one nginx, applied with `terraform apply`.

variable "namespace" {
  default = "infidraw"
}

variable "registry" {
  default = "registry.home.lan/infidraw"
}

variable "app_version" {
  default = "2.6.1"
}

locals {
  health_path = "/health"
}

resource "kubernetes_namespace" "infidraw" {
  metadata {
    name = var.namespace
  }
}
