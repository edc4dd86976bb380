# Adopt running VMs by name (Snooze's virtual machine ids), separated by commas.
terraform import snooze_virtual_cluster.web debian1,worker1
