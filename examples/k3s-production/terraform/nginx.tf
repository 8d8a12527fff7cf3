# nginx in front of the apps: the image's nginx.conf includes conf.d/*.conf, where the
# ConfigMap below is mounted.
resource "kubernetes_config_map" "nginx" {
  metadata {
    name      = "nginx-conf"
    namespace = var.namespace
  }
  data = {
    "default.conf" = <<-EOT
      upstream event_store {
          server event-store:80;
          keepalive 16;
      }

      server {
          listen 80;
          server_name draw.home.lan;
          server_tokens off;

          proxy_set_header Host $host;
          proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
          proxy_set_header X-Forwarded-Proto $scheme;

          location = /healthz {
              access_log off;
              return 200 "ok\n";
          }

          location /api/events {
              proxy_pass http://event_store;
              proxy_http_version 1.1;
              proxy_set_header Connection "";
              proxy_set_header Host $host;
              proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
              proxy_set_header X-Forwarded-Proto $scheme;
              proxy_connect_timeout 3s;
              proxy_read_timeout 30s;
              proxy_send_timeout 30s;
              proxy_next_upstream error timeout http_502 http_503;
          }

          location /tiles/ {
              proxy_pass http://tile-service:8081;
          }

          location /ws/ {
              proxy_pass http://realtime-service:80;
              proxy_connect_timeout 3s;
              proxy_read_timeout 1h;
          }
      }
    EOT
    "metrics.conf" = templatefile("${path.module}/templates/metrics.conf.tftpl", {
      listen_port = 8080
      domain      = "home.lan"
      namespace   = var.namespace
    })
  }
}

resource "kubernetes_deployment" "nginx" {
  metadata {
    name      = "nginx"
    namespace = var.namespace
  }
  spec {
    replicas = 2
    selector {
      match_labels = {
        app = "nginx"
      }
    }
    template {
      metadata {
        labels = {
          app = "nginx"
        }
      }
      spec {
        container {
          name  = "nginx"
          image = "nginx:1.27-alpine"
          port {
            container_port = 80
            name           = "http"
          }
          readiness_probe {
            tcp_socket {
              port = "http"
            }
          }
          resources {
            limits = {
              memory = "128Mi"
            }
            requests = {
              cpu    = "50m"
              memory = "64Mi"
            }
          }
          volume_mount {
            name       = "conf"
            mount_path = "/etc/nginx/conf.d"
            read_only  = true
          }
        }
        volume {
          name = "conf"
          config_map {
            name = kubernetes_config_map.nginx.metadata[0].name
          }
        }
      }
    }
  }
}

resource "kubernetes_service" "nginx" {
  metadata {
    name      = "nginx"
    namespace = var.namespace
  }
  spec {
    type = "LoadBalancer"
    selector = {
      app = "nginx"
    }
    port {
      port        = 80
      target_port = "http"
    }
  }
}
