# The provider finds Snooze's group leader through a bootstrap node.
provider "snooze" {
  # Tried in order; the first that answers is used. Default: $SNOOZE_BOOTSTRAP_URLS, else
  # http://127.0.0.1:5000.
  bootstrap_urls = ["http://127.0.0.1:5000"]

  request_timeout = "30s" # per HTTP request
  poll_interval   = "1s"  # first wait of a long operation; backs off from there
}
