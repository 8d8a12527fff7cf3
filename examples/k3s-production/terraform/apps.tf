# event-store: two replicas, probed on /health; nginx retries the other pod on a 502.
resource "kubernetes_deployment" "event_store" {
  metadata {
    name      = "event-store"
    namespace = var.namespace
  }
  spec {
    replicas = 2
    selector {
      match_labels = {
        app = "event-store"
      }
    }
    template {
      metadata {
        labels = {
          app = "event-store"
        }
      }
      spec {
        container {
          name  = "event-store"
          image = "${var.registry}/event-store:${var.app_version}"
          port {
            container_port = 8000
            name           = "http"
          }
          readiness_probe {
            http_get {
              path = local.health_path
              port = "http"
            }
            period_seconds = 5
          }
          liveness_probe {
            http_get {
              path = local.health_path
              port = "http"
            }
            initial_delay_seconds = 20
          }
          resources {
            limits = {
              memory = "512Mi"
            }
            requests = {
              cpu    = "100m"
              memory = "256Mi"
            }
          }
        }
      }
    }
  }
}

resource "kubernetes_service" "event_store" {
  metadata {
    name      = "event-store"
    namespace = var.namespace
  }
  spec {
    selector = {
      app = "event-store"
    }
    port {
      port        = 80
      target_port = "http"
    }
  }
}

# tile-service: renders tiles; slow to start (loads the tile cache) and has no readiness probe.
resource "kubernetes_deployment" "tile_service" {
  metadata {
    name      = "tile-service"
    namespace = var.namespace
  }
  spec {
    replicas = 2
    selector {
      match_labels = {
        app = "tile-service"
      }
    }
    template {
      metadata {
        labels = {
          app = "tile-service"
        }
      }
      spec {
        container {
          name  = "tile-service"
          image = "${var.registry}/tile-service:${var.app_version}"
          port {
            container_port = 8081
          }
          liveness_probe {
            http_get {
              path = local.health_path
              port = 8081
            }
            initial_delay_seconds = 30
          }
          resources {
            limits = {
              memory = "1Gi"
            }
            requests = {
              cpu    = "200m"
              memory = "512Mi"
            }
          }
        }
      }
    }
  }
}

resource "kubernetes_service" "tile_service" {
  metadata {
    name      = "tile-service"
    namespace = var.namespace
  }
  spec {
    selector = {
      app = "tile-service"
    }
    port {
      port        = 80
      target_port = 8081
    }
  }
}

# realtime-service: websocket fan-out of drawing events.
resource "kubernetes_deployment" "realtime_service" {
  metadata {
    name      = "realtime-service"
    namespace = var.namespace
  }
  spec {
    replicas = 1
    selector {
      match_labels = {
        app = "realtime-service"
      }
    }
    template {
      metadata {
        labels = {
          app = "realtime-service"
        }
      }
      spec {
        container {
          name  = "realtime-service"
          image = "${var.registry}/realtime-service:${var.app_version}"
          port {
            container_port = 8002
            name           = "ws"
          }
          readiness_probe {
            http_get {
              path = local.health_path
              port = "ws"
            }
          }
          resources {
            limits = {
              memory = "256Mi"
            }
            requests = {
              cpu    = "50m"
              memory = "128Mi"
            }
          }
        }
      }
    }
  }
}

resource "kubernetes_service" "realtime_service" {
  metadata {
    name      = "realtime-service"
    namespace = var.namespace
  }
  spec {
    selector = {
      app = "realtime-service"
    }
    port {
      port        = 80
      target_port = "ws"
    }
  }
}

# metrics-service: Prometheus scrape endpoint for the board's usage counters.
resource "kubernetes_deployment" "metrics_service" {
  metadata {
    name      = "metrics-service"
    namespace = var.namespace
  }
  spec {
    replicas = 1
    selector {
      match_labels = {
        app = "metrics-service"
      }
    }
    template {
      metadata {
        labels = {
          app = "metrics-service"
        }
      }
      spec {
        container {
          name  = "metrics-service"
          image = "${var.registry}/metrics-service:${var.app_version}"
          port {
            container_port = 9100
            name           = "metrics"
          }
          readiness_probe {
            http_get {
              path = "/metrics"
              port = "metrics"
            }
          }
          resources {
            limits = {
              memory = "128Mi"
            }
            requests = {
              cpu    = "20m"
              memory = "64Mi"
            }
          }
        }
      }
    }
  }
}

resource "kubernetes_service" "metrics_service" {
  metadata {
    name      = "metrics-service"
    namespace = var.namespace
  }
  spec {
    selector = {
      app = "metrics-servce"
    }
    port {
      port        = 9100
      target_port = "metrics"
    }
  }
}
